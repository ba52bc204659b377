-- One row per person listed in CSV/TSV files. raw_csv.identities keeps a row per person and file,
-- so a later file without an e-mail column does not erase an e-mail an earlier file gave: each
-- field is the latest load's non-empty value.
select
    identity_id,
    any_value(platform) as platform,
    any_value(external_user_id) as external_user_id,
    arg_max(handle, loaded_at_us) filter (where handle is not null) as handle,
    arg_max(display_name, loaded_at_us) filter (where display_name is not null) as display_name,
    arg_max(email, loaded_at_us) filter (where email is not null) as email,
    arg_max(phone, loaded_at_us) filter (where phone is not null) as phone,
    false as is_team,
    false as is_bot
from raw_csv.identities
group by identity_id
