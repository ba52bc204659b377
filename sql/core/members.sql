-- One person across platforms. Team members and bots are flagged, not removed.
-- The manager's edits (app.member_profiles) win over what the platforms say: a display name, the
-- team and bot flags (NULL: keep the platforms'), notes. Tags are those the member lists give
-- united with those added by hand (app.member_tags, not removed). Edits follow merges through
-- core.member_aliases; when both merged members were edited, the kept member's own edit wins,
-- then the latest.
with tags as (
    -- tags from the manager's member lists
    select identities.member_id, member_tags.tag
    from staging.stg_csv__member_tags as member_tags
    join core.identities as identities on identities.identity_id = member_tags.identity_id
    union
    -- and those added by hand
    select aliases.member_id, manual.tag
    from staging.stg_app__member_tags as manual
    join core.member_aliases as aliases on aliases.alias_id = manual.member_id
),

member_tags as (
    select member_id, list(tag order by tag) as tags
    from tags
    group by member_id
),

profiles as (
    select
        aliases.member_id,
        -- the kept member's own edit first, then the latest
        arg_max(
            p.display_name, (p.member_id = aliases.member_id, p.updated_at)
        ) filter (where p.display_name is not null) as display_name,
        arg_max(p.is_team, (p.member_id = aliases.member_id, p.updated_at))
            filter (where p.is_team is not null) as is_team,
        arg_max(p.is_bot, (p.member_id = aliases.member_id, p.updated_at))
            filter (where p.is_bot is not null) as is_bot,
        arg_max(p.notes, (p.member_id = aliases.member_id, p.updated_at))
            filter (where p.notes is not null) as notes
    from staging.stg_app__member_profiles as p
    join core.member_aliases as aliases on aliases.alias_id = p.member_id
    group by aliases.member_id
),

-- the name the platforms give (shown beside the manager's): the member's own account's (its id
-- is the member id), so a merge keeps the kept member's name
names as (
    select
        member_id,
        arg_max(display_name, identity_id = member_id) filter (where display_name is not null)
            as platform_display_name
    from core.identities
    group by member_id
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
    coalesce(any_value(profiles.display_name), any_value(names.platform_display_name))
        as display_name,
    min(seen.first_seen_at) as first_seen_at,
    max(seen.last_seen_at) as last_seen_at,
    coalesce(any_value(profiles.is_team), bool_or(i.is_team)) as is_team,
    coalesce(any_value(profiles.is_bot), bool_or(i.is_bot)) as is_bot,
    coalesce(any_value(member_tags.tags), cast([] as varchar[])) as tags,
    -- someone the community first met at an event ("first seen at that event")
    any_value(first_event.event_id) filter (where first_event.at <= seen.first_seen_at)
        as first_seen_event_id,
    any_value(profiles.notes) as notes,
    any_value(names.platform_display_name) as platform_display_name
from core.identities as i
left join seen on seen.member_id = i.member_id
left join member_tags on member_tags.member_id = i.member_id
left join profiles on profiles.member_id = i.member_id
left join names on names.member_id = i.member_id
left join first_event on first_event.member_id = i.member_id
group by i.member_id
