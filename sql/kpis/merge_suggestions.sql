-- Members who may be one person, with their names and platforms, for the manager to check.
select
    s.member_a,
    a.display_name as name_a,
    (select string_agg(distinct platform, ', ') from core.identities where member_id = s.member_a)
        as platforms_a,
    s.member_b,
    b.display_name as name_b,
    (select string_agg(distinct platform, ', ') from core.identities where member_id = s.member_b)
        as platforms_b,
    s.reasons
from marts.merge_suggestions as s
join core.members as a on a.member_id = s.member_a
join core.members as b on b.member_id = s.member_b
order by s.reasons, a.display_name
