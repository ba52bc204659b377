-- The member behind $member_id (any member or identity id, also one from before a merge), or no
-- row: the roles form checks whom it assigns a role to.
select members.member_id, members.display_name, members.is_team, members.is_bot
from core.member_aliases as alias
join core.members as members on members.member_id = alias.member_id
where alias.alias_id = $member_id::varchar
