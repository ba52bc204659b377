-- Joins and leaves from chat_member updates: a member is in the chat as creator, administrator,
-- member, or restricted-but-member; moving in or out of that is a join or a leave. Other changes
-- (a member promoted to admin) are neither. A join through an invite link names the link and
-- its name (joint projects' tracking codes match them).
select distinct
    'telegram:' || peer_id as channel_id,
    peer_id,
    member_key as user_key,
    case when is_member then 'join' else 'leave' end as membership,
    changed_unixtime,
    make_timestamp(changed_unixtime * 1000000) as changed_at,
    invite_link,
    invite_link_name
from raw_tgbot.member_changes
where was_member <> is_member
