-- Every post or message is recorded once.
select content_id, count(*) as copies
from core.content
group by content_id
having count(*) > 1
