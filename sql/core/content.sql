-- Posts and messages. A question is a non-reply message by a member (not team, not a bot)
-- that contains "?".
-- A Telegram post loaded both from an export and by the bot is one post, with the highest counts
-- either source saw (each may have seen only part of its reactions and replies).
-- team and bot flags per person, as core.members has them, read from the identities so that
-- content is not rebuilt whenever an event changes who the members are
with flagged as (
    select member_id, bool_or(is_team) as is_team, bool_or(is_bot) as is_bot
    from core.identities
    group by member_id
),

telegram as (
    select
        export.content_id,
        export.channel_id,
        export.author_identity_id,
        export.published_at,
        export.parent_content_id,
        export.text,
        export.media_type,
        greatest(export.views, bot.views) as views,
        greatest(export.reactions, bot.reactions) as reactions,
        greatest(export.replies, bot.replies) as replies,
        greatest(export.shares, bot.shares) as shares
    from staging.stg_telegram__content as export
    left join staging.stg_tgbot__content as bot on bot.content_id = export.content_id
),

all_content as (
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares
    from telegram
    union all
    select
        bot.content_id, bot.channel_id, bot.author_identity_id, bot.published_at,
        bot.parent_content_id, bot.text, bot.media_type, bot.views, bot.reactions, bot.replies,
        bot.shares
    from staging.stg_tgbot__content as bot
    anti join staging.stg_telegram__content as export on export.content_id = bot.content_id
    union all
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares
    from staging.stg_discord__content
    union all
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares
    from staging.stg_slack__content
    union all
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares
    from staging.stg_vk__content
    union all
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares
    from staging.stg_csv__content
)

select
    c.content_id,
    c.channel_id,
    i.member_id as author_member_id,
    c.published_at,
    c.parent_content_id,
    c.text,
    c.media_type,
    c.parent_content_id is null
        and contains(c.text, '?')
        and not coalesce(m.is_team or m.is_bot, false) as is_question,
    c.views,
    c.reactions,
    c.replies,
    c.shares
from all_content as c
left join core.identities as i on i.identity_id = c.author_identity_id
left join flagged as m on m.member_id = i.member_id
