-- One row per channel over [$start, $end): the channel KPIs side by side, each computed as its
-- own KPI query computes it for one channel (growth.sql, activity.sql, content.sql,
-- reactions.sql, questions.sql), grouped by channel instead of run once per channel;
-- tests/test_engagement_kpis.py holds them equal. views is content.sql's content_views; posts
-- counts top-level content.
--
-- event_registrations here is NOT the event_registrations KPI of one channel (registrations
-- for events held in that channel): it is the registrations whose source is that channel, as
-- DESIGN.md's channel_effectiveness asks, and registration_attendance_pct the share of them who
-- came. Both count registrations for events starting in the period, like the KPI.
-- A registration's source is the answer to "how did you hear about us" (Timepad's UTM source,
-- a form's or a list's source column): free text. Trimmed and case-insensitive, a source names
-- the channel whose id ('telegram:1001') it is; else whose id on its platform; else whose name;
-- else whose name (of four letters or more, so "IT" is not found inside words) it contains,
-- the longest such name when one contains another ("Канал «Волонтёры Города | Новости»");
-- else, being a platform ('vk', 'telegram'), the community's only channel there. A source
-- naming two channels equally well (two channels of one name, or two names in one answer)
-- is left unattributed rather than counted twice.
with community as (
    select member_id from core.members where not is_team and not is_bot
),

-- the team and bots, left out by an anti join on these few (why it is exact: activity.sql)
outsiders as (
    select member_id from core.members where is_team or is_bot
),

presence as (
    select presence.channel_id, presence.changed_at, presence.delta
    from marts.channel_presence as presence
    semi join community on community.member_id = presence.member_id
),

present_at_end as (
    select channel_id, sum(delta) as members
    from presence
    where changed_at < $end::timestamp
    group by channel_id
),

followers_at_end as (
    select channel_id, arg_max(followers, day) as followers
    from core.channel_snapshots
    where followers is not null and day < $end_day::date
    group by channel_id
),

moves as (
    select
        channel_id,
        count(distinct member_id) filter (where activity_type = 'join') as members_joined,
        count(distinct member_id) filter (where activity_type = 'leave') as members_left
    from core.activities
    semi join community on community.member_id = activities.member_id
    where activity_type in ('join', 'leave')
        and occurred_at >= $start::timestamp
        and occurred_at < $end::timestamp
    group by channel_id
),

activity as (
    select
        channel_id,
        count(distinct member_id) as active_members,
        cast(coalesce(sum(messages), 0) as bigint) as messages
    from marts.member_days
    anti join outsiders on outsiders.member_id = member_days.member_id
    where day >= $start_day::date and day < $end_day::date
    group by channel_id
),

published as (
    select
        channel_id,
        count(*) filter (where parent_content_id is null) as posts,
        sum(views) as views,
        sum(reactions + replies) as reactions,
        sum(reactions + replies) filter (where views is not null) as responses_with_views
    from core.content
    where published_at >= $start::timestamp and published_at < $end::timestamp
    group by channel_id
),

questions as (
    select
        channel_id,
        count(*) as questions,
        round(median(epoch(answered_at - asked_at)) / 60, 2) as first_response_median_minutes,
        round(
            100.0 * count(*) filter (where answered_at <= asked_at + interval 7 day)
            / nullif(count(*), 0),
            2
        ) as response_rate_pct
    from marts.question_responses
    where asked_at >= $start::timestamp and asked_at < $end::timestamp
    group by channel_id
),

sources as (
    select distinct source_channel as source, lower(trim(source_channel)) as said
    from core.event_participants
    where source_channel is not null
),

named_channels as (
    select
        channel_id,
        lower(channel_id) as id,
        lower(external_id) as external_id,
        lower(trim(name)) as name,
        lower(platform) as platform,
        count(*) over (partition by platform) as on_platform
    from core.channels
),

source_matches as (
    select
        sources.source,
        channels.channel_id,
        channels.name,
        case
            when sources.said = channels.id then 1
            when sources.said = channels.external_id then 2
            when sources.said = channels.name then 3
            when length(channels.name) >= 4 and contains(sources.said, channels.name) then 4
            when sources.said = channels.platform and channels.on_platform = 1 then 5
        end as strength
    from sources
    cross join named_channels as channels
),

-- a name inside a longer matching name is not a match of its own: "Волонтёры Города" within
-- "Канал «Волонтёры Города | Новости»" when that is also a channel's name
candidates as (
    select source, channel_id, strength
    from source_matches as m
    where m.strength is not null
        and not (
            m.strength = 4
            and exists (
                select 1
                from source_matches as longer
                where longer.source = m.source
                    and longer.strength = 4
                    and length(longer.name) > length(m.name)
                    and contains(longer.name, m.name)
            )
        )
),

best_matches as (
    select source, channel_id
    from candidates
    qualify strength = min(strength) over (partition by source)
),

attributed_sources as (
    select source, any_value(channel_id) as channel_id
    from best_matches
    group by source
    having count(*) = 1
),

registrations as (
    select
        source.channel_id,
        count(*) as source_registrations,
        count(*) filter (where p.attended) as source_attendees
    from core.event_participants as p
    join core.events as e on e.event_id = p.event_id
    join attributed_sources as source on source.source = p.source_channel
    where p.registered_at is not null
        and e.starts_at >= $start::timestamp
        and e.starts_at < $end::timestamp
    group by source.channel_id
)

select
    channels.channel_id,
    channels.platform,
    channels.name,
    channels.kind,
    cast(coalesce(followers_at_end.followers, present_at_end.members, 0) as bigint)
        as members_total,
    coalesce(moves.members_joined, 0) as members_joined,
    coalesce(moves.members_left, 0) as members_left,
    coalesce(activity.active_members, 0) as active_members,
    coalesce(activity.messages, 0) as messages,
    coalesce(published.posts, 0) as posts,
    cast(published.views as bigint) as views,
    cast(coalesce(published.reactions, 0) as bigint) as reactions,
    round(100.0 * published.responses_with_views / nullif(published.views, 0), 2)
        as engagement_rate_pct,
    coalesce(questions.questions, 0) as questions,
    questions.first_response_median_minutes,
    questions.response_rate_pct,
    coalesce(registrations.source_registrations, 0) as event_registrations,
    round(
        100.0 * registrations.source_attendees / nullif(registrations.source_registrations, 0), 2
    ) as registration_attendance_pct
from core.channels as channels
left join present_at_end on present_at_end.channel_id = channels.channel_id
left join followers_at_end on followers_at_end.channel_id = channels.channel_id
left join moves on moves.channel_id = channels.channel_id
left join activity on activity.channel_id = channels.channel_id
left join published on published.channel_id = channels.channel_id
left join questions on questions.channel_id = channels.channel_id
left join registrations on registrations.channel_id = channels.channel_id
order by channels.platform, channels.name
