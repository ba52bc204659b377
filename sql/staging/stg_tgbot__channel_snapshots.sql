-- Members of each configured chat per day (getChatMemberCount, the last count of the day).
select
    'telegram:' || peer_id as channel_id,
    day,
    members as followers,
    cast(null as bigint) as views,
    cast(null as bigint) as reach
from raw_tgbot.member_counts
