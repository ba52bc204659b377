-- Members who may be one person (marts.merge_suggestions), with their names, platforms and when
-- each was last seen, for the manager to merge or leave; all pairs, or those of one member
-- ($member_id: any member id ever seen), $limit of them with the number of all (total).
-- Platforms are gathered for the listed members only.
with target as (
    select member_id from core.member_aliases where alias_id = $member_id::varchar
),

matching as (
    select member_a, member_b, reasons
    from marts.merge_suggestions
    where $member_id::varchar is null
        or member_a in (select member_id from target)
        or member_b in (select member_id from target)
),

listed as (
    select member_a, member_b, reasons, count(*) over () as total
    from matching
    order by reasons, member_a, member_b
    limit $limit
),

platforms as (
    select member_id, string_agg(distinct platform, ', ' order by platform) as platforms
    from core.identities
    where member_id in (select member_a from listed union select member_b from listed)
    group by member_id
)

select
    listed.member_a,
    a.display_name as name_a,
    platforms_a.platforms as platforms_a,
    a.last_seen_at as last_seen_a,
    listed.member_b,
    b.display_name as name_b,
    platforms_b.platforms as platforms_b,
    b.last_seen_at as last_seen_b,
    listed.reasons,
    listed.total
from listed
join core.members as a on a.member_id = listed.member_a
join core.members as b on b.member_id = listed.member_b
left join platforms as platforms_a on platforms_a.member_id = listed.member_a
left join platforms as platforms_b on platforms_b.member_id = listed.member_b
order by listed.reasons, a.display_name, listed.member_a, listed.member_b
