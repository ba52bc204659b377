-- When each person first did something in the community (joining or leaving is not "doing"),
-- computed once per build so the KPI queries over a period need not scan all history for it.
select member_id, min(occurred_at) as first_at
from core.activities
where activity_type not in ('join', 'leave')
group by member_id
