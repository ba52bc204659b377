"""Event KPIs on a hand-built pair of events: registrations from a Google Form, attendance from
the Zoom participants report, people matched across the two by e-mail."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.ingest import build, ingest_file
from warehouse.connection import read_connection
from warehouse.kpis import compute_kpis
from warehouse.periods import Period


def zoom_report(path: Path, meeting: str, day: str, joins: list[tuple[str, str, str, str]]) -> Path:
    """joins: (name, e-mail, join hh:mm, leave hh:mm) on `day` (MM/DD/YYYY), times in UTC."""

    def at(hhmm: str) -> str:
        hour, minute = map(int, hhmm.split(":"))
        suffix = "AM" if hour < 12 else "PM"
        return f"{day} {(hour - 1) % 12 + 1:02d}:{minute:02d}:00 {suffix}"

    lines = [
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants",
        f"{meeting},Субботник онлайн,{at('10:00')},{at('12:00')},host@example.org,120,{len(joins)}",
        ",,,,,,",
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest",
    ]
    for name, email, joined, left in joins:
        (h1, m1), (h2, m2) = map(int, joined.split(":")), map(int, left.split(":"))
        minutes = (h2 * 60 + m2) - (h1 * 60 + m1)
        lines.append(f"{name},{email},{at(joined)},{at(left)},{minutes},Yes")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def form_responses(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """rows: (timestamp dd.mm.yyyy hh:mm:ss, name, e-mail) — a Russian-locale Google Form."""
    lines = ["Отметка времени,Адрес электронной почты,Имя"]
    lines += [f"{stamp},{email},{name}" for stamp, name, email in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def two_events(tmp_path: Path) -> None:
    # Event A, 10 May 2024 (Zoom meeting 111 222 333): registered Анна, Борис, Вера; attended Анна
    # (twice: 30 + 20 min), Борис, and Гена who never registered (a walk-in).
    # Event B, 10 June 2024 (meeting 444 555 666): registered Анна, Дима, Егор; attended Анна, Дима.
    a, b = "zoom:111222333", "zoom:444555666"
    loads = [
        (
            "zoom-participants",
            zoom_report(
                tmp_path / "a.csv",
                "111 222 333",
                "05/10/2024",
                [
                    ("Анна", "anna@example.org", "10:01", "10:31"),
                    ("Борис", "boris@example.org", "10:02", "11:00"),
                    ("Анна", "anna@example.org", "10:40", "11:00"),
                    ("Гена", "gena@example.org", "10:05", "10:50"),
                ],
            ),
            {},
        ),
        (
            "google-forms",
            form_responses(
                tmp_path / "a_form.csv",
                [
                    ("01.05.2024 09:00:00", "Анна", "anna@example.org"),
                    ("02.05.2024 09:00:00", "Борис", "boris@example.org"),
                    ("03.05.2024 09:00:00", "Вера", "vera@example.org"),
                ],
            ),
            {"event_id": a},
        ),
        (
            "zoom-participants",
            zoom_report(
                tmp_path / "b.csv",
                "444 555 666",
                "06/10/2024",
                [
                    ("Анна", "anna@example.org", "10:00", "11:00"),
                    ("Дима", "dima@example.org", "10:00", "11:30"),
                ],
            ),
            {},
        ),
        (
            "google-forms",
            form_responses(
                tmp_path / "b_form.csv",
                [
                    ("01.06.2024 09:00:00", "Анна", "anna@example.org"),
                    ("01.06.2024 10:00:00", "Дима", "dima@example.org"),
                    ("02.06.2024 10:00:00", "Егор", "egor@example.org"),
                ],
            ),
            {"event_id": b},
        ),
    ]
    for kind, path, options in loads:
        result = ingest_file(kind, path, **options)
        assert not result.failed, result.messages
    build()


def event_kpis(first: str, last: str) -> dict:
    with read_connection() as con:
        values = compute_kpis(con, Period.from_inclusive(first, last))
    return {
        k: v
        for k, v in values.items()
        if k.startswith("event") or k in ("checkin_rate_pct", "new_to_repeat_ratio")
    }


@pytest.mark.usefixtures("two_events")
def test_event_kpis_for_one_event_and_for_both() -> None:
    # May (event A): registrations Анна, Борис, Вера = 3; attendees Анна, Борис, Гена = 3
    # (Гена walked in: an attendee without a registration); rate 100 × 3 / 3 = 100; all three
    # attend for the first time ever: new 3, repeat 0, ratio undefined.
    assert event_kpis("2024-05-01", "2024-05-31") == {
        "event_registrations": 3,
        "event_attendees": 3,
        "checkin_rate_pct": 100.0,
        "event_new_participants": 3,
        "event_repeat_participants": 0,
        "new_to_repeat_ratio": None,
    }
    # June (event B): registrations 3, attendees Анна, Дима = 2, rate 66.67; Дима new, Анна
    # repeat (she came to A): ratio 1 / 1 = 1.
    assert event_kpis("2024-06-01", "2024-06-30") == {
        "event_registrations": 3,
        "event_attendees": 2,
        "checkin_rate_pct": 66.67,
        "event_new_participants": 1,
        "event_repeat_participants": 1,
        "new_to_repeat_ratio": 1.0,
    }
    # Both: 6 registrations, 5 attendances, 83.33 %; new 3 + 1 = 4, repeat 1: ratio 4.
    assert event_kpis("2024-05-01", "2024-06-30") == {
        "event_registrations": 6,
        "event_attendees": 5,
        "checkin_rate_pct": 83.33,
        "event_new_participants": 4,
        "event_repeat_participants": 1,
        "new_to_repeat_ratio": 4.0,
    }


@pytest.mark.usefixtures("two_events")
def test_people_are_matched_across_systems_and_events_report_their_return_rate() -> None:
    with read_connection() as con:
        # Анна's Zoom and form identities share an e-mail: one member at both events
        anna = con.execute(
            "select count(distinct member_id) from core.identities where email = 'anna@example.org'"
        ).fetchone()[0]
        outcomes = con.execute(
            "select event_id, registrations, attendees, new_attendees, repeat_attendees,"
            " returned_within_90_days, return_rate_pct from marts.event_outcomes order by 1"
        ).fetchall()
        attended = con.execute(
            "select minutes_attended from core.event_participants p join core.identities i"
            " on i.member_id = p.member_id where i.email = 'anna@example.org'"
            " and p.event_id = 'zoom:111222333' group by all"
        ).fetchall()
    assert anna == 1
    # A: of Анна, Борис, Гена only Анна came back (to B, 31 days later): 1 of 3 = 33.33 %
    assert outcomes == [
        ("zoom:111222333", 3, 3, 3, 0, 1, 33.33),
        ("zoom:444555666", 3, 2, 1, 1, 0, 0.0),
    ]
    assert attended == [(50.0,)]  # two joins of 30 and 20 minutes: one attendance of 50


@pytest.mark.usefixtures("two_events")
def test_attending_and_registering_are_activities_of_the_member() -> None:
    with read_connection() as con:
        kinds = con.execute(
            "select activity_type, count(*) from core.activities group by 1 order by 1"
        ).fetchall()
    # 6 registrations, 5 attendances
    assert kinds == [("attendance", 5), ("registration", 6)]
