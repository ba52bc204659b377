"""Registration pace of upcoming events, on hand-made core.events / core.event_participants.

Only the two pace models are built here (the mart by hand from its file, the KPI query through
warehouse.pace), so the tests do not depend on the rest of the model build.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from warehouse.connection import write_connection
from warehouse.pace import PACE_SCHEMA, event_pace
from warehouse.settings import SQL_DIR

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)

EVENT_COLUMNS = {
    "event_id": "varchar",
    "title": "varchar",
    "format": "varchar",
    "starts_at": "timestamp",
    "ends_at": "timestamp",
    "place": "varchar",
    "channel_id": "varchar",
    "status": "varchar",
    "registration_target": "bigint",
    "chapter_id": "varchar",
    "opened_at": "timestamp",
    "backup_actions": "varchar",
    "timezone": "varchar",
}
PARTICIPANT_COLUMNS = {
    "event_id": "varchar",
    "member_id": "varchar",
    "registered_at": "timestamp",
    "attended": "boolean",
    "checked_in_at": "timestamp",
    "minutes_attended": "double",
    "participant_role": "varchar",
    "source_channel": "varchar",
}


def event(
    event_id: str,
    starts_at: datetime,
    target: int | None = None,
    *,
    status: str | None = "planned",
    opened_at: datetime | None = None,
    backup_actions: str | None = None,
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "title": f"Event {event_id}",
        "format": "online",
        "starts_at": starts_at,
        "ends_at": starts_at + 2 * HOUR,
        "status": status,
        "registration_target": target,
        "opened_at": opened_at,
        "backup_actions": backup_actions,
        "timezone": "Europe/Moscow",
    }


def registrations(event_id: str, times: list[datetime | None]) -> list[dict[str, Any]]:
    """One participant per time (None: attended without registering)."""
    return [
        {
            "event_id": event_id,
            "member_id": f"{event_id}-m{i}",
            "registered_at": at,
            "attended": at is None,
            "participant_role": "guest",
        }
        for i, at in enumerate(times)
    ]


def load(events: list[dict[str, Any]], participants: list[dict[str, Any]]) -> None:
    """Write the two core tables, then build marts.event_registration_curves from its file."""

    def frame(rows: list[dict[str, Any]], columns: dict[str, str]) -> pl.DataFrame:
        return pl.DataFrame([{c: row.get(c) for c in columns} for row in rows])

    mart_sql = (SQL_DIR / "marts" / "event_registration_curves.sql").read_text(encoding="utf-8")
    with write_connection() as con:
        con.execute("create schema core")
        con.execute("create schema marts")
        for table, rows, columns in (
            ("events", events, EVENT_COLUMNS),
            ("event_participants", participants, PARTICIPANT_COLUMNS),
        ):
            ddl = ", ".join(f"{name} {kind}" for name, kind in columns.items())
            con.execute(f"create table core.{table} ({ddl})")
            if rows:
                con.register("rows_in", frame(rows, columns))
                con.execute(f"insert into core.{table} select * from rows_in")
                con.unregister("rows_in")
        con.execute(f"create table marts.event_registration_curves as\n{mart_sql}")


def pace_rows(now: datetime) -> dict[str, dict[str, Any]]:
    result = event_pace(now)
    assert result.schema == pl.Schema(PACE_SCHEMA)
    return {row["event_id"]: row for row in result.iter_rows(named=True)}


def pace_numbers(row: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "registrations_so_far",
        "days_left",
        "expected_by_now",
        "projected_final",
        "basis",
        "history_events",
        "behind",
    )
    return {k: row[k] for k in keys}


START = datetime(2024, 6, 10, 18, 0)


def test_linear_pace_without_history_behind_and_ahead() -> None:
    now = START - 5 * DAY
    opened = START - 10 * DAY
    backup = "Пост в чате\nПисьмо партнёрам"
    load(
        [
            event("behind", START, 40, opened_at=opened, backup_actions=backup),
            event("ahead", START, 40, opened_at=opened),
            # 6 registrations before its start, but it starts after $now: not history yet
            event("later", START + 20 * DAY),
        ],
        # behind: 15 registered by now (hourly before it) + 3 after now, which do not count yet
        registrations("behind", [now - k * HOUR for k in range(15)] + [now + HOUR] * 3)
        + registrations("ahead", [now - k * HOUR for k in range(25)])
        + registrations("later", [now + k * DAY for k in range(6)]),
    )
    rows = pace_rows(now)
    assert set(rows) == {"behind", "ahead"}
    # Window opened 10 days before the start, now is 5 days before: 5 / 10 = 0.5 expected;
    # 40 × 0.5 = 20.0 expected by now. 15 < 20: behind, projected 15 / 0.5 = 30.0.
    assert rows["behind"]["expected_share"] == pytest.approx(0.5)
    assert pace_numbers(rows["behind"]) == {
        "registrations_so_far": 15,
        "days_left": 5,
        "expected_by_now": 20.0,
        "projected_final": 30.0,
        "basis": "linear",
        "history_events": 0,
        "behind": True,
    }
    assert rows["behind"]["backup_actions"] == backup
    # Same window, 25 registered: 25 ≥ 20, not behind; projected 25 / 0.5 = 50.0
    assert pace_numbers(rows["ahead"]) == {
        "registrations_so_far": 25,
        "days_left": 5,
        "expected_by_now": 20.0,
        "projected_final": 50.0,
        "basis": "linear",
        "history_events": 0,
        "behind": False,
    }


def history_events() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    p1, p2 = datetime(2024, 3, 1, 18, 0), datetime(2024, 4, 1, 18, 0)
    events = [
        event("p1", p1),
        event("p2", p2, status="done"),
        event("small", datetime(2024, 4, 15, 18, 0)),  # 4 registrations: too few for a curve
        event("cancelled", datetime(2024, 5, 1, 18, 0), status="cancelled"),
    ]
    participants = (
        # P1: 5 registrations 10, 8, 6, 2, 1 days ahead
        registrations("p1", [p1 - d * DAY for d in (10, 8, 6, 2, 1)])
        # P2: 10 registrations, whole days ahead 9, 7, 5, 4, 3, 3, 2, 2, 1 and 0 (12 h ahead);
        # one registered after the start and one walk-in: neither is a final registration
        + registrations(
            "p2",
            [p2 - d * DAY for d in (9, 7, 5, 4, 3, 3, 2, 2, 1, 0.5)] + [p2 + HOUR, None],
        )
        + registrations("small", [datetime(2024, 4, 10)] * 4)
        + registrations("cancelled", [datetime(2024, 4, 20)] * 6)
    )
    return events, participants


def test_registration_curves_of_past_events() -> None:
    events, participants = history_events()
    load(events, participants)
    with write_connection() as con:
        counts = con.execute(
            "select event_id, count(*), min(days_before), max(days_before),"
            " any_value(final_registrations)"
            " from marts.event_registration_curves group by 1 order by 1"
        ).fetchall()
        curve = dict(
            con.execute(
                "select days_before, share from marts.event_registration_curves"
                " where event_id = 'p1'"
            ).fetchall()
        )
        p2 = dict(
            con.execute(
                "select days_before, share from marts.event_registration_curves"
                " where event_id = 'p2' and days_before in (0, 1, 5)"
            ).fetchall()
        )
    # small (4) and cancelled are left out; one row per day 0..60
    assert counts == [("p1", 61, 0, 60, 5), ("p2", 61, 0, 60, 10)]
    # P1 (ahead 10, 8, 6, 2, 1): share at d = registrations ≥ d days ahead / 5
    expected = {0: 1.0, 1: 1.0, 2: 0.8, 3: 0.6, 6: 0.6, 7: 0.4, 8: 0.4, 9: 0.2, 10: 0.2, 11: 0.0}
    assert {d: curve[d] for d in expected} == pytest.approx(expected)
    assert curve[60] == 0.0
    # P2: d = 0 all 10; d = 1 all but the one 12 h ahead, 9/10; d = 5: 9, 7, 5 → 3/10
    assert p2 == pytest.approx({0: 1.0, 1: 0.9, 5: 0.3})


def test_pace_from_past_curves() -> None:
    events, participants = history_events()
    upcoming = datetime(2024, 6, 10, 18, 0)
    now = upcoming - timedelta(days=4, hours=12)  # 4.5 days before the start
    events += [
        event("u", upcoming, 40, opened_at=upcoming - 20 * DAY),
        # 70 days away: reads day 60 of the curves, where both are still at 0
        event("far", now + 70 * DAY, 100, opened_at=now - DAY),
        # registration opens tomorrow: nothing is expected yet, whatever the curves say
        event("not-open", now + 3 * DAY, 50, opened_at=now + DAY),
    ]
    # u: 12 registered by now; with 15 in all it has a curve in the mart, but it has not
    # started by $now, so it is not part of the history
    participants += registrations("u", [now - k * HOUR for k in range(12)] + [now + HOUR] * 3)
    load(events, participants)
    rows = pace_rows(now)
    assert set(rows) == {"u", "far", "not-open"}
    # 4.5 days left → days_left 5. Shares 5 days ahead: P1 0.6 (10, 8, 6 of 5), P2 0.3 (9, 7, 5
    # of 10); the average 0.45 × 40 = 18.0 expected. 12 < 18: behind; 12 / 0.45 = 26.67 → 26.7
    assert rows["u"]["expected_share"] == pytest.approx(0.45)
    assert pace_numbers(rows["u"]) == {
        "registrations_so_far": 12,
        "days_left": 5,
        "expected_by_now": 18.0,
        "projected_final": 26.7,
        "basis": "history",
        "history_events": 2,
        "behind": True,
    }
    assert pace_numbers(rows["far"]) == {
        "registrations_so_far": 0,
        "days_left": 70,
        "expected_by_now": 0.0,
        "projected_final": None,
        "basis": "history",
        "history_events": 2,
        "behind": False,
    }
    # the curves say 0.6 three days ahead (P1 3/5, P2 6/10), but registration is not open yet
    assert rows["not-open"]["expected_share"] == 0.0
    assert rows["not-open"]["behind"] is False
    assert rows["not-open"]["projected_final"] is None


def test_cancelled_past_and_untargeted_events_are_left_out() -> None:
    now = START - 5 * DAY
    load(
        [
            event("cancelled", START, 40, status="cancelled"),
            event("past", now - DAY, 40),
            event("no-target", START, None),
            event("zero-target", START, 0),
            event("starts-now", now, 40),
            # an imported Timepad status, or none at all, still counts
            event("timepad", START, 40, status="ok"),
            event("no-status", START, 40, status=None),
        ],
        [],
    )
    assert sorted(pace_rows(now)) == ["no-status", "timepad"]


def test_window_falls_back_to_first_registration_then_30_days() -> None:
    now = START - 10 * DAY
    load(
        [
            event("nothing", START, 30),
            event("far", now + 40 * DAY, 30),
            event("imported", now + 2 * DAY, 10),
        ],
        registrations("imported", [now - 2 * DAY, now - DAY, now - HOUR, now + HOUR]),
    )
    rows = pace_rows(now)
    # nothing: no opened_at, no registration → window from 30 days before the start; now is 10
    # days before it: 20 / 30 elapsed, 30 × 0.667 = 20.0 expected; 0 < 20 behind; 0 / 0.667 = 0
    assert rows["nothing"]["expected_share"] == pytest.approx(2 / 3)
    assert pace_numbers(rows["nothing"]) == {
        "registrations_so_far": 0,
        "days_left": 10,
        "expected_by_now": 20.0,
        "projected_final": 0.0,
        "basis": "linear",
        "history_events": 0,
        "behind": True,
    }
    # far: 40 days away, its 30-day window has not begun: nothing expected, not behind
    assert pace_numbers(rows["far"]) == {
        "registrations_so_far": 0,
        "days_left": 40,
        "expected_by_now": 0.0,
        "projected_final": None,
        "basis": "linear",
        "history_events": 0,
        "behind": False,
    }
    # imported: window from its first registration (2 days ago) to the start (in 2 days): 0.5,
    # 10 × 0.5 = 5.0 expected; 3 registered by now (the 4th is after now): behind, 3 / 0.5 = 6
    assert pace_numbers(rows["imported"]) == {
        "registrations_so_far": 3,
        "days_left": 2,
        "expected_by_now": 5.0,
        "projected_final": 6.0,
        "basis": "linear",
        "history_events": 0,
        "behind": True,
    }


def test_aware_now_is_converted_to_utc() -> None:
    load([event("e", START, 40, opened_at=START - 10 * DAY)], [])
    moscow = (START - 5 * DAY).replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Moscow"))
    assert moscow.hour == 21  # 18:00 UTC
    # 5 days before the start whichever zone the moment is written in: 40 × 0.5 = 20.0
    assert pace_rows(moscow)["e"]["expected_by_now"] == 20.0


def test_empty_frame_before_events_are_built() -> None:
    with write_connection() as con:
        con.execute("select 1")  # the warehouse file exists, but holds no core tables yet
    result = event_pace()
    assert result.is_empty()
    assert result.schema == pl.Schema(PACE_SCHEMA)
