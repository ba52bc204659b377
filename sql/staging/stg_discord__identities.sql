-- One row per Discord account seen as an author or a reactor, with its latest names.
-- Discord exports carry no e-mail or phone, and nothing that tells the team apart (roles are
-- server-specific names, kept raw in raw_discord.messages.author_roles_json).
with sightings as (
    select
        author_id as user_id,
        author_handle as handle,
        author_display_name as display_name,
        author_is_bot as is_bot,
        sent_at as seen_at
    from staging.stg_discord__messages
    where author_id is not null
    union all
    select user_id, handle, display_name, is_bot, reacted_at
    from staging.stg_discord__reactors
)

select
    'discord:' || user_id as identity_id,
    'discord' as platform,
    user_id as external_user_id,
    arg_max(handle, seen_at) as handle,
    arg_max(display_name, seen_at) as display_name,
    cast(null as varchar) as email,
    cast(null as varchar) as phone,
    false as is_team,
    bool_or(is_bot) as is_bot
from sightings
group by user_id
