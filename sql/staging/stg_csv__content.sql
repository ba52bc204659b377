-- Messages, replies, posts and comments from CSV/TSV activity files, with the reactions and
-- replies the files record for them; spreadsheets carry no views or shares.
with reactions as (
    select parent_content_id as content_id, count(*) as reactions
    from raw_csv.activities
    where activity_type = 'reaction' and parent_content_id is not null
    group by parent_content_id
),

replies as (
    select parent_content_id as content_id, count(*) as replies
    from raw_csv.content
    where parent_content_id is not null
    group by parent_content_id
)

select
    c.content_id,
    c.channel_id,
    c.author_identity_id,
    make_timestamp(c.published_us) as published_at,
    c.parent_content_id,
    coalesce(c.text, '') as text,
    cast(null as varchar) as media_type,
    cast(null as bigint) as views,
    coalesce(reactions.reactions, 0) as reactions,
    coalesce(replies.replies, 0) as replies,
    cast(null as bigint) as shares
from raw_csv.content as c
left join reactions on reactions.content_id = c.content_id
left join replies on replies.content_id = c.content_id
