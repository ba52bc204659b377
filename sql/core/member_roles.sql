-- A role held for a time (DESIGN.md `member_roles`), as the manager assigns it in the app.
-- started_on and ended_on are the community's local days, ended_on the last day held (NULL: still
-- held). The expected cadence is cadence_count activities a week or a month (warehouse/roles.py
-- says how it is judged). The member id saved with a role is the one of its day: mapped to the
-- member it is now (after merges and new links). A removed role is gone from here.
select
    r.role_id,
    coalesce(alias.member_id, r.member_id) as member_id,
    r.role,
    r.started_on,
    r.ended_on,
    r.cadence_count,
    r.cadence_per,
    r.cadence_count || ' per ' || r.cadence_per as expected_cadence,
    r.note,
    r.created_at,
    r.updated_by,
    r.updated_at
from staging.stg_app__member_roles as r
left join core.member_aliases as alias on alias.alias_id = r.member_id
where not r.is_deleted
