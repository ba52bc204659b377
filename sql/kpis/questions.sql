-- questions asked in [$start, $end) (non-reply messages by members containing "?");
-- the median is over answered questions; the rate counts answers within 7 days.
select
    count(*) as questions,
    round(median(epoch(answered_at - asked_at)) / 60, 2) as first_response_median_minutes,
    round(
        100.0 * count(*) filter (where answered_at <= asked_at + interval 7 day)
        / nullif(count(*), 0),
        2
    ) as response_rate_pct
from marts.question_responses
where asked_at >= $start::timestamp
    and asked_at < $end::timestamp
    and ($channel::varchar is null or channel_id = $channel::varchar)
