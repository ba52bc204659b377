-- Every event, whatever system it was announced or run in (Timepad, a Zoom meeting, a form).
with all_events as (
    select
        event_id, title, format, starts_at, ends_at, place, channel_id, status,
        registration_target
    from staging.stg_timepad__events
    union all
    select
        event_id, title, format, starts_at, ends_at, place, channel_id, status,
        registration_target
    from staging.stg_zoom__events
    union all
    select
        event_id, title, format, starts_at, ends_at, place, channel_id, status,
        registration_target
    from staging.stg_gforms__events
)

select
    event_id,
    any_value(title) as title,
    any_value(format) as format,
    min(starts_at) as starts_at,
    max(ends_at) as ends_at,
    any_value(place) as place,
    any_value(channel_id) as channel_id,
    any_value(status) as status,
    max(registration_target) as registration_target,
    cast(null as varchar) as chapter_id
from all_events
group by event_id
