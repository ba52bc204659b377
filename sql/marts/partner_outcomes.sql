-- Per joint project: its computed outcomes side by side, and its goal (DESIGN.md "project outcome
-- vs goal"): goal metric, target, actual, % of target. The actual of a computed metric is the
-- computed value; of any other metric the sum of the entered outcomes of that metric (of the
-- goal's unit when it has one: donations in EUR do not count towards a goal in RUB), 0 while
-- nothing is entered.
with computed as (
    select
        project_id,
        max(value) filter (where metric = 'new_members') as new_members,
        max(value) filter (where metric = 'registrations') as registrations,
        max(value) filter (where metric = 'reach') as reach,
        max(value) filter (where metric = 'uplift_pct') as uplift_pct
    from core.project_outcomes
    where source = 'computed'
    group by project_id
),

entered_towards_goal as (
    select p.project_id, sum(o.value) as value
    from core.joint_projects as p
    join core.project_outcomes as o
        on o.project_id = p.project_id
        and o.source = 'entered'
        and o.metric = p.goal_metric
        and (p.goal_unit is null or upper(trim(o.unit)) = upper(trim(p.goal_unit)))
    group by p.project_id
),

goals as (
    select
        p.project_id,
        case p.goal_metric
            when 'new_members' then c.new_members
            when 'registrations' then c.registrations
            when 'reach' then c.reach
            when 'uplift_pct' then c.uplift_pct
            else coalesce(e.value, 0)
        end as actual
    from core.joint_projects as p
    left join computed as c on c.project_id = p.project_id
    left join entered_towards_goal as e on e.project_id = p.project_id
    where p.goal_metric is not null
)

select
    p.project_id,
    p.title,
    p.kind,
    p.partner_ids,
    p.starts_on,
    p.ends_on,
    p.window_start,
    p.window_end,
    p.budget,
    p.currency,
    p.goal_metric,
    p.goal_target,
    p.goal_unit,
    goals.actual as goal_actual,
    round(100.0 * goals.actual / nullif(p.goal_target, 0), 1) as goal_pct,
    cast(coalesce(c.new_members, 0) as bigint) as new_members,
    cast(coalesce(c.registrations, 0) as bigint) as registrations,
    c.reach,
    c.uplift_pct
from core.joint_projects as p
left join computed as c on c.project_id = p.project_id
left join goals on goals.project_id = p.project_id
