-- content_views, views_per_post, engagement_rate_pct for content published in [$start, $end).
-- A post is top-level content (parent_content_id is null), as for first_reaction_median_minutes
-- in reactions.sql: a chat's non-reply message, a channel's or wall's post; replies and comments
-- are responses to it. Only some platforms report views (VK posts; none of the chat exports), so
-- every ratio counts only content whose views are known: 100 Telegram messages without views
-- must not dilute a VK wall's views per post. No known views at all gives null, not 0.
-- Engagement is what the `reactions` KPI counts (reactions + replies and comments) over views.
with published as (
    select parent_content_id is null as is_post, views, reactions, replies
    from core.content
    where published_at >= $start::timestamp
        and published_at < $end::timestamp
        and ($channel::varchar is null or channel_id = $channel::varchar)
),

with_views as (
    select
        sum(views) as views,
        sum(views) filter (where is_post) as post_views,
        count(*) filter (where is_post) as posts,
        sum(reactions + replies) as responses
    from published
    where views is not null
)

select
    cast(views as bigint) as content_views,
    round(post_views / nullif(posts, 0), 2) as views_per_post,
    round(100.0 * responses / nullif(views, 0), 2) as engagement_rate_pct
from with_views
