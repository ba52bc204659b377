-- Zoom meetings loaded without an `event_id` option: the meeting itself is the event
-- ('zoom:<meeting id>'), held online and over once its report exists. A report attached to an
-- event of another source ('app:12', 'timepad:123') adds no event here. Times are UTC.
select
    event_id,
    arg_max(topic, start_us) as title,
    'online' as format,
    make_timestamp(max(start_us)) as starts_at,
    make_timestamp(max(end_us)) as ends_at,
    cast(null as varchar) as place,
    cast(null as varchar) as channel_id,
    'done' as status,
    cast(null as bigint) as registration_target
from raw_zoom.meetings
where is_event
group by event_id
