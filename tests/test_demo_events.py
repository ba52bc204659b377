"""The demo's events: monthly Zoom meetings with their registration forms, and two offline events
entered in the app (a past субботник with check-ins and follow-ups, an upcoming one behind on
registrations), all written as real files and loaded by `python -m pipelines demo`."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipelines import config
from pipelines.cli import main
from pipelines.demo import BACKUP_ACTIONS, FORMS_DIR, ZOOM_DIR, write_demo_events
from warehouse import queries
from warehouse.connection import read_connection
from warehouse.events import events_between, followups, overdue_followups, participants
from warehouse.pace import event_pace

END = date(2025, 6, 30)
EMAIL = re.compile(r"^[a-z0-9._-]+@example\.(org|com)$")
COUNTED = [
    "core.events",
    "core.event_participants",
    "core.members",
    "core.identities",
    "core.activities",
    "raw_zoom.meetings",
    "raw_zoom.participants",
    "raw_gforms.registrations",
    "app.events",
    "app.people",
    "app.event_attendance",
    "app.event_followups",
    "app.feedback",
]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One demo for the module (it takes seconds), loaded exactly as `make run` does."""
    folder = tmp_path_factory.mktemp("demo") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PULSE_DATA_DIR", str(folder))
        patch.delenv("PULSE_CONFIG", raising=False)
        queries.clear_cache()
        assert main(["demo", "--if-empty"]) == 0
    queries.clear_cache()
    yield folder


@pytest.fixture
def demo(demo_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PULSE_DATA_DIR", str(demo_dir))  # instead of the empty one per test
    queries.clear_cache()
    return demo_dir


def all_events():
    return events_between(datetime(1970, 1, 1), datetime(2100, 1, 1))


def by_key(demo: Path) -> dict[str, dict]:
    """The demo's events: 'zoom' → the meetings, 'past' / 'upcoming' → the app events."""
    rows = list(all_events().iter_rows(named=True))
    app = {r["title"]: r for r in rows if r["origin"] == "app"}
    return {
        "zoom": [r for r in rows if r["event_id"].startswith("zoom:")],
        "past": app["Субботник в парке Сокольники"],
        "upcoming": app["Большой субботник на набережной"],
    }


def counts() -> dict[str, int]:
    with read_connection() as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in COUNTED}


# --------------------------------------------------------------------------- the loaded demo


def test_the_year_has_eight_meetings_and_two_app_events(demo: Path) -> None:
    events = all_events()
    assert events.height == 10
    found = by_key(demo)
    meetings = found["zoom"]
    assert len(meetings) == 8
    assert all(re.fullmatch(r"zoom:\d{11}", m["event_id"]) for m in meetings)
    assert {m["format"] for m in meetings} == {"online"} and {m["status"] for m in meetings} == {
        "done"
    }
    # evenings in Moscow: the host opens the meeting a little before 19:00 (UTC+3)
    assert all(15 <= m["starts_at"].hour < 16 for m in meetings)
    first, last = meetings[0]["starts_at"], meetings[-1]["starts_at"]
    assert (last - first).days > 250
    assert found["past"]["format"] == found["upcoming"]["format"] == "offline"


def test_every_meeting_has_registrations_and_attendees(demo: Path) -> None:
    meetings = by_key(demo)["zoom"]
    for m in meetings:
        assert m["registrations"] >= 12 and m["attendees"] >= 8, m
    # attendance grows over the year, and more and more of it is people coming back
    assert sum(m["attendees"] for m in meetings[-3:]) > 1.4 * sum(
        m["attendees"] for m in meetings[:3]
    )
    assert meetings[0]["repeat_attendees"] == 0
    assert sum(m["repeat_attendees"] for m in meetings[1:]) > sum(
        m["new_attendees"] for m in meetings[1:]
    )
    with read_connection() as con:
        registered, came, walked_in, hosts = con.execute(
            """
            select
                count(*) filter (where registered_at is not null),
                count(*) filter (where registered_at is not null and attended),
                count(*) filter (where registered_at is null and participant_role = 'guest'),
                count(*) filter (where participant_role = 'host')
            from core.event_participants
            where event_id like 'zoom:%'
            """
        ).fetchone()
        people = con.execute(
            "select count(distinct member_id) from core.event_participants"
        ).fetchone()[0]
    assert 0.5 <= came / registered <= 0.72  # most registrants come, not all
    assert 10 <= walked_in <= 25  # a few attendees (and the co-hosts) never registered
    assert hosts == 8  # the coordinator hosts every meeting
    assert 100 <= people <= 160  # a pool of ~150 people, the team and a walk-in


