-- One row per account the bot saw: people as user<id>, chats speaking as themselves (channel
-- posts, anonymous admins) as channel<id> or chat<id>, like the Telegram Desktop export.
select
    'telegram:' || sender_key as identity_id,
    'telegram' as platform,
    sender_key as external_user_id,
    username as handle,
    coalesce(
        nullif(trim(concat_ws(' ', first_name, last_name)), ''), title, username, sender_key
    ) as display_name,
    cast(null as varchar) as email,
    cast(null as varchar) as phone,
    -- a chat speaking as itself is the team, not a member
    user_id is null as is_team,
    coalesce(is_bot, false) as is_bot
from raw_tgbot.senders
