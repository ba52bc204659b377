"""KPI targets a manager sets per calendar month or quarter, community-wide or for one channel.

Writes validate first (every problem named by field, nothing saved), then go through the
form-entry inbox (warehouse.app_data), so they are audited and never lost during a refresh.
Removing a target sets it to NULL (the row keeps who removed it and when); reads skip those.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from warehouse import queries
from warehouse.app_data import Change, Submitted, submit
from warehouse.connection import WarehouseEmpty, has_table, read_connection
from warehouse.events import InvalidEntry
from warehouse.i18n import _
from warehouse.kpis import KPI_IDS
from warehouse.periods import Period, month_of, quarter_of, today_in

KINDS = ("month", "quarter")
TABLE = "app.kpi_targets"
COMMUNITY = ""  # channel_id of a community-wide target (a key column cannot be NULL)

_LISTED = """
    select kpi, period_kind as kind, period_start, nullif(channel_id, '') as channel,
           target, set_by, set_at
    from app.kpi_targets
    where target is not null
    order by period_start desc, period_kind, list_position($kpi_order, kpi), channel_id
"""
_FOR_PERIOD = """
    select kpi, target
    from app.kpi_targets
    where period_kind = $kind and period_start = $start and channel_id = $channel
      and target is not null
"""
_SCHEMA = {
    "kpi": pl.String,
    "kind": pl.String,
    "period_start": pl.Date,
    "channel": pl.String,
    "target": pl.Float64,
    "set_by": pl.String,
    "set_at": pl.Datetime,
}


@dataclass(frozen=True)
class Target:
    kpi: str
    period_kind: str  # "month" | "quarter"
    period_start: date
    channel: str | None  # None: the whole community
    target: float


@dataclass(frozen=True)
class Removed:
    target: Target  # what was removed: set it again to undo
    applied: bool  # False: queued behind a running refresh


class UnknownTarget(LookupError):
    pass


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _is_period_start(kind: str, day: date) -> bool:
    return day.day == 1 and (kind == "month" or day.month in (1, 4, 7, 10))


def _known_channels() -> list[str]:
    try:
        return queries.channels()["channel_id"].to_list()
    except WarehouseEmpty:
        return []


def validate_target(
    kpi: str, period_kind: str, period_start: Any, target: Any, channel: str | None = None
) -> dict[str, str]:
    """Field → what is wrong with it (empty when the target can be saved)."""
    errors: dict[str, str] = {}
    if kpi not in KPI_IDS:
        errors["kpi"] = _("There is no KPI {kpi}.", kpi=repr(kpi))
    if period_kind not in KINDS:
        errors["period_kind"] = _("Choose a month or a quarter.")
    # a datetime is a date too, but a period starts on a day, not at a time
    if not isinstance(period_start, date) or isinstance(period_start, datetime):
        errors["period_start"] = _("Choose the month or quarter.")
    elif period_kind in KINDS and not _is_period_start(period_kind, period_start):
        errors["period_start"] = (
            _("Choose the first day of a month.")
            if period_kind == "month"
            else _("Choose the first day of a quarter.")
        )
    if target is None:
        errors["target"] = _("Give the target value.")
    elif isinstance(target, bool) or not isinstance(target, int | float | Decimal):
        errors["target"] = _("The target must be a number.")
    elif not math.isfinite(target):
        errors["target"] = _("The target must be a finite number.")
    elif target < 0:
        errors["target"] = _("The target cannot be negative.")
    elif kpi.endswith("_pct") and target > 100:
        errors["target"] = _("A percentage target is at most 100.")
    if channel and channel not in _known_channels():
        errors["channel"] = _("There is no such channel.")
    return errors


def _key(kpi: str, period_kind: str, period_start: date, channel: str | None) -> dict[str, Any]:
    return {
        "kpi": kpi,
        "period_kind": period_kind,
        "period_start": period_start,
        "channel_id": channel or COMMUNITY,
    }


def set_target(
    kpi: str,
    period_kind: str,
    period_start: date,
    target: float,
    channel: str | None = None,
    *,
    user: str,
) -> Submitted:
    """Set (or replace) the target of a KPI for a month or quarter; raises InvalidEntry by field.
    `applied` is False when a running refresh keeps it queued (it lands when the refresh ends)."""
    errors = validate_target(kpi, period_kind, period_start, target, channel)
    if errors:
        raise InvalidEntry(errors)
    values = {"target": float(target), "set_by": user, "set_at": _now()}
    return submit([Change(TABLE, _key(kpi, period_kind, period_start, channel), values)], user)


def remove_target(
    kpi: str, period_kind: str, period_start: date, channel: str | None = None, *, user: str
) -> Removed:
    """Remove a target; returns what it was, so the caller can offer to set it again (undo)."""
    listed = all_targets()
    found = listed.filter(
        (pl.col("kpi") == kpi)
        & (pl.col("kind") == period_kind)
        & (pl.col("period_start") == period_start)
        & (pl.col("channel").fill_null(COMMUNITY) == (channel or COMMUNITY))
    )
    if found.is_empty():
        raise UnknownTarget(
            _("There is no monthly target for {kpi} from {start}.", kpi=kpi, start=period_start)
            if period_kind == "month"
            else _(
                "There is no quarterly target for {kpi} from {start}.", kpi=kpi, start=period_start
            )
        )
    removed = Target(kpi, period_kind, period_start, channel or None, found["target"][0])
    values = {"target": None, "set_by": user, "set_at": _now()}
    submitted = submit([Change(TABLE, _key(kpi, period_kind, period_start, channel), values)], user)
    return Removed(removed, submitted.applied)


def restore_target(removed: Target, user: str) -> Submitted:
    """Undo remove_target: set the removed target again."""
    return set_target(
        removed.kpi,
        removed.period_kind,
        removed.period_start,
        removed.target,
        removed.channel,
        user=user,
    )


# --- reads ---------------------------------------------------------------------------------


def _read(sql: str, params: dict[str, Any]) -> pl.DataFrame | None:
    """The query's rows, or None before any target was ever written."""
    try:
        with read_connection() as con:
            if not has_table(con, "app", "kpi_targets"):
                return None
            return con.execute(sql, params).pl()
    except WarehouseEmpty:
        return None


