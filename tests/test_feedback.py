"""Feedback: the three KPIs on hand-computed data, validation, answered/undo, the inbox order,
the Feedback page through AppTest, and the CLI's kpis JSON."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.ingest import build
from tests.conftest import ChatBuilder, app_test
from tests.test_cli import cli
from tests.test_events_page import new_event, texts, widget
from tests.test_kpis import load
from warehouse import feedback
from warehouse.accounts import OPERATOR
from warehouse.connection import read_connection
from warehouse.events import InvalidEntry
from warehouse.kpis import compute_kpis
from warehouse.periods import Period

USER = OPERATOR  # the command line; role rules are tested in test_access.py
CHAT = "telegram:1001"
IDS = ("feedback_items", "feedback_response_median_hours", "feedback_response_rate_pct")
MAY = Period.from_inclusive("2024-05-01", "2024-05-31")
LATER = date.today() + timedelta(days=3)


@pytest.fixture
def community(tmp_path: Path) -> None:
    chat = ChatBuilder("Волонтёры — чат", chat_id=1001)
    chat.message("2024-05-01 10:00", "Аня", "Привет")
    load(tmp_path, chat)


def logged(day: str, answered_after_h: float | None = None, **where: str) -> str:
    item = feedback.log_feedback(
        USER, text=f"отзыв {day}", score=4, received_on=date.fromisoformat(day), **where
    )
    if answered_after_h is not None:
        received = datetime.fromisoformat(day)  # the community's zone is UTC here
        feedback.mark_answered(item.feedback_id, USER, received + timedelta(hours=answered_after_h))
    return item.feedback_id


def kpis(period: Period, channel: str | None = None) -> dict:
    with read_connection() as con:
        values = compute_kpis(con, period, channel)
    return {kpi: values[kpi] for kpi in IDS}


# May: 4 items, answered after 2 h, 4 h and 30 h, and one
# never -> median 4.0 h, rate 75 %. June's item is another period's. Channel 1001: the item logged
# for it (4 h) and the one about its event (unanswered) -> 2 items, median 4.0, rate 50 %.
@pytest.mark.usefixtures("community")
def test_feedback_kpis_on_hand_computed_data() -> None:
    event_id = new_event(-1, channel_id=CHAT)
    logged("2024-05-03", 2)
    logged("2024-05-10", 4, channel_id=CHAT)
    logged("2024-05-20", 30)
    logged("2024-05-25", event_id=event_id)
    logged("2024-06-01", 1)

    assert kpis(MAY) == {
        "feedback_items": 4,
        "feedback_response_median_hours": 4.0,
        "feedback_response_rate_pct": 75.0,
    }
    assert kpis(MAY, CHAT) == {
        "feedback_items": 2,
        "feedback_response_median_hours": 4.0,
        "feedback_response_rate_pct": 50.0,
    }
    assert kpis(Period.from_inclusive("2024-04-01", "2024-04-30")) == {
        "feedback_items": 0,
        "feedback_response_median_hours": None,
        "feedback_response_rate_pct": None,
    }


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"text": " ", "score": None}, "text"),
        ({"text": "ok", "score": 7}, "score"),
        ({"text": "x" * 2001, "score": None}, "text"),
        ({"text": "ok", "score": 3, "received_on": LATER}, "received_on"),
        ({"text": "ok", "score": 3, "event_id": "app:nope"}, "event_id"),
        ({"text": "ok", "score": 3, "channel_id": "telegram:404"}, "channel_id"),
    ],
)
@pytest.mark.usefixtures("community")
def test_invalid_feedback_is_named_by_field_and_nothing_is_saved(bad: dict, field: str) -> None:
    with pytest.raises(InvalidEntry) as refused:
        feedback.log_feedback(USER, **bad)
    assert field in refused.value.errors
    assert feedback.recent().is_empty()


@pytest.mark.usefixtures("community")
def test_inbox_oldest_first_mark_answered_and_undo() -> None:
    newer = logged("2024-05-20")
    older = logged("2024-05-03", channel_id=CHAT)
    assert feedback.unanswered()["feedback_id"].to_list() == [older, newer]
    row = feedback.unanswered().row(0, named=True)
    assert row["channel_name"] == "Волонтёры — чат" and row["age_days"] > 300

    feedback.mark_answered(older, USER)
    assert feedback.unanswered()["feedback_id"].to_list() == [newer]
    assert feedback.recently_answered()["feedback_id"].to_list() == [older]
    feedback.mark_unanswered(older, USER)
    assert feedback.unanswered()["feedback_id"].to_list() == [older, newer]
    assert feedback.recently_answered().is_empty()
    with pytest.raises(feedback.UnknownFeedback):
        feedback.mark_answered("nope", USER)


def feedback_page() -> AppTest:
    at = app_test()
    at.switch_page("pages/feedback.py")
    return at.run()


def test_the_page_logs_valid_and_invalid_feedback_and_marks_it_answered() -> None:
    build()
    at = feedback_page()
    assert not at.exception
    assert [m.label for m in at.metric] == ["Feedback", "Time to answer", "Answered"]

    widget(at.button, "Log feedback").click().run()  # neither text nor score
    assert not at.exception
    assert "What was said" in texts(at.error)
    assert feedback.recent().is_empty()

    widget(at.text_area, "What was said").input("**Спасибо** за [встречу](http://x)")
    widget(at.button, "Log feedback").click().run()
    assert not at.exception
    assert "Feedback logged." in texts(at.success)
    assert "**Спасибо** за [встречу](http://x)" in [t.value for t in at.text]  # not rendered
    assert at.metric[0].value == "1"

    widget(at.button, "Mark answered").click().run()
    assert not at.exception
    assert "Marked answered." in texts(at.success)
    assert "Every piece of feedback has been answered." in texts(at.info)
    assert feedback.unanswered().is_empty()
    assert at.metric[2].value == "100.0 %"

    widget(at.button, "Undo").click().run()
    assert not at.exception
    assert feedback.unanswered().height == 1


@pytest.mark.usefixtures("community")
def test_the_cli_kpis_json_carries_the_feedback_kpis() -> None:
    logged("2024-05-03", 2)
    logged("2024-05-10")
    out = cli("kpis", "--start", "2024-05-01", "--end", "2024-06-01")
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout)["kpis"]
    assert (
        {kpi: shown[kpi] for kpi in IDS}
        == kpis(MAY)
        == {
            "feedback_items": 2,
            "feedback_response_median_hours": 2.0,
            "feedback_response_rate_pct": 50.0,
        }
    )


@pytest.mark.usefixtures("community")
def test_the_page_logs_feedback_from_a_member_found_by_name() -> None:
    at = feedback_page()
    widget(at.text_input, "From (optional)").input("Ан").run()
    widget(at.text_area, "What was said").input("Хорошая встреча")
    widget(at.button, "Log feedback").click().run()
    assert not at.exception
    assert "Feedback logged." in texts(at.success)
    assert feedback.recent()["member_name"].to_list() == ["Аня"]
