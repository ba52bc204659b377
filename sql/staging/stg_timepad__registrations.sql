-- One row per Timepad ticket of an order that counts as a registration (rejected, cancelled and
-- returned orders do not), with the person holding it. Timepad has no user ids for ticket
-- holders, so the person key is, in this order: the lower-cased e-mail (the ticket's form answer,
-- else the order's e-mail), else the phone (+digits), else the holder's name (lower-case), else
-- the ticket itself.
with tickets as (
    select
        t.event_id,
        t.order_id,
        t.ticket_id,
        coalesce(t.email, o.mail) as email,
        t.phone,
        t.handle,
        nullif(trim(concat_ws(' ', t.first_name, t.last_name)), '') as display_name,
        t.ticket_type,
        make_timestamp(o.created_unixtime * 1000000) as registered_at,
        coalesce(t.attended, false) as attended,
        make_timestamp(t.checked_in_unixtime * 1000000) as checked_in_at,
        o.utm_source as source_channel
    from raw_timepad.tickets as t
    inner join raw_timepad.orders as o on o.event_id = t.event_id and o.order_id = t.order_id
    where lower(coalesce(o.status, '')) not in (
        'rejected', 'inactive', 'deleted', 'returned', 'cancelled', 'blocked', 'booked_inactive'
    )
)

select
    *,
    coalesce(email, phone, lower(display_name), 'ticket-' || ticket_id) as person_key
from tickets
