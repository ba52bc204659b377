-- One row per Slack message, `ts` (the message id within its channel) turned into naive UTC.
-- message_kind: 'content' for what someone wrote (plain messages, files, bot posts, thread
-- replies also sent to the channel, /me), 'join' and 'leave' for channel membership notices,
-- 'system' for the rest (topic changes, integrations added, pins, …).
select
    'slack:' || channel_id as channel_id,
    ts,
    'slack:' || channel_id || ':' || ts as content_id,
    -- a thread reply carries its root's ts; the root carries its own
    case
        when thread_ts is not null and thread_ts <> ts then 'slack:' || channel_id || ':' || thread_ts
    end as parent_content_id,
    make_timestamp(sent_us) as sent_at,
    subtype,
    case
        when subtype is null or subtype in (
            'bot_message', 'file_share', 'file_comment', 'file_mention', 'thread_broadcast',
            'reply_broadcast', 'me_message', 'slackbot_response'
        ) then 'content'
        when subtype in ('channel_join', 'group_join') then 'join'
        when subtype in ('channel_leave', 'group_leave') then 'leave'
        else 'system'
    end as message_kind,
    -- integrations (webhooks, old-style bots) post with a bot_id and no user
    coalesce(user_id, bot_id) as author_key,
    coalesce(subtype = 'bot_message', false) or (user_id is null and bot_id is not null)
        as is_bot_message,
    username,
    coalesce(text, '') as text,
    reply_count,
    media_type,
    coalesce(reaction_count, 0) as reaction_count
from raw_slack.messages
