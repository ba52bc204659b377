-- Members whose name, handle or e-mail contains $query (case-insensitive), for checking in
-- someone who came without registering. Team members are included: they attend too.
select
    i.member_id,
    any_value(m.display_name) as display_name,
    string_agg(distinct i.handle, ', ') as handles,
    string_agg(distinct i.platform, ', ') as platforms
from core.identities as i
join core.members as m on m.member_id = i.member_id
where
    contains(lower(coalesce(m.display_name, '')), lower($query::varchar))
    or contains(lower(coalesce(i.display_name, '')), lower($query::varchar))
    or contains(lower(coalesce(i.handle, '')), lower(ltrim($query::varchar, '@')))
    or lower(coalesce(i.email, '')) = lower($query::varchar)
group by i.member_id
order by any_value(m.display_name)
limit $limit
