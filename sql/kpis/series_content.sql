-- Per local day in [$start_day, $end_day): posts published, their views, and the reactions,
-- comments and replies they drew (counted on the day of the post, like the content KPIs).
with published as (
    select
        timezone($tz, published_at::timestamptz)::date as day,
        parent_content_id is null as is_post,
        views,
        reactions + replies as reactions
    from core.content
    where published_at >= $start::timestamp
        and published_at < $end::timestamp
        and ($channel::varchar is null or channel_id = $channel::varchar)
),

days as (
    select unnest(range($start_day::date, $end_day::date, interval 1 day))::date as day
)

select
    days.day,
    count(published.day) filter (where published.is_post) as posts,
    coalesce(sum(published.views), 0)::bigint as views,
    coalesce(sum(published.reactions), 0)::bigint as reactions
from days
left join published on published.day = days.day
group by days.day
order by days.day
