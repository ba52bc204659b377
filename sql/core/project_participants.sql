-- One row per joint project and member (not team, not a bot) who took part in it: came through
-- it (core.project_touches: joined through its invite link, registered with its code, registered
-- for or attended an event co-hosted with its partner). pivot_at, the member's first touch of the
-- project, splits their activity for partner_uplift_pct (DESIGN.md).
--
-- is_new_member (partner_new_members): the member's first activity ever came through one of the
-- project's codes (an invite-link join or a coded registration no later than the first thing
-- they did), or their first attended event ever was co-hosted with one of its partners and the
-- community had not seen them before the project's window began or before they registered for
-- that event (someone years in the chat who comes to a first event is not a new member).
--
-- Uplift: activities (joins and leaves are not activity) in the 60 days before the pivot
-- [pivot - 60 d, pivot) and after it (pivot, pivot + 60 d]; the touch itself, at the pivot, is in
-- neither. uplift_pct = 100 × (after / max(1, before) − 1), only once the 60 days after are over
-- when the models are built (a half-finished window would read as a drop).
with members as (
    select member_id, first_seen_at from core.members where not is_team and not is_bot
),

first_attended as (
    select p.member_id, arg_min(p.event_id, e.starts_at) as event_id
    from core.event_participants as p
    join core.events as e on e.event_id = p.event_id
    where p.attended
    group by p.member_id
),

took_part as (
    select
        t.project_id,
        t.member_id,
        min(t.touched_at) as pivot_at,
        list(distinct t.via order by t.via) as came_via,
        any_value(m.first_seen_at) as first_seen_at,
        bool_or(
            (t.via in ('invite_link', 'registration') and t.touched_at <= m.first_seen_at)
            or (
                t.via = 'co_hosted_event'
                and t.event_id = f.event_id
                -- their first activity: registering for this event, or inside the window
                and m.first_seen_at >= least(j.window_start, t.touched_at)
            )
        ) as is_new_member
    from core.project_touches as t
    join members as m on m.member_id = t.member_id
    join core.joint_projects as j on j.project_id = t.project_id
    left join first_attended as f on f.member_id = t.member_id
    group by t.project_id, t.member_id
),

around as (
    select
        took_part.project_id,
        took_part.member_id,
        count(*) filter (
            where a.occurred_at >= took_part.pivot_at - interval 60 day
            and a.occurred_at < took_part.pivot_at
        ) as activities_before,
        count(*) filter (
            where a.occurred_at > took_part.pivot_at
            and a.occurred_at <= took_part.pivot_at + interval 60 day
        ) as activities_after
    from took_part
    join core.activities as a
        on a.member_id = took_part.member_id
        and a.activity_type not in ('join', 'leave')
        and a.occurred_at >= took_part.pivot_at - interval 60 day
        and a.occurred_at <= took_part.pivot_at + interval 60 day
    group by took_part.project_id, took_part.member_id
)

select
    took_part.project_id,
    took_part.member_id,
    took_part.pivot_at,
    took_part.came_via,
    took_part.first_seen_at,
    took_part.is_new_member,
    coalesce(around.activities_before, 0) as activities_before,
    coalesce(around.activities_after, 0) as activities_after,
    took_part.pivot_at + interval 60 day <= cast(now() as timestamp) as window_complete,
    case
        when took_part.pivot_at + interval 60 day <= cast(now() as timestamp)
            then 100.0 * (
                coalesce(around.activities_after, 0)
                / greatest(1, coalesce(around.activities_before, 0))
                - 1
            )
    end as uplift_pct
from took_part
left join around
    on around.project_id = took_part.project_id and around.member_id = took_part.member_id
