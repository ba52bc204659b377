-- The channels to choose from, with what kind of place each is.
select channel_id, platform, name, kind
from core.channels
order by platform, name
