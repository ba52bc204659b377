-- A channel's audience on a day, from platforms' statistics (follower counts, views, reach).
-- Telegram Desktop exports carry none; API sources add theirs here.
select
    cast(null as varchar) as channel_id,
    cast(null as date) as day,
    cast(null as bigint) as followers,
    cast(null as bigint) as views,
    cast(null as bigint) as reach
where false
