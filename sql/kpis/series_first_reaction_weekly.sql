-- Median minutes from a post to its first reaction, comment or reply by someone else, for the
-- posts of each local week (the weekly view of first_reaction_median_minutes).
select
    date_trunc('week', timezone($tz, published_at::timestamptz))::date as week,
    count(*) as posts,
    count(first_reaction_at) as reacted,
    round(median(epoch(first_reaction_at - published_at)) / 60, 2)
        as first_reaction_median_minutes
from marts.post_first_reactions
where published_at >= $start::timestamp
    and published_at < $end::timestamp
    and ($channel::varchar is null or channel_id = $channel::varchar)
group by 1
order by 1
