"""The Events page through AppTest: creating and editing events (valid and invalid), check-in,
walk-ins, follow-ups, feedback, deleting with undo, the calendar, and pace on the Overview."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.ingest import build, ingest_file
from tests.conftest import app_test
from tests.test_event_kpis import form_responses
from warehouse import events
from warehouse.accounts import OPERATOR

USER = OPERATOR  # the command line; role rules are tested in test_access.py


def events_page(**params: str) -> AppTest:
    at = app_test()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/events.py")
    return at.run()


def widget(elements, label: str):  # AppTest element lists have no lookup by label
    found = [e for e in elements if e.label == label]
    assert found, f"no widget {label!r} among {[e.label for e in elements]}"
    return found[0]


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def new_event(days_from_now: int, **changes: object) -> str:
    starts = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(days=days_from_now)
    values: dict = {
        "title": "Субботник в парке",
        "format": "offline",
        "starts_local": starts,
        "ends_local": starts + timedelta(hours=3),
        "timezone": "UTC",
    }
    values.update(changes)
    return events.save_event(events.EventDraft(**values), USER).event_id


@pytest.fixture
def registered_event(tmp_path: Path) -> str:
    """An event two days ago with three registrations from a Russian Google Form."""
    # at noon, so it ends on that day whatever the time of day the test runs (at 22:00 UTC a
    # 3-hour event started "two days ago" would end the next day, making its thanks due today)
    noon = datetime.now(UTC).replace(tzinfo=None, hour=12, minute=0, second=0, microsecond=0)
    starts = noon - timedelta(days=2)
    event_id = new_event(
        -2, title="Встреча волонтёров", starts_local=starts, ends_local=starts + timedelta(hours=3)
    )
    day = (datetime.now(UTC) - timedelta(days=5)).strftime("%d.%m.%Y")
    form = form_responses(
        tmp_path / "form.csv",
        [
            (f"{day} 09:00:00", "Анна", "anna@example.org"),
            (f"{day} 10:00:00", "Борис", "boris@example.org"),
            (f"{day} 11:00:00", "Вера", "vera@example.org"),
        ],
    )
    assert not ingest_file("google-forms", form, event_id=event_id).failed
    build()
    return event_id


def test_the_first_event_can_be_created_before_any_data_is_loaded() -> None:
    at = events_page()
    assert not at.exception
    assert "No data yet" in texts(at.info)
    widget(at.text_input, "Title").input("Первая встреча")
    widget(at.button, "Create event").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Первая встреча"]


def test_a_manager_creates_an_event_from_the_form() -> None:
    build()
    at = events_page()
    assert not at.exception
    widget(at.text_input, "Title").input("Лекция о переработке")
    widget(at.number_input, "Registration target").set_value(40)
    widget(at.text_area, "Backup actions if registrations lag").input("Пост-напоминание")
    widget(at.button, "Create event").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Лекция о переработке"]
    assert "Event created." in texts(at.success)
    created = at.query_params["event"]
    created = created[0] if isinstance(created, list) else created
    event = events.event(created)
    assert event["registration_target"] == 40 and event["backup_actions"] == "Пост-напоминание"


@pytest.mark.parametrize(
    ("fill", "message"),
    [
        ({"Title": ""}, "Title"),
        ({"Registration target": -5}, "Registration target"),
        ({"end_before_start": True}, "The event must end after it starts."),
        ({"Budget": "пять тысяч"}, "Budget must be a number"),
    ],
)
def test_invalid_event_input_is_named_and_nothing_is_saved(fill: dict, message: str) -> None:
    build()
    at = events_page()
    widget(at.text_input, "Title").input("Лекция")
    for label, value in fill.items():
        if label == "end_before_start":
            start = widget(at.date_input, "Start date").value
            widget(at.date_input, "End date").set_value(start - timedelta(days=1))
        elif label == "Registration target":
            widget(at.number_input, label).set_value(value)
        else:
            widget(at.text_input, label).input(value)
    widget(at.button, "Create event").click().run()
    assert not at.exception
    assert "Not saved" in texts(at.error) and message in texts(at.error)
    assert "event" not in at.query_params
    assert events.events_between(datetime(2000, 1, 1), datetime(2100, 1, 1)).is_empty()


def test_an_unknown_event_says_so() -> None:
    build()
    at = events_page(event="app:nope")
    assert not at.exception
    assert "There is no event `app:nope`" in texts(at.error)


def test_check_in_by_name_and_a_walk_in(registered_event: str) -> None:
    at = events_page(event=registered_event)
    assert not at.exception
    widget(at.text_input, "Find a person").input("бор").run()
    shown = [c.label for c in at.checkbox if c.key and c.key.startswith("present_")]
    assert shown == ["Борис · new to the community"]  # first met at this event
    at.checkbox(key=f"present_{registered_event}_{_member('Борис', registered_event)}_0").check()
    at.run()
    assert not at.exception
    assert "Борис checked in." in texts(at.success)

    # Вера is checked in elsewhere (another manager, an import) while this page shows her box
    # unticked: drawing the page again shows her ticked and never unticks her
    vera = _member("Вера", registered_event)
    widget(at.text_input, "Find a person").input("вер").run()
    assert not at.checkbox(key=f"present_{registered_event}_{vera}_0").value
    events.check_in(registered_event, vera, True, USER)
    at.run()
    assert at.checkbox(key=f"present_{registered_event}_{vera}_1").value
    assert events.event(registered_event)["attendees"] == 2
    events.check_in(registered_event, vera, False, USER)

    widget(at.button, "Add and check in").click().run()  # no name
    assert "Name" in texts(at.error) and "Not saved" in texts(at.error)
    widget(at.text_input, "Name").input("Гена Новый")
    widget(at.text_input, "E-mail (optional)").input("не почта")
    widget(at.button, "Add and check in").click().run()
    assert "is not an e-mail address" in texts(at.error)
    widget(at.text_input, "E-mail (optional)").input("gena@example.org")
    widget(at.button, "Add and check in").click().run()
    assert not at.exception
    assert "Гена Новый added and checked in." in texts(at.success)

    event = events.event(registered_event)
    assert (event["registrations"], event["attendees"], event["new_attendees"]) == (3, 2, 2)
    people = events.participants(registered_event)
    came = people.filter(pl.col("attended"))["display_name"].sort().to_list()
    assert came == ["Борис", "Гена Новый"]


def _member(name: str, event_id: str) -> str:
    people = events.participants(event_id)
    return people.filter(pl.col("display_name") == name)["member_id"][0]


def test_follow_up_checklist_and_feedback(registered_event: str) -> None:
    at = events_page(event=registered_event)
    at.checkbox(key=f"fu_done_{registered_event}_thanks").check()
    at.text_input(key=f"fu_owner_{registered_event}_thanks").input("Аня")
    widget(at.button, "Save checklist").click().run()
    assert not at.exception
    assert "Checklist saved." in texts(at.success)
    row = events.followups(registered_event).filter(pl.col("item") == "thanks").row(0, named=True)
    assert row["owner"] == "Аня" and row["done_on"] == datetime.now(UTC).date()

    widget(at.button, "Log feedback").click().run()  # nothing said, no score
    assert "Write what was said, or give a score." in texts(at.error)
    widget(at.selectbox, "Score").set_value(4)
    widget(at.text_area, "What was said").input("Хорошо организовано")
    widget(at.button, "Log feedback").click().run()
    assert "Feedback logged." in texts(at.success)
    assert [m.value for m in at.metric if m.label == "Average score"] == ["4.0 / 5"]


def test_overdue_follow_ups_are_listed_on_the_events_page(registered_event: str) -> None:
    # ended two days ago: "thanks" was due the day after
    at = events_page()
    assert not at.exception
    overdue = texts(at.markdown)
    assert "Overdue follow-ups" in overdue and "Thanks sent" in overdue
    assert "Встреча волонтёров" in overdue


def test_delete_needs_confirmation_and_can_be_undone(registered_event: str) -> None:
    at = events_page(event=registered_event)
    assert widget(at.button, "Delete event").disabled
    at.checkbox(key=f"delete_sure_{registered_event}").check().run()
    widget(at.button, "Delete event").click().run()
    assert not at.exception
    assert "Event deleted." in texts(at.success)
    assert events.event(registered_event) is None
    widget(at.button, "Undo delete").click().run()
    assert "Event restored." in texts(at.success)
    assert events.event(registered_event)["registrations"] == 3


def test_editing_an_event_keeps_its_registrations(registered_event: str) -> None:
    at = events_page(event=registered_event)
    form_key = f"edit_{registered_event}"
    title = [t for t in at.text_input if t.label == "Title" and form_key in (t.form_id or "")]
    title[0].input("Встреча волонтёров (перенесена)")
    [b for b in at.button if b.label == "Save changes"][0].click().run()
    assert not at.exception
    assert "Changes saved." in texts(at.success)
    event = events.event(registered_event)
    assert event["title"] == "Встреча волонтёров (перенесена)" and event["registrations"] == 3


def test_the_calendar_lists_this_months_events() -> None:
    new_event(0, title="Сегодняшняя встреча")
    at = events_page()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 1
    table = at.dataframe[0].value
    assert "Сегодняшняя встреча" in list(table["title"])
    at.radio(key="events_scale").set_value("year").run()
    assert not at.exception
    assert "Сегодняшняя встреча" in list(at.dataframe[0].value["title"])


def test_overview_and_event_page_warn_when_registrations_lag() -> None:
    # an event in 10 days with a target of 50 whose registration opened 5 days ago, nobody
    # registered yet, no past events: an even pace expects a third of the target by now
    event_id = new_event(
        10, title="Лекция", registration_target=50, backup_actions="Репост партнёра\nПост в VK"
    )
    _open_registration_days_ago(event_id, 5)
    at = app_test().run()
    assert not at.exception
    warning = texts(at.warning)
    # 5 of 15 days of registration gone: 50 × 5/15 ≈ 16.7 expected, 0 registered (pages read
    # the pace as of the last 10-minute mark, a little earlier: 16.6 or 16.7)
    assert "Behind pace" in warning and "Лекция" in warning
    assert re.search(r"0 registered of 50, 16\.[67] expected", warning)
    assert "- Репост партнёра" in warning and "- Пост в VK" in warning
    page = events_page(event=event_id)
    assert "Behind pace" in texts(page.warning)


def _open_registration_days_ago(event_id: str, days: int) -> None:
    """Registration opened `days` ago (when the event was created), as if made back then."""
    from warehouse.app_data import Change, submit

    opened = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=days)
    submit([Change("app.events", {"event_id": event_id}, {"created_at": opened})], USER)


def test_event_kpis_appear_on_the_overview(registered_event: str) -> None:
    member = _member("Анна", registered_event)
    events.check_in(registered_event, member, True, USER)
    at = app_test().run()
    values = {m.label: m.value for m in at.metric}
    assert values["Registrations"] == "3" and values["Attendees"] == "1"
    assert values["Check-in rate"] == "33.3 %"
