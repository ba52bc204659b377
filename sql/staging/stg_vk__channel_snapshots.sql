-- A VK group on a day. followers: the member count seen by that day's last refresh; views (of the
-- community's pages) and reach: from stats.get, where the token may read them. VK's stats days
-- start at Moscow midnight, so a period is dated by its middle, which falls on the right date.
with followers as (
    select
        group_id,
        make_timestamp(snapshot_unixtime * 1000000)::date as day,
        arg_max(members_count, snapshot_unixtime) as followers
    from raw_vk.member_snapshots
    group by all
),

stats as (
    select
        group_id,
        make_timestamp(
            ((period_from + coalesce(period_to, period_from + 86400)) // 2) * 1000000
        )::date as day,
        arg_max(views, period_from) as views,
        arg_max(reach, period_from) as reach
    from raw_vk.stats_days
    group by all
)

select
    'vk:' || coalesce(followers.group_id, stats.group_id) as channel_id,
    coalesce(followers.day, stats.day) as day,
    cast(followers.followers as bigint) as followers,
    cast(stats.views as bigint) as views,
    cast(stats.reach as bigint) as reach
from followers
full outer join stats on stats.group_id = followers.group_id and stats.day = followers.day
