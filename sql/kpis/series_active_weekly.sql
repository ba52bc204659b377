-- Distinct active members per local week (Monday start) within [$start, $end).
with community as (
    select member_id from core.members where not is_team and not is_bot
)

select
    date_trunc('week', timezone($tz, occurred_at::timestamptz))::date as week,
    count(distinct member_id) as active_members
from core.activities
semi join community on community.member_id = activities.member_id
where activity_type not in ('join', 'leave')
    and occurred_at >= $start::timestamp
    and occurred_at < $end::timestamp
    and ($channel::varchar is null or channel_id = $channel::varchar)
group by 1
order by 1
