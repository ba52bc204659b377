-- active_members, messages, new_active, returning_active over the period's local days
-- [$start_day, $end_day) (marts.member_days: days in the community's time zone).
-- Joining or leaving is not "being active": join/leave activities are left out there.
-- "New" means first activity ever, anywhere in the community, even when one channel is shown
-- (marts.member_first_activity, so only the period's member-days are read here).
-- the team and bots, left out of every KPI: every member-day's member is in core.members
-- (sql/tests/member_days_have_members.sql), so an anti join on these few does what a semi
-- join on everyone else would, at half the cost
with outsiders as (
    select member_id from core.members where is_team or is_bot
),

in_period as (
    select member_days.member_id, member_days.messages, first_activity.first_at
    from marts.member_days
    anti join outsiders on outsiders.member_id = member_days.member_id
    join marts.member_first_activity as first_activity
        on first_activity.member_id = member_days.member_id
    where member_days.day >= $start_day::date
        and member_days.day < $end_day::date
        and ($channel::varchar is null or member_days.channel_id = $channel::varchar)
)

select
    count(distinct member_id) as active_members,
    cast(coalesce(sum(messages), 0) as bigint) as messages,
    count(distinct member_id) filter (where first_at >= $start::timestamp) as new_active,
    count(distinct member_id) filter (where first_at < $start::timestamp) as returning_active
from in_period
