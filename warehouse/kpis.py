"""Parameterised KPI queries from `sql/kpis/`: one definition for the pages and the CLI."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache
from typing import Any

import duckdb
import polars as pl

from warehouse.community import community_timezone
from warehouse.periods import Period
from warehouse.settings import SQL_DIR

# KPI id → the sql/kpis file that computes it, in the order they are reported.
KPI_QUERIES: dict[str, tuple[str, ...]] = {
    "growth": ("members_total", "members_joined", "members_left", "net_growth", "growth_rate_pct"),
    "activity": ("active_members", "messages", "new_active", "returning_active"),
    "engagement": ("stickiness_pct", "retention_pct", "ugc_share_pct"),
    "connections": ("connected_members_pct", "newcomer_welcome_rate_pct"),
    "levels": ("core_members",),  # one row; the per-level table: level_movement.sql
    "reactions": ("reactions", "first_reaction_median_minutes"),
    "content": ("content_views", "views_per_post", "engagement_rate_pct"),
    "questions": ("questions", "first_response_median_minutes", "response_rate_pct"),
    "events": (
        "event_registrations",
        "event_attendees",
        "checkin_rate_pct",
        "event_new_participants",
        "event_repeat_participants",
        "new_to_repeat_ratio",
    ),
    "feedback": (
        "feedback_items",
        "feedback_response_median_hours",
        "feedback_response_rate_pct",
    ),
}
KPI_IDS: tuple[str, ...] = tuple(k for ids in KPI_QUERIES.values() for k in ids)
_PARAM = re.compile(r"\$([a-z_]+)")


@cache
def kpi_sql(name: str) -> str:
    return (SQL_DIR / "kpis" / f"{name}.sql").read_text(encoding="utf-8")


def run_kpi_query(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]
) -> pl.DataFrame:
    """Run sql/kpis/<name>.sql, passing only the parameters it uses."""
    sql = kpi_sql(name)
    used = {k: params[k] for k in set(_PARAM.findall(sql))}
    return con.execute(sql, used).pl()


def _plain(value: Any) -> int | float | None:
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() and not isinstance(value, float) else number


def compute_kpis(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    channel: str | None = None,
    only: Collection[str] | None = None,
) -> dict[str, int | float | None]:
    """Every KPI id → its value over `period`, community-wide or for one channel.

    `only`: just the queries that compute these ids (their neighbours in a query come along).
    The period must be in the community's time zone: the marts count its days there."""
    zone = community_timezone(con)
    if period.timezone != zone:  # a caller's mistake, not a user's: pages and CLI use the zone
        raise ValueError(
            f"KPIs are counted in the community's days ({zone}); got a period in {period.timezone}"
        )
    params = period.params(channel)
    values: dict[str, int | float | None] = {}
    for query, ids in KPI_QUERIES.items():
        if only is not None and not set(ids) & set(only):
            continue
        row = run_kpi_query(con, query, params).row(0, named=True)
        values.update({kpi: _plain(row[kpi]) for kpi in ids})
    return values


def kpi_series(
    con: duckdb.DuckDBPyConnection, name: str, period: Period, channel: str | None = None
) -> pl.DataFrame:
    return run_kpi_query(con, name, period.params(channel))
