-- Per local day in [$start_day, $end_day): active members and messages (message + reply).
with community as (
    select member_id from core.members where not is_team and not is_bot
),

activity as (
    select member_id, activity_type, timezone($tz, occurred_at::timestamptz)::date as day
    from core.activities
    semi join community on community.member_id = activities.member_id
    where activity_type not in ('join', 'leave')
        and occurred_at >= $start::timestamp
        and occurred_at < $end::timestamp
        and ($channel::varchar is null or channel_id = $channel::varchar)
),

days as (
    select unnest(range($start_day::date, $end_day::date, interval 1 day))::date as day
)

select
    days.day,
    count(distinct activity.member_id) as active_members,
    count(activity.member_id) filter (where activity.activity_type in ('message', 'reply'))
        as messages
from days
left join activity on activity.day = days.day
group by days.day
order by days.day
