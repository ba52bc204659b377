-- Events starting in [$start, $end) (UTC), or one event when $event_id is set, with their
-- registration → attendance funnel, new vs repeat attendees and 90-day return rate.
select
    e.event_id,
    e.title,
    e.format,
    e.starts_at,
    e.ends_at,
    e.timezone,
    e.place,
    e.channel_id,
    c.name as channel_name,
    e.status,
    e.registration_target,
    e.organisers,
    e.co_hosts,
    e.budget,
    e.currency,
    e.backup_actions,
    e.origin,
    coalesce(o.registrations, 0) as registrations,
    coalesce(o.attendees, 0) as attendees,
    round(100.0 * o.attendees / nullif(o.registrations, 0), 2) as checkin_rate_pct,
    coalesce(o.new_attendees, 0) as new_attendees,
    coalesce(o.repeat_attendees, 0) as repeat_attendees,
    o.return_rate_pct
from core.events as e
left join marts.event_outcomes as o on o.event_id = e.event_id
left join core.channels as c on c.channel_id = e.channel_id
where
    case
        when $event_id::varchar is not null then e.event_id = $event_id::varchar
        else e.starts_at >= $start::timestamp and e.starts_at < $end::timestamp
    end
order by e.starts_at, e.title
