"""Run a dlt resource into the warehouse without blocking the app for long.

dlt's extract and normalize steps only touch local files, so they run unlocked; only the load
step, which writes DuckDB, runs under the warehouse's writer lock. If anything fails, the pending
load package is dropped: nothing from the failed input is loaded, and the next load is not blocked
by a half-finished package.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

import dlt  # noqa: E402 - telemetry must be off before dlt reads its config
import pyarrow as pa  # noqa: E402

from pipelines.errors import find_source_error  # noqa: E402
from warehouse.connection import write_lock  # noqa: E402
from warehouse.models import mark_loaded_since_build  # noqa: E402
from warehouse.privacy import scrub_after_load  # noqa: E402
from warehouse.settings import data_dir, warehouse_path  # noqa: E402

log = logging.getLogger("pipelines")

# Bounded memory for the load; insertion order of raw rows carries no meaning.
DUCKDB_LOAD_CONFIG = {"memory_limit": "512MB", "preserve_insertion_order": False}
# Sources hand over batches already unique on their primary key, so dlt's merge can skip its
# de-duplication pass (a window over every staged row: the slowest part of a large load).
MERGE = {"disposition": "merge", "strategy": "delete-insert", "deduplicated": True}


def _pipeline(name: str, dataset: str) -> dlt.Pipeline:
    credentials = {"database": str(warehouse_path()), "global_config": DUCKDB_LOAD_CONFIG}
    return dlt.pipeline(
        pipeline_name=name,
        pipelines_dir=str(data_dir() / "dlt"),
        destination=dlt.destinations.duckdb(credentials),
        dataset_name=dataset,
        progress=None,
    )


def load_arrow_tables(
    name: str,
    dataset: str,
    batches: Iterable[tuple[str, pa.Table]],
    primary_keys: Mapping[str, list[str]],
) -> dict[str, int]:
    """Merge (table, Arrow batch) pairs into `dataset` on each table's primary key.

    Within one call, rows must be unique on their table's primary key (dlt is told not to
    de-duplicate them).

    Returns rows written per table. Raises whatever the batches raise, after discarding every
    row already extracted from them.
    """
    rows: dict[str, int] = {}

    @dlt.resource(name=name, write_disposition=MERGE)
    def tables():  # noqa: ANN202
        for table, batch in batches:
            rows[table] = rows.get(table, 0) + batch.num_rows
            hints = dlt.mark.make_hints(
                table_name=table, primary_key=primary_keys[table], write_disposition=MERGE
            )
            yield dlt.mark.with_hints(batch, hints, create_table_variant=True)

    pipeline = _pipeline(name, dataset)
    pipeline.abort_packages()  # leftovers of a run that crashed must not load now
    try:
        started = time.perf_counter()
        pipeline.extract(tables())
        extracted = time.perf_counter()
        pipeline.normalize()
        normalized = time.perf_counter()
        with write_lock():
            mark_loaded_since_build()  # before the load: a crash after it must still rebuild
            pipeline.load(raise_on_failed_jobs=True)
            scrub_after_load(name, dataset)  # people forgotten on request stay forgotten
        log.debug(
            "%s: extract %.2f s, normalize %.2f s, load %.2f s",
            name,
            extracted - started,
            normalized - extracted,
            time.perf_counter() - normalized,
        )
    except BaseException as exc:
        pipeline.abort_packages()
        ours = find_source_error(exc)
        if ours is not None and ours is not exc:
            raise ours from None  # the source's own message, without dlt's wrapping
        raise
    return rows
