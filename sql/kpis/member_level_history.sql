-- One member's engagement level month by month ($member_id: any member id ever seen), from
-- marts.member_levels (months with nothing weighted in the 12 before are not there).
select member_levels.month, member_levels.score, member_levels.level, member_levels.level_rank
from marts.member_levels
semi join core.member_aliases as aliases
    on aliases.member_id = member_levels.member_id and aliases.alias_id = $member_id::varchar
order by member_levels.month
