-- The follow-up checklist of every event that has ended and was not cancelled (or of one event
-- when $event_id is set): each item with its owner, due day (the manager's, else the event's
-- local end day + the item's default days) and done day. Overdue = not done, due before $today.
with items(item, position, default_days) as (
    values
        ('thanks', 1, 1),
        ('materials', 2, 3),
        ('feedback', 3, 7),
        ('introductions', 4, 7),
        ('story', 5, 14),
        ('invitation', 6, 7)
),

events as (
    select
        event_id,
        title,
        starts_at,
        cast(
            timezone(coalesce(timezone, $tz::varchar), coalesce(ends_at, starts_at)::timestamptz)
            as date
        ) as ended_on
    from core.events
    where coalesce(status, '') <> 'cancelled'
        and case
            when $event_id::varchar is not null then event_id = $event_id::varchar
            else coalesce(ends_at, starts_at) < $now::timestamp
        end
)

select
    e.event_id,
    e.title,
    e.starts_at,
    items.item,
    items.position,
    f.owner,
    coalesce(f.due_on, e.ended_on + items.default_days) as due_on,
    f.done_on,
    f.note,
    f.done_on is null and coalesce(f.due_on, e.ended_on + items.default_days) < $today::date
        as is_overdue
from events as e
cross join items
left join app.event_followups as f on f.event_id = e.event_id and f.item = items.item
order by e.starts_at, e.event_id, items.position
