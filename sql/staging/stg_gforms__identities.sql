-- One row per person who answered a Google Form ('gforms:<person key>', see
-- stg_gforms__event_participants); each field is the latest non-empty answer across forms. The
-- e-mail and phone are how core links them to the same person elsewhere.
select
    'gforms:' || person_key as identity_id,
    'gforms' as platform,
    person_key as external_user_id,
    arg_max(handle, last_response_us) filter (where handle is not null) as handle,
    arg_max(display_name, last_response_us) filter (where display_name is not null)
        as display_name,
    arg_max(email, last_response_us) filter (where email is not null) as email,
    arg_max(phone, last_response_us) filter (where phone is not null) as phone,
    false as is_team,
    false as is_bot
from raw_gforms.registrations
group by person_key
