"""The leadership Overview's data in one call: headline KPIs, their comparison and trend,
channels side by side, upcoming events. Aggregates only: nothing here names a member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from warehouse import events, partners, queries, targets
from warehouse.connection import one_read_connection
from warehouse.pace import current_pace
from warehouse.periods import Period

# The cards leadership reads, row by row.
HEADLINE: tuple[tuple[str, ...], ...] = (
    ("members_total", "net_growth", "growth_rate_pct", "core_members"),
    ("active_members", "stickiness_pct", "retention_pct", "engagement_rate_pct"),
    ("content_views", "ugc_share_pct", "first_response_median_minutes", "response_rate_pct"),
    ("event_registrations", "event_attendees", "checkin_rate_pct", "feedback_response_rate_pct"),
)
HEADLINE_IDS: tuple[str, ...] = tuple(kpi for row in HEADLINE for kpi in row)
TREND_POINTS = 6  # the period and the five before it
UPCOMING_DAYS = 60
UPCOMING_COLUMNS = (
    "event_id",
    "title",
    "starts_at",
    "timezone",
    "format",
    "status",
    "channel_name",
    "registrations",
    "registration_target",
)


@dataclass(frozen=True)
class Overview:
    period: Period
    compared_with: Period
    now: dict[str, int | float | None]
    before: dict[str, int | float | None]
    trends: dict[str, list[int | float | None]]  # per KPI, oldest first, ending with `now`
    trend_periods: list[Period]
    targets: dict[str, float]  # the month's or quarter's targets (none for other periods)
    channels: pl.DataFrame | None  # None when one channel is shown
    upcoming: pl.DataFrame
    behind_pace: pl.DataFrame
    partnerships: dict[str, Any]  # warehouse.partners.highlights: totals and the top 3 partners


def overview(period: Period, channel: str | None = None, comparison: str = "previous") -> Overview:
    with one_read_connection():  # some 60 queries: open the warehouse once for them
        return _overview(period, channel, comparison)


def _overview(period: Period, channel: str | None, comparison: str) -> Overview:
    compared_with = period.compared(comparison)
    trend_periods = period.trailing(TREND_POINTS)
    now = queries.kpis(period, channel)  # the whole catalogue, for the cards and the full table
    before = queries.kpis(compared_with, channel)
    known = {period: now, compared_with: before}  # the previous period is also a trend point
    earlier = [
        known[p] if p in known else queries.kpis(p, channel, HEADLINE_IDS)
        for p in trend_periods[:-1]
    ]
    trends = {kpi: [v[kpi] for v in (*earlier, now)] for kpi in HEADLINE_IDS}
    pace = current_pace()
    return Overview(
        period=period,
        compared_with=compared_with,
        now=now,
        before=before,
        trends=trends,
        trend_periods=trend_periods,
        targets=targets.targets_for(period, channel),
        channels=queries.channel_table(period) if channel is None else None,
        upcoming=upcoming_events(channel),
        behind_pace=pace.filter(pl.col("behind")) if channel is None else pace.head(0),
        partnerships=partners.highlights(period),
    )


def upcoming_events(channel: str | None = None, days: int = UPCOMING_DAYS) -> pl.DataFrame:
    """Planned events of the next `days` days, soonest first, with registrations so far."""
    # from the start of the hour, so the question (and its cached answer) stays the same a while
    hour = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    listed = events.events_between(hour, hour + timedelta(days=days))
    if channel is not None:
        listed = listed.filter(pl.col("channel_id") == channel)
    return listed.filter(pl.col("status") != "cancelled").sort("starts_at").select(UPCOMING_COLUMNS)
