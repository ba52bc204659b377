-- One row per message or service message, times converted from epoch seconds to naive UTC.
select
    'telegram:' || chat_id as channel_id,
    chat_id,
    message_key,
    message_id,
    'telegram:' || chat_id || ':' || message_key as content_id,
    case
        when reply_to_message_id is not null
            then 'telegram:' || chat_id || ':' || reply_to_message_id
    end as parent_content_id,
    message_type,
    make_timestamp(sent_unixtime * 1000000) as sent_at,
    make_timestamp(edited_unixtime * 1000000) as edited_at,
    -- a sender without an id (deleted account) is still one person within the export
    coalesce(from_id, 'name:' || from_name) as from_user,
    from_name,
    coalesce(actor_id, 'name:' || actor) as actor_user,
    actor,
    action,
    members_json,
    coalesce(text, '') as text,
    forwarded_from,
    media_type,
    coalesce(reaction_count, 0) as reaction_count
from raw_telegram.messages
