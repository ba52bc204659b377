-- Pairs of members who may be one person: the same handle, or the same full name, on two
-- platforms. Shown to the manager to decide; never merged automatically.
with accounts as (
    select
        member_id,
        platform,
        lower(trim(leading '@' from handle)) as handle,
        lower(regexp_replace(trim(display_name), '\s+', ' ', 'g')) as name
    from core.identities
    where not is_bot
),

matches as (
    select a.member_id as member_a, b.member_id as member_b, 'same handle' as reason, a.handle as value
    from accounts as a
    join accounts as b
        on a.handle = b.handle and a.platform <> b.platform and a.member_id < b.member_id
    where a.handle <> ''
    union
    select a.member_id, b.member_id, 'same name', a.name
    from accounts as a
    join accounts as b
        on a.name = b.name and a.platform <> b.platform and a.member_id < b.member_id
    -- a single word ("Anna") is too common to suggest anything
    where contains(a.name, ' ')
)

select member_a, member_b, string_agg(reason || ': ' || value, '; ' order by reason) as reasons
from matches
group by member_a, member_b
