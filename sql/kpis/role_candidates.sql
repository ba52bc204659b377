-- Suggested holders for six roles from what members did in [$start, $end), community-wide: the
-- top 5 of each role with the number that earned it (rank 1 = most; a tie goes by name).
-- Candidates are members (not team, not bots) who do not hold that role on $today.
-- - greeter: newcomers' first messages they were the first to answer. A newcomer's first message
--   is one published in the period that is the author's first activity ever (joining is not
--   activity); its first answer is the earliest reply or reaction by someone else within 48 h,
--   team included (a team member who got there first leaves no member the credit), bots left out
--   (an automatic greeting is no welcome), and a reaction the platform gives no time for (dated
--   at the message itself) left out as well, as for newcomer_welcome_rate_pct.
-- - mentor: questions asked in the period that they answered first (marts.question_responses:
--   the first reply by another person).
-- - catalyst: distinct other members they replied to, or got a reply from, in the period.
-- - storyteller: reactions on what they published in the period.
-- - scout: people they added to a chat in the period who were still in it 90 days later; only
--   invites at least 90 days old by $now can tell.
-- - ambassador: registrations in the period for an event whose source (UTM source, "how did you
--   hear about us") is their handle, "@ivan_p" or "ivan_p"; their own registrations do not count.
--   A handle two members share brings nobody's registrations.
with community as (
    select member_id, display_name from core.members where not is_team and not is_bot
),

holders as (
    select member_id, role
    from core.member_roles
    where started_on <= $today::date and coalesce(ended_on, $today::date) >= $today::date
),

first_activity as (
    select member_id, min(occurred_at) as first_at
    from core.activities
    semi join community on community.member_id = activities.member_id
    where activity_type not in ('join', 'leave')
    group by member_id
),

newcomer_messages as (
    select content.content_id, content.author_member_id as newcomer_id, content.published_at
    from core.content
    join first_activity
        on first_activity.member_id = content.author_member_id
        and first_activity.first_at = content.published_at
    where content.published_at >= $start::timestamp and content.published_at < $end::timestamp
    -- two messages in the first second: the newcomer said hello once
    qualify row_number() over (
        partition by content.author_member_id order by content.content_id
    ) = 1
),

newcomer_responses as (
    select reply.parent_content_id as content_id, reply.author_member_id as member_id,
        reply.published_at as at, false as is_reaction
    from core.content as reply
    semi join newcomer_messages on newcomer_messages.content_id = reply.parent_content_id
    union all
    select reaction.parent_content_id, reaction.member_id, reaction.occurred_at, true
    from core.activities as reaction
    semi join newcomer_messages on newcomer_messages.content_id = reaction.parent_content_id
    where reaction.activity_type = 'reaction'
),

first_answers as (
    select newcomer_messages.content_id, newcomer_responses.member_id
    from newcomer_messages
    join newcomer_responses on newcomer_responses.content_id = newcomer_messages.content_id
    join core.members as responder on responder.member_id = newcomer_responses.member_id
    where not responder.is_bot
        and newcomer_responses.member_id <> newcomer_messages.newcomer_id
        and newcomer_responses.at >= newcomer_messages.published_at
        and newcomer_responses.at <= newcomer_messages.published_at + interval 48 hour
        and not (
            newcomer_responses.is_reaction
            and newcomer_responses.at = newcomer_messages.published_at
        )
    qualify rank() over (
        partition by newcomer_messages.content_id order by newcomer_responses.at
    ) = 1
),

greeters as (
    select 'greeter' as role, member_id, count(distinct content_id) as score
    from first_answers
    group by member_id
),

mentors as (
    select 'mentor' as role, answer.author_member_id as member_id,
        count(distinct question.content_id) as score
    from marts.question_responses as question
    join core.content as answer
        on answer.parent_content_id = question.content_id
        and answer.published_at = question.answered_at
        and answer.author_member_id is distinct from question.author_member_id
    where question.asked_at >= $start::timestamp and question.asked_at < $end::timestamp
    group by answer.author_member_id
),

ties as (
    select reply.author_member_id as member_id, parent.author_member_id as other_id
    from core.content as reply
    join core.content as parent on parent.content_id = reply.parent_content_id
    semi join community as replier on replier.member_id = reply.author_member_id
    semi join community as replied_to on replied_to.member_id = parent.author_member_id
    where reply.published_at >= $start::timestamp
        and reply.published_at < $end::timestamp
        and reply.author_member_id <> parent.author_member_id
),

ties_both_ways as (
    select member_id, other_id from ties
    union
    select other_id, member_id from ties
),

catalysts as (
    select 'catalyst' as role, member_id, count(distinct other_id) as score
    from ties_both_ways
    group by member_id
),

storytellers as (
    select 'storyteller' as role, author_member_id as member_id, sum(reactions) as score
    from core.content
    where published_at >= $start::timestamp and published_at < $end::timestamp
    group by author_member_id
),

scouts as (
    select 'scout' as role, invites.inviter_member_id as member_id,
        count(distinct invites.invited_member_id) as score
    from marts.member_invites as invites
    semi join community on community.member_id = invites.invited_member_id
    where invites.invited_at >= $start::timestamp
        and invites.invited_at < $end::timestamp
        and invites.invited_at + interval 90 day <= $now::timestamp
        and invites.in_chat_after_90_days
        and invites.inviter_member_id <> invites.invited_member_id
    group by invites.inviter_member_id
),

handles as (
    select handle_key, min(member_id) as member_id
    from (
        select distinct lower(ltrim(trim(handle), '@')) as handle_key, member_id
        from core.identities
        where nullif(trim(handle), '') is not null
    )
    group by handle_key
    having count(distinct member_id) = 1
),

ambassadors as (
    select 'ambassador' as role, handles.member_id, count(*) as score
    from core.event_participants as registration
    join handles
        on handles.handle_key = lower(ltrim(trim(registration.source_channel), '@'))
    semi join community as registrant on registrant.member_id = registration.member_id
    where registration.registered_at >= $start::timestamp
        and registration.registered_at < $end::timestamp
        and registration.member_id <> handles.member_id
    group by handles.member_id
),

scores as (
    select role, member_id, score from greeters
    union all
    select role, member_id, score from mentors
    union all
    select role, member_id, score from catalysts
    union all
    select role, member_id, score from storytellers
    union all
    select role, member_id, score from scouts
    union all
    select role, member_id, score from ambassadors
)

select
    scores.role,
    row_number() over (
        partition by scores.role order by scores.score desc, community.display_name, scores.member_id
    ) as rank,
    scores.member_id,
    community.display_name,
    scores.score::bigint as score
from scores
join community on community.member_id = scores.member_id
anti join holders on holders.member_id = scores.member_id and holders.role = scores.role
where scores.score > 0
qualify rank <= 5
order by scores.role, rank
