-- One row per member, and every activity belongs to a known member.
select member_id, 'duplicate member' as problem
from core.members
group by member_id
having count(*) > 1
union all
select a.member_id, 'activity of an unknown member'
from core.activities as a
anti join core.members as m on m.member_id = a.member_id
