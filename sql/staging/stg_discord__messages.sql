-- One row per exported Discord message, times converted from epoch microseconds to naive UTC.
-- message_kind: 'content' for what a member wrote (Default, Reply, and the numbered kinds 20 and
-- 23 that DiscordChatExporter has no name for: slash-command and context-menu responses),
-- 'join' for GuildMemberJoin, 'system' for the rest (pins, thread-created notices, …).
with typed as (
    select
        *,
        case
            when message_type in (
                'Default', 'Reply', '20', '23', 'ChatInputCommand', 'ContextMenuCommand'
            ) then 'content'
            when message_type = 'GuildMemberJoin' then 'join'
            else 'system'
        end as message_kind
    from raw_discord.messages
)

select
    'discord:' || channel_id as channel_id,
    message_id,
    'discord:' || channel_id || ':' || message_id as content_id,
    -- any written message that references another is a reply, except a forward
    case
        when message_kind = 'content'
            and reference_message_id is not null
            and coalesce(reference_type, 'Default') <> 'Forward'
            then 'discord:' || coalesce(reference_channel_id, channel_id) || ':'
                || reference_message_id
    end as parent_content_id,
    message_type,
    message_kind,
    make_timestamp(sent_us) as sent_at,
    make_timestamp(edited_us) as edited_at,
    author_id,
    -- new-style usernames have no discriminator (exported as "0000")
    case
        when coalesce(author_discriminator, '0000') in ('0000', '0') then author_name
        else author_name || '#' || author_discriminator
    end as author_handle,
    coalesce(author_nickname, author_name) as author_display_name,
    coalesce(author_is_bot, false) as author_is_bot,
    coalesce(content, '') as text,
    media_type,
    coalesce(reaction_count, 0) as reaction_count
from typed
