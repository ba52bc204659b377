"""Comparison periods: the previous one and the same days a year earlier, and trends of them."""

from __future__ import annotations

from datetime import date

import pytest

from warehouse.periods import Period, last_days, month_of, quarter_of


def test_a_month_compares_with_the_previous_calendar_month_not_as_many_days() -> None:
    march = month_of(date(2026, 3, 1), "UTC")
    assert march.kind == "month"
    # 31 days back from 1 March would start on 29 January: the calendar month is what people mean
    assert march.compared("previous") == Period(date(2026, 2, 1), date(2026, 3, 1))
    assert march.compared("year_earlier") == Period(date(2025, 3, 1), date(2025, 4, 1))


def test_a_quarter_steps_by_quarters() -> None:
    q2 = quarter_of(date(2026, 5, 5), "UTC")
    assert q2.kind == "quarter"
    assert [p.start for p in q2.trailing(3)] == [date(2025, 10, 1), date(2026, 1, 1), q2.start]
    assert q2.compared("previous") == quarter_of(date(2026, 1, 1), "UTC")


def test_other_periods_step_by_their_length() -> None:
    last_week = last_days(7, date(2026, 11, 21), "Europe/Moscow")
    assert last_week.kind == "days"
    assert last_week.compared("previous") == Period(
        date(2026, 11, 8), date(2026, 11, 15), "Europe/Moscow"
    )
    assert [p.start for p in last_week.trailing(3)] == [
        date(2026, 11, 1),
        date(2026, 11, 8),
        date(2026, 11, 15),
    ]


def test_a_year_earlier_from_29_february_is_the_28th() -> None:
    leap = Period(date(2024, 2, 29), date(2024, 3, 2))
    assert leap.year_earlier() == Period(date(2023, 2, 28), date(2023, 3, 2))


def test_an_unknown_comparison_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown comparison 'last_year'"):
        month_of(date(2026, 3, 1), "UTC").compared("last_year")
