-- Partnerships over [$start, $end) for the leadership Overview, aggregates only: one row per
-- partner that brought anyone in the period (a private person's name left out), and a total row (partner_id NULL) counting people
-- once however many partners brought them.
-- - new_members: members brought by a partner's project (is_new_member) who were first seen in
--   the period;
-- - registrations: coded registrations made in the period.
-- The total row also carries active_partners (stage 'active' now) and projects_running (projects
-- whose days overlap the period's local days [$start_day, $end_day)).
with partner_projects as (
    select distinct unnest(partner_ids) as partner_id, project_id from core.joint_projects
),

brought as (
    select pp.partner_id, 'member' as what, pm.member_id as who
    from partner_projects as pp
    join core.project_participants as pm on pm.project_id = pp.project_id
    where pm.is_new_member
        and pm.first_seen_at >= $start::timestamp
        and pm.first_seen_at < $end::timestamp
    union
    select pp.partner_id, 'registration', t.event_id || chr(31) || t.member_id
    from partner_projects as pp
    join core.project_touches as t on t.project_id = pp.project_id
    where t.via = 'registration'
        and t.touched_at >= $start::timestamp
        and t.touched_at < $end::timestamp
),

counted as (
    select
        partner_id,
        count(distinct who) filter (where what = 'member') as new_members,
        count(distinct who) filter (where what = 'registration') as registrations
    from brought
    group by grouping sets ((partner_id), ())
)

select
    counted.partner_id,
    -- a private person is personal data: the Overview (and shared links) never names one
    case when p.partner_type = 'person' then null else p.name end as name,
    counted.new_members,
    counted.registrations,
    (select count(*) from core.partners where stage = 'active') as active_partners,
    (
        select count(*)
        from core.joint_projects
        where starts_on < $end_day::date and ends_on >= $start_day::date
    ) as projects_running
from counted
left join core.partners as p on p.partner_id = counted.partner_id
order by counted.partner_id is not null, counted.new_members desc, counted.registrations desc,
    p.name
