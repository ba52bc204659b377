-- Posts and messages. A question is a non-reply message by a member (not team, not a bot)
-- that contains "?".
with all_content as (
    select
        content_id, channel_id, author_identity_id, published_at, parent_content_id, text,
        media_type, views, reactions, replies, shares
    from staging.stg_telegram__content
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
