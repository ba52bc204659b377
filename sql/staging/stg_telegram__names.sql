-- Display name → the user id last seen with it. Service messages such as invite_members list
-- people by display name only; this is how they are matched to an account.
with named_accounts as (
    select from_name as display_name, from_user as user_key, sent_at as seen_at
    from staging.stg_telegram__messages
    where from_name is not null and from_user not like 'name:%'
    union all
    select actor, actor_user, sent_at
    from staging.stg_telegram__messages
    where actor is not null and actor_user not like 'name:%'
    union all
    select display_name, user_key, reacted_at
    from staging.stg_telegram__reactors
    where display_name is not null and user_key not like 'name:%'
)

select display_name, arg_max(user_key, seen_at) as user_key
from named_accounts
group by display_name
