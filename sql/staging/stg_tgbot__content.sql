-- Messages and channel posts as content; the Bot API reports no views or shares.
with replies as (
    select parent_content_id as content_id, count(*) as replies
    from staging.stg_tgbot__messages
    where message_kind = 'message' and parent_content_id is not null
    group by parent_content_id
)

select
    m.content_id,
    m.channel_id,
    'telegram:' || m.sender_key as author_identity_id,
    m.sent_at as published_at,
    m.parent_content_id,
    m.text,
    m.media_type,
    cast(null as bigint) as views,
    coalesce(totals.reactions, 0) as reactions,
    coalesce(replies.replies, 0) as replies,
    cast(null as bigint) as shares
from staging.stg_tgbot__messages as m
left join staging.stg_tgbot__reaction_totals as totals on totals.content_id = m.content_id
left join replies on replies.content_id = m.content_id
where m.message_kind = 'message'
