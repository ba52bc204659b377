-- One row per person and event from Zoom participants reports: a person's joins are already
-- merged by the loader (checked in at the first join; minutes = Zoom's durations added up, capped
-- at the span from first join to last leave). identity_id is 'zoom:<person key>', the key being
-- the lower-cased e-mail, else the name Zoom first knew (Zoom reports carry no phone or user id).
select
    'zoom:' || event_id || ':' || person_key as participation_id,
    event_id,
    'zoom:' || person_key as identity_id,
    display_name,
    email,
    cast(null as varchar) as phone,
    cast(null as varchar) as handle,
    cast(null as timestamp) as registered_at,
    true as attended,
    make_timestamp(first_join_us) as checked_in_at,
    minutes_attended,
    case when is_host then 'host' else 'guest' end as participant_role,
    cast(null as varchar) as source_channel
from raw_zoom.participants
