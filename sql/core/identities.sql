-- One account on one platform, linked to the person (member) behind it. Accounts that share an
-- e-mail or a phone number are one person, transitively (a Slack account and a CSV row with the
-- same e-mail, that CSV row and a Timepad order with the same phone…). The member id is the
-- smallest identity id of the group, so it is stable while the group stays the same. Then the
-- platform handle: someone known only to events (a Timepad order, a Zoom call, a form, a CSV
-- registration list, a walk-in added in the app) whom no e-mail or phone ties to anyone in a
-- channel joins the one channel member with the same handle ("@Ivan_P" = "ivan_p"); when two
-- channel members have it, nobody. Between two channels the same handle or name is only a
-- suggestion (marts.merge_suggestions), never a merge.
-- Last, the merges the manager made (app.member_merges, warehouse/members.py): every account of
-- the merged member takes the kept member's id, so every model keyed on member_id sees one
-- person. Merges chain (B into A, then A into D: B's accounts are D's) and are resolved
-- transitively; an undone merge is left out, so undo gives back exactly what the automatic
-- linking gives. The ids a merge names are member ids of its day; each is an identity id too, so
-- it is looked up again here and follows the member if automatic linking has since changed that
-- member's id. Merges apply after the handle step (a handle two merged members share still joins
-- nobody). Undoing an automatic link (same e-mail or phone) is not offered.
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
),

-- each merged member's one live merge (the latest, should two name it), in today's member ids
merge_edges as (
    select merged.member_id as from_member, kept.member_id as to_member
    from staging.stg_app__member_merges as merges
    join linked as merged on merged.identity_id = merges.merged_member_id
    join linked as kept on kept.identity_id = merges.kept_member_id
    where merged.member_id <> kept.member_id
    qualify row_number() over (
        partition by merged.member_id order by merges.merged_at desc, merges.merge_id desc
    ) = 1
),

-- every member a merged member leads to; UNION stops even on a cycle of stale ids
merge_walk as (
    with recursive walk(member_id, reached) as (
        select from_member, to_member from merge_edges
        union
        select walk.member_id, merge_edges.to_member
        from walk
        join merge_edges on merge_edges.from_member = walk.reached
    )

    select member_id, reached from walk
),

-- the end of the chain: the member reached that was merged into nobody
merged_into as (
    select
        walk.member_id,
        coalesce(
            min(walk.reached) filter (where onward.from_member is null), min(walk.reached)
        ) as kept_member_id
    from merge_walk as walk
    left join merge_edges as onward on onward.from_member = walk.reached
    group by walk.member_id
)

select
    i.identity_id,
    i.platform,
    i.external_user_id,
    i.handle,
    i.display_name,
    i.email,
    i.phone,
    coalesce(merged_into.kept_member_id, linked.member_id) as member_id,
    i.is_team,
    i.is_bot
from all_identities as i
join linked on linked.identity_id = i.identity_id
left join merged_into on merged_into.member_id = linked.member_id
