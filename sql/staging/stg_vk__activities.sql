-- Everything a VK account did in a group: wall posts, comments, replies in comment threads,
-- likes, and the joins and leaves found between refreshes. VK does not say when a post was
-- liked: a like is dated at its post.
select
    content_id || ':post' as activity_id,
    author_identity_id as identity_id,
    channel_id,
    'post' as activity_type,
    published_at as occurred_at,
    content_id,
    cast(null as varchar) as parent_content_id
from staging.stg_vk__posts

union all

select
    content_id || ':' || activity_type,
    author_identity_id,
    channel_id,
    activity_type,
    published_at,
    content_id,
    parent_content_id
from staging.stg_vk__comments

union all

select
    p.content_id || ':like:' || l.liker_id,
    'vk:' || l.liker_id,
    p.channel_id,
    'reaction',
    p.published_at,
    cast(null as varchar),
    p.content_id
from raw_vk.post_likers as l
join staging.stg_vk__posts as p on p.owner_id = l.owner_id and p.post_id = l.post_id

union all

select
    channel_id || ':' || change_type || ':' || user_id || ':' || changed_unixtime,
    identity_id,
    channel_id,
    change_type,
    changed_at,
    cast(null as varchar),
    cast(null as varchar)
from staging.stg_vk__memberships
where change_type in ('join', 'leave')
