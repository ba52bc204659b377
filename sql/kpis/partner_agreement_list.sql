-- A partner's agreements, the latest first.
select
    agreement_id, title, our_responsibilities, partner_responsibilities, signed_on, starts_on,
    ends_on, document_url, created_at
from core.partner_agreements
where partner_id = $partner_id::varchar
order by coalesce(signed_on, starts_on, cast(created_at as date)) desc, created_at desc
