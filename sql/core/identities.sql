-- One account on one platform, linked to the person (member) behind it. Accounts that share an
-- e-mail or a phone number are one person, transitively (a Slack account and a CSV row with the
-- same e-mail, that CSV row and a Timepad order with the same phone…). The member id is the
-- smallest identity id of the group, so it is stable while the group stays the same. Then the
-- platform handle: someone known only to events (a Timepad order, a Zoom call, a form, a CSV
-- registration list, a walk-in added in the app) whom no e-mail or phone ties to anyone in a
-- channel joins the one channel member with the same handle ("@Ivan_P" = "ivan_p"); when two
-- channel members have it, nobody. Between two channels the same handle or name is only a
-- suggestion (marts.merge_suggestions), never a merge.
with loaded_identities as (
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot, 1 as source_rank
    from staging.stg_telegram__identities
    union all
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot, 2 as source_rank
    from staging.stg_tgbot__identities
    union all
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot, 3 as source_rank
    from staging.stg_discord__identities
    union all
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot, 4 as source_rank
    from staging.stg_slack__identities
    union all
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot, 5 as source_rank
    from staging.stg_vk__identities
    union all
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot, 6 as source_rank
    from staging.stg_csv__identities
    union all
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot, 7 as source_rank
    from staging.stg_timepad__identities
    union all
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot, 8 as source_rank
    from staging.stg_zoom__identities
    union all
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot, 9 as source_rank
    from staging.stg_gforms__identities
    union all
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot, 10 as source_rank
    from staging.stg_app__identities
),

-- an account seen by two sources (Telegram export and bot) is one row: first known values win
all_identities as (
    select
        identity_id,
        any_value(platform) as platform,
        any_value(external_user_id) as external_user_id,
        arg_min(handle, source_rank) filter (where handle is not null) as handle,
        arg_min(display_name, source_rank) filter (where display_name is not null) as display_name,
        arg_min(email, source_rank) filter (where email is not null) as email,
        arg_min(phone, source_rank) filter (where phone is not null) as phone,
        bool_or(is_team) as is_team,
        bool_or(is_bot) as is_bot
    from loaded_identities
    group by identity_id
),

link_keys as (
    select identity_id, 'email:' || lower(trim(email)) as link_key
    from all_identities
    where contains(email, '@')
    union
    select identity_id, 'phone:' || regexp_replace(phone, '[^0-9]', '', 'g')
    from all_identities
    where length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 7
),

links as (
    select a.identity_id as from_id, b.identity_id as to_id
    from link_keys as a
    join link_keys as b on a.link_key = b.link_key and a.identity_id <> b.identity_id
),

reachable as (
    with recursive walk(identity_id, reached) as (
        select identity_id, identity_id from all_identities
        union
        select walk.identity_id, links.to_id
        from walk
        join links on links.from_id = walk.reached
    )

    select identity_id, min(reached) as member_id
    from walk
    group by identity_id
),

accounts as (
    select
        i.identity_id,
        nullif(lower(trim(leading '@' from trim(i.handle))), '') as handle,
        i.is_bot,
        reachable.member_id as contact_group,
        i.platform in ('timepad', 'zoom', 'gforms', 'csv-registrations', 'app') as from_event,
        i.platform in ('telegram', 'tgbot', 'discord', 'slack', 'vk', 'csv') as from_channel
    from all_identities as i
    join reachable on reachable.identity_id = i.identity_id
),

-- people whose every account comes from events: e-mail and phone found them no channel member
event_only_groups as (
    select contact_group
    from accounts
    group by contact_group
    having bool_and(from_event)
),

-- a handle that exactly one channel member (after e-mail and phone linking) goes by
channel_handles as (
    select handle, min(contact_group) as contact_group
    from accounts
    where from_channel and handle is not null and not is_bot
    group by handle
    having count(distinct contact_group) = 1
),

handle_links as (
    select a.contact_group, min(c.contact_group) as joins_group
    from accounts as a
    semi join event_only_groups as e on e.contact_group = a.contact_group
    join channel_handles as c on c.handle = a.handle
    group by a.contact_group
    -- their handles (a form's and a ticket's) must not point to two different members
    having count(distinct c.contact_group) = 1
),

people as (
    select
        a.identity_id,
        coalesce(handle_links.joins_group, a.contact_group) as person
    from accounts as a
    left join handle_links on handle_links.contact_group = a.contact_group
),

linked as (
    select identity_id, min(identity_id) over (partition by person) as member_id
    from people
)

select
    i.identity_id,
    i.platform,
    i.external_user_id,
    i.handle,
    i.display_name,
    i.email,
    i.phone,
    linked.member_id,
    i.is_team,
    i.is_bot
from all_identities as i
join linked on linked.identity_id = i.identity_id
