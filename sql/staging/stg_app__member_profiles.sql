-- The manager's edits to members (warehouse/members.py); empty text is no edit, NULL flags keep
-- the platforms' values. member_id: the member id of the day of the edit.
select
    member_id,
    nullif(trim(display_name), '') as display_name,
    is_team,
    is_bot,
    nullif(trim(notes), '') as notes,
    updated_by,
    updated_at
from app.member_profiles
