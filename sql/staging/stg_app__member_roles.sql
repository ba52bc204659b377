-- Roles the manager assigned in the app (warehouse/roles.py), removed ones flagged (core drops
-- them; undo brings them back).
select
    role_id,
    member_id,
    role,
    started_on,
    ended_on,
    cadence_count,
    cadence_per,
    note,
    created_at,
    updated_by,
    updated_at,
    deleted_at is not null as is_deleted
from app.member_roles
