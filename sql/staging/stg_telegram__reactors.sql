-- The named recent reactors of a message (Telegram lists only the latest few per reaction).
-- Their `date` is the exporting computer's local time with no offset. Messages carry both local
-- and UTC time, so the reaction is converted with the UTC offset of the chat message closest to
-- it in time: a daylight-saving change between a post and its reaction is honoured as soon as
-- any message was sent on the reaction's side of the change.
with offsets as (
    select chat_id, local_unixtime, local_unixtime - sent_unixtime as utc_offset
    from raw_telegram.messages
    where local_unixtime is not null
),

reactors as (
    select *, row_number() over () as reactor_row
    from raw_telegram.reactors
),

before_reaction as (
    select r.reactor_row, o.local_unixtime, o.utc_offset
    from reactors as r
    asof join offsets as o
        on o.chat_id = r.chat_id and r.reacted_local_unixtime >= o.local_unixtime
),

after_reaction as (
    select r.reactor_row, o.local_unixtime, o.utc_offset
    from reactors as r
    asof join offsets as o
        on o.chat_id = r.chat_id and r.reacted_local_unixtime <= o.local_unixtime
)

select
    'telegram:' || r.chat_id as channel_id,
    'telegram:' || r.chat_id || ':' || r.message_key as content_id,
    r.reaction,
    r.reactor_key as user_key,
    r.reactor_name as display_name,
    coalesce(
        make_timestamp(
            (
                r.reacted_local_unixtime - case
                    when a.local_unixtime is null then b.utc_offset
                    when b.local_unixtime is null then a.utc_offset
                    when r.reacted_local_unixtime - b.local_unixtime
                        <= a.local_unixtime - r.reacted_local_unixtime then b.utc_offset
                    else a.utc_offset
                end
            ) * 1000000
        ),
        m.sent_at
    ) as reacted_at
from reactors as r
left join before_reaction as b on b.reactor_row = r.reactor_row
left join after_reaction as a on a.reactor_row = r.reactor_row
left join staging.stg_telegram__messages as m
    on m.chat_id = r.chat_id and m.message_key = r.message_key
