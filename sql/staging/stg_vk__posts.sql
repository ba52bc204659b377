-- One row per wall post of a VK group, times converted from epoch seconds to naive UTC.
select
    'vk:' || owner_id || '_' || post_id as content_id,
    'vk:' || group_id as channel_id,
    group_id,
    owner_id,
    post_id,
    -- a negative author id is a community: on its own wall, the group itself (the team)
    'vk:' || from_id as author_identity_id,
    from_id,
    signer_id,
    created_by,
    make_timestamp(date_unixtime * 1000000) as published_at,
    coalesce(text, '') as text,
    media_type,
    views,
    likes,
    comments,
    reposts
from raw_vk.posts
