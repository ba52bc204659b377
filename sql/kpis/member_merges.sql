-- Merges of members, newest change first: all of them, or those into one member ($member_id:
-- any member id ever seen; merges chained into it count, e.g. B into A and then A into it).
-- The kept member is named as they are now; the merged one by their own edit or account name.
with target as (
    select member_id from core.member_aliases where alias_id = $member_id::varchar
)

select
    merges.merge_id,
    kept_now.member_id as kept_member_id,
    coalesce(kept.display_name, kept_account.display_name, merges.kept_member_id) as kept_name,
    merges.merged_member_id,
    coalesce(merged_profile.display_name, merged_account.display_name, merges.merged_member_id)
        as merged_name,
    merges.merged_by,
    merges.merged_at,
    merges.undone_by,
    merges.undone_at
from app.member_merges as merges
left join core.member_aliases as kept_now on kept_now.alias_id = merges.kept_member_id
left join core.members as kept on kept.member_id = kept_now.member_id
left join core.identities as kept_account on kept_account.identity_id = merges.kept_member_id
left join core.identities as merged_account
    on merged_account.identity_id = merges.merged_member_id
left join staging.stg_app__member_profiles as merged_profile
    on merged_profile.member_id = merges.merged_member_id
where $member_id::varchar is null
    or (kept_now.member_id in (select member_id from target) and merges.undone_at is null)
order by coalesce(merges.undone_at, merges.merged_at) desc, merges.merge_id
limit $limit
