-- Projects done with partners (DESIGN.md `joint_projects`). partner_ids keeps the partners that
-- still exist, in the order entered; window_start / window_end (naive UTC) bound the project's
-- days plus 30, where people it brings are counted. Tracking codes: core.project_tracking_codes.
with projects as (
    select
        project_id, title, kind, partner_ids, starts_on, ends_on, timezone, window_start,
        window_end, goal_metric, goal_target, goal_unit, budget, currency, description, created_at
    from staging.stg_app__joint_projects
    where not is_deleted
),

kept_partners as (
    select
        listed.project_id,
        list(listed.partner_id order by listed.position) as partner_ids
    from (
        select project_id, unnest(partner_ids) as partner_id, generate_subscripts(partner_ids, 1)
            as position
        from projects
    ) as listed
    semi join core.partners as p on p.partner_id = listed.partner_id
    group by listed.project_id
)

select
    projects.project_id,
    projects.title,
    projects.kind,
    coalesce(kept_partners.partner_ids, cast([] as varchar[])) as partner_ids,
    projects.starts_on,
    projects.ends_on,
    projects.timezone,
    projects.window_start,
    projects.window_end,
    projects.goal_metric,
    projects.goal_target,
    projects.goal_unit,
    projects.budget,
    projects.currency,
    projects.description,
    projects.created_at
from projects
left join kept_partners on kept_partners.project_id = projects.project_id
