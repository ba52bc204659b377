"""Form entries: written to an inbox on disk first, then applied to the app tables.

A form must never lose what a manager typed, even while a refresh holds the warehouse for
minutes. So an entry is saved to `<data>/inbox/` (fsynced) before anything else. It is applied
at once when the warehouse is free; otherwise the refresh's own build applies it, or the next
page view does. Each entry is applied exactly once (app.applied_entries), in one transaction with
its audit lines, and the models are then rebuilt so every page and the CLI see it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from warehouse.accounts import require_role
from warehouse.app_tables import ensure_app_tables, writable_columns
from warehouse.connection import WarehouseBusy, write_connection
from warehouse.i18n import _
from warehouse.models import app_tables_read, discover_models, mark_data_changed, run_models
from warehouse.settings import data_dir

log = logging.getLogger("pulse.app_data")
_rejected: dict[str, str] = {}  # entry id → why, for submit() to report
# how long a form waits for a running refresh before queueing its entry instead
FORM_WRITE_TIMEOUT_S = float(os.environ.get("PULSE_FORM_WAIT", "2"))


@dataclass(frozen=True)
class Change:
    """One row to write: `values` are set on the row with `key` (inserted if missing)."""

    table: str  # an app table, e.g. "app.events"
    key: Mapping[str, Any]
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Submitted:
    entry_id: str
    applied: bool  # False: queued until the running refresh lets go of the warehouse


class EntryRejected(ValueError):
    """The warehouse refused an entry (it was validated, so this is a bug or a schema change)."""


def inbox_dir() -> Path:
    folder = data_dir() / "inbox"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (
            value.astimezone(UTC).replace(tzinfo=None).isoformat()
            if value.tzinfo
            else (value.isoformat())
        )
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def submit(changes: Sequence[Change], user: str, timeout: float | None = None) -> Submitted:
    """Save an entry durably, then apply it unless a refresh keeps the warehouse too long.
    Only a manager or an admin (or the operator at the command line) may write."""
    require_role(user, "manager")
    entry_id = uuid.uuid4().hex
    entry = {
        "entry_id": entry_id,
        "submitted_at": datetime.now(UTC).replace(tzinfo=None).isoformat(),
        "user": user,
        "changes": [
            {
                **asdict(c),
                "key": {k: _plain(v) for k, v in c.key.items()},
                "values": {k: _plain(v) for k, v in c.values.items()},
            }
            for c in changes
        ],
    }
    _write_durably(inbox_dir() / f"{time.time_ns():020d}-{entry_id}.json", entry)
    try:
        apply_pending(FORM_WRITE_TIMEOUT_S if timeout is None else timeout)
    except WarehouseBusy:
        return Submitted(entry_id, applied=False)
    if entry_id in _rejected:
        # the reason is the warehouse's own (technical, English) words
        raise EntryRejected(_("Not saved: {reason}", reason=_rejected.pop(entry_id)))
    return Submitted(entry_id, applied=True)


def _write_durably(path: Path, entry: dict) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(entry, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def pending_entries() -> list[Path]:
    return sorted(inbox_dir().glob("*.json"))


def apply_pending(timeout: float = 0.0) -> int:
    """Apply queued entries and rebuild the models; raises WarehouseBusy if a writer is busy."""
    if not pending_entries():
        return 0
    with write_connection(timeout) as con:
        touched: set[str] = set()
        applied = apply_entries(con, touched)
        # only the models built from what the entries changed: a follow-up or feedback line
        # feeds no model (pages read those tables directly), a check-in skips the channels'
        # models; a full build of a large community takes seconds
        if touched & tables_models_read():
            run_models(con, _raw_tables(), changed_app_tables=touched)
    if applied:
        mark_data_changed()
    return applied


def tables_models_read() -> set[str]:
    """The app tables some model reads (an entry touching one needs a model build)."""
    return set().union(*(app_tables_read(m) for m in discover_models().values()))


def apply_pending_quietly() -> None:
    """For page views: apply what a refresh kept waiting, if the warehouse is free right now."""
    with contextlib.suppress(WarehouseBusy):
        apply_pending(0.0)


def _raw_tables() -> dict:
    # staging models read every source's raw tables; on a warehouse no source has loaded yet
    # they must exist (empty) for the build to bind
    from pipelines.sources import all_raw_tables

    return all_raw_tables()


def apply_entries(con: duckdb.DuckDBPyConnection, touched: set[str] | None = None) -> int:
    """Apply every inbox entry on an open write connection, oldest first; each exactly once.
    The app tables written are added to `touched`."""
    ensure_app_tables(con)
    applied = 0
    for path in pending_entries():
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue  # another process applied it just now
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.error("unreadable form entry %s moved aside", path.name)
            path.replace(path.with_suffix(".bad"))
            continue
        try:
            applied += _apply_entry(con, entry)
            if touched is not None:
                touched.update(change["table"] for change in entry["changes"])
        except (ValueError, KeyError, duckdb.Error) as exc:
            # kept aside for a person to look at; never retried forever, never blocking others
            log.error("form entry %s rejected: %s", path.name, exc)
            _rejected[entry.get("entry_id", "")] = str(exc)
            path.replace(path.with_suffix(".rejected"))
            continue
        path.unlink(missing_ok=True)
    return applied


def _apply_entry(con: duckdb.DuckDBPyConnection, entry: dict) -> bool:
    entry_id = entry["entry_id"]
    con.execute("BEGIN TRANSACTION")
    try:
        done = con.execute(
            "select 1 from app.applied_entries where entry_id = ?", [entry_id]
        ).fetchone()
        if done:
            con.execute("ROLLBACK")
            return False
        now = datetime.now(UTC).replace(tzinfo=None)
        for change in entry["changes"]:
            _upsert(con, change["table"], change["key"], change["values"])
            con.execute(
                "insert into app.audit_log values (?, ?, ?, ?, 'upsert', ?, ?)",
                [
                    entry_id,
                    now,
                    entry["user"],
                    change["table"],
                    json.dumps(change["key"], ensure_ascii=False, sort_keys=True),
                    json.dumps(change["values"], ensure_ascii=False, sort_keys=True),
                ],
            )
        con.execute("insert into app.applied_entries values (?, ?)", [entry_id, now])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def _upsert(
    con: duckdb.DuckDBPyConnection, table: str, key: Mapping[str, Any], values: Mapping[str, Any]
) -> None:
    columns = writable_columns(con, table)
    names = [*key, *(c for c in values if c not in key)]
    unknown = [n for n in names if n not in columns]
    if unknown:
        raise ValueError(f"{table} has no column {unknown[0]!r}")
    # identifiers come from the table's own column list, values are parameters
    casts = ", ".join(f"CAST(? AS {columns[n]})" for n in names)
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in key)
    conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    con.execute(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({casts})"
        f" ON CONFLICT ({', '.join(key)}) {conflict}",
        [*key.values(), *(values[n] for n in names if n not in key)],
    )
