-- Registering for and attending an event, as activities in the event's channel (if it has one).
-- A view: these change at every check-in, and core.activities and marts.member_days read them.
-- materialized: view
select
    'event:' || p.event_id || ':registration:' || p.member_id as activity_id,
    p.member_id,
    e.channel_id,
    'registration' as activity_type,
    p.registered_at as occurred_at,
    cast(null as varchar) as content_id,
    cast(null as varchar) as parent_content_id,
    3 as weight
from core.event_participants as p
join core.events as e on e.event_id = p.event_id
where p.registered_at is not null

union all

select
    'event:' || p.event_id || ':attendance:' || p.member_id,
    p.member_id,
    e.channel_id,
    'attendance',
    coalesce(p.checked_in_at, e.starts_at),
    cast(null as varchar),
    cast(null as varchar),
    8
from core.event_participants as p
join core.events as e on e.event_id = p.event_id
where p.attended
