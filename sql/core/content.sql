-- Posts and messages. A question is a non-reply message by a member (not team, not a bot)
-- that contains "?".
with loaded_content as (
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares, 1 as source_rank
    from staging.stg_telegram__content
    union all
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares, 2 as source_rank
    from staging.stg_tgbot__content
    union all
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares, 3 as source_rank
    from staging.stg_discord__content
    union all
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares, 4 as source_rank
    from staging.stg_slack__content
    union all
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares, 5 as source_rank
    from staging.stg_vk__content
    union all
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares, 6 as source_rank
    from staging.stg_csv__content
),

-- a post loaded by two sources is one post, with the highest counts either of them saw
all_content as (
    select
        content_id,
        arg_min(channel_id, source_rank) as channel_id,
        arg_min(author_identity_id, source_rank) as author_identity_id,
        min(published_at) as published_at,
        arg_min(parent_content_id, source_rank) as parent_content_id,
        arg_min(text, source_rank) as text,
        arg_min(media_type, source_rank) as media_type,
        max(views) as views,
        max(reactions) as reactions,
        max(replies) as replies,
        max(shares) as shares
    from loaded_content
    group by content_id
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
left join core.members as m on m.member_id = i.member_id
