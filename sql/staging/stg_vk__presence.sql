-- Members a VK group already had when it was first refreshed: present from that moment (they
-- count in members_total) though when they joined is unknown, so they have no join activity
-- (which would inflate members_joined). Core's presence marts add these to the joins and leaves.
select identity_id, channel_id, changed_at as present_at
from staging.stg_vk__memberships
where change_type = 'present'
