-- Everything a Discord account did: messages, replies, announcement posts, reactions, joins.
with written as (
    select
        m.*,
        case
            when m.parent_content_id is not null then 'reply'
            when c.kind = 'broadcast' then 'post'
            else 'message'
        end as activity_type
    from staging.stg_discord__messages as m
    join staging.stg_discord__channels as c on c.channel_id = m.channel_id
    where m.message_kind = 'content' and m.author_id is not null
)

select
    content_id || ':' || activity_type as activity_id,
    'discord:' || author_id as identity_id,
    channel_id,
    activity_type,
    sent_at as occurred_at,
    content_id,
    parent_content_id
from written

union all

select
    content_id || ':join',
    'discord:' || author_id,
    channel_id,
    'join',
    sent_at,
    cast(null as varchar),
    cast(null as varchar)
from staging.stg_discord__messages
where message_kind = 'join' and author_id is not null

union all

-- one reaction per listed reactor and emoji, dated at the message (no reaction time exported)
select
    content_id || ':reaction:' || emoji || ':' || user_id,
    'discord:' || user_id,
    channel_id,
    'reaction',
    reacted_at,
    cast(null as varchar),
    content_id
from staging.stg_discord__reactors
