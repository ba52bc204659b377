"""The control store: accounts, shared links, refresh runs and app-wide preferences.

It is a small SQLite file beside the warehouse, not a part of it, on purpose: a refresh holds
the DuckDB file alone for minutes, and signing in, checking a shared link or listing the
refresh that is running right now must keep working meanwhile. SQLite lets several processes
read and write a few small rows at once (WAL), and comes with Python.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.settings import data_dir

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL DEFAULT '',
    email TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
    password_hash TEXT,              -- NULL: signs in through OpenID Connect only
    language TEXT,                   -- NULL: the default language
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users (lower(email)) WHERE email IS NOT NULL;
CREATE TABLE IF NOT EXISTS share_links (
    link_id TEXT PRIMARY KEY,
    label TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    period TEXT,                     -- JSON {"start", "end"} or NULL: the viewer picks
    channels TEXT,                   -- JSON list of channel ids or NULL: every channel
    revoked_at TEXT,
    revoked_by TEXT
);
CREATE TABLE IF NOT EXISTS refresh_runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,            -- running | ok | failed | skipped
    trigger TEXT NOT NULL DEFAULT '',
    pid INTEGER,
    rows_by_source TEXT,             -- JSON {source: rows}
    errors TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    session_hash TEXT PRIMARY KEY,   -- sha256 of the browser's cookie (not the cookie itself)
    username TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE TABLE IF NOT EXISTS preferences (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sign_in_failures (   -- recent wrong passwords: the sign-in pause
    username TEXT NOT NULL,
    failed_at REAL NOT NULL                     -- unix time
);
"""


_prepared: set[Path] = set()  # control stores this process has set up already


def control_path() -> Path:
    return data_dir() / "control.sqlite"


@contextmanager
def control_connection() -> Iterator[sqlite3.Connection]:
    """A short connection; `with` commits on success and rolls back on an error."""
    path = control_path()
    fresh = path not in _prepared or not path.exists()
    con = sqlite3.connect(path, timeout=15)  # waits up to 15 s for another writer
    try:
        con.row_factory = sqlite3.Row
        if fresh:  # WAL and the tables stay with the file: once per file and process
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
            _prepared.add(path)
        with con:
            yield con
    finally:
        con.close()


def preference(key: str, default: str) -> str:
    with control_connection() as con:
        row = con.execute("SELECT value FROM preferences WHERE key = ?", [key]).fetchone()
    return row["value"] if row else default


def set_preference(key: str, value: str) -> None:
    with control_connection() as con:
        con.execute("INSERT OR REPLACE INTO preferences VALUES (?, ?)", [key, value])
