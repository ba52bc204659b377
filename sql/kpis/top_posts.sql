-- The posts (top-level content) published in [$start, $end) that drew the most response:
-- reactions + replies first, views second. Authors are not named: this is about what works.
select
    content.content_id,
    channels.name as channel_name,
    channels.platform,
    content.published_at,
    left(regexp_replace(coalesce(content.text, ''), '\s+', ' ', 'g'), 160) as excerpt,
    content.media_type,
    content.views,
    content.reactions,
    content.replies,
    content.shares,
    round(100.0 * (content.reactions + content.replies) / nullif(content.views, 0), 2)
        as engagement_rate_pct
from core.content as content
join core.channels as channels on channels.channel_id = content.channel_id
where content.parent_content_id is null
    and content.published_at >= $start::timestamp
    and content.published_at < $end::timestamp
    and ($channel::varchar is null or content.channel_id = $channel::varchar)
order by content.reactions + content.replies desc, content.views desc nulls last,
    content.published_at desc
limit $limit
