-- reactions: reactions + comments + replies to content published in [$start, $end);
-- first_reaction_median_minutes: for posts (top-level content) published then, the median time
-- to the first reaction, comment or reply by someone other than the author.
with published as (
    select reactions, replies
    from core.content
    where published_at >= $start::timestamp
        and published_at < $end::timestamp
        and ($channel::varchar is null or channel_id = $channel::varchar)
),

posts as (
    select first_reaction_at - published_at as wait
    from marts.post_first_reactions
    where published_at >= $start::timestamp
        and published_at < $end::timestamp
        and ($channel::varchar is null or channel_id = $channel::varchar)
)

select
    (select coalesce(sum(reactions + replies), 0) from published) as reactions,
    (select round(median(epoch(wait)) / 60, 2) from posts) as first_reaction_median_minutes
