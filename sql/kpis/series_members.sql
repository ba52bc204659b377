-- Members at the end of each local day in [$start_day, $end_day): for one channel with platform
-- statistics, its latest follower count; otherwise the members present.
with community as (
    select member_id from core.members where not is_team and not is_bot
),

presence as (
    select member_id, changed_at, delta
    from marts.community_presence
    where $channel::varchar is null
    union all
    select member_id, changed_at, delta
    from marts.channel_presence
    where channel_id = $channel::varchar
),

daily_change as (
    select timezone($tz, changed_at::timestamptz)::date as day, sum(delta) as delta
    from presence
    semi join community on community.member_id = presence.member_id
    group by 1
),

days as (
    select unnest(range($start_day::date, $end_day::date, interval 1 day))::date as day
),

before_start as (
    select coalesce(sum(delta), 0) as members from daily_change where day < $start_day::date
),

present as (
    select
        days.day,
        before_start.members
        + sum(coalesce(daily_change.delta, 0)) over (order by days.day) as members
    from days
    cross join before_start
    left join daily_change on daily_change.day = days.day
),

followers as (
    select day, followers
    from core.channel_snapshots
    where channel_id = $channel::varchar and followers is not null
)

select
    present.day,
    coalesce(
        (select arg_max(f.followers, f.day) from followers as f where f.day <= present.day),
        present.members
    ) as members
from present
order by present.day
