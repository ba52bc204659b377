-- Who added whom to a Telegram chat: an invite_members service message has the inviter as its
-- actor and lists the people added by display name, which stg_telegram__memberships already
-- matched to accounts (its joins from that message). Adding yourself is no invitation.
select
    joins.channel_id,
    joins.content_id,
    joins.sent_at as invited_at,
    'telegram:' || service.actor_user as inviter_identity_id,
    'telegram:' || joins.user_key as invited_identity_id
from staging.stg_telegram__memberships as joins
join staging.stg_telegram__messages as service on service.content_id = joins.content_id
where service.action = 'invite_members'
    and joins.membership = 'join'
    and joins.user_key <> service.actor_user
