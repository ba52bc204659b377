-- Every reply or comment with the author of what it answers (null when that is not loaded), in
-- time order: the period's ties between members (sql/kpis/connections.sql) then read a run of
-- rows instead of joining all content ever published to find the parents.
select
    reply.content_id,
    reply.parent_content_id,
    reply.channel_id,
    reply.published_at,
    reply.author_member_id,
    parent.author_member_id as parent_author_member_id
from core.content as reply
left join core.content as parent on parent.content_id = reply.parent_content_id
where reply.parent_content_id is not null
order by reply.published_at
