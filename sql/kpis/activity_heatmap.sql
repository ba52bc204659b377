-- When members are active: activities in [$start, $end) by local weekday (1 = Monday) and hour.
-- Every weekday × hour cell is present, empty ones with 0, so the heatmap has no holes.
with community as (
    select member_id from core.members where not is_team and not is_bot
),

activity as (
    select timezone($tz, occurred_at::timestamptz) as local_at
    from core.activities
    semi join community on community.member_id = activities.member_id
    where activity_type not in ('join', 'leave')
        and occurred_at >= $start::timestamp
        and occurred_at < $end::timestamp
        and ($channel::varchar is null or channel_id = $channel::varchar)
),

counted as (
    select isodow(local_at) as weekday, hour(local_at) as hour, count(*) as activities
    from activity
    group by all
),

cells as (
    select weekday, hour
    from range(1, 8) as w(weekday), range(0, 24) as h(hour)
)

select cells.weekday, cells.hour, coalesce(counted.activities, 0) as activities
from cells
left join counted on counted.weekday = cells.weekday and counted.hour = cells.hour
order by cells.weekday, cells.hour
