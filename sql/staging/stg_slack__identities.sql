-- One row per Slack account: everyone in users.json, plus authors and reactors it does not list
-- (integrations post under a bot_id). E-mail and phone come from the profile: they link a Slack
-- account to the same person on other platforms. Workspace admins and owners count as the team.
with authors as (
    select
        author_key as user_id,
        arg_max(username, sent_at) as username,
        bool_or(is_bot_message) as posted_as_bot
    from staging.stg_slack__messages
    where author_key is not null
    group by author_key
),

everyone as (
    select user_id from raw_slack.users
    union
    select user_id from authors
    union
    select user_id from raw_slack.reactors
)

select
    'slack:' || e.user_id as identity_id,
    'slack' as platform,
    e.user_id as external_user_id,
    u.name as handle,
    -- an integration known only by its bot_id shows as that id
    coalesce(u.display_name, u.real_name, u.name, a.username, e.user_id) as display_name,
    u.email,
    u.phone,
    coalesce(u.is_admin or u.is_owner, false) as is_team,
    coalesce(u.is_bot, false) or coalesce(a.posted_as_bot, false) or e.user_id = 'USLACKBOT'
        as is_bot
from everyone as e
left join raw_slack.users as u on u.user_id = e.user_id
left join authors as a on a.user_id = e.user_id
