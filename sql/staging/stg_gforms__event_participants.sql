-- One registration per person and event from Google Forms responses (a person's repeated answers
-- are merged by the loader: registered at their first response). identity_id is
-- 'gforms:<person key>', the key being the lower-cased e-mail, else the phone (+digits), else the
-- Telegram handle ('@handle'), else the name. A form knows registration, not attendance.
select
    'gforms:' || event_id || ':' || person_key as participation_id,
    event_id,
    'gforms:' || person_key as identity_id,
    display_name,
    email,
    phone,
    handle,
    make_timestamp(registered_us) as registered_at,
    false as attended,
    cast(null as timestamp) as checked_in_at,
    cast(null as double) as minutes_attended,
    'guest' as participant_role,
    source_channel
from raw_gforms.registrations
