-- active_members, messages, new_active, returning_active over [$start, $end).
-- Joining or leaving is not "being active": join/leave activities are left out here.
-- "New" means first activity ever, anywhere in the community, even when one channel is shown
-- (marts.member_first_activity, so only the period's activities are read here).
with community as (
    select member_id from core.members where not is_team and not is_bot
),

in_period as (
    select activities.member_id, activities.activity_type, first_activity.first_at
    from core.activities
    semi join community on community.member_id = activities.member_id
    join marts.member_first_activity as first_activity
        on first_activity.member_id = activities.member_id
    where activities.activity_type not in ('join', 'leave')
        and activities.occurred_at >= $start::timestamp
        and activities.occurred_at < $end::timestamp
        and ($channel::varchar is null or activities.channel_id = $channel::varchar)
)

select
    count(distinct member_id) as active_members,
    count(*) filter (where activity_type in ('message', 'reply')) as messages,
    count(distinct member_id) filter (where first_at >= $start::timestamp) as new_active,
    count(distinct member_id) filter (where first_at < $start::timestamp) as returning_active
from in_period
