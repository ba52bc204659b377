-- Joint projects with their goal vs actual and computed outcomes (marts.partner_outcomes), their
-- partners' names and tracking codes: all of them, those of $partner_id, or only $project_id.
with codes as (
    select
        project_id,
        list(struct_pack(kind := kind, code := code) order by kind, code) as tracking_codes
    from core.project_tracking_codes
    group by project_id
),

names as (
    select listed.project_id, list(p.name order by listed.position) as partner_names
    from (
        select project_id, unnest(partner_ids) as partner_id,
            generate_subscripts(partner_ids, 1) as position
        from core.joint_projects
    ) as listed
    join core.partners as p on p.partner_id = listed.partner_id
    group by listed.project_id
)

select
    o.project_id,
    o.title,
    o.kind,
    o.partner_ids,
    coalesce(names.partner_names, cast([] as varchar[])) as partner_names,
    o.starts_on,
    o.ends_on,
    j.timezone,
    j.description,
    o.budget,
    o.currency,
    o.goal_metric,
    o.goal_target,
    o.goal_unit,
    o.goal_actual,
    o.goal_pct,
    o.new_members,
    o.registrations,
    o.reach,
    o.uplift_pct,
    coalesce(codes.tracking_codes, []) as tracking_codes
from marts.partner_outcomes as o
join core.joint_projects as j on j.project_id = o.project_id
left join codes on codes.project_id = o.project_id
left join names on names.project_id = o.project_id
where ($partner_id::varchar is null or list_contains(o.partner_ids, $partner_id::varchar))
    and ($project_id::varchar is null or o.project_id = $project_id::varchar)
order by o.starts_on desc, o.title, o.project_id
