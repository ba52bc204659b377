-- Who reacted to which Discord message with which emoji. The export carries no reaction time,
-- so a reaction is dated at the message it reacts to (the earliest it can have happened).
select
    m.channel_id,
    m.content_id,
    r.emoji,
    r.user_id,
    case
        when coalesce(r.user_discriminator, '0000') in ('0000', '0') then r.user_name
        else r.user_name || '#' || r.user_discriminator
    end as handle,
    coalesce(r.user_nickname, r.user_name) as display_name,
    coalesce(r.user_is_bot, false) as is_bot,
    m.sent_at as reacted_at
from raw_discord.reactors as r
join staging.stg_discord__messages as m
    on m.channel_id = 'discord:' || r.channel_id and m.message_id = r.message_id
