-- Engagement levels at the end of the period's last month (the month holding its last day, in the
-- community's time zone) and how members moved since the month before. Per level: the members
-- there now, those there the month before, and of the members there now: who came up from a lower
-- level (or from none: new, or back after a year away), who held it, who came down from a higher
-- one. "Lapsed": members who had a level the month before and none now (no weighted activity in
-- the last 12 months); they all moved down.
-- With $channel, only people who were in that channel (marts.channel_presence) before the
-- period's end (levels themselves are community-wide: marts.member_levels).
with months as (
    select
        date_trunc('month', $end_day::date - 1)::date as end_month,
        (date_trunc('month', $end_day::date - 1) - interval 1 month)::date as previous_month
),

levels_then as (
    select member_id, month, level_rank
    from marts.member_levels
    where month in (
        date_trunc('month', $end_day::date - 1)::date,
        (date_trunc('month', $end_day::date - 1) - interval 1 month)::date
    )
),

two_months as (
    -- two branches, so the whole community never waits on a lookup of a channel's people
    select member_id, month, level_rank
    from levels_then
    where $channel::varchar is null
    union all
    select member_id, month, level_rank
    from levels_then
    semi join marts.channel_presence as presence
        on presence.member_id = levels_then.member_id
        and presence.channel_id = $channel::varchar
        and presence.changed_at < $end::timestamp
),

this_month as (
    select two_months.member_id, two_months.level_rank
    from two_months
    join months on two_months.month = months.end_month
),

month_before as (
    select two_months.member_id, two_months.level_rank
    from two_months
    join months on two_months.month = months.previous_month
),

moves as (
    select
        coalesce(this_month.level_rank, 0) as level_rank,  -- 0: lapsed
        coalesce(month_before.level_rank, 0) as previous_rank  -- 0: no level then
    from this_month
    full join month_before on month_before.member_id = this_month.member_id
),

now_counts as (
    select
        level_rank,
        count(*) as members,
        count(*) filter (where previous_rank < level_rank) as moved_up,
        count(*) filter (where previous_rank = level_rank) as held,
        count(*) filter (where previous_rank > level_rank) as moved_down
    from moves
    group by level_rank
),

before_counts as (
    select previous_rank as level_rank, count(*) as previous_members
    from moves
    where previous_rank > 0
    group by previous_rank
),

levels (level, level_rank) as (
    values ('Leading', 4), ('Contributing', 3), ('Participating', 2), ('Exploring', 1), ('Lapsed', 0)
)

select
    levels.level,
    levels.level_rank,
    coalesce(now_counts.members, 0) as members,
    case when levels.level_rank > 0 then coalesce(before_counts.previous_members, 0) end
        as previous_members,
    coalesce(now_counts.moved_up, 0) as moved_up,
    coalesce(now_counts.held, 0) as held,
    coalesce(now_counts.moved_down, 0) as moved_down
from levels
left join now_counts on now_counts.level_rank = levels.level_rank
left join before_counts on before_counts.level_rank = levels.level_rank
order by levels.level_rank desc
