-- Joint projects entered in the app. The window in which a project brings people is its own days
-- plus 30 (DESIGN.md partner_new_members): from the local midnight its first day starts to the
-- local midnight 31 days after its last day, both as naive UTC like every stored time.
select
    project_id,
    title,
    kind,
    coalesce(partner_ids, cast([] as varchar[])) as partner_ids,
    starts_on,
    ends_on,
    coalesce(timezone, 'UTC') as timezone,
    cast(timezone(coalesce(timezone, 'UTC'), cast(starts_on as timestamp)) as timestamp)
        as window_start,
    cast(timezone(coalesce(timezone, 'UTC'), cast(ends_on + 31 as timestamp)) as timestamp)
        as window_end,
    goal_metric,
    cast(goal_target as double) as goal_target,
    goal_unit,
    budget,
    currency,
    description,
    created_at,
    deleted_at is not null as is_deleted
from app.joint_projects
