-- Partner organisations (DESIGN.md `partners`), as the manager keeps them in the app. A deleted
-- partner is gone from here and from everything built on it.
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
    created_at
from staging.stg_app__partners
where not is_deleted
