-- A partner's history, newest first: interactions, agreements, joint projects (their start and,
-- once past $today, their end) and stage changes. on_day is a local day; item_kind + item_id say
-- what a row is (the profile offers actions on interactions and agreements).
with timeline as (
    select
        occurred_on as on_day,
        created_at as logged_at,
        'interaction' as item_kind,
        interaction_id as item_id,
        kind as what,
        summary as text,
        next_step,
        next_step_due,
        next_step_done_on,
        owner
    from core.partner_interactions
    where partner_id = $partner_id::varchar

    union all

    select
        coalesce(signed_on, starts_on, cast(created_at as date)),
        created_at,
        'agreement',
        agreement_id,
        'agreement',
        title,
        null,
        null,
        null,
        null
    from core.partner_agreements
    where partner_id = $partner_id::varchar

    union all

    select starts_on, created_at, 'project', project_id, 'project_start', title, null, null, null,
        null
    from core.joint_projects
    where list_contains(partner_ids, $partner_id::varchar)

    union all

    select ends_on, created_at, 'project', project_id, 'project_end', title, null, null, null,
        null
    from core.joint_projects
    where list_contains(partner_ids, $partner_id::varchar) and ends_on < $today::date

    union all

    select
        cast(timezone($tz::varchar, cast(changed_at as timestamptz)) as date),
        changed_at,
        'stage',
        partner_id || ':' || strftime(changed_at, '%Y%m%d%H%M%S%f'),
        'stage',
        stage || coalesce(': ' || note, ''),
        null,
        null,
        null,
        null
    from core.partner_stage_changes
    where partner_id = $partner_id::varchar
)

select
    on_day, logged_at, item_kind, item_id, what, text, next_step, next_step_due,
    next_step_done_on, owner
from timeline
order by on_day desc, logged_at desc, item_id
