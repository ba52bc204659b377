-- The tags a member list gives each person (one row per person and tag), from the latest file
-- that tags them; for core.members.tags.
with latest as (
    select
        identity_id,
        arg_max(tags_json, loaded_at_us) filter (where tags_json is not null) as tags_json
    from raw_csv.identities
    group by identity_id
)

select identity_id, unnest(from_json(tags_json, '["VARCHAR"]')) as tag
from latest
where tags_json is not null
