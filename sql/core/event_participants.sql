-- One person at one event. Registrations (Timepad, a form, a CSV list) and attendance (Zoom,
-- check-in, a CSV list) of the same person arrive from different systems; they are one row here
-- because core.identities links their accounts by e-mail, phone or handle. Someone no channel
-- knows becomes a member first seen at that event. A check-in made in the app names a member id
-- of its day: core.member_aliases gives the member it is now (after a merge, the kept one).
with all_participants as (
    select
        event_id, identity_id, registered_at, attended, checked_in_at, minutes_attended,
        participant_role, source_channel
    from staging.stg_timepad__event_participants
    union all
    select
        event_id, identity_id, registered_at, attended, checked_in_at, minutes_attended,
        participant_role, source_channel
    from staging.stg_zoom__event_participants
    union all
    select
        event_id, identity_id, registered_at, attended, checked_in_at, minutes_attended,
        participant_role, source_channel
    from staging.stg_gforms__event_participants
    union all
    select
        event_id, identity_id, registered_at, attended, checked_in_at, minutes_attended,
        participant_role, source_channel
    from staging.stg_csv__event_participants
    union all
    select
        event_id, identity_id, registered_at, attended, checked_in_at, minutes_attended,
        participant_role, source_channel
    from staging.stg_app__event_participants
)

select
    p.event_id,
    aliases.member_id,
    min(p.registered_at) as registered_at,
    bool_or(coalesce(p.attended, false)) as attended,
    min(p.checked_in_at) as checked_in_at,
    max(p.minutes_attended) as minutes_attended,
    -- a speaker or host who also registered as a guest is a speaker or host
    coalesce(
        min(p.participant_role) filter (where p.participant_role <> 'guest'), 'guest'
    ) as participant_role,
    min(p.source_channel) as source_channel
from all_participants as p
join core.member_aliases as aliases on aliases.alias_id = p.identity_id
-- a participation in an event deleted since is dropped with it
semi join core.events as e on e.event_id = p.event_id
group by p.event_id, aliases.member_id
