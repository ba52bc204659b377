-- What each joint project brought (DESIGN.md `project_outcomes`): results the manager entered by
-- hand (source 'entered'), and four computed ones (source 'computed'), one row each per project:
-- - new_members: members it brought (core.project_participants.is_new_member);
-- - registrations: event registrations whose source is one of its codes, in its window;
-- - reach: views of content published in its window whose text carries one of its codes (our
--   posts announcing the project; a partner's own posts are not ours to count). NULL when no
--   such content exists;
-- - uplift_pct: partner_uplift_pct, the average over its participants whose 60 days after are
--   over (NULL until there is one).
with projects as (
    select project_id, window_start, window_end from core.joint_projects
),

entered as (
    select o.outcome_id, o.project_id, o.metric, o.value, o.unit, o.recorded_on, o.note
    from staging.stg_app__project_outcomes as o
    semi join projects on projects.project_id = o.project_id
    where not o.is_deleted
),

participants as (
    select
        project_id,
        count(*) filter (where is_new_member) as new_members,
        avg(uplift_pct) as uplift_pct
    from core.project_participants
    group by project_id
),

registrations as (
    select project_id, count(distinct event_id || chr(31) || member_id) as registrations
    from core.project_touches
    where via = 'registration'
    group by project_id
),

coded_content as (
    select distinct projects.project_id, c.content_id, c.views
    from projects
    join core.content as c
        on c.published_at >= projects.window_start
        and c.published_at < projects.window_end
    join core.project_tracking_codes as codes
        on codes.project_id = projects.project_id
        and contains(lower(c.text), codes.match_key)
),

-- views unknown everywhere (Telegram, Discord, Slack report none): reach unknown, not 0
reach as (
    select project_id, sum(views) as reach
    from coded_content
    group by project_id
),

computed as (
    select
        projects.project_id,
        coalesce(participants.new_members, 0) as new_members,
        coalesce(registrations.registrations, 0) as registrations,
        reach.reach,
        participants.uplift_pct
    from projects
    left join participants on participants.project_id = projects.project_id
    left join registrations on registrations.project_id = projects.project_id
    left join reach on reach.project_id = projects.project_id
)

select outcome_id, project_id, metric, value, unit, recorded_on, note, 'entered' as source
from entered
union all
select
    'computed:' || project_id || ':' || metric,
    project_id,
    metric,
    value,
    unit,
    cast(null as date),
    cast(null as varchar),
    'computed'
from (
    select project_id, 'new_members' as metric, cast(new_members as double) as value,
        'members' as unit
    from computed
    union all
    select project_id, 'registrations', cast(registrations as double), 'registrations'
    from computed
    union all
    select project_id, 'reach', cast(reach as double), 'views' from computed
    union all
    select project_id, 'uplift_pct', round(uplift_pct, 1), '%' from computed
) as metrics
