-- Engagement health over [$start, $end), of one channel when one is chosen:
-- stickiness_pct, retention_pct, connected_members_pct, ugc_share_pct, newcomer_welcome_rate_pct.
-- Members and "active" as in activity.sql: team and bots left out; joining or leaving is not
-- activity.
with community as (
    select member_id from core.members where not is_team and not is_bot
),

activity as (
    select member_id, occurred_at
    from core.activities
    semi join community on community.member_id = activities.member_id
    where activity_type not in ('join', 'leave')
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

-- Horizontal ties: a reply or comment published in the period by one member to content of
-- another member. Replying to yourself, or to the team or a bot, makes no tie.
ties as (
    select reply.author_member_id as replier, parent.author_member_id as replied_to
    from core.content as reply
    join core.content as parent on parent.content_id = reply.parent_content_id
    join community as replier on replier.member_id = reply.author_member_id
    join community as replied_to on replied_to.member_id = parent.author_member_id
    where reply.published_at >= $start::timestamp
        and reply.published_at < $end::timestamp
        and ($channel::varchar is null or reply.channel_id = $channel::varchar)
        and reply.author_member_id <> parent.author_member_id
),

connected as (
    select replier as member_id from ties
    union
    select replied_to from ties
),

connected_share as (
    select
        round(
            100.0 * count(*) filter (where connected.member_id is not null)
            / nullif(count(*), 0),
            2
        ) as connected_members_pct
    from active_now
    left join connected on connected.member_id = active_now.member_id
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
),

-- Newcomers: members with a join in the period (as members_joined counts them). Their first
-- message is the first content they published after that join (for someone who left and came
-- back, what matters is the welcome this time). They were welcomed if someone else (a member or
-- the team; not a bot: an automatic greeting is no welcome) replied to or reacted on anything
-- they wrote within 48 hours of that first message, 48 h included. Joiners who never posted stay
-- in the denominator as not welcomed: the denominator is everyone who joined, and a newcomer
-- who never spoke up is part of what this rate should show.
joiners as (
    select member_id, min(occurred_at) as joined_at
    from core.activities
    semi join community on community.member_id = activities.member_id
    where activity_type = 'join'
        and occurred_at >= $start::timestamp
        and occurred_at < $end::timestamp
        and ($channel::varchar is null or channel_id = $channel::varchar)
    group by member_id
),

newcomer_content as (
    select
        joiners.member_id,
        content.content_id,
        content.published_at,
        min(content.published_at) over (partition by joiners.member_id) as first_at
    from joiners
    join core.content
        on content.author_member_id = joiners.member_id
        and content.published_at >= joiners.joined_at
    where $channel::varchar is null or content.channel_id = $channel::varchar
),

-- replies and reactions by anyone but bots; a reaction the platform gives no time for is dated
-- at the content itself (Discord, Slack, VK likes) and says nothing about when it came
responses as (
    select content.parent_content_id, content.author_member_id as member_id,
        content.published_at as at, false as is_reaction
    from core.content
    where content.parent_content_id is not null
    union all
    select parent_content_id, member_id, occurred_at, true
    from core.activities
    where activity_type = 'reaction'
),

welcomed as (
    select distinct newcomer_content.member_id
    from newcomer_content
    join responses on responses.parent_content_id = newcomer_content.content_id
    join core.members as responder on responder.member_id = responses.member_id
    where not responder.is_bot
        and responses.member_id <> newcomer_content.member_id
        and responses.at >= newcomer_content.first_at
        and responses.at <= newcomer_content.first_at + interval 48 hour
        and not (responses.is_reaction and responses.at = newcomer_content.published_at)
),

welcome_rate as (
    select
        round(
            100.0 * (select count(*) from welcomed) / nullif(count(*), 0), 2
        ) as newcomer_welcome_rate_pct
    from joiners
)

select
    stickiness.stickiness_pct,
    retention.retention_pct,
    connected_share.connected_members_pct,
    ugc.ugc_share_pct,
    welcome_rate.newcomer_welcome_rate_pct
from stickiness, retention, connected_share, ugc, welcome_rate
