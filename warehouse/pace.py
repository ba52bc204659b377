"""Registration pace of upcoming events: are registrations on course to reach the target?

The numbers come from sql/kpis/event_pace.sql (see its header for every column); this module
only picks the moment and copes with a warehouse whose events are not built yet.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from warehouse.connection import has_table, read_connection
from warehouse.kpis import run_kpi_query

# The columns of sql/kpis/event_pace.sql, so an empty answer draws like a full one.
PACE_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "title": pl.String(),
    "starts_at": pl.Datetime("us"),
    "registration_target": pl.Int64(),
    "registrations_so_far": pl.Int64(),
    "days_left": pl.Int64(),
    "expected_share": pl.Float64(),
    "expected_by_now": pl.Float64(),
    "projected_final": pl.Float64(),
    "basis": pl.String(),
    "history_events": pl.Int64(),
    "behind": pl.Boolean(),
    "backup_actions": pl.String(),
}


def naive_utc(moment: datetime) -> datetime:
    """The warehouse stores naive UTC; an aware moment is converted, a naive one taken as UTC."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def event_pace(now: datetime | None = None) -> pl.DataFrame:
    """One row per upcoming event with a registration target: its pace at `now` (default: now)."""
    moment = naive_utc(now or datetime.now(UTC))
    with read_connection() as con:
        # before the first build (or one predating the curves) there is nothing to pace
        if not (
            has_table(con, "core", "events")
            and has_table(con, "core", "event_participants")
            and has_table(con, "marts", "event_registration_curves")
        ):
            return pl.DataFrame(schema=PACE_SCHEMA)
        return run_kpi_query(con, "event_pace", {"now": moment})


PACE_STEP_MINUTES = 10


def current_pace() -> pl.DataFrame:
    """event_pace now, for the pages: cached until the data changes or 10 minutes pass, and the
    last answer served while a refresh holds the warehouse."""
    from warehouse.queries import cached

    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    moment = now.replace(minute=now.minute - now.minute % PACE_STEP_MINUTES)
    return cached(("event_pace", "current"), lambda: event_pace(moment), stamp=moment)
