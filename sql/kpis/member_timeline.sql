-- Everything one member did ($member_id: any member id ever seen), newest first: activities in
-- every channel, registering for and coming to events, and feedback they gave. One page ($limit
-- from $offset) with the total. A member may have 100,000 activities: the page is cut first
-- (a top-N over the member's rows), and channels, events and message text are joined to its
-- rows only.
with target as (
    select member_id from core.member_aliases where alias_id = $member_id::varchar
),

everything as (
    select
        activities.activity_id,
        activities.activity_type,
        activities.occurred_at,
        activities.channel_id,
        activities.content_id,
        cast(null as varchar) as event_id,
        cast(null as varchar) as note
    from core.activities
    semi join target on target.member_id = activities.member_id
    union all
    select
        'feedback:' || feedback.feedback_id,
        'feedback',
        feedback.received_at,
        feedback.channel_id,
        null,
        feedback.event_id,
        feedback.text
    from app.feedback
    join core.member_aliases as aliases on aliases.alias_id = feedback.identity_id
    semi join target on target.member_id = aliases.member_id
),

page as (
    select
        activity_id, activity_type, occurred_at, channel_id, content_id, event_id, note,
        count(*) over () as total
    from everything
    order by occurred_at desc, activity_id desc
    limit $limit
    offset $offset
)

select
    page.occurred_at,
    page.activity_type,
    channels.name as channel_name,
    channels.platform,
    events.title as event_title,
    left(coalesce(content.text, page.note), 200) as text,
    page.activity_id,
    page.total
from page
cross join target
left join core.channels on channels.channel_id = page.channel_id
-- an event activity's id is 'event:<event id>:<registration|attendance>:<member id>'
left join core.events
    on events.event_id = page.event_id
    or (
        page.activity_type in ('registration', 'attendance')
        and page.activity_id
        = 'event:' || events.event_id || ':' || page.activity_type || ':' || target.member_id
    )
left join core.content on content.content_id = page.content_id
order by page.occurred_at desc, page.activity_id desc
