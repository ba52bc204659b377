-- One thing a member did, on any platform; weights follow DESIGN.md's defaults.
with loaded_activities as (
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id, 1 as source_rank
    from staging.stg_telegram__activities
    union all
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id, 2 as source_rank
    from staging.stg_tgbot__activities
    union all
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id, 3 as source_rank
    from staging.stg_discord__activities
    union all
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id, 4 as source_rank
    from staging.stg_slack__activities
    union all
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id, 5 as source_rank
    from staging.stg_vk__activities
    union all
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id, 6 as source_rank
    from staging.stg_csv__activities
),

-- the same message loaded by two sources keeps one id: count it once
all_activities as (
    select *
    from loaded_activities
    qualify row_number() over (partition by activity_id order by source_rank) = 1
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
