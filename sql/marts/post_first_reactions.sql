-- Every post (top-level content) with its first reaction, comment or reply by someone else.
-- Reactions whose time the platform does not give (Discord, Slack, VK likes) are dated at the
-- post itself: they say nothing about reaction speed and are left out.
select
    post.content_id,
    post.channel_id,
    post.published_at,
    min(response.occurred_at) filter (
        where not (response.activity_type = 'reaction' and response.occurred_at = post.published_at)
    ) as first_reaction_at
from core.content as post
left join core.channel_activities as response
    on response.parent_content_id = post.content_id
    and response.activity_type in ('reaction', 'comment', 'reply')
    and response.member_id is distinct from post.author_member_id
    and response.occurred_at >= post.published_at
where post.parent_content_id is null
group by all
