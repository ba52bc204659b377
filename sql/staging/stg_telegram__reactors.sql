-- The named recent reactors of a message (Telegram lists only the latest few per reaction).
select
    'telegram:' || r.chat_id as channel_id,
    'telegram:' || r.chat_id || ':' || r.message_key as content_id,
    r.reaction,
    r.reactor_key as user_key,
    r.reactor_name as display_name,
    coalesce(make_timestamp(r.reacted_unixtime * 1000000), m.sent_at) as reacted_at
from raw_telegram.reactors as r
left join staging.stg_telegram__messages as m
    on m.chat_id = r.chat_id and m.message_key = r.message_key
