-- Every question with the time of its response: the first reply to it by another person.
select
    question.content_id,
    question.channel_id,
    question.author_member_id,
    question.published_at as asked_at,
    min(reply.published_at) as answered_at
from core.content as question
left join core.content as reply
    on reply.parent_content_id = question.content_id
    and reply.author_member_id is distinct from question.author_member_id
    and reply.published_at >= question.published_at
where question.is_question
group by all
