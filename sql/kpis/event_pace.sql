-- Registration pace at $now (naive UTC) of every upcoming event with a target: one row per event
-- starting after $now, not cancelled, registration_target > 0.
--
-- days_left: whole days to the start rounded up (4 days 3 hours → 5; exactly 4 days → 4), so
--   it is the last whole-day mark the event has already passed; never 0 for an upcoming event.
-- expected_share: the share of the target that should be registered by now.
--   basis 'history': the average, over past events (marts.event_registration_curves, events
--     that started before $now), of the share they had reached days_left days before their
--     start (days_left past 60 reads day 60); history_events says how many were averaged.
--   basis 'linear' (no past event yet): elapsed / window, clamped to [0, 1]; the window runs
--     from when registration opened to the start.
--   Registration opened at opened_at (when the manager created the event), else at the first
--   registration made by $now (imported events), else 30 days before the start. Before it
--   opens nothing is expected: expected_share is 0 whatever the basis.
-- expected_by_now: target × expected_share, rounded to 1 decimal (what the page shows).
-- projected_final: registrations_so_far / expected_share, 1 decimal; null while nothing is
--   expected yet.
-- behind: registration has opened and registrations_so_far < expected_by_now (the rounded
--   number, so the flag never contradicts the numbers shown).
with upcoming as (
    select event_id, title, starts_at, registration_target, opened_at, backup_actions
    from core.events
    where starts_at > $now::timestamp
        and status is distinct from 'cancelled'
        and registration_target > 0
),

so_far as (
    select
        u.event_id,
        count(p.registered_at) as registrations_so_far,
        min(p.registered_at) as first_registered_at
    from upcoming as u
    left join core.event_participants as p
        on p.event_id = u.event_id and p.registered_at <= $now::timestamp
    group by u.event_id
),

timing as (
    select
        u.event_id,
        u.title,
        u.starts_at,
        u.registration_target,
        u.backup_actions,
        s.registrations_so_far,
        ceil((epoch(u.starts_at) - epoch($now::timestamp)) / 86400)::bigint as days_left,
        coalesce(u.opened_at, s.first_registered_at, u.starts_at - interval 30 day)
            as window_start
    from upcoming as u
    join so_far as s on s.event_id = u.event_id
),

-- only events that had started by $now have a complete curve (and it keeps a past $now honest)
history as (
    select days_before, avg(share) as share, count(*) as events
    from marts.event_registration_curves
    where starts_at < $now::timestamp
    group by days_before
),

expected as (
    select
        t.*,
        $now::timestamp >= t.window_start as registration_open,
        h.events as history_events,
        case
            when $now::timestamp < t.window_start then 0.0
            when h.share is not null then h.share
            -- here window_start <= $now < starts_at, so the window is never empty
            else greatest(0.0, least(1.0,
                (epoch($now::timestamp) - epoch(t.window_start))
                / (epoch(t.starts_at) - epoch(t.window_start))
            ))
        end as expected_share
    from timing as t
    left join history as h on h.days_before = least(t.days_left, 60)
),

rounded as (
    select
        *,
        round(registration_target * expected_share, 1) as expected_by_now
    from expected
)

select
    event_id,
    title,
    starts_at,
    registration_target,
    registrations_so_far,
    days_left,
    expected_share::double as expected_share,
    expected_by_now::double as expected_by_now,
    round(registrations_so_far / nullif(expected_share, 0), 1)::double as projected_final,
    if(history_events is null, 'linear', 'history') as basis,
    coalesce(history_events, 0)::bigint as history_events,
    registration_open and registrations_so_far < expected_by_now as behind,
    backup_actions
from rounded
order by starts_at, event_id
