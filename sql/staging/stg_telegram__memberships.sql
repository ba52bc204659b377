-- Joins and leaves from service messages. invite_members, create_group and remove_members name
-- people by display name only; a member who leaves shows as removing themself.
with service as (
    select channel_id, content_id, sent_at, actor_user, actor, action, members_json
    from staging.stg_telegram__messages
    where message_type = 'service'
),

listed as (
    select
        channel_id,
        content_id,
        sent_at,
        action,
        unnest(from_json(members_json, '["VARCHAR"]')) as member_name
    from service
    where action in ('create_group', 'invite_members', 'remove_members')
        and members_json is not null
),

by_actor as (
    select
        channel_id, content_id, sent_at, actor_user as user_key, actor as display_name,
        'join' as membership
    from service
    where action in ('join_group_by_link', 'join_group_by_request')
),

by_name as (
    select
        listed.channel_id,
        listed.content_id,
        listed.sent_at,
        coalesce(names.user_key, 'name:' || listed.member_name) as user_key,
        listed.member_name as display_name,
        case when listed.action = 'remove_members' then 'leave' else 'join' end as membership
    from listed
    left join staging.stg_telegram__names as names on names.display_name = listed.member_name
    where listed.member_name is not null
)

-- a name listed twice in one service message is still one join
select distinct channel_id, content_id, sent_at, user_key, display_name, membership from by_actor
union
select distinct channel_id, content_id, sent_at, user_key, display_name, membership from by_name
