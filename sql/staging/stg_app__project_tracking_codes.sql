-- Tracking codes of joint projects that were not removed. match_key is how a code is compared
-- with what sources carry: lower-case, trimmed, without http(s):// and a trailing slash (so
-- "https://t.me/+AbC" and "t.me/+abc/" are one invite link).
select
    project_id,
    kind,
    code,
    rtrim(regexp_replace(lower(trim(code)), '^https?://', ''), '/') as match_key,
    added_at
from app.project_tracking_codes
where removed_at is null
