-- What needs doing about partners as of $today (the community's local day), most urgent first:
-- - 'overdue_step': a next step due before today and not marked done;
-- - 'no_contact': a partner we are working with (contacted, negotiating, agreed, active) with no
--   interaction for 60 days or more (counted from when it was added if never contacted);
--   prospects, completed and paused partners are not chased;
-- - 'no_thanks': a joint project whose last day is past by more than a day (the events'
--   "thanks" follow-up is due the day after), with a partner who got no interaction of kind
--   'thanks' dated on or after that last day.
-- since_on: the day the reminder counts from (the step's due day, the last contact, the day
-- thanks were due); days: how many days since then.
with overdue_steps as (
    select
        'overdue_step' as reminder,
        i.partner_id,
        i.interaction_id as item_id,
        i.next_step as detail,
        i.next_step_due as since_on,
        coalesce(i.owner, p.owner) as owner
    from core.partner_interactions as i
    join core.partners as p on p.partner_id = i.partner_id
    where i.next_step is not null
        and i.next_step_done_on is null
        and i.next_step_due < $today::date
),

last_contact as (
    select partner_id, max(occurred_on) as last_on
    from core.partner_interactions
    where occurred_on <= $today::date
    group by partner_id
),

no_contact as (
    select
        'no_contact' as reminder,
        p.partner_id,
        p.partner_id as item_id,
        cast(null as varchar) as detail,
        coalesce(c.last_on, cast(p.created_at as date)) as since_on,
        p.owner
    from core.partners as p
    left join last_contact as c on c.partner_id = p.partner_id
    where p.stage in ('contacted', 'negotiating', 'agreed', 'active')
        and coalesce(c.last_on, cast(p.created_at as date)) <= $today::date - 60
),

project_partners as (
    select project_id, title, ends_on, unnest(partner_ids) as partner_id
    from core.joint_projects
),

no_thanks as (
    select
        'no_thanks' as reminder,
        pp.partner_id,
        pp.project_id as item_id,
        pp.title as detail,
        pp.ends_on + 1 as since_on,
        p.owner
    from project_partners as pp
    join core.partners as p on p.partner_id = pp.partner_id
    where pp.ends_on + 1 < $today::date
        and not exists (
            select 1
            from core.partner_interactions as i
            where i.partner_id = pp.partner_id
                and i.kind = 'thanks'
                and i.occurred_on >= pp.ends_on
        )
),

reminders as (
    select reminder, partner_id, item_id, detail, since_on, owner from overdue_steps
    union all
    select reminder, partner_id, item_id, detail, since_on, owner from no_contact
    union all
    select reminder, partner_id, item_id, detail, since_on, owner from no_thanks
)

select
    r.reminder,
    r.partner_id,
    p.name as partner_name,
    r.item_id,
    r.detail,
    r.since_on,
    $today::date - r.since_on as days,
    r.owner
from reminders as r
join core.partners as p on p.partner_id = r.partner_id
order by r.since_on, r.reminder, lower(p.name), r.item_id
