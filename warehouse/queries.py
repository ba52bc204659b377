"""Typed reads for the pages, cached until the data changes.

Results (never connections) are cached, keyed on the data version that every build bumps, so a
refresh landing invalidates them. If a writer holds the warehouse longer than a reader will wait,
the last result computed for the same question is served instead of an error.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl

from warehouse.community import DEFAULT_TIMEZONE, community_timezone
from warehouse.connection import (
    WarehouseBusy,
    WarehouseEmpty,
    has_table,
    lock_held,
    read_connection,
)
from warehouse.kpis import compute_kpis, kpi_series, run_kpi_query
from warehouse.models import data_version
from warehouse.periods import Period
from warehouse.settings import lock_path

T = TypeVar("T")
_CACHE_SIZE = 512
_cache: OrderedDict[tuple, tuple[str, Any]] = OrderedDict()
_cache_lock = threading.Lock()


def cached(key: tuple, compute: Callable[[], T], stamp: object = None) -> T:
    """`compute()` once per data version (and per `stamp`, for answers that age with the clock);
    the last answer for `key` while a writer keeps the warehouse busy."""
    version = f"{data_version()}|{stamp}"
    with _cache_lock:
        hit = _cache.get(key)
        if hit and hit[0] == version:
            _cache.move_to_end(key)
            return hit[1]
    try:
        value = compute()
    except WarehouseBusy:
        if hit:
            return hit[1]  # a refresh is writing: the previous answer beats an error
        raise
    with _cache_lock:
        _cache[key] = (version, value)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def unless_busy(read: Callable[[], T], busy: T) -> T:
    """A lookup a write checks against, or `busy` while a refresh keeps the warehouse: the
    entry is then saved unchecked (and queued) rather than refused — what was typed is never
    lost to a refresh."""
    try:
        found = read()
    except WarehouseBusy:
        return busy
    if found is None and writer_active():
        return busy  # "not found" may be the last answer, from before the thing was made
    return found


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def writer_active() -> bool:
    """True while a refresh or import holds the warehouse for writing."""
    return lock_held(lock_path())


def timezone() -> str:
    def compute() -> str:
        try:
            with read_connection() as con:
                return community_timezone(con)
        except WarehouseEmpty:
            return DEFAULT_TIMEZONE  # nothing loaded yet, so nothing set yet either

    return cached(("timezone",), compute)


def channels() -> pl.DataFrame:
    """channel_id, platform, name, kind of every channel (empty before the first build)."""

    def compute() -> pl.DataFrame:
        with read_connection() as con:
            if not has_table(con, "core", "channels"):
                return pl.DataFrame(
                    schema={
                        "channel_id": pl.String,
                        "platform": pl.String,
                        "name": pl.String,
                        "kind": pl.String,
                    }
                )
            return run_kpi_query(con, "channels", {})

    return cached(("channels",), compute)


def kpis(
    period: Period, channel: str | None = None, only: tuple[str, ...] | None = None
) -> dict[str, int | float | None]:
    """KPI id → value over the period; `only` computes just the queries behind those ids."""

    def compute() -> dict[str, int | float | None]:
        with read_connection() as con:
            return compute_kpis(con, period, channel, only)

    return cached(("kpis", period, channel, only), compute)


def series(name: str, period: Period, channel: str | None = None) -> pl.DataFrame:
    """A chart's data: sql/kpis/series_<name>.sql over the period."""

    def compute() -> pl.DataFrame:
        with read_connection() as con:
            return kpi_series(con, f"series_{name}", period, channel)

    return cached(("series", name, period, channel), compute)


def channel_table(period: Period) -> pl.DataFrame:
    """One row per channel with its KPIs over the period (sql/kpis/channel_effectiveness.sql)."""

    def compute() -> pl.DataFrame:
        with read_connection() as con:
            return run_kpi_query(con, "channel_effectiveness", period.params())

    return cached(("channel_table", period), compute)


@dataclass(frozen=True)
class SourceStatus:
    loaded: pl.DataFrame  # per source: files, rows, last load, last status, last error
    runs: pl.DataFrame  # recent runs, newest first


def source_status(limit: int = 50) -> SourceStatus:
    def compute() -> SourceStatus:
        with read_connection() as con:
            if not has_table(con, "app", "source_runs"):
                empty = pl.DataFrame()
                return SourceStatus(empty, empty)
            loaded = run_kpi_query(con, "source_status", {})
            runs = run_kpi_query(con, "source_runs", {"limit": limit})
            return SourceStatus(loaded, runs)

    return cached(("source_status", limit), compute)


def event_choices() -> pl.DataFrame:
    """event_id, title, starts_at of every event, newest first (empty before the first build)."""

    def compute() -> pl.DataFrame:
        with read_connection() as con:
            if not has_table(con, "core", "events"):
                return pl.DataFrame(
                    schema={"event_id": pl.String, "title": pl.String, "starts_at": pl.Datetime}
                )
            return run_kpi_query(con, "event_choices", {})

    return cached(("event_choices",), compute)
