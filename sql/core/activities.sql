-- One thing a member did: everything done in channels, plus registering for and attending an
-- event, in the event's channel (if it has one). Weights follow DESIGN.md's defaults.
-- A view: copying a million channel activities on every check-in would cost more than reading
-- through the union.
-- materialized: view
select
    activity_id, member_id, channel_id, activity_type, occurred_at, content_id,
    parent_content_id, weight
from core.channel_activities

union all

select
    'event:' || p.event_id || ':registration:' || p.member_id,
    p.member_id,
    e.channel_id,
    'registration',
    p.registered_at,
    cast(null as varchar),
    cast(null as varchar),
    3
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
