-- Everything a Telegram account did: messages, replies, channel posts, reactions, joins, leaves.
select
    m.content_id || ':' || case
        when c.kind = 'broadcast' then 'post'
        when m.parent_content_id is not null then 'reply'
        else 'message'
    end as activity_id,
    'telegram:' || m.from_user as identity_id,
    m.channel_id,
    case
        when c.kind = 'broadcast' then 'post'
        when m.parent_content_id is not null then 'reply'
        else 'message'
    end as activity_type,
    m.sent_at as occurred_at,
    m.content_id,
    m.parent_content_id
from staging.stg_telegram__messages as m
join staging.stg_telegram__channels as c on c.channel_id = m.channel_id
where m.message_type = 'message'

union all

select
    content_id || ':reaction:' || reaction || ':' || user_key,
    'telegram:' || user_key,
    channel_id,
    'reaction',
    reacted_at,
    cast(null as varchar),
    content_id
from staging.stg_telegram__reactors

union all

select
    content_id || ':' || membership || ':' || user_key,
    'telegram:' || user_key,
    channel_id,
    membership,
    sent_at,
    cast(null as varchar),
    cast(null as varchar)
from staging.stg_telegram__memberships
