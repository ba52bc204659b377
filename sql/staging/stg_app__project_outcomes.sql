-- Project results entered by hand (leads, donations with their currency, items collected…).
select
    outcome_id,
    project_id,
    metric,
    cast(value as double) as value,
    unit,
    recorded_on,
    note,
    created_at,
    deleted_at is not null as is_deleted
from app.project_outcomes
