-- Everything a Slack account did: messages, thread replies, reactions, channel joins and leaves.
with written as (
    select
        *,
        case when parent_content_id is not null then 'reply' else 'message' end as activity_type
    from staging.stg_slack__messages
    where message_kind = 'content' and author_key is not null
)

select
    content_id || ':' || activity_type as activity_id,
    'slack:' || author_key as identity_id,
    channel_id,
    activity_type,
    sent_at as occurred_at,
    content_id,
    parent_content_id
from written

union all

select
    content_id || ':' || message_kind,
    'slack:' || author_key,
    channel_id,
    message_kind,
    sent_at,
    cast(null as varchar),
    cast(null as varchar)
from staging.stg_slack__messages
where message_kind in ('join', 'leave') and author_key is not null

union all

-- one reaction per listed user and emoji; Slack exports no reaction time, so a reaction is dated
-- at the message it reacts to (the earliest it can have happened)
select
    m.content_id || ':reaction:' || r.reaction || ':' || r.user_id,
    'slack:' || r.user_id,
    m.channel_id,
    'reaction',
    m.sent_at,
    cast(null as varchar),
    m.content_id
from raw_slack.reactors as r
join staging.stg_slack__messages as m
    on m.channel_id = 'slack:' || r.channel_id and m.ts = r.ts
