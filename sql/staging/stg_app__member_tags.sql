-- Tags the manager gave members by hand and has not removed (warehouse/members.py). member_id:
-- the member id of the day the tag was added.
select member_id, trim(tag) as tag, added_by, added_at
from app.member_tags
where removed_at is null and trim(tag) <> ''
