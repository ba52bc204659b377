-- Every event: those created in the app, and those announced or run in another system (Timepad,
-- a Zoom meeting, a form) with the manager's edits laid over them. Events the manager deleted
-- are gone; cancelled ones stay (status 'cancelled'). Times are UTC; `timezone` is the zone the
-- manager thinks of the event in (the community's when not given). partner_ids: the partners
-- co-hosting it (ids of app.partners, as entered; a deleted partner's id may remain).
with loaded as (
    select
        event_id, title, format, starts_at, ends_at, place, channel_id, status,
        registration_target
    from staging.stg_timepad__events
    union all
    select
        event_id, title, format, starts_at, ends_at, place, channel_id, status,
        registration_target
    from staging.stg_zoom__events
    union all
    select
        event_id, title, format, starts_at, ends_at, place, channel_id, status,
        registration_target
    from staging.stg_gforms__events
),

loaded_events as (
    select
        event_id,
        any_value(title) as title,
        any_value(format) as format,
        min(starts_at) as starts_at,
        max(ends_at) as ends_at,
        any_value(place) as place,
        any_value(channel_id) as channel_id,
        any_value(status) as status,
        max(registration_target) as registration_target
    from loaded
    group by event_id
)

select
    coalesce(entered.event_id, src.event_id) as event_id,
    coalesce(entered.title, src.title) as title,
    coalesce(entered.format, src.format) as format,
    coalesce(entered.starts_at, src.starts_at) as starts_at,
    coalesce(entered.ends_at, src.ends_at) as ends_at,
    entered.timezone,
    coalesce(entered.place, src.place) as place,
    coalesce(entered.channel_id, src.channel_id) as channel_id,
    cast(null as varchar) as chapter_id,
    coalesce(entered.registration_target, src.registration_target) as registration_target,
    coalesce(entered.status, src.status) as status,
    entered.organisers,
    entered.co_hosts,
    entered.budget,
    entered.currency,
    entered.backup_actions,
    -- registration opens when the manager creates the event (imported events: unknown)
    case when entered.created_in_app then entered.created_at end as opened_at,
    case when coalesce(entered.created_in_app, false) then 'app' else 'imported' end as origin,
    coalesce(cohosts.partner_ids, cast([] as varchar[])) as partner_ids
from loaded_events as src
full outer join staging.stg_app__events as entered on entered.event_id = src.event_id
left join staging.stg_app__event_partners as cohosts
    on cohosts.event_id = coalesce(entered.event_id, src.event_id)
where not coalesce(entered.is_deleted, false)
    -- an edit to an imported event whose source no longer has it is not an event
    and (src.event_id is not null or entered.created_in_app)
