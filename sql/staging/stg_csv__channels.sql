-- One row per channel named by a loaded CSV/TSV file (its channel column, option or file name).
select
    channel_id,
    platform,
    external_id,
    name,
    kind,
    cast(null as varchar) as url
from raw_csv.channels
