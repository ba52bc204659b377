-- Partner organisations as the manager keeps them in the app, deleted ones flagged (core drops
-- them; undo brings them back).
select
    partner_id,
    name,
    partner_type,
    stage,
    owner,
    contact,
    partner_offers,
    our_offer,
    note,
    stage_changed_at,
    created_at,
    deleted_at is not null as is_deleted
from app.partners
