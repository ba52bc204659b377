-- Google Forms add no events: every response registers for an event another source knows (the
-- `event_id` option: 'app:12', 'timepad:123'). The model exists, empty, so core can union it.
select
    cast(null as varchar) as event_id,
    cast(null as varchar) as title,
    cast(null as varchar) as format,
    cast(null as timestamp) as starts_at,
    cast(null as timestamp) as ends_at,
    cast(null as varchar) as place,
    cast(null as varchar) as channel_id,
    cast(null as varchar) as status,
    cast(null as bigint) as registration_target
where false
