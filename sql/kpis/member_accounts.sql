-- The accounts behind one member ($member_id: any member id ever seen), platform by platform.
select
    identities.identity_id,
    identities.platform,
    identities.handle,
    identities.display_name,
    identities.email,
    identities.phone
from core.identities
semi join core.member_aliases as aliases
    on aliases.member_id = identities.member_id and aliases.alias_id = $member_id::varchar
order by identities.platform, identities.identity_id
