-- One member for the profile page. $member_id may be any member id ever seen: one merged since
-- gives the member it is now (member_id tells which). With the name and flags the platforms give
-- beside the manager's, tags split into those from member lists and those added by hand, and the
-- level in $month (none: nothing weighted in the 12 months up to it).
with target as (
    select member_id from core.member_aliases where alias_id = $member_id::varchar
),

platform_flags as (
    select
        bool_or(identities.is_team) as is_team,
        bool_or(identities.is_bot) as is_bot,
        count(*) as accounts
    from core.identities
    semi join target on target.member_id = identities.member_id
),

imported as (
    select list(distinct listed.tag order by listed.tag) as tags
    from staging.stg_csv__member_tags as listed
    join core.identities as identities on identities.identity_id = listed.identity_id
    semi join target on target.member_id = identities.member_id
),

added as (
    select
        list(distinct manual.tag order by manual.tag) as tags,
        -- the rows behind them (merged members' too), for removing a tag
        list({'member_id': manual.member_id, 'tag': manual.tag}) as tag_rows
    from staging.stg_app__member_tags as manual
    join core.member_aliases as aliases on aliases.alias_id = manual.member_id
    semi join target on target.member_id = aliases.member_id
),

level_now as (
    select member_levels.level, member_levels.score
    from marts.member_levels
    semi join target on target.member_id = member_levels.member_id
    where member_levels.month = $month::date
)

select
    members.member_id,
    members.display_name,
    members.platform_display_name,
    members.first_seen_at,
    members.last_seen_at,
    members.is_team,
    members.is_bot,
    platform_flags.is_team as platform_is_team,
    platform_flags.is_bot as platform_is_bot,
    platform_flags.accounts,
    members.notes,
    members.tags,
    coalesce(imported.tags, cast([] as varchar[])) as imported_tags,
    coalesce(added.tags, cast([] as varchar[])) as added_tags,
    added.tag_rows as added_tag_rows,
    (select level from level_now) as level,
    (select score from level_now) as score,
    members.first_seen_event_id,
    events.title as first_seen_event_title
from core.members
semi join target on target.member_id = members.member_id
cross join platform_flags
cross join imported
cross join added
left join core.events on events.event_id = members.first_seen_event_id
