-- Every activity is recorded once.
select activity_id, count(*) as copies
from core.activities
group by activity_id
having count(*) > 1
