-- Agreements with partners: each side's part, the dates, the link to the document.
select
    agreement_id,
    partner_id,
    title,
    our_responsibilities,
    partner_responsibilities,
    signed_on,
    starts_on,
    ends_on,
    document_url,
    created_at,
    deleted_at is not null as is_deleted
from app.partner_agreements
