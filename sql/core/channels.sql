-- Every place the community lives, whatever the platform.
select
    channel_id,
    platform,
    external_id,
    name,
    kind,
    url,
    cast(null as varchar) as chapter_id
from staging.stg_telegram__channels
