-- The partners the manager says co-host an event (ids of app.partners).
select event_id, coalesce(partner_ids, cast([] as varchar[])) as partner_ids
from app.event_partners
