-- Engagement level of each member (not team, not bots) in each calendar month of the community's
-- time zone: score = sum(weight × 0.9^months_ago) over the activities of that month and the 11
-- before it (the last 365 days, counted in whole months; months_ago 0 = the same month). Weights
-- come from core.activities (join and leave weigh 0, so they never make a score).
-- Only months with a score > 0 are kept: a member appears from their first weighted month until
-- 11 months after their last one, and never past the current month.
-- Settings (app.settings, created before every build by sql/app/tables.sql): the time zone and the
-- level thresholds. The defaults here must match warehouse/community.py LEVEL_DEFAULTS (a test
-- checks it); `python -m pipelines settings` rebuilds this model when a setting changes.
--
-- Built for 10 million activities: one pass sums them per member × month, then one window over
-- the member's months (a range frame of 12 months) gives the decayed sums; no per-row time zone
-- conversion and no fan-out of every month over the 12 it counts in.
with settings as (
    select
        coalesce(any_value(value) filter (where key = 'timezone'), 'UTC') as tz,
        coalesce(
            any_value(try_cast(value as double)) filter (where key = 'level_leading'), 200
        ) as leading,
        coalesce(
            any_value(try_cast(value as double)) filter (where key = 'level_contributing'), 50
        ) as contributing,
        coalesce(
            any_value(try_cast(value as double)) filter (where key = 'level_participating'), 10
        ) as participating
    from app.settings
),

weighted as (
    select member_id, occurred_at, date_trunc('month', occurred_at) as utc_month, weight
    from core.activities
    where weight > 0
),

-- where each UTC calendar month's local month starts and ends, as UTC instants: converting these
-- few boundaries is far cheaper than converting every activity's time
local_months as (
    select
        utc.month as utc_month,
        timezone('UTC', timezone(settings.tz, utc.month::timestamp)) as starts_at,
        timezone('UTC', timezone(settings.tz, (utc.month + interval 1 month)::timestamp))
            as next_starts_at
    from (select distinct utc_month as month from weighted) as utc
    cross join settings
),

member_months as (
    select
        weighted.member_id,
        case
            when weighted.occurred_at >= local_months.next_starts_at
                then local_months.utc_month + interval 1 month
            when weighted.occurred_at < local_months.starts_at
                then local_months.utc_month - interval 1 month
            else local_months.utc_month
        end::date as month,
        sum(weighted.weight) as weight
    from weighted
    join local_months on local_months.utc_month = weighted.utc_month
    group by all
),

community_months as (
    -- months as consecutive numbers (year × 12 + month − 1), so a window can range over them
    select member_id, year(month) * 12 + month(month) - 1 as month_number, weight
    from member_months
    semi join core.members
        on members.member_id = member_months.member_id
        and not members.is_team
        and not members.is_bot
),

current_month as (
    select year(local_now) * 12 + month(local_now) - 1 as month_number
    from (select timezone(settings.tz, now()) as local_now from settings)
),

-- every month with a score: each active month, and the months after it until the member's next
-- active month, 11 months later, or the current month, whichever comes first
scored_months as (
    select
        community_months.member_id,
        community_months.month_number as active_month,
        community_months.weight,
        unnest(
            range(
                community_months.month_number,
                least(
                    lead(community_months.month_number) over (
                        partition by community_months.member_id
                        order by community_months.month_number
                    ),
                    community_months.month_number + 12,
                    current_month.month_number + 1
                )
            )
        ) as month_number
    from community_months
    cross join current_month
),

first_month as (
    select min(month_number) as month_number from community_months
),

scores as (
    -- sum(w × 0.9^(month − m)) = 0.9^(month − first) × sum(w × 0.9^(first − m)): a plain sum over
    -- the 12-month frame; the exponents stay within the data's span, far from overflow
    select
        scored_months.member_id,
        scored_months.month_number,
        round(
            power(0.9, scored_months.month_number - first_month.month_number)
            * sum(
                case
                    when scored_months.month_number = scored_months.active_month
                        then
                            scored_months.weight
                            * power(0.9, first_month.month_number - scored_months.month_number)
                    else 0
                end
            ) over (
                partition by scored_months.member_id
                order by scored_months.month_number
                range between 11 preceding and current row
            ),
            4  -- so that a score landing exactly on a threshold is not lost to float noise
        ) as score
    from scored_months
    cross join first_month
)

select
    scores.member_id,
    make_date((scores.month_number // 12)::int, (scores.month_number % 12 + 1)::int, 1) as month,
    scores.score,
    case
        when scores.score >= settings.leading then 'Leading'
        when scores.score >= settings.contributing then 'Contributing'
        when scores.score >= settings.participating then 'Participating'
        else 'Exploring'
    end as level,
    case
        when scores.score >= settings.leading then 4
        when scores.score >= settings.contributing then 3
        when scores.score >= settings.participating then 2
        else 1
    end as level_rank
from scores
cross join settings
