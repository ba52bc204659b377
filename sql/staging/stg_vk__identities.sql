-- One row per VK account seen in a group: members, authors, commenters, likers. Negative ids are
-- communities. The group itself, and the admins who sign or create its posts, are the team.
with sightings as (
    select user_id as vk_id from raw_vk.membership_changes
    union
    select from_id from raw_vk.posts
    union
    select signer_id from raw_vk.posts where signer_id is not null
    union
    select from_id from raw_vk.comments
    union
    select liker_id from raw_vk.post_likers
    union
    select -group_id from raw_vk.groups
),

team as (
    select -group_id as vk_id from raw_vk.groups
    union
    select signer_id from raw_vk.posts where signer_id is not null and from_id = -group_id
    union
    select created_by from raw_vk.posts where created_by is not null and from_id = -group_id
)

select
    'vk:' || s.vk_id as identity_id,
    'vk' as platform,
    s.vk_id::varchar as external_user_id,
    p.screen_name as handle,
    coalesce(p.name, nullif(trim(concat_ws(' ', p.first_name, p.last_name)), '')) as display_name,
    cast(null as varchar) as email,
    cast(null as varchar) as phone,
    team.vk_id is not null as is_team,
    false as is_bot
from sightings as s
left join raw_vk.profiles as p on p.profile_id = s.vk_id
left join team on team.vk_id = s.vk_id
