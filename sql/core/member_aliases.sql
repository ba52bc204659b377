-- Any member id ever seen → the member it is now. App-entered rows (check-ins, feedback, roles,
-- profile edits, tags) keep the member id of the day they were written; the member may since have
-- been merged into another, or taken a new id when automatic linking grew its group. Every member
-- id is an identity id (the kept account's), and core.identities gives each account its member
-- now, after merges, so this is that mapping, read from app rows as
-- `join core.member_aliases on alias_id = <the row's member id>`.
-- materialized: view
select identity_id as alias_id, member_id
from core.identities
