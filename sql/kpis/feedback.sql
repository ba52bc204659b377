-- Feedback received in [$start, $end); with $channel, feedback logged for that channel or about
-- an event of that channel. "Answered" means answered at all, as of now (responded_at set, even
-- after $end): simpler to explain, and a late answer still counts for the period it answers.
-- The median is in hours, over the answered items only.
with items as (
    select f.received_at, f.responded_at
    from app.feedback as f
    left join core.events as e on e.event_id = f.event_id
    where f.received_at >= $start::timestamp
        and f.received_at < $end::timestamp
        and (
            $channel::varchar is null
            or f.channel_id = $channel::varchar
            or e.channel_id = $channel::varchar
        )
)

select
    count(*) as feedback_items,
    round(median(epoch(responded_at - received_at)) / 3600, 2) as feedback_response_median_hours,
    round(100.0 * count(responded_at) / nullif(count(*), 0), 2) as feedback_response_rate_pct
from items
