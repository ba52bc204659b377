"""The one owner of DuckDB connections.

DuckDB allows one writing process per file, and a read-only open fails while another process
writes. So every connection here is taken under an advisory file lock beside the database:
readers share it, writers hold it alone. A reader waits (bounded) for a running writer instead of
failing with DuckDB's "Could not set lock on file"; connections are short-lived so nobody waits
long. flock locks belong to open file descriptions, so threads of one process exclude each other
exactly like separate processes do.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.i18n import _
from warehouse.settings import lock_path, warehouse_path

READ_TIMEOUT_S = float(os.environ.get("PULSE_READ_TIMEOUT", "10"))
WRITE_TIMEOUT_S = float(os.environ.get("PULSE_WRITE_TIMEOUT", "600"))
_POLL_S = 0.05


class WarehouseBusy(RuntimeError):
    """Another process kept the warehouse locked for longer than we were willing to wait."""


class WarehouseEmpty(RuntimeError):
    """No data has been loaded yet."""


class WarehouseNotBuilt(WarehouseEmpty):
    """Data is loaded, but a table a read needs is not built (a build failed, or the code was
    updated with new models and nothing has rebuilt them yet)."""


@contextmanager
def _file_lock(*, exclusive: bool, timeout: float) -> Iterator[None]:
    fd = os.open(lock_path(), os.O_RDWR | os.O_CREAT, 0o644)
    mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, mode)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    # said in the language of whoever waited (a page's reader; the CLI: English)
                    raise WarehouseBusy(_busy(exclusive, timeout)) from None
                time.sleep(_POLL_S)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _busy(exclusive: bool, timeout: float) -> str:
    if exclusive:
        return _(
            "The warehouse is busy (a refresh or import is writing to it); could not write to it "
            "within {seconds} s. Try again shortly.",
            seconds=f"{timeout:g}",
        )
    return _(
        "The warehouse is busy (a refresh or import is writing to it); could not read it "
        "within {seconds} s. Try again shortly.",
        seconds=f"{timeout:g}",
    )


def lock_held(path: Path) -> bool:
    """Whether some process holds `path`'s lock exclusively right now (probed in an instant)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


WRITE_MEMORY_LIMIT = os.environ.get("PULSE_DUCKDB_MEMORY", "512MB")


def _configure(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    # Timestamps are stored as naive UTC; make every TIMESTAMPTZ conversion agree.
    con.execute("SET TimeZone = 'UTC'")
    return con


@dataclass
class _SharedRead:
    stack: ExitStack
    con: duckdb.DuckDBPyConnection | None = None


_shared_read: ContextVar[_SharedRead | None] = ContextVar("shared_read", default=None)


@contextmanager
def one_read_connection() -> Iterator[None]:
    """Inside this block, every read_connection() of this thread hands out one connection,
    opened at the first read (not at all if every answer comes from a cache) and closed at the
    end: a page's dozens of queries then open the warehouse once instead of paying ~50 ms and a
    cold buffer cache each. Keep the block short: a writer waits for it."""
    if _shared_read.get() is not None:  # already inside one
        yield
        return
    with ExitStack() as stack:
        token = _shared_read.set(_SharedRead(stack))
        try:
            yield
        finally:
            _shared_read.reset(token)


@contextmanager
def read_connection(timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short read-only connection, shared with other readers, waiting for a writer if needed."""
    shared = _shared_read.get()
    if shared is None:
        with _open_for_reading(timeout) as con, _missing_tables_said():
            yield con
        return
    if shared.con is None:
        shared.con = shared.stack.enter_context(_open_for_reading(timeout))
    with _missing_tables_said():
        yield shared.con


@contextmanager
def _open_for_reading(timeout: float | None) -> Iterator[duckdb.DuckDBPyConnection]:
    with _file_lock(exclusive=False, timeout=READ_TIMEOUT_S if timeout is None else timeout):
        path = warehouse_path()
        if not path.exists():
            raise WarehouseEmpty(
                _("No data yet: load an export on the Data page or run a refresh.")
            )
        con = _configure(duckdb.connect(str(path), read_only=True))
        try:
            yield con
        finally:
            con.close()


@contextmanager
def _missing_tables_said() -> Iterator[None]:
    try:
        yield
    except duckdb.CatalogException as exc:  # a model is missing: say how to build it
        raise WarehouseNotBuilt(
            _(
                "The data is loaded but its tables are not built yet (or were built by an "
                "older version): run `python -m pipelines build` or `make refresh`."
            )
        ) from exc


@contextmanager
def write_lock(timeout: float | None = None) -> Iterator[None]:
    """Hold the writer's lock without opening DuckDB (for dlt, which opens its own connection)."""
    shared = _shared_read.get()
    if shared is not None and shared.con is not None:  # it would wait for our own reader
        raise RuntimeError("a write inside one_read_connection() would wait for itself")
    with _file_lock(exclusive=True, timeout=WRITE_TIMEOUT_S if timeout is None else timeout):
        yield


@contextmanager
def write_connection(timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The only read-write connection, held alone across processes and threads."""
    with write_lock(timeout):
        # model builds spill to disk rather than grow past the limit
        config = {"memory_limit": WRITE_MEMORY_LIMIT, "preserve_insertion_order": False}
        con = _configure(duckdb.connect(str(warehouse_path()), config=config))
        try:
            yield con
        finally:
            con.close()


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether a table or view exists (app tables appear only after their first write)."""
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return bool(con.execute(sql, [schema, table]).fetchone()[0])
