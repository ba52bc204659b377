-- One row per person per Timepad event: a person's several tickets or duplicate orders for one
-- event are merged (first registration, any check-in). Persons are keyed as in
-- stg_timepad__registrations (e-mail, else phone, else name).
select
    'timepad:' || event_id || ':' || person_key as participation_id,
    'timepad:' || event_id as event_id,
    'timepad:' || person_key as identity_id,
    first(display_name order by registered_at, ticket_id)
        filter (where display_name is not null) as display_name,
    first(email order by registered_at, ticket_id) filter (where email is not null) as email,
    first(phone order by registered_at, ticket_id) filter (where phone is not null) as phone,
    first(handle order by registered_at, ticket_id) filter (where handle is not null) as handle,
    min(registered_at) as registered_at,
    bool_or(attended) as attended,
    min(checked_in_at) as checked_in_at,
    cast(null as double) as minutes_attended,
    -- Timepad has no roles; organisers often issue speaker / volunteer ticket types
    case
        when bool_or(ticket_type ilike '%спикер%' or ticket_type ilike '%speaker%') then 'speaker'
        when bool_or(ticket_type ilike '%волонт%' or ticket_type ilike '%volunteer%')
            then 'volunteer'
        else 'guest'
    end as participant_role,
    first(source_channel order by registered_at, ticket_id)
        filter (where source_channel is not null) as source_channel
from staging.stg_timepad__registrations
group by event_id, person_key
