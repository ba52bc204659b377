-- active_members, messages, new_active, returning_active over [$start, $end).
-- Joining or leaving is not "being active": join/leave activities are left out here.
-- "New" means first activity ever, anywhere in the community, even when one channel is shown.
with community as (
    select member_id from core.members where not is_team and not is_bot
),

everywhere as (
    select member_id, channel_id, activity_type, occurred_at
    from core.activities
    semi join community on community.member_id = activities.member_id
    where activity_type not in ('join', 'leave')
),

activity as (
    select member_id, activity_type, occurred_at
    from everywhere
    where $channel::varchar is null or channel_id = $channel::varchar
),

first_activity as (
    select member_id, min(occurred_at) as first_at
    from everywhere
    group by member_id
),

in_period as (
    select activity.member_id, activity.activity_type, first_activity.first_at
    from activity
    join first_activity on first_activity.member_id = activity.member_id
    where activity.occurred_at >= $start::timestamp and activity.occurred_at < $end::timestamp
)

select
    count(distinct member_id) as active_members,
    count(*) filter (where activity_type in ('message', 'reply')) as messages,
    count(distinct member_id) filter (where first_at >= $start::timestamp) as new_active,
    count(distinct member_id) filter (where first_at < $start::timestamp) as returning_active
from in_period
