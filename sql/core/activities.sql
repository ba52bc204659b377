-- One thing a member did: everything done in channels, plus registering for and attending an
-- event, in the event's channel (if it has one). Weights follow DESIGN.md's defaults.
-- A view: copying a million channel activities on every check-in would cost more than reading
-- through the union.
-- materialized: view
select
    activity_id, member_id, channel_id, activity_type, occurred_at, content_id,
    parent_content_id, weight
from core.channel_activities

union all

select
    activity_id, member_id, channel_id, activity_type, occurred_at, content_id,
    parent_content_id, weight
from core.event_activities
