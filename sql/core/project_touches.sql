-- Every time a person came to a joint project, inside its window (its days + 30):
-- - 'invite_link': joined a Telegram chat through one of its invite links (the link's URL or
--   its name, as the Bot API reports the join);
-- - 'registration': registered for an event with one of its codes as their source (a Timepad
--   order's utm_source, a form's or CSV's "where did you hear" answer); any kind of code counts,
--   promo codes too, since no source carries a separate promo-code field;
-- - 'co_hosted_event': registered for or attended an event co-hosted with one of its partners
--   that starts in the window; the touch is their first step (registering, else coming).
-- Codes and sources compare case-insensitively, without http(s):// or a trailing slash.
with codes as (
    select project_id, kind, code, match_key from core.project_tracking_codes
),

projects as (
    select project_id, partner_ids, window_start, window_end from core.joint_projects
),

invite_joins as (
    select
        codes.project_id,
        i.member_id,
        'invite_link' as via,
        cast(null as varchar) as event_id,
        codes.code,
        joins.changed_at as touched_at
    from staging.stg_tgbot__memberships as joins
    join codes
        on codes.kind = 'invite_link'
        and (
            rtrim(regexp_replace(lower(trim(joins.invite_link)), '^https?://', ''), '/')
            = codes.match_key
            or lower(trim(joins.invite_link_name)) = codes.match_key
        )
    join core.identities as i on i.identity_id = 'telegram:' || joins.user_key
    where joins.membership = 'join'
),

coded_registrations as (
    select
        codes.project_id,
        p.member_id,
        'registration' as via,
        p.event_id,
        codes.code,
        coalesce(p.registered_at, p.checked_in_at, e.starts_at) as touched_at
    from core.event_participants as p
    join core.events as e on e.event_id = p.event_id
    join codes
        on rtrim(regexp_replace(lower(trim(p.source_channel)), '^https?://', ''), '/')
        = codes.match_key
),

co_hosted_participation as (
    select
        projects.project_id,
        p.member_id,
        'co_hosted_event' as via,
        p.event_id,
        cast(null as varchar) as code,
        coalesce(p.registered_at, p.checked_in_at, e.starts_at) as touched_at
    from core.event_participants as p
    join core.events as e on e.event_id = p.event_id
    join projects
        on list_has_any(e.partner_ids, projects.partner_ids)
        and e.starts_at >= projects.window_start
        and e.starts_at < projects.window_end
),

touches_in_window as (
    select j.project_id, j.member_id, j.via, j.event_id, j.code, j.touched_at
    from invite_joins as j
    join projects on projects.project_id = j.project_id
    where j.touched_at >= projects.window_start and j.touched_at < projects.window_end
    union all
    select r.project_id, r.member_id, r.via, r.event_id, r.code, r.touched_at
    from coded_registrations as r
    join projects on projects.project_id = r.project_id
    where r.touched_at >= projects.window_start and r.touched_at < projects.window_end
    union all
    -- the event is in the window; registering for it may come before
    select project_id, member_id, via, event_id, code, touched_at from co_hosted_participation
)

select distinct project_id, member_id, via, event_id, code, touched_at
from touches_in_window