def test_the_past_subbotnik_was_checked_in_with_a_walk_in(demo: Path) -> None:
    past = by_key(demo)["past"]
    assert past["registration_target"] == 40 and float(past["budget"]) == 15000
    assert past["co_hosts"] == "Экоцентр «Зелёный город»" and past["organisers"]
    assert past["status"] == "done" and past["timezone"] == "Europe/Moscow"
    people = participants(past["event_id"])
    registered = people.filter(people["registered_at"].is_not_null())
    assert 30 <= registered.height <= 40
    checked_in = registered.filter(registered["attended"])
    assert 0.7 * registered.height <= checked_in.height < registered.height
    walk_ins = people.filter(people["registered_at"].is_null())
    assert walk_ins["display_name"].to_list() == ["Григорий Тихонов"]
    assert walk_ins["attended"].to_list() == [True]
    assert past["attendees"] == checked_in.height + 1
    starts = past["starts_at"]
    assert all(
        abs(t - starts) < timedelta(hours=1) for t in people["checked_in_at"].drop_nulls()
    )  # ticked at the door, not when the demo ran


def test_follow_ups_are_partly_done_and_some_overdue(demo: Path) -> None:
    past = by_key(demo)["past"]
    checklist = {r["item"]: r for r in followups(past["event_id"]).iter_rows(named=True)}
    assert checklist["thanks"]["done_on"] is not None and checklist["thanks"]["owner"]
    assert checklist["materials"]["done_on"] is None and checklist["materials"]["is_overdue"]
    overdue = overdue_followups()
    assert (past["event_id"], "materials") in set(overdue.select("event_id", "item").rows())
    # the meetings' checklists were worked through: only the last one's story is still open
    meetings = [m["event_id"] for m in by_key(demo)["zoom"]]
    overdue_meetings = overdue.filter(overdue["event_id"].is_in(meetings))
    assert overdue_meetings.select("event_id", "item").rows() == [(meetings[-1], "story")]


def test_the_upcoming_event_is_behind_pace_with_backup_actions(demo: Path) -> None:
    upcoming = by_key(demo)["upcoming"]
    assert upcoming["registration_target"] == 60 and upcoming["status"] == "planned"
    pace = {r["event_id"]: r for r in event_pace().iter_rows(named=True)}
    row = pace[upcoming["event_id"]]
    assert row["registrations_so_far"] == 12
    assert 8 <= row["days_left"] <= 16
    assert row["basis"] == "history" and row["history_events"] == 9
    assert row["behind"] and row["expected_by_now"] > 15
    assert row["backup_actions"].splitlines() == [
        "Напоминание в чате волонтёров",
        "Репост у партнёра «Зелёный город»",
        "Пост в канале с фото прошлого субботника",
    ]
    assert row["backup_actions"] == BACKUP_ACTIONS
    # registration opened when the manager created it, about ten days ago
    with read_connection() as con:
        opened = con.execute(
            "select opened_at from core.events where event_id = ?", [upcoming["event_id"]]
        ).fetchone()[0]
    ago = datetime.now(UTC).replace(tzinfo=None) - opened
    assert timedelta(days=9) < ago < timedelta(days=12)


def test_pulse_toml_lists_every_demo_file_with_its_options(demo: Path) -> None:
    sources = config.load_sources()
    listed = {path: s for s in sources for path in s.files()}
    written = sorted(p for p in (demo / "demo").rglob("*") if p.is_file())
    assert len(written) == 2 + 8 + 8 + 2
    assert sorted(listed) == written
    event_ids = set(all_events()["event_id"].to_list())
    for path, source in listed.items():
        if source.kind == "zoom-participants":
            assert source.options == {"timezone": "Europe/Moscow"}  # the meeting is the event
        elif source.kind == "google-forms":
            assert source.options["event_id"] in event_ids
            assert source.options["timezone"] == "Europe/Moscow"
        else:
            assert source.kind == "telegram-export" and path.suffix == ".json"


