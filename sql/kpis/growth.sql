-- members_total, members_joined, members_left, net_growth, growth_rate_pct over [$start, $end).
-- Community-wide when $channel is null (distinct people), else that channel's audience: its latest
-- follower count from the platform's statistics when it has any, else the members present.
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

totals as (
    select
        coalesce(sum(delta) filter (where changed_at < $end::timestamp), 0) as members_total,
        coalesce(sum(delta) filter (where changed_at < $start::timestamp), 0) as members_at_start
    from presence
    semi join community on community.member_id = presence.member_id
),

snapshots as (
    select
        arg_max(followers, day) filter (where day < $end_day::date) as at_end,
        arg_max(followers, day) filter (where day < $start_day::date) as at_start
    from core.channel_snapshots
    where channel_id = $channel::varchar and followers is not null
),

audience as (
    select
        coalesce(snapshots.at_end, totals.members_total) as members_total,
        coalesce(snapshots.at_start, totals.members_at_start) as members_at_start
    from totals, snapshots
),

moves as (
    select
        count(distinct member_id) filter (where activity_type = 'join') as members_joined,
        count(distinct member_id) filter (where activity_type = 'leave') as members_left
    from core.activities
    semi join community on community.member_id = activities.member_id
    where activity_type in ('join', 'leave')
        and occurred_at >= $start::timestamp
        and occurred_at < $end::timestamp
        and ($channel::varchar is null or channel_id = $channel::varchar)
)

select
    audience.members_total,
    moves.members_joined,
    moves.members_left,
    moves.members_joined - moves.members_left as net_growth,
    case
        when audience.members_at_start > 0
            then round(
                100.0 * (moves.members_joined - moves.members_left) / audience.members_at_start, 2
            )
    end as growth_rate_pct
from audience, moves
