-- One row per group or channel the bot is in, under the export's id for it, so a chat loaded
-- from both an export and the bot is one channel.
select
    'telegram:' || peer_id as channel_id,
    'telegram' as platform,
    peer_id::varchar as external_id,
    title as name,
    case when chat_type = 'channel' then 'broadcast' else 'chat' end as kind,
    case when username is not null then 'https://t.me/' || username end as url
from raw_tgbot.chats
where chat_type <> 'private'
