-- Every place the community lives, whatever the platform. A channel loaded by two sources (a
-- Telegram chat from an export and from the bot) is one channel: the first source listed wins.
with all_channels as (
    select
        channel_id, platform, external_id, name, kind, url, 1 as source_rank
    from staging.stg_telegram__channels
    union all
    select
        channel_id, platform, external_id, name, kind, url, 2 as source_rank
    from staging.stg_tgbot__channels
    union all
    select
        channel_id, platform, external_id, name, kind, url, 3 as source_rank
    from staging.stg_discord__channels
    union all
    select
        channel_id, platform, external_id, name, kind, url, 4 as source_rank
    from staging.stg_slack__channels
    union all
    select
        channel_id, platform, external_id, name, kind, url, 5 as source_rank
    from staging.stg_vk__channels
    union all
    select
        channel_id, platform, external_id, name, kind, url, 6 as source_rank
    from staging.stg_csv__channels
)

select
    channel_id,
    platform,
    external_id,
    name,
    kind,
    url,
    cast(null as varchar) as chapter_id
from all_channels
qualify row_number() over (partition by channel_id order by source_rank) = 1
