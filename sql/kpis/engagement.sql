-- Engagement health over [$start, $end), of one channel when one is chosen:
-- stickiness_pct, retention_pct, ugc_share_pct (connections between members and newcomers'
-- welcome: connections.sql). Members and "active" as in activity.sql: team and bots left out;
-- joining or leaving is not activity.
with community as (
    select member_id from core.members where not is_team and not is_bot
),

-- this period and the previous one (a day's slack for a daylight-saving change): nothing
-- here needs older history, and reading only these days keeps the query fast at any size
activity as (
    select member_id, occurred_at
    from core.activities
    semi join community on community.member_id = activities.member_id
    where activity_type not in ('join', 'leave')
        and occurred_at >= $start::timestamp - ($end::timestamp - $start::timestamp)
            - interval 1 day
        and occurred_at < $end::timestamp
        and ($channel::varchar is null or channel_id = $channel::varchar)
),

period_days as (
    select ($end_day::date - $start_day::date)::integer as days
),

-- The previous period: as many whole local days just before this one (what the pages compare
-- against, Period.previous()). Its UTC start is start - (end - start) except across a
-- daylight-saving change, where the local midnight is what counts.
previous_period as (
    select
        timezone($tz, ($start_day::date - period_days.days)::timestamp)::timestamp as start
    from period_days
),

active_now as (
    select distinct member_id
    from activity
    where occurred_at >= $start::timestamp and occurred_at < $end::timestamp
),

active_before as (
    select distinct activity.member_id
    from activity, previous_period
    where activity.occurred_at >= previous_period.start
        and activity.occurred_at < $start::timestamp
),

-- Stickiness: the average over every local day of the period (days when nobody was active
-- count as 0) is the number of (member, day) pairs divided by the number of days.
active_days as (
    select distinct member_id, timezone($tz, occurred_at::timestamptz)::date as day
    from activity
    where occurred_at >= $start::timestamp and occurred_at < $end::timestamp
),

stickiness as (
    select
        round(
            100.0 * (select count(*) from active_days) / period_days.days
            / nullif((select count(*) from active_now), 0),
            2
        ) as stickiness_pct
    from period_days
),

retention as (
    select
        round(
            100.0 * count(*) filter (where active_now.member_id is not null)
            / nullif(count(*), 0),
            2
        ) as retention_pct
    from active_before
    left join active_now on active_now.member_id = active_before.member_id
),

-- User-generated content: every message, reply, post or comment published in the period whose
-- author is a member, not the team, a bot or a channel posting as itself.
ugc as (
    select
        round(
            100.0 * count(community.member_id) / nullif(count(*), 0), 2
        ) as ugc_share_pct
    from core.content
    left join community on community.member_id = content.author_member_id
    where content.published_at >= $start::timestamp
        and content.published_at < $end::timestamp
        and ($channel::varchar is null or content.channel_id = $channel::varchar)
)

select stickiness.stickiness_pct, retention.retention_pct, ugc.ugc_share_pct
from stickiness, retention, ugc
