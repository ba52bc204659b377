-- One person across platforms. Team members and bots are flagged, not removed.
with tags as (
    -- tags from the manager's member lists
    select identities.member_id, list(distinct member_tags.tag order by member_tags.tag) as tags
    from staging.stg_csv__member_tags as member_tags
    join core.identities as identities on identities.identity_id = member_tags.identity_id
    group by identities.member_id
),

seen as (
    select member_id, min(occurred_at) as first_seen_at, max(occurred_at) as last_seen_at
    from core.activities
    group by member_id
),

-- the event each member first took part in (registered for, or came to), and when
first_event as (
    select
        p.member_id,
        arg_min(p.event_id, coalesce(p.registered_at, p.checked_in_at, e.starts_at)) as event_id,
        min(coalesce(p.registered_at, p.checked_in_at, e.starts_at)) as at
    from core.event_participants as p
    join core.events as e on e.event_id = p.event_id
    group by p.member_id
)

select
    i.member_id,
    arg_max(i.display_name, coalesce(seen.last_seen_at, timestamp '1970-01-01')) as display_name,
    min(seen.first_seen_at) as first_seen_at,
    max(seen.last_seen_at) as last_seen_at,
    bool_or(i.is_team) as is_team,
    bool_or(i.is_bot) as is_bot,
    coalesce(any_value(tags.tags), cast([] as varchar[])) as tags,
    -- someone the community first met at an event ("first seen at that event")
    any_value(first_event.event_id) filter (where first_event.at <= seen.first_seen_at)
        as first_seen_event_id
from core.identities as i
left join seen on seen.member_id = i.member_id
left join tags on tags.member_id = i.member_id
left join first_event on first_event.member_id = i.member_id
group by i.member_id
