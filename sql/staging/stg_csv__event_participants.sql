-- One person at one event from CSV lists of registrations or attendance. raw_csv.registrations
-- keeps a row per event, person and file, so an attendance sheet loaded after the registrations
-- does not erase their dates: each field is the latest load's non-empty value. identity_id is
-- 'csv-registrations:<person key>', the key being the lower-cased e-mail, else the phone
-- (+digits), else '@handle', else the lower-cased name (as Google Forms registrants).
with latest as (
    select
        event_id,
        person_key,
        any_value(identity_id) as identity_id,
        arg_max(registered_us, loaded_at_us) filter (where registered_us is not null)
            as registered_us,
        arg_max(attended, loaded_at_us) filter (where attended is not null) as attended,
        arg_max(checked_in_us, loaded_at_us) filter (where checked_in_us is not null)
            as checked_in_us,
        arg_max(participant_role, loaded_at_us) filter (where participant_role is not null)
            as participant_role,
        arg_max(source_channel, loaded_at_us) filter (where source_channel is not null)
            as source_channel
    from raw_csv.registrations
    group by event_id, person_key
)

select
    'csv-registrations:' || l.event_id || ':' || l.person_key as participation_id,
    l.event_id,
    l.identity_id,
    i.display_name,
    i.email,
    i.phone,
    i.handle,
    make_timestamp(l.registered_us) as registered_at,
    -- not said = not known to have come
    coalesce(l.attended, false) as attended,
    -- a later list saying they did not come outweighs an earlier check-in
    case when coalesce(l.attended, false) then make_timestamp(l.checked_in_us) end
        as checked_in_at,
    cast(null as double) as minutes_attended,
    coalesce(l.participant_role, 'guest') as participant_role,
    l.source_channel
from latest as l
left join staging.stg_csv__identities as i on i.identity_id = l.identity_id
