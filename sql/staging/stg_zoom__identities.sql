-- One row per person seen in Zoom participants reports ('zoom:<lower-cased e-mail>', else
-- 'zoom:<name>'); the name is the one shown at their latest meeting. The e-mail is how core links
-- them to the same person on other platforms.
select
    'zoom:' || person_key as identity_id,
    'zoom' as platform,
    person_key as external_user_id,
    cast(null as varchar) as handle,
    arg_max(display_name, first_join_us) as display_name,
    arg_max(email, first_join_us) filter (where email is not null) as email,
    cast(null as varchar) as phone,
    false as is_team,
    false as is_bot
from raw_zoom.participants
group by person_key
