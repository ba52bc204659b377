-- Cohort table: for each join month, its size and the share of its members active in each month
-- from the join month (offset 0) to the period's last month. Months in the community's time zone.
-- Join month = the month a member first became present (marts.community_presence, or
-- marts.channel_presence for one channel): their first activity of any kind but leaving, joining
-- included, or a VK member list. Every platform gives a first activity, while join events exist
-- only where the platform reports them (a Telegram export shows only the joins inside its window;
-- Discord and Slack exports none), so "first joined" alone would miss most people.
-- Active = any activity but join/leave, as in sql/kpis/activity.sql (in that channel, for one).
-- Members only (no team, no bots).
-- Cohorts: the join months of the period, or of the 12 months ending with the period's last month
-- when the period is shorter than that.
with community as (
    select member_id from core.members where not is_team and not is_bot
),

bounds as (
    select
        last_month,
        first_month,
        -- the first month's local midnight as naive UTC, the way the warehouse stores time
        timezone('UTC', timezone($tz, first_month::timestamp)) as first_month_starts_at
    from (
        select
            date_trunc('month', $end_day::date - 1)::date as last_month,
            least(
                date_trunc('month', $start_day::date),
                date_trunc('month', $end_day::date - 1) - interval 11 month
            )::date as first_month
    )
),

presence as (
    select member_id, changed_at
    from marts.community_presence
    where $channel::varchar is null and delta = 1
    union all
    select member_id, changed_at
    from marts.channel_presence
    where channel_id = $channel::varchar and delta = 1
),

first_present as (
    select member_id, min(changed_at) as joined_at
    from presence
    semi join community on community.member_id = presence.member_id
    group by member_id
),

cohort as (
    select
        first_present.member_id,
        date_trunc('month', timezone($tz, first_present.joined_at::timestamptz))::date
            as cohort_month
    from first_present
    cross join bounds
    where first_present.joined_at >= bounds.first_month_starts_at
        and first_present.joined_at < $end::timestamp
),

cohort_activities as (
    -- only the cohorts' members, only from the first cohort month: a small part of the activities
    select activities.member_id, activities.occurred_at
    from core.activities
    semi join cohort on cohort.member_id = activities.member_id
    cross join bounds
    where activities.activity_type not in ('join', 'leave')
        and activities.occurred_at >= bounds.first_month_starts_at
        and activities.occurred_at < $end::timestamp
        and ($channel::varchar is null or activities.channel_id = $channel::varchar)
),

local_months as (
    select
        utc_month,
        timezone('UTC', timezone($tz, utc_month::timestamp)) as starts_at,
        timezone('UTC', timezone($tz, (utc_month + interval 1 month)::timestamp)) as next_starts_at
    from (
        select distinct date_trunc('month', occurred_at) as utc_month from cohort_activities
    )
),

active_months as (
    select distinct
        cohort_activities.member_id,
        case
            when cohort_activities.occurred_at >= local_months.next_starts_at
                then local_months.utc_month + interval 1 month
            when cohort_activities.occurred_at < local_months.starts_at
                then local_months.utc_month - interval 1 month
            else local_months.utc_month
        end::date as month
    from cohort_activities
    join local_months
        on local_months.utc_month = date_trunc('month', cohort_activities.occurred_at)
),

sizes as (
    select cohort_month, count(*) as cohort_size
    from cohort
    group by cohort_month
),

cells as (
    -- every month from the join month to the last, even those with nobody active
    select
        sizes.cohort_month,
        sizes.cohort_size,
        unnest(range(0, date_diff('month', sizes.cohort_month, bounds.last_month) + 1))
            as month_offset
    from sizes
    cross join bounds
),

active as (
    select
        cohort.cohort_month,
        date_diff('month', cohort.cohort_month, active_months.month) as month_offset,
        count(*) as active_members
    from cohort
    join active_months on active_months.member_id = cohort.member_id
    -- (a VK comment may come before joining the group: not part of the cohort's months)
    where active_months.month >= cohort.cohort_month
    group by all
)

select
    cells.cohort_month,
    cells.cohort_size,
    cells.month_offset,
    coalesce(active.active_members, 0) as active_members,
    round(100.0 * coalesce(active.active_members, 0) / cells.cohort_size, 1) as active_pct
from cells
left join active
    on active.cohort_month = cells.cohort_month and active.month_offset = cells.month_offset
order by cells.cohort_month, cells.month_offset