def test_refresh_and_a_second_demo_change_no_counts(demo: Path) -> None:
    before = counts()
    assert main(["refresh"]) == 0  # every file unchanged since it was loaded: all skipped
    assert counts() == before
    # loading files again (changed on disk, same rows) keeps every number too
    for path in [
        *sorted((demo / "demo" / ZOOM_DIR).iterdir())[:1],
        *(demo / "demo" / FORMS_DIR).glob("*subbotnik.csv"),
    ]:
        os.utime(path)
    assert main(["refresh"]) == 0
    queries.clear_cache()
    assert counts() == before
    # `demo` without --if-empty again: same files, the app events are kept, nothing doubles
    assert main(["demo"]) == 0
    queries.clear_cache()
    assert counts() == before
    assert len(config.load_sources()) == 20


# --------------------------------------------------------------------------- the files


def test_same_seed_and_end_give_identical_files(tmp_path: Path) -> None:
    first = write_demo_events(tmp_path / "a", end=END)
    again = write_demo_events(tmp_path / "b", end=END)
    assert len(first.files) == 18
    for one, two in zip(first.files, again.files, strict=True):
        assert one.relative_to(tmp_path / "a") == two.relative_to(tmp_path / "b")
        assert one.read_bytes() == two.read_bytes()
    other = write_demo_events(tmp_path / "c", end=END, seed=8)
    assert first.meetings[0].report.path.read_bytes() != other.meetings[0].report.path.read_bytes()


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_the_files_look_like_zoom_reports_and_russian_google_forms(tmp_path: Path) -> None:
    events = write_demo_events(tmp_path, end=END)
    emails: set[str] = set()
    for meeting in events.meetings:
        report = _rows(meeting.report.path)
        assert report[0][:3] == ["Meeting ID", "Topic", "Start Time"]
        assert meeting.event_id == f"zoom:{report[1][0]}"
        assert report[3][:4] == ["Name (Original Name)", "User Email", "Join Time", "Leave Time"]
        joins = report[4:]
        assert re.fullmatch(r"\d\d/\d\d/\d{4} \d{1,2}:\d\d:\d\d [AP]M", joins[0][2])
        assert any(r[5] == "No" for r in joins)  # the host
        per_person = [r[1] for r in joins]
        form = _rows(meeting.form.path)
        assert form[0][:3] == ["Отметка времени", "Адрес электронной почты", "Имя"]
        stamps = [datetime.strptime(r[0], "%d.%m.%Y %H:%M:%S") for r in form[1:]]
        start = datetime.combine(meeting.day, datetime.min.time()) + timedelta(hours=19)
        assert all(start - timedelta(days=23) < s < start for s in stamps)
        late = sum(s > start - timedelta(days=4) for s in stamps)
        assert late > 0.3 * len(stamps)  # the last days' rush
        emails.update(r[1] for r in form[1:])
        emails.update(per_person)
    rejoined = sum(
        len(r) != len(set(r))
        for r in ([j[1] for j in _rows(m.report.path)[4:]] for m in events.meetings)
    )
    assert rejoined >= 4  # some people drop out and come back
    assert all(EMAIL.match(e) for e in emails)
    assert 100 <= len(emails) <= 160
    past, upcoming = events.app_events
    assert END - timedelta(days=10) <= past.starts_local.date() <= END - timedelta(days=4)
    assert END + timedelta(days=9) <= upcoming.starts_local.date() <= END + timedelta(days=15)
    assert len(_rows(upcoming.form)) == 1 + 12
    registered = [datetime.strptime(r[0], "%d.%m.%Y %H:%M:%S") for r in _rows(upcoming.form)[1:]]
    assert all(
        END - timedelta(days=10) <= r.date() < END for r in registered
    )  # since it opened, none "later today"


# --------------------------------------------------------------------------- config


def test_add_source_writes_options_that_refresh_reads(tmp_path: Path) -> None:
    path = tmp_path / "pulse.toml"
    options = {"event_id": "zoom:123", "timezone": "Europe/Moscow"}
    config.add_source("google-forms", 'forms/a "b".csv', path, options=options)
    config.add_source("google-forms", 'forms/a "b".csv', path, options={"event_id": "zoom:9"})
    config.add_source("zoom-participants", "zoom/z.csv", path)
    (forms, zoom) = config.load_sources(path)
    assert (forms.kind, forms.path, forms.options) == ("google-forms", 'forms/a "b".csv', options)
    assert forms.files() == [tmp_path / "forms" / 'a "b".csv']
    assert (zoom.kind, zoom.options) == ("zoom-participants", {})
    with pytest.raises(ValueError):
        config.add_source("google-forms", "x.csv", path, options={"kind": "csv"})
