-- One row per partner (or only $partner_id when set), for the board, the scorecard and the
-- profile: who they are, where the relationship stands, partner health as of $today (the
-- community's local day): interactions in the last 90 days (today and the 89 before), the last
-- contact and the days since, next steps overdue (due before today, not done); and what their
-- joint projects brought (marts.partner_results).
with contacts as (
    select
        partner_id,
        max(occurred_on) filter (where occurred_on <= $today::date) as last_contact_on,
        count(*) filter (
            where occurred_on > $today::date - 90 and occurred_on <= $today::date
        ) as interactions_90d,
        count(*) filter (
            where next_step is not null
            and next_step_done_on is null
            and next_step_due < $today::date
        ) as overdue_steps
    from core.partner_interactions
    group by partner_id
)

select
    p.partner_id,
    p.name,
    p.partner_type,
    p.stage,
    p.owner,
    p.contact,
    p.partner_offers,
    p.our_offer,
    p.note,
    p.stage_changed_at,
    p.created_at,
    c.last_contact_on,
    $today::date - c.last_contact_on as days_since_contact,
    coalesce(c.interactions_90d, 0) as interactions_90d,
    coalesce(c.overdue_steps, 0) as overdue_steps,
    coalesce(r.projects, 0) as projects,
    coalesce(r.new_members, 0) as new_members,
    coalesce(r.registrations, 0) as registrations,
    r.uplift_pct
from core.partners as p
left join contacts as c on c.partner_id = p.partner_id
left join marts.partner_results as r on r.partner_id = p.partner_id
where $partner_id::varchar is null or p.partner_id = $partner_id::varchar
order by lower(p.name), p.partner_id
