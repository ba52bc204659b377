-- One row per chat or channel found in Telegram Desktop exports.
select
    'telegram:' || chat_id as channel_id,
    'telegram' as platform,
    chat_id::varchar as external_id,
    name,
    case when chat_type like '%channel' then 'broadcast' else 'chat' end as kind,
    cast(null as varchar) as url
from raw_telegram.chats
