-- Feedback about one event: how many, the average score, and the texts, newest first.
select
    f.feedback_id,
    f.received_at,
    f.score,
    f.text,
    f.responded_at,
    m.display_name
from app.feedback as f
left join core.identities as i on i.identity_id = f.identity_id
left join core.members as m on m.member_id = i.member_id
where f.event_id = $event_id::varchar
order by f.received_at desc
