-- Who reacted to what, and when they first did: a message_reaction update lists a person's
-- reactions before and after, so a reaction counts from the update that added it. Two bots in one
-- chat see the same reaction: it is still one.
with changes as (
    select
        peer_id,
        message_id,
        reactor_key,
        reacted_unixtime,
        from_json(old_reactions_json, '["VARCHAR"]') as old_reactions,
        from_json(new_reactions_json, '["VARCHAR"]') as new_reactions
    from raw_tgbot.reactions
),

listed as (
    select
        peer_id, message_id, reactor_key, reacted_unixtime, old_reactions,
        unnest(new_reactions) as reaction
    from changes
)

select
    'telegram:' || peer_id as channel_id,
    'telegram:' || peer_id || ':' || message_id as content_id,
    reaction,
    reactor_key as user_key,
    make_timestamp(min(reacted_unixtime) * 1000000) as reacted_at
from listed
where not list_contains(coalesce(old_reactions, []), reaction)
group by peer_id, message_id, reaction, reactor_key
