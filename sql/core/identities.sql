-- One account on one platform, linked to the person (member) behind it.
with all_identities as (
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot
    from staging.stg_telegram__identities
)

select
    identity_id,
    platform,
    external_user_id,
    handle,
    display_name,
    email,
    phone,
    -- until cross-platform linking exists, every account is its own member
    identity_id as member_id,
    is_team,
    is_bot
from all_identities
