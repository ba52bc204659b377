-- One project's outcomes, computed ones first, then those entered by hand, newest first.
select outcome_id, metric, value, unit, recorded_on, note, source
from core.project_outcomes
where project_id = $project_id::varchar
order by source, recorded_on desc nulls first, metric, outcome_id
