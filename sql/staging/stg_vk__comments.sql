-- One row per comment under a VK wall post, and per reply in a comment's thread. A top-level
-- comment responds to the post; a reply responds to the comment it names, or, when that one is
-- gone, to the comment that opened the thread (or, gone too, the post).
with comments as (
    select
        'vk:' || owner_id || '_' || post_id || '_' || comment_id as content_id,
        'vk:' || owner_id || '_' || post_id as post_content_id,
        owner_id,
        post_id,
        comment_id,
        group_id,
        from_id,
        date_unixtime,
        text,
        thread_root_id,
        reply_to_comment,
        likes,
        media_type
    from raw_vk.comments
)

select
    c.content_id,
    'vk:' || c.group_id as channel_id,
    'vk:' || c.from_id as author_identity_id,
    make_timestamp(c.date_unixtime * 1000000) as published_at,
    case
        when c.thread_root_id is null then c.post_content_id
        else coalesce(replied.content_id, thread_root.content_id, c.post_content_id)
    end as parent_content_id,
    case when c.thread_root_id is null then 'comment' else 'reply' end as activity_type,
    coalesce(c.text, '') as text,
    c.media_type,
    c.likes
from comments as c
left join comments as replied
    on replied.owner_id = c.owner_id
    and replied.post_id = c.post_id
    and replied.comment_id = c.reply_to_comment
left join comments as thread_root
    on thread_root.owner_id = c.owner_id
    and thread_root.post_id = c.post_id
    and thread_root.comment_id = c.thread_root_id
