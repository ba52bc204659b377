-- Who brought whom into a chat by adding them, and whether the person added was still in that
-- chat 90 days later: their last join or leave there up to 90 days after the invite is a join
-- (the invite itself is one). Whether 90 days have passed yet is for the reader to ask with the
-- current time (the scouts' suggestion in sql/kpis/role_candidates.sql does), and so is
-- leaving out an account added by another account of the same person (compared here, the two
-- identities would be joined row by row).
with invites as (
    select
        invites.channel_id,
        invites.invited_at,
        inviter.member_id as inviter_member_id,
        invited.member_id as invited_member_id
    from staging.stg_telegram__invites as invites
    join core.identities as inviter on inviter.identity_id = invites.inviter_identity_id
    join core.identities as invited on invited.identity_id = invites.invited_identity_id
),

memberships as (
    select member_id, channel_id, activity_type, occurred_at
    from core.channel_activities
    where activity_type in ('join', 'leave')
)

select
    invites.channel_id,
    invites.invited_at,
    invites.inviter_member_id,
    invites.invited_member_id,
    coalesce(
        arg_max(memberships.activity_type, memberships.occurred_at) = 'join', false
    ) as in_chat_after_90_days
from invites
left join memberships
    on memberships.member_id = invites.invited_member_id
    and memberships.channel_id = invites.channel_id
    and memberships.occurred_at >= invites.invited_at
    and memberships.occurred_at <= invites.invited_at + interval 90 day
group by all
