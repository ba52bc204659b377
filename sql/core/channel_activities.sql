-- One thing a member did in a channel, on any platform; weights follow DESIGN.md's defaults.
-- Kept apart from event activities (core.activities adds them) so that a check-in at the door
-- does not rebuild this, the largest model, nor what is built from it.
-- A Telegram chat loaded both from an export and by the bot gives the same activity ids: the
-- export's row counts, the bot adds only what the export does not have (an anti join, not a
-- window over every activity: this model is on the ingest's critical path).
with all_activities as (
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id
    from staging.stg_telegram__activities
    union all
    select
        bot.activity_id, bot.identity_id, bot.channel_id, bot.activity_type, bot.occurred_at,
        bot.content_id, bot.parent_content_id
    from staging.stg_tgbot__activities as bot
    anti join staging.stg_telegram__activities as export on export.activity_id = bot.activity_id
    union all
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id
    from staging.stg_discord__activities
    union all
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id
    from staging.stg_slack__activities
    union all
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id
    from staging.stg_vk__activities
    union all
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id
    from staging.stg_csv__activities
)

select
    a.activity_id,
    i.member_id,
    a.channel_id,
    a.activity_type,
    a.occurred_at,
    a.content_id,
    a.parent_content_id,
    case a.activity_type
        when 'reaction' then 1
        when 'message' then 2
        when 'comment' then 2
        when 'reply' then 3
        when 'post' then 3
        when 'registration' then 3
        when 'feedback' then 4
        when 'attendance' then 8
        else 0
    end as weight
from all_activities as a
join core.identities as i on i.identity_id = a.identity_id

