-- Contacts with partners (DESIGN.md `partner_interactions`): occurred_on is the community's
-- local day; the next step is open until next_step_done_on is set.
select
    i.interaction_id,
    i.partner_id,
    i.occurred_on,
    i.kind,
    i.summary,
    i.next_step,
    i.next_step_due,
    i.next_step_done_on,
    i.owner,
    i.created_at
from staging.stg_app__partner_interactions as i
semi join core.partners as p on p.partner_id = i.partner_id
where not i.is_deleted
