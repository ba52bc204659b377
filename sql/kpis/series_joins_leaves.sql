-- Per local day in [$start_day, $end_day): distinct members who joined, who left (left_members), and the net.
-- A member who joins on two days counts on both (members_joined in sql/kpis/growth.sql counts
-- each person once over the whole period).
with community as (
    select member_id from core.members where not is_team and not is_bot
),

moves as (
    select member_id, activity_type, timezone($tz, occurred_at::timestamptz)::date as day
    from core.activities
    semi join community on community.member_id = activities.member_id
    where activity_type in ('join', 'leave')
        and occurred_at >= $start::timestamp
        and occurred_at < $end::timestamp
        and ($channel::varchar is null or channel_id = $channel::varchar)
),

days as (
    select unnest(range($start_day::date, $end_day::date, interval 1 day))::date as day
)

select
    days.day,
    count(distinct moves.member_id) filter (where moves.activity_type = 'join') as joined,
    count(distinct moves.member_id) filter (where moves.activity_type = 'leave') as left_members,
    joined - left_members as net
from days
left join moves on moves.day = days.day
group by days.day
order by days.day
