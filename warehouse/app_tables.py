"""The app-entered tables (sql/app/tables.sql): created before every build and every form write."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.settings import SQL_DIR

# bookkeeping tables a form entry may never write to directly
_INTERNAL = {"applied_entries", "audit_log"}


def ensure_app_tables(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    ddl = sql_dir / "app" / "tables.sql"
    if ddl.exists():  # a scratch model folder (tests) may have no app tables
        con.execute(ddl.read_text(encoding="utf-8"))


def writable_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name → type of an app table forms may write; raises ValueError for any other."""
    schema, _, name = table.partition(".")
    if schema != "app" or name in _INTERNAL:
        raise ValueError(f"forms cannot write to {table}")
    rows = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'app' and table_name = ? order by ordinal_position",
        [name],
    ).fetchall()
    if not rows:
        raise ValueError(f"no app table {table}")
    return dict(rows)
