-- Who was in a VK group when. VK keeps no join history, so each refresh compares the member list
-- with the previous one: 'join' and 'leave' happened between the two refreshes and are dated at
-- the later one. 'present' marks the members listed by the group's first refresh, whose join
-- time is unknown.
select
    'vk:' || user_id as identity_id,
    'vk:' || group_id as channel_id,
    group_id,
    user_id,
    change_type,
    changed_unixtime,
    make_timestamp(changed_unixtime * 1000000) as changed_at
from raw_vk.membership_changes
