-- Per partner, over all its joint projects: how many projects, the distinct members they brought
-- (a member brought by two of its projects counts once), the distinct coded registrations, and
-- partner_uplift_pct averaged over every (project, member) participation whose 60 days after
-- are over.
with partner_projects as (
    select distinct unnest(partner_ids) as partner_id, project_id from core.joint_projects
),

participants as (
    select
        pp.partner_id,
        count(distinct pm.member_id) filter (where pm.is_new_member) as new_members,
        round(avg(pm.uplift_pct), 1) as uplift_pct
    from partner_projects as pp
    join core.project_participants as pm on pm.project_id = pp.project_id
    group by pp.partner_id
),

registrations as (
    select
        pp.partner_id,
        count(distinct t.event_id || chr(31) || t.member_id) as registrations
    from partner_projects as pp
    join core.project_touches as t on t.project_id = pp.project_id and t.via = 'registration'
    group by pp.partner_id
),

projects as (
    select partner_id, count(*) as projects from partner_projects group by partner_id
)

select
    p.partner_id,
    coalesce(projects.projects, 0) as projects,
    coalesce(participants.new_members, 0) as new_members,
    coalesce(registrations.registrations, 0) as registrations,
    participants.uplift_pct
from core.partners as p
left join projects on projects.partner_id = p.partner_id
left join participants on participants.partner_id = p.partner_id
left join registrations on registrations.partner_id = p.partner_id
