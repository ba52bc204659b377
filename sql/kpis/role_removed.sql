-- Roles removed in the app, the most recently removed first (what the Roles page offers to undo).
select
    roles.role_id,
    coalesce(alias.member_id, roles.member_id) as member_id,
    members.display_name,
    roles.role,
    roles.started_on,
    roles.ended_on,
    roles.deleted_at as removed_at
from app.member_roles as roles
left join core.member_aliases as alias on alias.alias_id = roles.member_id
left join core.members as members on members.member_id = alias.member_id
where roles.deleted_at is not null
order by roles.deleted_at desc, roles.role_id
limit $limit
