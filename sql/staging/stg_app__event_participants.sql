-- Check-ins made in the app (ticked present at the door, or a walk-in added there). An unticked
-- check-in is not a participation; it never hides attendance another system recorded (Zoom).
select
    'app:' || event_id || ':' || identity_id as participation_id,
    event_id,
    identity_id,
    cast(null as varchar) as display_name,
    cast(null as varchar) as email,
    cast(null as varchar) as phone,
    cast(null as varchar) as handle,
    cast(null as timestamp) as registered_at,
    true as attended,
    checked_in_at,
    cast(null as double) as minutes_attended,
    coalesce(participant_role, 'guest') as participant_role,
    cast(null as varchar) as source_channel
from app.event_attendance
where present
