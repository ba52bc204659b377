-- Events starting in [$start, $end) (of one channel when $channel is set): registrations,
-- attendees, check-in rate; attendees whose first attended event ever is this one (new) vs the
-- rest (repeat).
with first_attended as (
    select p.member_id, min(e.starts_at) as first_event_at
    from core.event_participants as p
    join core.events as e on e.event_id = p.event_id
    where p.attended
    group by p.member_id
),

in_period as (
    select p.member_id, p.registered_at, p.attended, e.starts_at
    from core.event_participants as p
    join core.events as e on e.event_id = p.event_id
    where e.starts_at >= $start::timestamp
        and e.starts_at < $end::timestamp
        and ($channel::varchar is null or e.channel_id = $channel::varchar)
),

counted as (
    select
        count(*) filter (where registered_at is not null) as event_registrations,
        count(*) filter (where attended) as event_attendees,
        count(*) filter (where attended and f.first_event_at = in_period.starts_at)
            as event_new_participants,
        count(*) filter (where attended and f.first_event_at < in_period.starts_at)
            as event_repeat_participants
    from in_period
    left join first_attended as f on f.member_id = in_period.member_id
)

select
    event_registrations,
    event_attendees,
    round(100.0 * event_attendees / nullif(event_registrations, 0), 2) as checkin_rate_pct,
    event_new_participants,
    event_repeat_participants,
    round(event_new_participants / nullif(event_repeat_participants, 0), 2) as new_to_repeat_ratio
from counted
