"""Community settings kept in the warehouse (time zone for now)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from warehouse.connection import has_table, write_connection
from warehouse.models import mark_data_changed

DEFAULT_TIMEZONE = "UTC"
_DDL = """
CREATE SCHEMA IF NOT EXISTS app;
CREATE TABLE IF NOT EXISTS app.settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
"""


def get_setting(con: duckdb.DuckDBPyConnection, key: str, default: str) -> str:
    if not has_table(con, "app", "settings"):
        return default
    row = con.execute("select value from app.settings where key = ?", [key]).fetchone()
    return row[0] if row else default


def community_timezone(con: duckdb.DuckDBPyConnection) -> str:
    return get_setting(con, "timezone", DEFAULT_TIMEZONE)


def validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Moscow)"
        ) from None
    return name


def set_setting(key: str, value: str) -> None:
    if key == "timezone":
        validate_timezone(value)
    else:
        raise ValueError(f"unknown setting {key!r}; known: timezone")
    with write_connection() as con:
        con.execute(_DDL)
        con.execute("INSERT OR REPLACE INTO app.settings VALUES (?, ?)", [key, value])
    mark_data_changed()  # cached numbers depend on the day boundaries
