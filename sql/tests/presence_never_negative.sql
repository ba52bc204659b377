-- Presence changes alternate, so no member is ever in a channel "minus one" times.
select member_id, channel_id, changed_at
from (
    select
        member_id, channel_id, changed_at,
        sum(delta) over (
            partition by member_id, channel_id order by changed_at, delta desc
            rows between unbounded preceding and current row
        ) as present
    from marts.channel_presence
)
where present not in (0, 1)
