-- Feedback for the Feedback page. $view: 'unanswered' (oldest first, the inbox), 'answered'
-- (most recently answered first, for undo) or 'recent' (newest received first, any state).
-- Age is whole days from receipt to $now; names come from the event, channel and member.
select
    f.feedback_id,
    f.received_at,
    f.responded_at,
    date_diff('day', f.received_at, $now::timestamp) as age_days,
    f.text,
    f.score,
    f.event_id,
    e.title as event_title,
    coalesce(f.channel_id, e.channel_id) as channel_id,
    c.name as channel_name,
    m.display_name as member_name
from app.feedback as f
left join core.events as e on e.event_id = f.event_id
left join core.channels as c on c.channel_id = coalesce(f.channel_id, e.channel_id)
left join core.identities as i on i.identity_id = f.identity_id
left join core.members as m on m.member_id = coalesce(i.member_id, f.identity_id)
where
    case $view::varchar
        when 'unanswered' then f.responded_at is null
        when 'answered' then f.responded_at is not null
        else true
    end
order by
    case when $view::varchar = 'unanswered' then f.received_at end asc,
    case when $view::varchar = 'answered' then f.responded_at end desc,
    f.received_at desc,
    f.feedback_id
limit $limit
