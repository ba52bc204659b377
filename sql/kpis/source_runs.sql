-- The latest loads, newest first.
select run_id, source, target, started_at, finished_at, status, rows, message
from app.source_runs
order by run_id desc
limit $limit
