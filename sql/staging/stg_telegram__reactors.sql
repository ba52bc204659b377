-- materialized: table
-- The named recent reactors of a message (Telegram lists only the latest few per reaction).
-- Their `date` is the exporting computer's local time with no offset. Messages carry both local
-- and UTC time, so a reaction is converted with the UTC offset of the chat message closest to it
-- in time: a daylight-saving change between a post and its reaction is honoured as soon as any
-- message was sent on the reaction's side of the change. The offset changes only at such
-- switches, so messages are first folded into runs of one offset (a few rows per chat).
with local_times as (
    select
        chat_id,
        sent_unixtime,
        epoch(try_strptime(date_local, '%Y-%m-%dT%H:%M:%S'))::bigint as local_unixtime
    from raw_telegram.messages
),

offsets as (
    select chat_id, local_unixtime, local_unixtime - sent_unixtime as utc_offset
    from local_times
    where local_unixtime is not null
),

changes as (
    select
        *,
        coalesce(
            utc_offset <> lag(utc_offset) over (partition by chat_id order by local_unixtime),
            true
        ) as starts_run
    from offsets
),

numbered as (
    select
        *,
        sum(starts_run::int) over (
            partition by chat_id order by local_unixtime rows unbounded preceding
        ) as run
    from changes
),

runs as (
    select
        chat_id,
        min(local_unixtime) as first_local,
        max(local_unixtime) as last_local,
        any_value(utc_offset) as utc_offset
    from numbered
    group by chat_id, run
),

runs_with_next as (
    select
        *,
        lead(first_local) over (partition by chat_id order by first_local) as next_local,
        lead(utc_offset) over (partition by chat_id order by first_local) as next_offset
    from runs
),

reactors as (
    select
        *,
        epoch(try_strptime(reacted_local, '%Y-%m-%dT%H:%M:%S'))::bigint as reacted_local_unixtime
    from raw_telegram.reactors
),

converted as (
    select
        r.chat_id,
        r.message_key,
        r.reaction,
        r.reactor_key,
        r.reactor_name,
        r.reacted_local_unixtime - case
            when r.reacted_local_unixtime <= run.last_local or run.next_local is null
                then run.utc_offset
            when r.reacted_local_unixtime - run.last_local
                <= run.next_local - r.reacted_local_unixtime
                then run.utc_offset
            else run.next_offset
        end as reacted_unixtime
    from reactors as r
    asof left join runs_with_next as run
        on run.chat_id = r.chat_id and r.reacted_local_unixtime >= run.first_local
)

select
    'telegram:' || c.chat_id as channel_id,
    'telegram:' || c.chat_id || ':' || c.message_key as content_id,
    c.reaction,
    c.reactor_key as user_key,
    c.reactor_name as display_name,
    coalesce(make_timestamp(c.reacted_unixtime * 1000000), m.sent_at) as reacted_at
from converted as c
left join staging.stg_telegram__messages as m
    on m.chat_id = c.chat_id and m.message_key = c.message_key
