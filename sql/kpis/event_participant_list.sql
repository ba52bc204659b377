-- The people of one event, for check-in at the door: registered or attended, with what each
-- system knows about them. member_id doubles as the identity a check-in is recorded against.
select
    p.member_id,
    m.display_name,
    (
        select string_agg(distinct i.handle, ', ')
        from core.identities as i
        where i.member_id = p.member_id and i.handle is not null
    ) as handles,
    p.registered_at,
    p.attended,
    p.checked_in_at,
    p.minutes_attended,
    p.participant_role,
    p.source_channel,
    m.first_seen_at,
    m.first_seen_event_id = p.event_id as first_met_here
from core.event_participants as p
join core.members as m on m.member_id = p.member_id
where p.event_id = $event_id::varchar
order by lower(m.display_name), p.member_id
