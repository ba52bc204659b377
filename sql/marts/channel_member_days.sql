-- One row per member × channel × local day (the community's time zone) on which the member did
-- something in the channel other than joining or leaving: what "active" means for
-- active_members, stickiness and retention. Team and bots are kept (the KPIs leave them out when
-- they read this, as flags can change without this table being rebuilt).
-- Built once per build so that a period's KPIs read a few hundred thousand member-days instead of
-- millions of activities with a time-zone conversion each. Rebuilt when the time zone changes
-- (it reads app.settings). Event registrations and attendance: marts.member_days adds them.
with settings as (
    select coalesce(any_value(value) filter (where key = 'timezone'), 'UTC') as tz
    from app.settings
),

acted as (
    select member_id, channel_id, occurred_at, activity_type in ('message', 'reply') as is_message
    from core.channel_activities
    where activity_type not in ('join', 'leave')
),

-- the local day of every quarter hour of the span: every time zone's offset and every
-- daylight-saving change falls on a quarter hour, so the day is the same all through one, and
-- an equality join on it costs far less than converting every activity's time (or an ASOF join,
-- which sorts all activities and spilled to disk inside a build). At most the last 20 years: a
-- stray date decades back must not cost a quarter hour for every year between; the few
-- activities outside the span are converted one by one below.
quarters as (
    select quarter, timezone(settings.tz, timezone('UTC', quarter))::date as day
    from
        (
            select
                greatest(min(occurred_at)::date - 1, max(occurred_at)::date - 7305) as first,
                max(occurred_at)::date + 1 as last
            from core.channel_activities
        ) as span,
        settings,
        range(span.first::timestamp, span.last::timestamp, interval 15 minute) as quarters (quarter)
)

select
    acted.member_id,
    acted.channel_id,
    coalesce(quarters.day, timezone(settings.tz, timezone('UTC', acted.occurred_at))::date) as day,
    count(*) as actions,
    count(*) filter (where acted.is_message) as messages
from acted
cross join settings
left join quarters on quarters.quarter = time_bucket(interval 15 minute, acted.occurred_at)
group by all
order by day  -- a period reads a run of row groups, not all of them
