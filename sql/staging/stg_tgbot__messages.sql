-- One row per message or channel post the bot saw, in its latest edit; ids as in the Telegram
-- Desktop export (the chat's bare id), times converted from epoch seconds to naive UTC.
select
    'telegram:' || peer_id as channel_id,
    peer_id,
    message_id,
    'telegram:' || peer_id || ':' || message_id as content_id,
    case
        when reply_to_message_id is not null
            then 'telegram:' || peer_id || ':' || reply_to_message_id
    end as parent_content_id,
    message_kind,
    chat_type = 'channel' as is_broadcast,
    make_timestamp(sent_unixtime * 1000000) as sent_at,
    make_timestamp(edited_unixtime * 1000000) as edited_at,
    sender_key,
    coalesce(text, '') as text,
    media_type
from raw_tgbot.messages
where chat_type <> 'private'
