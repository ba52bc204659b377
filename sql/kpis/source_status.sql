-- Per source: files loaded, rows now in its raw tables, and how its latest load went.
with latest as (
    select
        source,
        any_value(dataset) as dataset,
        max(finished_at) as last_load_at,
        arg_max(status, run_id) as last_status,
        max(finished_at) filter (where status = 'failed') as last_error_at,
        arg_max(message, run_id) filter (where status = 'failed') as last_error,
        count(distinct target) filter (where status <> 'failed') as files_loaded
    from app.source_runs
    group by source
),

raw_rows as (
    select schema_name as dataset, sum(estimated_size) as rows
    from duckdb_tables()
    where not starts_with(table_name, '_dlt')
    group by schema_name
)

select
    latest.source,
    latest.files_loaded,
    coalesce(raw_rows.rows, 0) as rows,
    latest.last_load_at,
    latest.last_status,
    latest.last_error_at,
    latest.last_error
from latest
left join raw_rows on raw_rows.dataset = latest.dataset
order by latest.source
