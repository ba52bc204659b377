-- Every move of a partner to a stage (UTC), as logged by the app.
select partner_id, changed_at, stage, note
from app.partner_stage_changes
