-- Everything done in CSV/TSV files: joins and leaves from member lists, and the rows of activity
-- files; times are stored as UTC epoch microseconds.
select
    activity_id,
    identity_id,
    channel_id,
    activity_type,
    make_timestamp(occurred_us) as occurred_at,
    content_id,
    parent_content_id
from raw_csv.activities
