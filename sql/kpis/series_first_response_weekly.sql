-- Median minutes to the first reply by another person, for questions asked each local week.
select
    date_trunc('week', timezone($tz, asked_at::timestamptz))::date as week,
    count(*) as questions,
    count(answered_at) as answered,
    round(median(epoch(answered_at - asked_at)) / 60, 2) as first_response_median_minutes
from marts.question_responses
where asked_at >= $start::timestamp
    and asked_at < $end::timestamp
    and ($channel::varchar is null or channel_id = $channel::varchar)
group by 1
order by 1
