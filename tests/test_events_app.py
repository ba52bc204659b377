"""The event registry, check-ins, walk-ins, follow-ups and feedback as typed functions, and the
form-entry inbox under them (entries survive a busy warehouse and apply exactly once)."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.ingest import build, ingest_file
from tests.test_event_kpis import form_responses, zoom_report
from warehouse import app_data, events
from warehouse.accounts import OPERATOR
from warehouse.connection import read_connection, write_lock
from warehouse.kpis import compute_kpis
from warehouse.periods import Period

USER = OPERATOR  # the command line; role rules are tested in test_access.py


def draft(**changes: object) -> events.EventDraft:
    values: dict = {
        "title": "Субботник в парке",
        "format": "offline",
        "starts_local": datetime(2024, 5, 10, 11, 0),
        "ends_local": datetime(2024, 5, 10, 14, 0),
        "timezone": "Europe/Moscow",
        "place": "Парк Горького",
        "registration_target": 30,
        "budget": "15 000,50",
        "backup_actions": "Напоминание в чате\nРепост партнёра",
    }
    values.update(changes)
    return events.EventDraft(**values)


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def test_a_new_event_is_stored_in_utc_and_counted() -> None:
    saved = events.save_event(draft(), USER)
    assert saved.applied and saved.event_id.startswith("app:")
    event = events.event(saved.event_id)
    assert event is not None
    # 11:00 in Moscow (UTC+3) is 08:00 UTC
    assert event["starts_at"] == datetime(2024, 5, 10, 8, 0)
    assert event["ends_at"] == datetime(2024, 5, 10, 11, 0)
    assert (event["registration_target"], event["origin"]) == (30, "app")
    assert str(event["budget"]) == "15000.50"
    assert event["backup_actions"].splitlines() == ["Напоминание в чате", "Репост партнёра"]
    audit = rows("select changed_by, table_name from app.audit_log")
    assert audit == [(USER, "app.events")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_local": datetime(2024, 5, 10, 10, 0)}, "ends"),
        ({"registration_target": -5}, "registration_target"),
        ({"title": "   "}, "title"),
        ({"format": "webinar"}, "format"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"budget": "много"}, "budget"),
        ({"budget": "-10"}, "budget"),
        ({"starts_local": None}, "starts"),
    ],
)
def test_invalid_events_are_refused_by_field_and_nothing_is_saved(
    changes: dict, field: str, data_dir: Path
) -> None:
    with pytest.raises(events.InvalidEntry) as refused:
        events.save_event(draft(**changes), USER)
    assert field in refused.value.errors
    assert not app_data.pending_entries()
    assert not (data_dir / "pulse.duckdb").exists()  # not even a warehouse was opened


def test_writes_to_an_unknown_event_are_refused() -> None:
    build()
    with pytest.raises(events.UnknownEvent, match="app:nope"):
        events.check_in("app:nope", "telegram:user1", True, USER)
    with pytest.raises(events.UnknownEvent):
        events.save_event(draft(), USER, event_id="app:nope")
    with pytest.raises(events.UnknownEvent):
        events.add_walk_in("app:nope", events.WalkIn("Гена"), USER)


def test_cancel_keeps_the_event_delete_hides_it_and_restore_brings_it_back() -> None:
    event_id = events.save_event(draft(), USER).event_id
    events.cancel_event(event_id, USER)
    assert events.event(event_id)["status"] == "cancelled"
    events.delete_event(event_id, USER)
    assert events.event(event_id) is None
    assert rows("select count(*) from core.events") == [(0,)]
    events.restore_event(event_id, USER)
    assert events.event(event_id)["title"] == "Субботник в парке"


def _past_event_with_registrations(tmp_path: Path) -> str:
    """An app event on 10 May 2024 with a Google Form of three registrations (by e-mail)."""
    event_id = events.save_event(draft(), USER).event_id
    form = form_responses(
        tmp_path / "form.csv",
        [
            ("01.05.2024 09:00:00", "Анна", "anna@example.org"),
            ("02.05.2024 09:00:00", "Борис", "boris@example.org"),
            ("03.05.2024 09:00:00", "Вера", "vera@example.org"),
        ],
    )
    assert not ingest_file("google-forms", form, event_id=event_id).failed
    build()
    return event_id


def test_check_in_and_walk_ins_make_the_funnel(tmp_path: Path) -> None:
    event_id = _past_event_with_registrations(tmp_path)
    people = events.participants(event_id)
    assert people.height == 3 and not people["attended"].any()
    anna = people.filter(people["display_name"] == "Анна")["member_id"][0]
    boris = people.filter(people["display_name"] == "Борис")["member_id"][0]
    events.check_in(event_id, anna, True, USER)
    events.check_in(event_id, boris, True, USER)
    events.check_in(event_id, boris, False, USER)  # ticked by mistake, unticked
    # Вера's colleague came without registering; Гена gave the e-mail Борис registered with, so
    # he is Борис (checked in after all) and not a new person
    events.add_walk_in(event_id, events.WalkIn("Дина Новая", phone="+7 912 000-11-22"), USER)
    events.add_walk_in(event_id, events.WalkIn("Гена", email="Boris@Example.org"), USER)

    event = events.event(event_id)
    # registered: Анна, Борис, Вера (3); came: Анна, Борис (by e-mail), Дина (3); all first-time
    assert (event["registrations"], event["attendees"]) == (3, 3)
    assert event["checkin_rate_pct"] == 100.0
    assert (event["new_attendees"], event["repeat_attendees"]) == (3, 0)
    people = events.participants(event_id)
    assert people.height == 4
    dina = people.filter(people["display_name"] == "Дина Новая").row(0, named=True)
    assert dina["registered_at"] is None and dina["attended"]
    # the walk-in is a member first seen at this event (the moment she was checked in)
    assert dina["first_seen_at"] is not None and dina["first_met_here"]
    # everyone here was first met at this event (Борис and Гена are one member)
    assert events.participants(event_id)["first_met_here"].to_list() == [True] * 4

    period = Period.from_inclusive("2024-05-01", "2024-05-31")
    with read_connection() as con:
        kpis = compute_kpis(con, period)
    assert (kpis["event_registrations"], kpis["event_attendees"]) == (3, 3)
    assert kpis["event_new_participants"] == 3


def test_editing_an_imported_event_overrides_its_source(tmp_path: Path) -> None:
    report = zoom_report(
        tmp_path / "z.csv",
        "111 222 333",
        "05/10/2024",
        [("Анна", "anna@example.org", "10:01", "11:00")],
    )
    assert not ingest_file("zoom-participants", report).failed
    build()
    imported = events.event("zoom:111222333")
    assert imported["origin"] == "imported" and imported["registration_target"] is None
    events.save_event(
        draft(
            title="Онлайн-субботник",
            format="online",
            starts_local=datetime(2024, 5, 10, 13, 0),
            ends_local=datetime(2024, 5, 10, 15, 0),
            registration_target=50,
        ),
        USER,
        event_id="zoom:111222333",
    )
    edited = events.event("zoom:111222333")
    assert (edited["title"], edited["registration_target"]) == ("Онлайн-субботник", 50)
    assert edited["attendees"] == 1  # its Zoom attendance is still its own


def test_followups_fall_due_after_the_event_and_overdue_ones_are_listed(tmp_path: Path) -> None:
    event_id = events.save_event(draft(), USER).event_id  # ended 10 May 2024, 14:00 Moscow
    today = date(2024, 5, 15)
    checklist = events.followups(event_id, today)
    due = dict(zip(checklist["item"], checklist["due_on"], strict=True))
    # defaults: thanks the next day, materials after 3 days, story after 14
    assert due["thanks"] == date(2024, 5, 11)
    assert due["materials"] == date(2024, 5, 13)
    assert due["story"] == date(2024, 5, 24)
    overdue = set(events.overdue_followups(today)["item"])
    assert overdue == {"thanks", "materials"}

    events.save_followup(event_id, "thanks", USER, owner="Аня", done_on=date(2024, 5, 12))
    events.save_followup(event_id, "materials", USER, owner="Борис", due_on=date(2024, 5, 20))
    assert events.overdue_followups(today).is_empty()
    row = (
        events.followups(event_id, today)
        .filter(events.pl.col("item") == "thanks")
        .row(0, named=True)
    )
    assert (row["owner"], row["done_on"]) == ("Аня", date(2024, 5, 12))
    with pytest.raises(events.InvalidEntry) as refused:
        events.save_followup(event_id, "thanks", USER, done_on=date.today() + timedelta(days=3))
    assert "done_on" in refused.value.errors


def test_feedback_is_logged_and_validated() -> None:
    event_id = events.save_event(draft(), USER).event_id
    events.log_feedback(event_id, USER, score=5, text="Отлично!", received_on=date(2024, 5, 11))
    events.log_feedback(event_id, USER, score=3, text="", received_on=date(2024, 5, 12))
    listed = events.feedback(event_id)
    assert sorted(listed["score"].to_list()) == [3, 5]
    refusals = (({"score": 9, "text": "x"}, "score"), ({"score": None, "text": " "}, "text"))
    for bad, field in refusals:
        with pytest.raises(events.InvalidEntry) as refused:
            events.log_feedback(event_id, USER, **bad)
        assert field in refused.value.errors


def test_entries_made_while_a_refresh_writes_are_queued_then_all_land(data_dir: Path) -> None:
    build()
    holding, release = threading.Event(), threading.Event()

    def refresh_holding_the_warehouse() -> None:
        with write_lock():
            holding.set()
            release.wait(30)

    writer = threading.Thread(target=refresh_holding_the_warehouse)
    writer.start()
    holding.wait(10)
    try:
        queued = [events.save_event(draft(title=f"Встреча {n}"), USER).applied for n in range(5)]
    finally:
        release.set()
        writer.join()
    assert queued == [False] * 5  # each waited its 2 s, then was kept in the inbox
    assert len(app_data.pending_entries()) == 5
    build()  # the refresh's own build applies what waited for it
    titles = rows("select title from core.events order by title")
    assert titles == [(f"Встреча {n}",) for n in range(5)]
    assert not app_data.pending_entries()


def test_an_entry_is_applied_once_even_if_replayed(data_dir: Path) -> None:
    events.save_event(draft(), USER)
    applied = rows("select entry_id from app.applied_entries")
    assert len(applied) == 1
    # a crash between the commit and removing the file leaves the entry in the inbox
    replay = app_data.inbox_dir() / f"00000000000000000001-{applied[0][0]}.json"
    change = {"table": "app.events", "key": {"event_id": "app:other"}, "values": {"title": "2"}}
    replay.write_text(
        json.dumps({"entry_id": applied[0][0], "user": "x", "changes": [change]}),
        encoding="utf-8",
    )
    assert app_data.apply_pending() == 0
    assert rows("select count(*) from app.events") == [(1,)]


def test_a_broken_entry_is_set_aside_without_blocking_the_others(data_dir: Path) -> None:
    build()
    bad = app_data.inbox_dir() / "00000000000000000001-bad.json"
    bad.write_text(
        '{"entry_id": "bad", "user": "x", "changes": [{"table": "app.audit_log", '
        '"key": {"entry_id": "x"}, "values": {}}]}',
        encoding="utf-8",
    )
    saved = events.save_event(draft(), USER)
    assert saved.applied and events.event(saved.event_id) is not None
    assert bad.with_suffix(".rejected").exists()
    assert rows("select count(*) from app.audit_log") == [(1,)]
    shutil.rmtree(app_data.inbox_dir())


def test_only_entries_that_feed_models_rebuild_them(monkeypatch: pytest.MonkeyPatch) -> None:
    event_id = events.save_event(draft(), USER).event_id
    builds: list[int] = []
    real_run_models = app_data.run_models
    monkeypatch.setattr(
        app_data, "run_models", lambda *a, **k: builds.append(1) or real_run_models(*a, **k)
    )
    events.save_followup(event_id, "thanks", USER, owner="Аня")
    events.log_feedback(event_id, USER, score=4, text="Спасибо")
    assert builds == []  # pages read follow-ups and feedback straight from their tables
    assert events.followups(event_id, date(2024, 5, 15))["owner"][0] == "Аня"  # cache refreshed
    events.cancel_event(event_id, USER)
    assert builds == [1]
    # other forms' tables feed models too (partners, …); these two never do
    read = app_data.tables_models_read()
    assert {"app.events", "app.people", "app.event_attendance"} <= read
    assert not {"app.event_followups", "app.feedback"} & read


def test_a_check_in_rebuilds_only_what_events_feed_and_agrees_with_a_full_build(
    tmp_path: Path,
) -> None:
    from warehouse.models import discover_models, downstream_of

    rebuilt = downstream_of(discover_models(), {"app.event_attendance"})
    # the channels' big models are not touched by a tick at the door
    assert not rebuilt & {"core.channel_activities", "core.content", "core.identities"}
    assert {"core.event_participants", "core.members", "marts.event_outcomes"} <= rebuilt

    event_id = _past_event_with_registrations(tmp_path)
    anna = events.participants(event_id).filter(events.pl.col("display_name") == "Анна")
    events.check_in(event_id, anna["member_id"][0], True, USER)
    tables = ("core.members", "core.event_participants", "marts.event_outcomes")
    partial = {t: sorted(rows(f"select * from {t}")) for t in tables}
    build()
    assert {t: sorted(rows(f"select * from {t}")) for t in tables} == partial


def test_an_entry_after_a_load_that_was_not_built_yet_builds_everything(
    tmp_path: Path, data_dir: Path
) -> None:
    event_id = events.save_event(draft(), USER).event_id
    form = form_responses(tmp_path / "f.csv", [("01.05.2024 09:00:00", "Анна", "anna@example.org")])
    assert not ingest_file("google-forms", form, event_id=event_id).failed  # no build after it
    assert (data_dir / "loaded-since-build").exists()
    events.save_followup(event_id, "thanks", USER, owner="Аня")  # builds nothing
    events.cancel_event(event_id, USER)  # an events change: the whole build, the form included
    assert events.event(event_id)["registrations"] == 1
    assert not (data_dir / "loaded-since-build").exists()


def test_the_cli_lists_events_with_the_pages_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines.cli import main

    event_id = _past_event_with_registrations(tmp_path)
    capsys.readouterr()
    assert main(["events", "--start", "2024-05-01", "--end", "2024-06-01"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)["events"]
    assert listed["event_id"] == event_id and listed["starts_at"] == "2024-05-10T08:00:00"
    assert (listed["registrations"], listed["attendees"], listed["registration_target"]) == (
        3,
        0,
        30,
    )
    assert main(["events", "--start", "2024-06-01", "--end", "2024-07-01"]) == 0
    assert json.loads(capsys.readouterr().out)["events"] == []
    assert main(["events", "--event-id", event_id, "--format", "table"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split("\t")[:2] == ["event_id", "title"] and row.startswith(event_id)
    assert main(["events", "--event-id", "app:nope"]) == 2
