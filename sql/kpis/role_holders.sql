-- Every role assignment, or one member's ($member_id), with its state on $today (the community's
-- local day: upcoming, current or ended) and, for a role held today, whether its holder keeps the
-- expected cadence. A holder's activities count anywhere in the community (joining or leaving is
-- no activity): for "n per week", at least 4 × n in the 28 days up to $now (n a week on average
-- over the last four weeks); for "n per month", at least n in the 30 days up to $now.
with roles as (
    select
        role_id,
        member_id,
        role,
        started_on,
        ended_on,
        cadence_count,
        cadence_per,
        expected_cadence,
        note,
        updated_by,
        updated_at,
        case
            when started_on > $today::date then 'upcoming'
            when ended_on < $today::date then 'ended'
            else 'current'
        end as state,
        case cadence_per when 'week' then 28 else 30 end as window_days,
        case cadence_per when 'week' then 4 * cadence_count else cadence_count end as needed
    from core.member_roles
    where $member_id::varchar is null or member_id = $member_id::varchar
),

recent_activity as (
    select
        member_id,
        count(*) filter (
            where occurred_at > $now::timestamp - interval 28 day
        ) as last_28_days,
        count(*) as last_30_days
    from core.activities
    semi join roles on roles.member_id = activities.member_id
    where activity_type not in ('join', 'leave')
        and occurred_at > $now::timestamp - interval 30 day
        and occurred_at <= $now::timestamp
    group by member_id
),

judged as (
    select
        roles.role_id,
        roles.member_id,
        roles.role,
        roles.state,
        roles.started_on,
        roles.ended_on,
        roles.cadence_count,
        roles.cadence_per,
        roles.expected_cadence,
        roles.window_days,
        roles.needed,
        roles.note,
        roles.updated_by,
        roles.updated_at,
        case
            when roles.state = 'current' and roles.window_days = 28
                then coalesce(recent_activity.last_28_days, 0)
            when roles.state = 'current'
                then coalesce(recent_activity.last_30_days, 0)
        end as activities
    from roles
    left join recent_activity on recent_activity.member_id = roles.member_id
)

select
    judged.role_id,
    judged.member_id,
    members.display_name,
    judged.role,
    judged.state,
    judged.started_on,
    judged.ended_on,
    judged.cadence_count,
    judged.cadence_per,
    judged.expected_cadence,
    judged.window_days,
    judged.needed,
    judged.activities,
    judged.activities >= judged.needed as meets_cadence,
    judged.note,
    judged.updated_by,
    judged.updated_at
from judged
left join core.members as members on members.member_id = judged.member_id
order by judged.role, members.display_name, judged.started_on, judged.role_id
