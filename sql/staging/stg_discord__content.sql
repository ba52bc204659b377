-- Messages and replies members wrote, as content; Discord exports carry no views or shares.
with replies as (
    select parent_content_id as content_id, count(*) as replies
    from staging.stg_discord__messages
    where message_kind = 'content' and parent_content_id is not null
    group by parent_content_id
)

select
    m.content_id,
    m.channel_id,
    'discord:' || m.author_id as author_identity_id,
    m.sent_at as published_at,
    m.parent_content_id,
    m.text,
    m.media_type,
    cast(null as bigint) as views,
    m.reaction_count as reactions,
    coalesce(replies.replies, 0) as replies,
    cast(null as bigint) as shares
from staging.stg_discord__messages as m
left join replies on replies.content_id = m.content_id
where m.message_kind = 'content'
