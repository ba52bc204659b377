-- The tracking codes of existing joint projects: kind invite_link | utm | promo_code, the code as
-- typed, and match_key, the form compared with what sources carry (lower-case, no scheme).
select c.project_id, c.kind, c.code, c.match_key, c.added_at
from staging.stg_app__project_tracking_codes as c
semi join core.joint_projects as p on p.project_id = c.project_id
