"""Refresh runs: one row per `python -m pipelines refresh`, and the lock that keeps it single.

Runs live in the control store (warehouse.control), not in the warehouse, so the Data page can
list them — the running one included — while that refresh holds the DuckDB file.

Only one refresh runs at a time: it holds a non-blocking flock on `data/refresh.lock` from start
to end (separate from the warehouse's own lock, which a refresh takes and drops per load). The
lock belongs to the process, so a refresh that was killed frees it at once; a run it left
'running' is then shown as 'interrupted'.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import polars as pl

from warehouse.connection import lock_held
from warehouse.control import control_connection
from warehouse.settings import data_dir

STATUSES = ("running", "ok", "failed", "skipped", "interrupted")
# how long a starting refresh retries the lock: the app's "is a refresh running?" probe holds it
# shared for an instant, and must never make a scheduled run skip
LOCK_WAIT_S = 2.0
_POLL_S = 0.05

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL = re.compile(r"(\d+)([smhd])")


def refresh_lock_path() -> Path:
    return data_dir() / "refresh.lock"


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _text(moment: datetime) -> str:
    return moment.isoformat()


class RefreshRunning(RuntimeError):
    """Another refresh holds data/refresh.lock."""

    def __init__(self, pid: int | None, since: str | None) -> None:
        self.pid, self.since = pid, since
        super().__init__(f"another refresh is running (pid {pid or '?'}, since {_shown(since)})")


@contextmanager
def refresh_lock(wait: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold data/refresh.lock for a whole refresh; RefreshRunning if another refresh holds it."""
    fd = os.open(refresh_lock_path(), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RefreshRunning(*_holder(fd)) from None
                time.sleep(_POLL_S)
        # who holds it, for the message a refresh started meanwhile prints
        holder = json.dumps({"pid": os.getpid(), "since": _text(_now())})
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _shown(since: str | None) -> str:
    """'2026-05-01T10:00:00+00:00' → '2026-05-01 10:00:00 UTC'."""
    if not since:
        return "a moment ago"
    return since.replace("T", " ").replace("+00:00", " UTC")


def _holder(fd: int) -> tuple[int | None, str | None]:
    try:
        found = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return found.get("pid"), found.get("since")
    except (OSError, ValueError, AttributeError):
        return None, None  # the holder is between taking the lock and writing its name


def refresh_running() -> bool:
    """Whether a refresh holds data/refresh.lock right now (a shared probe, held an instant)."""
    return lock_held(refresh_lock_path())


def start_run(trigger: str) -> int:
    """Record a run as 'running'; call it holding refresh_lock(). Runs still 'running' from
    before were left by a refresh that died (it held the lock we now hold): they are marked
    'interrupted'."""
    with control_connection() as con:
        con.execute("UPDATE refresh_runs SET status = 'interrupted' WHERE status = 'running'")
        cursor = con.execute(
            "INSERT INTO refresh_runs (started_at, status, trigger, pid) VALUES (?, ?, ?, ?)",
            [_text(_now()), "running", trigger, os.getpid()],
        )
        return int(cursor.lastrowid)


def finish_run(
    run_id: int, status: str, rows_by_source: Mapping[str, int], errors: Iterable[str]
) -> None:
    """End a run: ok, failed or interrupted, with rows loaded per source and what went wrong."""
    if status not in STATUSES:
        raise ValueError(f"unknown run status {status!r}")
    with control_connection() as con:
        con.execute(
            "UPDATE refresh_runs SET finished_at = ?, status = ?, rows_by_source = ?, errors = ?"
            " WHERE run_id = ?",
            [
                _text(_now()),
                status,
                json.dumps(dict(rows_by_source), ensure_ascii=False),
                "\n".join(redact(e) for e in errors) or None,
                run_id,
            ],
        )


def record_skipped(trigger: str, note: str) -> int:
    """A refresh that did not run because another one was running."""
    now = _text(_now())
    with control_connection() as con:
        cursor = con.execute(
            "INSERT INTO refresh_runs (started_at, finished_at, status, trigger, pid, errors)"
            " VALUES (?, ?, 'skipped', ?, ?, ?)",
            [now, now, trigger, os.getpid(), note],
        )
        return int(cursor.lastrowid)


RUN_SCHEMA = {
    "run_id": pl.Int64,
    "started_at": pl.Datetime("us"),
    "finished_at": pl.Datetime("us"),
    "status": pl.String,
    "trigger": pl.String,
    "pid": pl.Int64,
    "rows_by_source": pl.List(pl.Struct({"source": pl.String, "rows": pl.Int64})),
    "errors": pl.String,
}


def recent_runs(limit: int = 30) -> pl.DataFrame:
    """The newest runs first; times in UTC (naive). A 'running' run whose refresh is gone
    (killed, the machine restarted) shows as 'interrupted'."""
    rows = _read_runs(limit)
    dead: set[int] = set()
    running = [row["run_id"] for row in rows if row["status"] == "running"]
    if running and not refresh_running():
        # the lock is free, so those runs' refresh is gone — unless it finished in between (a
        # refresh records its end before it lets go): read again, runs still 'running' are dead
        # (a refresh started since has a new run id)
        rows = _read_runs(limit)
        dead = {row["run_id"] for row in rows if row["status"] == "running"} & set(running)
    elif running:
        dead = set(running[1:])  # one refresh at a time: only the newest can be alive
    records = [
        {
            "run_id": row["run_id"],
            "started_at": _parse(row["started_at"]),
            "finished_at": _parse(row["finished_at"]),
            "status": "interrupted" if row["run_id"] in dead else row["status"],
            "trigger": row["trigger"],
            "pid": row["pid"],
            "rows_by_source": [
                {"source": source, "rows": int(count)}
                for source, count in sorted(json.loads(row["rows_by_source"] or "{}").items())
            ],
            "errors": row["errors"],
        }
        for row in rows
    ]
    return pl.DataFrame(records, schema=RUN_SCHEMA)


def _read_runs(limit: int) -> list:
    with control_connection() as con:
        return con.execute(
            "SELECT run_id, started_at, finished_at, status, trigger, pid, rows_by_source, errors"
            " FROM refresh_runs ORDER BY run_id DESC LIMIT ?",
            [limit],
        ).fetchall()


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


def parse_interval(text: str) -> int:
    """'90s', '30m', '2h', '1d' → seconds; ValueError for anything else (or zero)."""
    found = _INTERVAL.fullmatch(text.strip().lower())
    if not found or int(found[1]) == 0:
        raise ValueError(
            f"not an interval: {text!r}; use a whole number and a unit, e.g. 90s, 30m, 2h or 1d"
        )
    return int(found[1]) * _UNITS[found[2]]


# secrets never reach the log file or the run list, even if a message carried one

_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|CREDENTIALS", re.IGNORECASE)
_SECRET_SHAPES = (
    re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}"),  # a Telegram bot token (in a URL too)
    re.compile(r"\bvk1\.a\.[A-Za-z0-9_.-]+"),  # a VK access token
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
)
_MIN_SECRET = 6  # shorter values would redact ordinary words


def secret_values(secrets_file: Path | None = None) -> list[str]:
    """Values of environment variables named like secrets, and of .dlt/secrets.toml."""
    found = [v for k, v in os.environ.items() if _SECRET_NAME.search(k)]
    path = secrets_file or Path.cwd() / ".dlt" / "secrets.toml"
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        document = {}
    stack: list[object] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            found.append(item)
    # longest first, so a secret that contains another is replaced whole
    return sorted({v for v in found if len(v) >= _MIN_SECRET}, key=len, reverse=True)


@cache
def _known_secrets() -> tuple[str, ...]:
    return tuple(secret_values())  # read once per process: the environment does not change


def redact(text: str) -> str:
    """`text` with every known secret value and token-shaped string replaced by '***'."""
    for value in _known_secrets():
        text = text.replace(value, "***")
    for shape in _SECRET_SHAPES:
        text = shape.sub(lambda m: (m.group(1) if m.re.groups else "") + "***", text)
    return text
