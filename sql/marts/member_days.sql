-- Days members were active (see marts.channel_member_days): the channels' member-days plus the
-- days of event registrations and attendance, which change at every check-in and so are added
-- here, in a view, rather than rebuilding the big table. A member may have several rows for one
-- day (channels, events): count distinct members or (member, day) pairs.
-- materialized: view
with settings as (
    select coalesce(any_value(value) filter (where key = 'timezone'), 'UTC') as tz
    from app.settings
),

event_days as (
    select
        event_activities.member_id,
        event_activities.channel_id,
        timezone(settings.tz, timezone('UTC', event_activities.occurred_at))::date as day
    from core.event_activities, settings
)

select member_id, channel_id, day, actions, messages
from marts.channel_member_days

union all

select member_id, channel_id, day, count(*) as actions, 0 as messages
from event_days
group by all
