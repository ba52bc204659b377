-- One row per Discord channel or thread exported with DiscordChatExporter.
select
    'discord:' || channel_id as channel_id,
    'discord' as platform,
    channel_id as external_id,
    -- a thread's `category` is its parent channel: "general / Thread title" reads better
    case
        when channel_type like '%Thread' and category is not null then category || ' / ' || name
        else name
    end as name,
    case
        when channel_type in ('GuildNews', 'GuildAnnouncement') then 'broadcast'
        when channel_type = 'GuildForum' then 'forum'
        else 'chat'
    end as kind,
    case
        when guild_id is not null and guild_id <> '0'
            then 'https://discord.com/channels/' || guild_id || '/' || channel_id
    end as url
from raw_discord.channels
