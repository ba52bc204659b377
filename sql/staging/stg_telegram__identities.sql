-- One row per Telegram account seen anywhere in the exports, with its latest display name.
with sightings as (
    select from_user as user_key, from_name as display_name, sent_at as seen_at
    from staging.stg_telegram__messages
    where message_type = 'message'
    union all
    select user_key, display_name, sent_at from staging.stg_telegram__memberships
    union all
    select user_key, display_name, reacted_at from staging.stg_telegram__reactors
)

select
    'telegram:' || user_key as identity_id,
    'telegram' as platform,
    user_key as external_user_id,
    cast(null as varchar) as handle,
    arg_max(display_name, seen_at) as display_name,
    cast(null as varchar) as email,
    cast(null as varchar) as phone,
    -- channels post as themselves: that is the team speaking, not a member
    bool_or(user_key like 'channel%') as is_team,
    false as is_bot
from sightings
where user_key is not null
group by user_key
