-- core_members: members at Leading or Contributing at the end of the period's last month (the
-- month holding the period's last day, in the community's time zone), from marts.member_levels.
-- Why those two levels: they are the people who keep coming back and carry the conversation
-- (with the default thresholds, at least about a message a week all year, or several a week);
-- Participating and Exploring are people passing through.
-- Levels are community-wide (a person's score counts everything they do). With $channel, the
-- count is of those people who were in that channel (marts.channel_presence) before the
-- period's end.
with end_levels as (
    select member_id, level_rank
    from marts.member_levels
    where month = date_trunc('month', $end_day::date - 1)::date
),

people as (
    -- two branches rather than "or member_id in (...)", which would look up the channel's
    -- people even when the whole community is asked for
    select member_id, level_rank
    from end_levels
    where $channel::varchar is null
    union all
    select member_id, level_rank
    from end_levels
    semi join marts.channel_presence as presence
        on presence.member_id = end_levels.member_id
        and presence.channel_id = $channel::varchar
        and presence.changed_at < $end::timestamp
)

select count(*) filter (where level_rank >= 3) as core_members  -- Contributing 3, Leading 4
from people
