"""The Roles page through AppTest: the coverage board, assigning (valid and invalid), ending a role
(end before start refused), removing with undo, and a suggested candidate's Assign shortcut."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ChatBuilder, app_test
from tests.test_events_page import texts, widget
from tests.test_kpis import load
from tests.test_roles import TODAY, at, community_chat
from warehouse import roles
from warehouse.periods import Period

JUNE = Period.from_inclusive("2024-06-01", "2024-06-30")  # what the candidates test's URL asks for


def roles_page(**params: str) -> AppTest:
    at_ = app_test()
    for key, value in params.items():
        at_.query_params[key] = value
    at_.switch_page("pages/roles.py")
    return at_.run()


def metrics(page: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in page.metric}


def find_member(page: AppTest, query: str) -> None:
    widget(page.text_input, "Find a member").input(query).run()
    assert not page.exception


@pytest.fixture
def chat(tmp_path: Path) -> None:
    """Аня wrote 5 times in the last week (meets "1 per week": 4 in 28 days); *Звезда* (a name
    that is markdown) once, 40 days ago (below any cadence)."""
    c = ChatBuilder("Волонтёры — чат", chat_id=1001)
    c.message(at(40), "*Звезда*", "Привет")
    for day in range(1, 6):
        c.message(at(day), "Аня", "Новое")
    load(tmp_path, c)


def test_without_data_the_page_explains_what_to_do() -> None:
    page = roles_page()
    assert not page.exception
    assert "No data yet" in texts(page.info)


@pytest.mark.usefixtures("chat")
def test_assign_invalid_then_valid_and_the_board_counts_it() -> None:
    page = roles_page()
    assert not page.exception
    assert metrics(page)["Roles covered"] == "0 of 12"
    assert "Nobody holds: Mentor, Partner" in texts(page.warning)

    widget(page.button, "Assign role").click().run()  # no member, no role
    assert not page.exception
    refused = texts(page.error)
    assert "Member" in refused and "Role" in refused
    assert roles.assignments().is_empty()

    find_member(page, "Аня")
    widget(page.selectbox, "Role").set_value("mentor")
    widget(page.number_input, "Expected activities").set_value(0)  # out of range
    widget(page.button, "Assign role").click().run()
    assert not page.exception
    assert "Expected activities" in texts(page.error)
    assert roles.assignments().is_empty()
    # what was typed is still there to fix
    assert widget(page.selectbox, "Role").value == "mentor"

    widget(page.number_input, "Expected activities").set_value(1)
    widget(page.text_area, "Note").input("Отвечает на вопросы новичков")
    widget(page.button, "Assign role").click().run()
    assert not page.exception
    assert "Mentor: Аня." in texts(page.success)
    assert metrics(page) == {
        "Roles covered": "1 of 12",
        "Holders": "1",
        "Meeting their cadence": "1",
        "Below their cadence": "0",
    }
    assert "Mentor" not in texts(page.warning)
    held = roles.current_holders().row(0, named=True)
    assert (held["display_name"], held["role"], held["note"]) == (
        "Аня",
        "mentor",
        "Отвечает на вопросы новичков",
    )
    assert widget(page.selectbox, "Role").value is None  # the form is empty for the next one


@pytest.mark.usefixtures("chat")
def test_a_holder_below_cadence_is_listed_and_a_name_is_shown_as_typed() -> None:
    page = roles_page()
    find_member(page, "Звезда")
    widget(page.selectbox, "Role").set_value("hero")
    widget(page.selectbox, "Per").set_value("month")
    widget(page.button, "Assign role").click().run()
    assert not page.exception
    assert r"Hero: \*Звезда\*." in texts(page.success)  # escaped: not rendered as italics
    assert metrics(page)["Below their cadence"] == "1"
    below = [frame.value for frame in page.dataframe if "Needed" in frame.value.columns]
    assert len(below) == 1
    assert below[0][["Member", "Role", "Activities", "Needed"]].values.tolist() == [
        ["*Звезда*", "Hero", 0, 1]
    ]


@pytest.mark.usefixtures("chat")
def test_end_a_role_refuses_an_end_before_its_start_then_remove_and_undo() -> None:
    page = roles_page()
    find_member(page, "Аня")
    widget(page.selectbox, "Role").set_value("greeter")
    widget(page.date_input, "Starts").set_value(TODAY - timedelta(days=10))
    widget(page.button, "Assign role").click().run()
    assert not page.exception
    (role_id,) = roles.current_holders()["role_id"].to_list()

    widget(page.date_input, "Last day").set_value(TODAY - timedelta(days=11))
    widget(page.button, "End role").click().run()
    assert not page.exception
    assert "Ends" in texts(page.error) and "cannot end before it starts" in texts(page.error)
    assert roles.current_holders().height == 1

    widget(page.date_input, "Last day").set_value(TODAY - timedelta(days=1))
    widget(page.button, "End role").click().run()
    assert not page.exception
    assert "Ended: Аня — Greeter" in texts(page.success)
    assert roles.current_holders().is_empty()
    assert metrics(page)["Holders"] == "0"

    find_member(page, "Аня")
    widget(page.selectbox, "Role").set_value("catalyst")
    widget(page.button, "Assign role").click().run()
    assert not page.exception
    widget(page.button, "Remove").click().run()
    assert not page.exception
    assert "Role removed." in texts(page.success)
    assert "Removed: Аня — Catalyst" in texts(page.info)
    assert roles.recently_removed()["role"].to_list() == ["catalyst"]

    widget(page.button, "Undo").click().run()
    assert not page.exception
    assert "Role restored." in texts(page.success)
    assert roles.current_holders()["role"].to_list() == ["catalyst"]
    assert role_id in roles.assignments()["role_id"].to_list()  # the ended one is kept


def test_a_candidates_assign_button_fills_the_form(tmp_path: Path) -> None:
    """June 2024 of tests/test_roles.py's community: mentors Лена 3, Костя 2."""
    load(tmp_path, community_chat())
    page = roles_page(period="custom", **{"from": "2024-06-01", "to": "2024-06-30"})
    assert not page.exception
    shown = [t.value for t in page.text]
    assert "1. Лена · 3" in shown and "2. Костя · 2" in shown
    assert "Nobody in this period." in texts(page.caption)  # e.g. scouts in June

    lena = roles.candidates(JUNE).filter(role="mentor")["member_id"][0]
    widget_key = f"pick_mentor_{lena}"
    [button] = [b for b in page.button if b.key == widget_key]
    button.click().run()
    assert not page.exception
    assert widget(page.selectbox, "Member").value == lena
    assert widget(page.selectbox, "Role").value == "mentor"

    widget(page.button, "Assign role").click().run()
    assert not page.exception
    assert "Mentor: Лена." in texts(page.success)
    shown = [t.value for t in page.text]
    assert "1. Костя · 2" in shown  # a holder is no longer suggested for her role
    assert not any(line.endswith("Лена · 3") for line in shown)
