-- Slack messages, thread replies and bot posts as content; Slack exports carry no views or shares.
-- A thread root's reply_count also counts replies outside the export's date range.
with replies as (
    select parent_content_id as content_id, count(*) as replies
    from staging.stg_slack__messages
    where message_kind = 'content' and parent_content_id is not null
    group by parent_content_id
)

select
    m.content_id,
    m.channel_id,
    'slack:' || m.author_key as author_identity_id,
    m.sent_at as published_at,
    m.parent_content_id,
    m.text,
    m.media_type,
    cast(null as bigint) as views,
    m.reaction_count as reactions,
    greatest(coalesce(m.reply_count, 0), coalesce(replies.replies, 0)) as replies,
    cast(null as bigint) as shares
from staging.stg_slack__messages as m
left join replies on replies.content_id = m.content_id
where m.message_kind = 'content'
