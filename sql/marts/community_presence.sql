-- When each member became present in / absent from the community as a whole: present while in
-- at least one channel.
with running as (
    select
        member_id,
        changed_at,
        delta,
        sum(delta) over (
            partition by member_id
            order by changed_at, delta desc
            rows between unbounded preceding and current row
        ) as channels_present
    from marts.channel_presence
)

select member_id, changed_at, delta
from running
where (delta = 1 and channels_present = 1) or (delta = -1 and channels_present = 0)
