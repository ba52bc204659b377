-- How registrations accumulated before each event: per event and whole day before its start
-- (0..60), the share of its final registrations already made by then. Upcoming events get their
-- pace expected from these curves (sql/kpis/event_pace.sql).
--
-- Final registrations = registrations made before the start (walk-ins who registered at the door
-- or later would distort the shape). Only events with at least 5 of them: a curve from 2 people
-- is noise. Cancelled events are left out: their registrations stopped for another reason.
-- Models have no "now", so events not yet started are here too (with their curve so far); the
-- pace query keeps only the events that started before its $now.
-- share at d = registrations made at or before starts_at − d days / final registrations, so it
-- rises to 1 at d = 0; registrations more than 60 days ahead all count from d = 60 on.
with registrations as (
    select
        e.event_id,
        e.starts_at,
        -- whole days between registration and start (a registration 4.5 days ahead counts at
        -- d = 4 and below); capped at the 60-day window
        least(floor((epoch(e.starts_at) - epoch(p.registered_at)) / 86400), 60)::integer
            as days_ahead
    from core.events as e
    join core.event_participants as p on p.event_id = e.event_id
    where e.status is distinct from 'cancelled'
        and p.registered_at is not null
        and p.registered_at < e.starts_at
),

finals as (
    select event_id, any_value(starts_at) as starts_at, count(*) as final_registrations
    from registrations
    group by event_id
    having count(*) >= 5
),

per_day as (
    select event_id, days_ahead, count(*) as registered
    from registrations
    group by event_id, days_ahead
),

-- one row per event and day, so that the pace query reads the share at any day with an equi-join
grid as (
    select f.event_id, f.starts_at, f.final_registrations, d.range::integer as days_before
    from finals as f
    cross join range(0, 61) as d
)

select
    g.event_id,
    g.starts_at,
    g.final_registrations,
    g.days_before,
    -- registered at least days_before whole days ahead: counted from the far end of the window
    coalesce(
        sum(pd.registered) over (
            partition by g.event_id order by g.days_before desc
            rows between unbounded preceding and current row
        ),
        0
    ) / g.final_registrations as share
from grid as g
left join per_day as pd on pd.event_id = g.event_id and pd.days_ahead = g.days_before
