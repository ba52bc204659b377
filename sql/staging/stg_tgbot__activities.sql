-- Everything the bot saw an account do: messages, replies, channel posts, reactions, joins and
-- leaves. Message and reaction ids are those of the Telegram Desktop export source, so the same
-- message loaded by both has one id.
with messages as (
    select
        content_id,
        channel_id,
        sender_key,
        sent_at,
        parent_content_id,
        case
            when is_broadcast then 'post'
            when parent_content_id is not null then 'reply'
            else 'message'
        end as activity_type
    from staging.stg_tgbot__messages
    where message_kind = 'message' and sender_key is not null
)

select
    content_id || ':' || activity_type as activity_id,
    'telegram:' || sender_key as identity_id,
    channel_id,
    activity_type,
    sent_at as occurred_at,
    content_id,
    parent_content_id
from messages

union all

select
    content_id || ':reaction:' || reaction || ':' || user_key,
    'telegram:' || user_key,
    channel_id,
    'reaction',
    reacted_at,
    cast(null as varchar),
    content_id
from staging.stg_tgbot__reactors

union all

select
    'telegram:' || peer_id || ':member:' || changed_unixtime || ':' || membership || ':'
    || user_key,
    'telegram:' || user_key,
    channel_id,
    membership,
    changed_at,
    cast(null as varchar),
    cast(null as varchar)
from staging.stg_tgbot__memberships
