-- One row per Timepad event. Status is as of now: deleted or hidden (inactive) events are
-- cancelled, events that have ended are done, then open registration, else planned. An event
-- without a street address, or whose place says online, is online; its place is its Timepad page.
with events as (
    select
        *,
        address is null
        or concat_ws(' ', city, address) ilike '%онлайн%'
        or concat_ws(' ', city, address) ilike '%online%' as is_online
    from raw_timepad.events
)

select
    'timepad:' || event_id as event_id,
    name as title,
    case when is_online then 'online' else 'offline' end as format,
    make_timestamp(starts_unixtime * 1000000) as starts_at,
    make_timestamp(ends_unixtime * 1000000) as ends_at,
    case when is_online then url else concat_ws(', ', city, address) end as place,
    cast(null as varchar) as channel_id,
    case
        when lower(status) in ('deleted', 'inactive') then 'cancelled'
        when coalesce(ends_unixtime, starts_unixtime) < epoch(current_timestamp) then 'done'
        when is_registration_open then 'registration'
        else 'planned'
    end as status,
    tickets_total as registration_target
from events
