-- Merges of two members the manager made (warehouse/members.py) that are not undone; the ids are
-- member ids of the day of the merge (core.identities looks them up again).
select merge_id, kept_member_id, merged_member_id, merged_by, merged_at
from app.member_merges
where undone_at is null
