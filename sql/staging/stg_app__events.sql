-- Events as the manager entered them in the app: new events ('app:…') and edits to imported
-- ones (same id as the source's; NULL columns keep the source's values). Deleted ones included,
-- flagged, so core can hide an imported event the manager deleted. Times are UTC.
select
    event_id,
    starts_with(event_id, 'app:') as created_in_app,
    title,
    format,
    starts_at,
    ends_at,
    timezone,
    place,
    channel_id,
    organisers,
    co_hosts,
    registration_target,
    budget,
    currency,
    status,
    backup_actions,
    created_at,
    deleted_at is not null as is_deleted
from app.events
