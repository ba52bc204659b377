-- Ties between members over [$start, $end), of one channel when one is chosen:
-- connected_members_pct and newcomer_welcome_rate_pct. Members and "active" as in activity.sql:
-- team and bots left out; joining or leaving is not activity.
with community as (
    select member_id from core.members where not is_team and not is_bot
),

-- the team and bots, left out by an anti join on these few (why it is exact: activity.sql)
outsiders as (
    select member_id from core.members where is_team or is_bot
),

active_now as (
    select distinct member_days.member_id
    from marts.member_days
    anti join outsiders on outsiders.member_id = member_days.member_id
    where member_days.day >= $start_day::date
        and member_days.day < $end_day::date
        and ($channel::varchar is null or member_days.channel_id = $channel::varchar)
),

-- Horizontal ties: a reply or comment published in the period by one member to content of
-- another member. Replying to yourself, or to the team or a bot, makes no tie.
ties as (
    select replies.author_member_id as replier, replies.parent_author_member_id as replied_to
    from marts.replies
    join community as replier on replier.member_id = replies.author_member_id
    join community as replied_to on replied_to.member_id = replies.parent_author_member_id
    where replies.published_at >= $start::timestamp
        and replies.published_at < $end::timestamp
        and ($channel::varchar is null or replies.channel_id = $channel::varchar)
        and replies.author_member_id <> replies.parent_author_member_id
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
    where content.published_at >= $start::timestamp  -- as every join is: reads recent content only
        and ($channel::varchar is null or content.channel_id = $channel::varchar)
),

-- replies and reactions by anyone but bots; a reaction the platform gives no time for is dated
-- at the content itself (Discord, Slack, VK likes) and says nothing about when it came
-- (a welcome comes after the newcomer joined, so after the period's start)
responses as (
    select replies.parent_content_id, replies.author_member_id as member_id,
        replies.published_at as at, false as is_reaction
    from marts.replies
    where replies.published_at >= $start::timestamp
    union all
    select parent_content_id, member_id, occurred_at, true
    from core.activities
    where activity_type = 'reaction'
        and occurred_at >= $start::timestamp
),

-- materialized: the few answers to newcomers first, then whether a bot gave them (joined the
-- other way round, every reply and reaction of the period is looked up among the members)
answers as materialized (
    select newcomer_content.member_id, responses.member_id as responder
    from newcomer_content
    join responses on responses.parent_content_id = newcomer_content.content_id
    where responses.member_id <> newcomer_content.member_id
        and responses.at >= newcomer_content.first_at
        and responses.at <= newcomer_content.first_at + interval 48 hour
        and not (responses.is_reaction and responses.at = newcomer_content.published_at)
),

welcomed as (
    select distinct answers.member_id
    from answers
    join core.members as responder on responder.member_id = answers.responder
    where not responder.is_bot
),

welcome_rate as (
    select
        round(
            100.0 * (select count(*) from welcomed) / nullif(count(*), 0), 2
        ) as newcomer_welcome_rate_pct
    from joiners
)

select connected_share.connected_members_pct, welcome_rate.newcomer_welcome_rate_pct
from connected_share, welcome_rate
