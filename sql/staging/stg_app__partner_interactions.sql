-- Contacts with partners logged in the app; occurred_on is the community's local day.
select
    interaction_id,
    partner_id,
    occurred_on,
    kind,
    summary,
    next_step,
    next_step_due,
    next_step_done_on,
    owner,
    created_at,
    deleted_at is not null as is_deleted
from app.partner_interactions
