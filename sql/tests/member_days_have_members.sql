-- Every member-day belongs to a member in core.members: the KPIs leave the team and bots out with
-- an anti join on them (sql/kpis/activity.sql), which counts only as long as this holds.
select member_days.member_id, member_days.day
from marts.member_days
anti join core.members on members.member_id = member_days.member_id
