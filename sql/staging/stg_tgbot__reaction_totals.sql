-- Reactions on each message now: the anonymous totals Telegram sends for channels, else the sum
-- of each person's latest reactions (message_reaction updates, for groups where the bot is admin).
with latest_per_person as (
    select peer_id, message_id, reactor_key, new_reactions_json
    from raw_tgbot.reactions
    qualify row_number() over (
        partition by peer_id, message_id, reactor_key
        order by reacted_unixtime desc, update_id desc
    ) = 1
),

by_people as (
    select
        peer_id,
        message_id,
        sum(len(from_json(new_reactions_json, '["VARCHAR"]'))) as reactions
    from latest_per_person
    group by peer_id, message_id
),

anonymous as (
    select peer_id, message_id, total as reactions
    from raw_tgbot.reaction_counts
)

select
    'telegram:' || coalesce(a.peer_id, p.peer_id) || ':'
    || coalesce(a.message_id, p.message_id) as content_id,
    coalesce(a.reactions, p.reactions)::bigint as reactions
from anonymous as a
full join by_people as p on p.peer_id = a.peer_id and p.message_id = a.message_id
