-- One person across platforms. Team members and bots are flagged, not removed.
with tags as (
    -- tags from the manager's member lists
    select identities.member_id, list(distinct member_tags.tag order by member_tags.tag) as tags
    from staging.stg_csv__member_tags as member_tags
    join core.identities as identities on identities.identity_id = member_tags.identity_id
    group by identities.member_id
),

seen as (
    select member_id, min(occurred_at) as first_seen_at, max(occurred_at) as last_seen_at
    from core.activities
    group by member_id
)

select
    i.member_id,
    arg_max(i.display_name, coalesce(seen.last_seen_at, timestamp '1970-01-01')) as display_name,
    min(seen.first_seen_at) as first_seen_at,
    max(seen.last_seen_at) as last_seen_at,
    bool_or(i.is_team) as is_team,
    bool_or(i.is_bot) as is_bot,
    coalesce(any_value(tags.tags), cast([] as varchar[])) as tags
from core.identities as i
left join seen on seen.member_id = i.member_id
left join tags on tags.member_id = i.member_id
group by i.member_id
