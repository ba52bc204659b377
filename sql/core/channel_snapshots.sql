-- A channel's audience on a day, from platforms' statistics (follower counts, views, reach).
-- One row per channel and day; where two sources report the same day, the larger numbers win.
with loaded as (
    select
        channel_id, day, followers, views, reach, 1 as source_rank
    from staging.stg_tgbot__channel_snapshots
    union all
    select
        channel_id, day, followers, views, reach, 2 as source_rank
    from staging.stg_vk__channel_snapshots
)

select
    channel_id,
    day,
    max(followers) as followers,
    max(views) as views,
    max(reach) as reach
from loaded
group by channel_id, day
