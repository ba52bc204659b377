-- Each move of a (not deleted) partner to a stage, for its timeline.
select s.partner_id, s.changed_at, s.stage, s.note
from staging.stg_app__partner_stage_changes as s
semi join core.partners as p on p.partner_id = s.partner_id