def all_targets() -> pl.DataFrame:
    """Every target set (kpi, kind, period_start, channel — None for the whole community —,
    target, set_by, set_at), newest period first, KPIs in catalogue order."""
    found = queries.cached(("kpi_targets",), lambda: _read(_LISTED, {"kpi_order": list(KPI_IDS)}))
    return found if found is not None else pl.DataFrame(schema=_SCHEMA)


def targets_for(period: Period, channel: str | None = None) -> dict[str, float]:
    """KPI id → target for exactly this period: its month's targets when the period is one whole
    calendar month, its quarter's when it is one whole quarter, else none. Targets are never
    summed or prorated to other periods: distinct-member KPIs (active members, joined) of two
    months do not add up to the quarter's, and medians and rates do not scale with days."""
    kind = period.kind
    if kind not in KINDS:
        return {}
    params = {"kind": kind, "start": period.start, "channel": channel or COMMUNITY}
    found = queries.cached(
        ("kpi_targets_for", kind, period.start, channel), lambda: _read(_FOR_PERIOD, params)
    )
    if found is None:
        return {}
    targets = dict(found.iter_rows())
    return {kpi: targets[kpi] for kpi in KPI_IDS if kpi in targets}


def period_of(kind: str, start: date, timezone: str) -> Period:
    """The calendar month or quarter a target is for."""
    return (month_of if kind == "month" else quarter_of)(start, timezone)


def with_actuals(today: date | None = None) -> pl.DataFrame:
    """all_targets() plus `actual` (the KPI over the target's period and channel) and
    `pct_of_target` (100 × actual / target) for periods already running or completed; None for
    periods still ahead, or before any data was built."""
    listed = all_targets()
    timezone = queries.timezone()
    today = today or today_in(timezone)
    # per period and channel, only the KPI queries some target there needs
    wanted: dict[tuple[str, date, str | None], set[str]] = {}
    if _built():
        for row in listed.filter(pl.col("period_start") <= today).iter_rows(named=True):
            wanted.setdefault((row["kind"], row["period_start"], row["channel"]), set()).add(
                row["kpi"]
            )
    values = {
        where: queries.kpis(period_of(where[0], where[1], timezone), where[2], tuple(sorted(ids)))
        for where, ids in wanted.items()
    }
    actuals = [
        values.get((row["kind"], row["period_start"], row["channel"]), {}).get(row["kpi"])
        for row in listed.iter_rows(named=True)
    ]
    return listed.with_columns(actual=pl.Series(actuals, dtype=pl.Float64)).with_columns(
        pct_of_target=pl.when(pl.col("target") > 0).then(100 * pl.col("actual") / pl.col("target"))
    )


def _built() -> bool:
    """Whether the models were built (targets can be written before any data is loaded)."""

    def compute() -> bool:
        try:
            with read_connection() as con:
                return has_table(con, "core", "channels")
        except WarehouseEmpty:
            return False

    return queries.cached(("models_built",), compute)
