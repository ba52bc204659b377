"""Reporting periods: `[start, end)` in whole days of the community's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from warehouse.i18n import _

PRESETS = ("last_7", "last_30", "last_90", "month", "quarter", "custom")
COMPARISONS = ("previous", "year_earlier")


@dataclass(frozen=True)
class Period:
    """`[start, end)` in whole days of the community's time zone."""

    start: date
    end: date
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(
                _(
                    "the period ends ({end}) on or before it starts ({start})",
                    end=self.end,
                    start=self.start,
                )
            )

    @classmethod
    def from_inclusive(cls, first: str | date, last: str | date, timezone: str = "UTC") -> Period:
        """From the first to the last day, both included."""
        first = date.fromisoformat(first) if isinstance(first, str) else first
        last = date.fromisoformat(last) if isinstance(last, str) else last
        return cls(first, last + timedelta(days=1), timezone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start, self.timezone)

    def year_earlier(self) -> Period:
        """The same days a year before (29 February becomes the 28th)."""
        return Period(_year_before(self.start), _year_before(self.end), self.timezone)

    def compared(self, comparison: str) -> Period:
        """The period to compare with: "previous" (the one just before: the previous calendar
        month or quarter, else as many days) or "year_earlier" (the same days a year before)."""
        if comparison == "previous":
            return self.trailing(2)[0]
        if comparison == "year_earlier":
            return self.year_earlier()
        raise ValueError(
            _(
                "unknown comparison {comparison}; known: {known}",
                comparison=repr(comparison),
                known=", ".join(COMPARISONS),
            )
        )

    def trailing(self, count: int) -> list[Period]:
        """`count` back-to-back periods of this length ending with this one, oldest first.
        Whole months and quarters step by calendar month/quarter, so a trend of months is months."""
        if self.kind == "month":
            step = month_of
        elif self.kind == "quarter":
            step = quarter_of
        else:
            step = None
        periods = [self]
        while len(periods) < count:
            first = periods[0]
            earlier = (
                step(first.start - timedelta(days=1), self.timezone) if step else first.previous()
            )
            periods.insert(0, earlier)
        return periods

    @property
    def kind(self) -> str:
        """Its kind: "month" or "quarter" when the period is exactly one of them, else "days"."""
        if self == month_of(self.start, self.timezone):
            return "month"
        if self == quarter_of(self.start, self.timezone):
            return "quarter"
        return "days"

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The period's edges as naive UTC timestamps, the way the warehouse stores time."""
        zone = ZoneInfo(self.timezone)

        def edge(day: date) -> datetime:
            local = datetime.combine(day, time(0), tzinfo=zone)
            return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

        return edge(self.start), edge(self.end)

    def params(self, channel: str | None = None) -> dict[str, Any]:
        start, end = self.utc_bounds()
        return {
            "start": start,
            "end": end,
            "start_day": self.start,
            "end_day": self.end,
            "tz": self.timezone,
            "channel": channel,
        }


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def last_days(days: int, today: date, timezone: str) -> Period:
    """The last `days` days including today."""
    return Period(today - timedelta(days=days - 1), today + timedelta(days=1), timezone)


def month_of(day: date, timezone: str) -> Period:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period(start, end, timezone)


def quarter_of(day: date, timezone: str) -> Period:
    start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return Period(start, end, timezone)


def year_of(day: date, timezone: str) -> Period:
    return Period(date(day.year, 1, 1), date(day.year + 1, 1, 1), timezone)


def recent_months(today: date, count: int = 24) -> list[date]:
    """First days of the latest `count` months, newest first."""
    months, day = [], today.replace(day=1)
    for _step in range(count):
        months.append(day)
        day = (day - timedelta(days=1)).replace(day=1)
    return months


def recent_quarters(today: date, count: int = 8) -> list[date]:
    """First days of the latest `count` quarters, newest first."""
    quarters, day = [], quarter_of(today, "UTC").start
    for _step in range(count):
        quarters.append(day)
        day = quarter_of(day - timedelta(days=1), "UTC").start
    return quarters


def starts_around(kind: str, today: date, count: int = 12) -> list[date]:
    """First days of the `count` months (kind "month") or quarters ("quarter") before today's,
    today's own, and the `count` after it, oldest first (targets are usually set ahead)."""
    of = {"month": month_of, "quarter": quarter_of}[kind]
    current = of(today, "UTC").start
    before, day = [], current
    for _step in range(count):
        day = of(day - timedelta(days=1), "UTC").start
        before.append(day)
    after, day = [], current
    for _step in range(count):
        day = of(day, "UTC").end
        after.append(day)
    return [*reversed(before), current, *after]
