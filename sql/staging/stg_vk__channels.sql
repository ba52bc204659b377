-- One row per VK group or public page: a wall where the team posts and members comment and like.
select
    'vk:' || group_id as channel_id,
    'vk' as platform,
    group_id::varchar as external_id,
    name,
    'broadcast' as kind,
    'https://vk.com/' || coalesce(screen_name, 'club' || group_id) as url
from raw_vk.groups
