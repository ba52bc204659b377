-- Every tracking code in use, with its project (a code is one project's, or attribution would
-- be ambiguous).
select c.project_id, j.title, c.kind, c.code, c.match_key
from core.project_tracking_codes as c
join core.joint_projects as j on j.project_id = c.project_id
order by j.title, c.kind, c.code
