-- People the manager added in the app (walk-ins at an event). They link to known members by
-- e-mail or phone in core.identities like any other account.
select
    identity_id,
    'app' as platform,
    identity_id as external_user_id,
    nullif(trim(handle), '') as handle,
    display_name,
    nullif(trim(email), '') as email,
    nullif(trim(phone), '') as phone,
    false as is_team,
    false as is_bot
from app.people
