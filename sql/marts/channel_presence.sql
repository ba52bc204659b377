-- When each member became present in / absent from each channel (+1 / -1).
-- Exports carry no member lists, so presence is inferred: any activity shows a member is there,
-- a leave shows they are gone until their next activity.
with events as (
    select
        member_id,
        channel_id,
        occurred_at,
        activity_type = 'leave' as is_leave
    from core.activities
    -- a VK group has a member list: anyone may comment on an open wall, so there only joins
    -- and leaves (and the list at the first refresh, below) say who is a member
    where not (starts_with(channel_id, 'vk:') and activity_type not in ('join', 'leave'))
    union all
    select identities.member_id, presence.channel_id, presence.present_at, false
    from staging.stg_vk__presence as presence
    join core.identities as identities on identities.identity_id = presence.identity_id
),

ordered as (
    select
        *,
        lag(is_leave) over (
            partition by member_id, channel_id order by occurred_at, is_leave
        ) as was_leave
    from events
)

select
    member_id,
    channel_id,
    occurred_at as changed_at,
    case when is_leave then -1 else 1 end as delta
from ordered
-- keep only changes; a leave with nothing before it changes nothing
where is_leave <> coalesce(was_leave, true)
