-- Events to choose from when loading registrations: newest first, undated ones last.
select event_id, title, starts_at
from core.events
order by starts_at desc nulls last, title, event_id
