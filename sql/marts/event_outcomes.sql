-- Per event: the registration → attendance funnel, new vs repeat attendees, and how many of its
-- attendees came back within 90 days (another event attended, or any activity in a channel).
with attendees as (
    select p.event_id, p.member_id, e.starts_at
    from core.event_participants as p
    join core.events as e on e.event_id = p.event_id
    where p.attended
),

first_attended as (
    select member_id, min(starts_at) as first_event_at from attendees group by member_id
),

came_back as (
    select distinct a.event_id, a.member_id
    from attendees as a
    join attendees as later
        on later.member_id = a.member_id
        and later.starts_at > a.starts_at
        and later.starts_at <= a.starts_at + interval 90 day
    union
    select distinct a.event_id, a.member_id
    from attendees as a
    join core.activities as act
        on act.member_id = a.member_id
        and act.channel_id is not null
        and act.activity_type not in ('registration', 'attendance', 'join', 'leave')
        and act.occurred_at > a.starts_at
        and act.occurred_at <= a.starts_at + interval 90 day
)

select
    e.event_id,
    e.title,
    e.starts_at,
    count(p.member_id) filter (where p.registered_at is not null) as registrations,
    count(p.member_id) filter (where p.attended) as attendees,
    count(p.member_id) filter (where p.attended and f.first_event_at = e.starts_at) as new_attendees,
    count(p.member_id) filter (where p.attended and f.first_event_at < e.starts_at)
        as repeat_attendees,
    count(c.member_id) as returned_within_90_days,
    round(100.0 * count(c.member_id) / nullif(count(p.member_id) filter (where p.attended), 0), 2)
        as return_rate_pct
from core.events as e
left join core.event_participants as p on p.event_id = e.event_id
left join first_attended as f on f.member_id = p.member_id
left join came_back as c on c.event_id = e.event_id and c.member_id = p.member_id
group by e.event_id, e.title, e.starts_at
