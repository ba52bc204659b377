-- Engagement health over [$start, $end), of one channel when one is chosen:
-- stickiness_pct, retention_pct, ugc_share_pct (connections between members and newcomers'
-- welcome: connections.sql). Members and "active" as in activity.sql: team and bots left out;
-- joining or leaving is not activity.
with community as (
    select member_id from core.members where not is_team and not is_bot
),

-- the team and bots, left out by an anti join on these few (why it is exact: activity.sql)
outsiders as (
    select member_id from core.members where is_team or is_bot
),

period_days as (
    select ($end_day::date - $start_day::date)::integer as days
),

-- member-days (marts.member_days, in the community's time zone) of this period and the previous
-- one of as many days (what the pages compare against, Period.previous())
days_active as (
    select member_days.member_id, member_days.day
    from marts.member_days
    anti join outsiders on outsiders.member_id = member_days.member_id
    where member_days.day >= $start_day::date - (select days from period_days)
        and member_days.day < $end_day::date
        and ($channel::varchar is null or member_days.channel_id = $channel::varchar)
),

active_now as (
    select distinct member_id from days_active where day >= $start_day::date
),

active_before as (
    select distinct member_id from days_active where day < $start_day::date
),

-- Stickiness: the average over every local day of the period (days when nobody was active
-- count as 0) is the number of (member, day) pairs divided by the number of days.
active_days as (
    select distinct member_id, day from days_active where day >= $start_day::date
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
