-- One account on one platform, linked to the person (member) behind it. Accounts that share an
-- e-mail or a phone number are one person, transitively (a Slack account and a CSV row with the
-- same e-mail, that CSV row and a Timepad order with the same phone…). The member id is the
-- smallest identity id of the group, so it is stable while the group stays the same. Same handle
-- or name on two platforms is only a suggestion (marts.merge_suggestions), never a merge.
with all_identities as (
    select
        identity_id, platform, external_user_id, handle, display_name, email, phone,
        is_team, is_bot
    from staging.stg_telegram__identities
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
)

select
    i.identity_id,
    i.platform,
    i.external_user_id,
    i.handle,
    i.display_name,
    i.email,
    i.phone,
    reachable.member_id,
    i.is_team,
    i.is_bot
from all_identities as i
join reachable on reachable.identity_id = i.identity_id
