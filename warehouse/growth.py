"""The Growth & retention page's data: members over time, joins and leaves, the cohort table,
engagement levels with their monthly movement, and the core members month by month.

Aggregates only: nothing here names a member. Each read is cached per data version
(warehouse.queries.cached), so a refresh landing invalidates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import duckdb
import polars as pl

from warehouse import queries
from warehouse.connection import WarehouseEmpty, has_table, one_read_connection, read_connection
from warehouse.i18n import N_, _
from warehouse.kpis import run_kpi_query
from warehouse.periods import Period, month_of

CORE_TREND_MONTHS = 12
WEEKLY_AFTER_DAYS = 62  # joins and leaves per day up to two months, per week beyond
LEVELS = ("Leading", "Contributing", "Participating", "Exploring")
LAPSED = "Lapsed"  # level_movement.sql: had a level the month before, none now
# levels and movements are code words in the data: pages show them as _(LEVEL_LABELS[level])
LEVEL_LABELS = {
    "Leading": N_("Leading"),
    "Contributing": N_("Contributing"),
    "Participating": N_("Participating"),
    "Exploring": N_("Exploring"),
    LAPSED: N_("Lapsed"),
}
MOVEMENTS = {"moved_up": N_("Came up"), "held": N_("Held"), "moved_down": N_("Came down")}


@dataclass(frozen=True)
class Growth:
    members: pl.DataFrame  # day, members
    joins_leaves: pl.DataFrame  # day (or week), joined, left_members, net
    joins_leaves_grain: str  # "day" or "week"
    cohorts: pl.DataFrame  # cohort_month, cohort_size, month_offset, active_members, active_pct
    levels: pl.DataFrame  # level, level_rank, members, previous_members, moved_up, held, moved_down
    core_trend: pl.DataFrame  # month, core_members (oldest first, ending with the period's month)


def growth(period: Period, channel: str | None = None) -> Growth:
    """Everything the page draws, for the period (community-wide or one channel)."""
    with one_read_connection():  # a dozen queries: open the warehouse once for them
        levels = level_movement(period, channel)  # first: says "no data yet" before the rest
        joins, grain = joins_leaves(period, channel)
        return Growth(
            members=_query("series_members", period, channel),
            joins_leaves=joins,
            joins_leaves_grain=grain,
            cohorts=cohorts(period, channel),
            levels=levels,
            core_trend=core_trend(period, channel),
        )


def _built(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The connection, if the models were built (a warehouse with only settings is empty)."""
    if not has_table(con, "marts", "member_levels"):
        raise WarehouseEmpty(_("No data yet: load an export on the Data page or run a refresh."))
    return con


def _query(name: str, period: Period, channel: str | None) -> pl.DataFrame:
    def compute() -> pl.DataFrame:
        with read_connection() as con:
            return run_kpi_query(_built(con), name, period.params(channel))

    return queries.cached(("growth", name, period, channel), compute)


def joins_leaves(period: Period, channel: str | None = None) -> tuple[pl.DataFrame, str]:
    """Joined, left and net per day, or per week (Monday) for periods over two months."""
    daily = _query("series_joins_leaves", period, channel)
    if period.days <= WEEKLY_AFTER_DAYS:
        return daily, "day"
    weekly = (
        daily.with_columns(pl.col("day").dt.truncate("1w").alias("week"))
        .group_by("week")
        .agg(pl.col("joined", "left_members", "net").sum())
        .sort("week")
    )
    return weekly, "week"


def cohorts(period: Period, channel: str | None = None) -> pl.DataFrame:
    """Per join month and month offset: cohort size, members active, share active (%)."""
    return _query("cohorts", period, channel)


def level_movement(period: Period, channel: str | None = None) -> pl.DataFrame:
    """Members per level at the end of the period's last month, and their movement since the
    month before (sql/kpis/level_movement.sql)."""
    return _query("level_movement", period, channel)


def level_movement_long(levels: pl.DataFrame) -> pl.DataFrame:
    """level, level_rank, movement (Came up / Held / Came down), members: for a stacked bar."""
    return (
        levels.select("level", "level_rank", *MOVEMENTS)
        .unpivot(
            index=["level", "level_rank"],
            on=list(MOVEMENTS),
            variable_name="movement",
            value_name="members",
        )
        .with_columns(pl.col("movement").replace_strict(MOVEMENTS))
        .filter(pl.col("members") > 0)
    )


def trend_months(period: Period, count: int = CORE_TREND_MONTHS) -> list[Period]:
    """The `count` calendar months ending with the one holding the period's last day."""
    months = [month_of(period.end - timedelta(days=1), period.timezone)]
    while len(months) < count:
        months.insert(0, month_of(months[0].start - timedelta(days=1), period.timezone))
    return months


def core_trend(period: Period, channel: str | None = None) -> pl.DataFrame:
    """core_members at the end of each of the 12 months up to the period's last one."""
    months = trend_months(period)

    def compute() -> pl.DataFrame:
        with read_connection() as con:
            _built(con)
            values = [
                run_kpi_query(con, "levels", month.params(channel))["core_members"][0]
                for month in months
            ]
        return pl.DataFrame(
            {"month": [m.start for m in months], "core_members": values},
            schema={"month": pl.Date, "core_members": pl.Int64},
        )

    return queries.cached(("growth", "core_trend", months[-1], channel), compute)
