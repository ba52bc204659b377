-- VK wall posts and their comments as content. Posts carry VK's own counts (comments counted at
-- every thread level); a comment's replies are the loaded replies that respond to it.
with replies as (
    select parent_content_id as content_id, count(*) as replies
    from staging.stg_vk__comments
    group by parent_content_id
)

select
    content_id,
    channel_id,
    author_identity_id,
    published_at,
    cast(null as varchar) as parent_content_id,
    text,
    media_type,
    views,
    likes as reactions,
    comments as replies,
    reposts as shares
from staging.stg_vk__posts

union all

select
    c.content_id,
    c.channel_id,
    c.author_identity_id,
    c.published_at,
    c.parent_content_id,
    c.text,
    c.media_type,
    cast(null as bigint),
    c.likes,
    coalesce(replies.replies, 0),
    cast(null as bigint)
from staging.stg_vk__comments as c
left join replies on replies.content_id = c.content_id
