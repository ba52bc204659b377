-- One thing a member did, on any platform; weights follow DESIGN.md's defaults.
with all_activities as (
    select
        activity_id, identity_id, channel_id, activity_type, occurred_at, content_id,
        parent_content_id
    from staging.stg_telegram__activities
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
