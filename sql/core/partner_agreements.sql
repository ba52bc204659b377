-- Agreements with partners: each side's responsibilities, the dates, the document's link.
select
    a.agreement_id,
    a.partner_id,
    a.title,
    a.our_responsibilities,
    a.partner_responsibilities,
    a.signed_on,
    a.starts_on,
    a.ends_on,
    a.document_url,
    a.created_at
from staging.stg_app__partner_agreements as a
semi join core.partners as p on p.partner_id = a.partner_id
where not a.is_deleted
