-- The Members directory: members matching every filter given (a NULL parameter filters nothing),
-- most recently active first, one page ($limit from $offset) with the number of matches.
-- $query: part of a name (the member's or an account's), a handle or an e-mail, any case; its
-- % and _ match themselves. $level: the level in $month (marts.member_levels; 'none': no level,
-- nothing weighted in the last 12 months). $role_members: the members holding the role asked
-- for (warehouse/roles.py). $channel: did something there. $tag: has the tag. $who: 'members'
-- (not team, not bots), 'team' or 'bots'. Joined ($joined_from ≤ first seen < $joined_to) and
-- last active ($active_from ≤ last seen < $active_to) are naive UTC bounds.
-- Fast at 100,000 members: each filter is a scan or a semi join, and the accounts' platforms and
-- handles are gathered for the page's rows only.
with typed as (
    select trim($query::varchar) as text
    where nullif(trim($query::varchar), '') is not null
),

-- the search as an ILIKE pattern that finds it anywhere; a handle is searched without its "@"
search as (
    select
        '%' || replace(replace(replace(text, '\', '\\'), '%', '\%'), '_', '\_') || '%' as pattern,
        '%' || replace(replace(replace(ltrim(text, '@'), '\', '\\'), '%', '\%'), '_', '\_') || '%'
            as handle_pattern
    from typed
),

found as (
    select i.member_id
    from core.identities as i
    cross join search
    where i.display_name ilike search.pattern escape '\'
        or i.handle ilike search.handle_pattern escape '\'
        or i.email ilike search.pattern escape '\'
    union
    select m.member_id
    from core.members as m
    cross join search
    where m.display_name ilike search.pattern escape '\'
),

levels_now as (
    select member_id, level, level_rank
    from marts.member_levels
    where month = $month::date
),

in_channel as (
    select distinct member_id
    from core.activities
    where channel_id = $channel::varchar
),

matching as (
    select
        m.member_id,
        m.display_name,
        levels_now.level,
        levels_now.level_rank,
        m.first_seen_at,
        m.last_seen_at,
        m.tags,
        m.is_team,
        m.is_bot
    from core.members as m
    left join levels_now on levels_now.member_id = m.member_id
    where (not exists (from typed) or m.member_id in (select member_id from found))
        and (
            $level::varchar is null
            or levels_now.level = $level::varchar
            or ($level::varchar = 'none' and levels_now.level is null)
        )
        and (
            $role_members::varchar[] is null
            or list_contains($role_members::varchar[], m.member_id)
        )
        and ($channel::varchar is null or m.member_id in (select member_id from in_channel))
        and ($tag::varchar is null or list_contains(m.tags, $tag::varchar))
        and (
            $who::varchar is null
            or ($who::varchar = 'members' and not m.is_team and not m.is_bot)
            or ($who::varchar = 'team' and m.is_team)
            or ($who::varchar = 'bots' and m.is_bot)
        )
        and ($joined_from::timestamp is null or m.first_seen_at >= $joined_from::timestamp)
        and ($joined_to::timestamp is null or m.first_seen_at < $joined_to::timestamp)
        and ($active_from::timestamp is null or m.last_seen_at >= $active_from::timestamp)
        and ($active_to::timestamp is null or m.last_seen_at < $active_to::timestamp)
),

page as (
    select
        member_id, display_name, level, level_rank, first_seen_at, last_seen_at, tags, is_team,
        is_bot, count(*) over () as matches
    from matching
    order by last_seen_at desc nulls last, member_id
    limit $limit
    offset $offset
),

accounts as (
    select
        i.member_id,
        string_agg(distinct i.platform, ', ' order by i.platform) as platforms,
        string_agg(distinct i.handle, ', ' order by i.handle) as handles
    from core.identities as i
    semi join page on page.member_id = i.member_id
    group by i.member_id
)

select
    page.member_id,
    page.display_name,
    page.level,
    page.first_seen_at,
    page.last_seen_at,
    accounts.platforms,
    accounts.handles,
    array_to_string(page.tags, ', ') as tags,
    page.is_team,
    page.is_bot,
    page.matches
from page
left join accounts on accounts.member_id = page.member_id
order by page.last_seen_at desc nulls last, page.member_id
