"""The log of source loads: what each import or refresh did, for the Data page and the CLI."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.connection import (
    WarehouseBusy,
    WarehouseEmpty,
    has_table,
    read_connection,
    write_connection,
)

_DDL = """
CREATE SCHEMA IF NOT EXISTS app;
CREATE SEQUENCE IF NOT EXISTS app.source_run_ids;
CREATE TABLE IF NOT EXISTS app.source_runs (
    run_id BIGINT DEFAULT nextval('app.source_run_ids') PRIMARY KEY,
    source VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL,
    rows BIGINT,
    message VARCHAR,
    fingerprint VARCHAR
);
"""


@dataclass(frozen=True)
class SourceRun:
    source: str
    dataset: str  # the raw schema the source loads into
    target: str  # the file or endpoint
    started_at: datetime
    status: str  # "ok" | "warning" | "failed"
    rows: int
    message: str = ""
    fingerprint: str | None = None  # size and mtime of a loaded file, so refresh can skip it


def ensure_app_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)


def record_run(run: SourceRun) -> None:
    """Append to the run log. A warehouse kept busy too long loses the log line, not the run."""
    try:
        _insert_run(run)
    except WarehouseBusy as exc:
        logging.getLogger("pipelines").warning("run of %s not logged: %s", run.target, exc)


def _insert_run(run: SourceRun) -> None:
    with write_connection() as con:
        ensure_app_tables(con)
        con.execute(
            "INSERT INTO app.source_runs (source, dataset, target, started_at, finished_at, status,"
            " rows, message, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run.source,
                run.dataset,
                run.target,
                run.started_at.replace(tzinfo=None),
                datetime.now(UTC).replace(tzinfo=None),
                run.status,
                run.rows,
                run.message,
                run.fingerprint,
            ],
        )


def file_fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def loaded_unchanged(path: Path) -> bool:
    """True when this exact file (same size and mtime) was already loaded successfully."""
    try:
        with read_connection() as con:
            if not has_table(con, "app", "source_runs"):
                return False
            row = con.execute(
                "select fingerprint from app.source_runs where target = ? and status <> 'failed'"
                " order by run_id desc limit 1",
                [str(path)],
            ).fetchone()
    except (WarehouseBusy, WarehouseEmpty, duckdb.Error):
        return False  # when in doubt, load again: loading is idempotent
    return bool(row) and row[0] == file_fingerprint(path)
