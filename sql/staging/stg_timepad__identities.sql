-- One row per person registered for a Timepad event (keyed as in stg_timepad__registrations),
-- with the name, e-mail and phone of their latest registration that gave one: core links them to
-- members by shared e-mail or phone.
select
    'timepad:' || person_key as identity_id,
    'timepad' as platform,
    person_key as external_user_id,
    last(handle order by registered_at, ticket_id) filter (where handle is not null) as handle,
    last(display_name order by registered_at, ticket_id)
        filter (where display_name is not null) as display_name,
    last(email order by registered_at, ticket_id) filter (where email is not null) as email,
    last(phone order by registered_at, ticket_id) filter (where phone is not null) as phone,
    false as is_team,
    false as is_bot
from staging.stg_timepad__registrations
group by person_key
