"""KPI targets: validation by field, set / replace / remove / undo, which targets apply to a period,
the audit log, the actual value next to each target, target_note, and the Targets page (AppTest)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages._common import target_note
from tests.conftest import ChatBuilder, app_test, make_account
from tests.test_events_app import rows
from tests.test_events_page import texts, widget
from tests.test_kpis import load
from warehouse import app_data, targets
from warehouse.accounts import OPERATOR
from warehouse.events import InvalidEntry
from warehouse.periods import Period, month_of, quarter_of, starts_around, today_in

USER = OPERATOR  # the command line; role rules are tested in test_access.py
CHAT = "telegram:1001"
MAY = date(2024, 5, 1)
Q2 = date(2024, 4, 1)


@pytest.fixture
def community(tmp_path: Path) -> None:
    """One chat: Аня, Борис and Вера join in May 2024 (members_joined = 3), Борис leaves in May."""
    chat = ChatBuilder("Волонтёры — чат", chat_id=1001)
    chat.join("2024-05-01 09:00", "Аня")
    chat.join("2024-05-02 09:00", "Борис")
    chat.join("2024-05-10 09:00", "Вера")
    chat.message("2024-05-11 10:00", "Вера", "Привет")
    chat.leave("2024-05-20 09:00", "Борис")
    load(tmp_path, chat)


def listed() -> list[tuple]:
    frame = targets.all_targets()
    return frame.select("kpi", "kind", "period_start", "channel", "target").rows()


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"kpi": "members"}, "kpi"),
        ({"period_kind": "week"}, "period_kind"),
        ({"period_start": date(2024, 5, 2)}, "period_start"),  # not the 1st
        ({"period_kind": "quarter", "period_start": MAY}, "period_start"),  # May opens no quarter
        ({"period_start": datetime(2024, 5, 1)}, "period_start"),  # a moment, not a day
        ({"period_start": "2024-05-01"}, "period_start"),
        ({"target": None}, "target"),
        ({"target": -1}, "target"),
        ({"target": float("nan")}, "target"),
        ({"target": float("inf")}, "target"),
        ({"target": "500"}, "target"),
        ({"target": True}, "target"),
        ({"kpi": "response_rate_pct", "target": 100.5}, "target"),
        ({"channel": "telegram:404"}, "channel"),
    ],
)
@pytest.mark.usefixtures("community")
def test_an_invalid_target_is_refused_by_field_and_nothing_is_saved(bad: dict, field: str) -> None:
    values = {"kpi": "members_total", "period_kind": "month", "period_start": MAY, "target": 500}
    values.update(bad)
    with pytest.raises(InvalidEntry) as refused:
        targets.set_target(**values, user=USER)
    assert list(refused.value.errors) == [field]
    assert not app_data.pending_entries()
    assert targets.all_targets().is_empty()


@pytest.mark.usefixtures("community")
def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(InvalidEntry) as refused:
        targets.set_target("nope", "week", date(2024, 5, 2), "x", "telegram:404", user=USER)
    assert set(refused.value.errors) == {"kpi", "period_kind", "target", "channel"}


# --- writes --------------------------------------------------------------------------------


@pytest.mark.usefixtures("community")
def test_set_replace_remove_and_undo() -> None:
    assert targets.set_target("members_total", "month", MAY, 500, user=USER).applied
    targets.set_target("response_rate_pct", "quarter", Q2, 100, CHAT, user=USER)  # 100 % allowed
    targets.set_target("members_left", "month", MAY, 0, user=USER)  # zero is a target too
    assert listed() == [
        ("members_total", "month", MAY, None, 500.0),
        ("members_left", "month", MAY, None, 0.0),
        ("response_rate_pct", "quarter", Q2, CHAT, 100.0),
    ]

    targets.set_target("members_total", "month", MAY, 600, user=USER)  # same key: replaced
    assert listed()[0] == ("members_total", "month", MAY, None, 600.0)
    assert len(listed()) == 3

    removed = targets.remove_target("members_total", "month", MAY, user=USER)
    assert removed.applied
    assert removed.target == targets.Target("members_total", "month", MAY, None, 600.0)
    assert [r[0] for r in listed()] == ["members_left", "response_rate_pct"]
    assert targets.targets_for(month_of(MAY, "UTC")) == {"members_left": 0.0}
    with pytest.raises(targets.UnknownTarget):  # removed already
        targets.remove_target("members_total", "month", MAY, user=USER)

    targets.restore_target(removed.target, USER)
    assert listed()[0] == ("members_total", "month", MAY, None, 600.0)
    assert targets.targets_for(month_of(MAY, "UTC")) == {
        "members_total": 600.0,
        "members_left": 0.0,
    }


@pytest.mark.usefixtures("community")
def test_the_audit_log_records_who_set_and_removed_a_target() -> None:
    make_account("manager", "anna")
    make_account("admin", "boris")
    targets.set_target("members_total", "month", MAY, 500, CHAT, user="anna")
    targets.remove_target("members_total", "month", MAY, CHAT, user="boris")
    audit = rows(
        "select changed_by, table_name, row_key, changed_values from app.audit_log"
        " where table_name = 'app.kpi_targets' order by changed_at"
    )
    assert [(who, table) for who, table, _, _ in audit] == [
        ("anna", "app.kpi_targets"),
        ("boris", "app.kpi_targets"),
    ]
    key = {"kpi": "members_total", "period_kind": "month", "period_start": "2024-05-01"}
    assert json.loads(audit[0][2]) == {**key, "channel_id": CHAT}
    assert json.loads(audit[0][3])["target"] == 500.0
    assert json.loads(audit[1][3])["target"] is None  # removal: the row stays, its target goes


# --- reads ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("community")
def test_targets_for_a_month_a_quarter_a_channel_and_30_days() -> None:
    targets.set_target("members_total", "month", MAY, 500, user=USER)
    targets.set_target("members_joined", "month", date(2024, 6, 1), 10, user=USER)
    targets.set_target("active_members", "quarter", Q2, 40, user=USER)
    targets.set_target("response_rate_pct", "month", MAY, 80, CHAT, user=USER)

    assert targets.targets_for(month_of(MAY, "UTC")) == {"members_total": 500.0}
    assert targets.targets_for(month_of(date(2024, 6, 15), "UTC")) == {"members_joined": 10.0}
    assert targets.targets_for(quarter_of(MAY, "UTC")) == {"active_members": 40.0}
    # the channel's targets only, never the community's, and the other way round
    assert targets.targets_for(month_of(MAY, "UTC"), CHAT) == {"response_rate_pct": 80.0}
    assert targets.targets_for(quarter_of(MAY, "UTC"), CHAT) == {}
    # a month in the community's own zone is still that month
    assert targets.targets_for(month_of(MAY, "Europe/Moscow")) == {"members_total": 500.0}
    # 1–30 May is not a calendar month: nothing applies (no prorating)
    assert targets.targets_for(Period.from_inclusive("2024-05-01", "2024-05-30")) == {}
    assert targets.targets_for(Period.from_inclusive("2024-04-01", "2024-06-30")) == {
        "active_members": 40.0
    }


def test_no_targets_before_any_data() -> None:
    assert targets.targets_for(month_of(MAY, "UTC")) == {}
    assert targets.all_targets().is_empty()
    assert targets.with_actuals().is_empty()


# May 2024: members_joined = 3 (Аня, Борис, Вера) → 75 % of a target of 4; the quarter Q2 has the
# same three joins → 50 % of 6; July 2024 has no joins → 0 % of 5. A month after `today` has not
# started: no actual.
@pytest.mark.usefixtures("community")
def test_each_target_is_listed_with_the_actual_value_of_its_period() -> None:
    targets.set_target("members_joined", "month", MAY, 4, user=USER)
    targets.set_target("members_joined", "quarter", Q2, 6, user=USER)
    targets.set_target("members_joined", "month", date(2024, 7, 1), 5, user=USER)
    targets.set_target("members_joined", "month", date(2024, 9, 1), 5, user=USER)

    shown = targets.with_actuals(today=date(2024, 8, 15))
    assert shown.select("kind", "period_start", "actual", "pct_of_target").rows() == [
        ("month", date(2024, 9, 1), None, None),
        ("month", date(2024, 7, 1), 0.0, 0.0),
        ("month", MAY, 3.0, 75.0),
        ("quarter", Q2, 3.0, 50.0),
    ]


def test_starts_around_spans_the_year_boundary() -> None:
    assert starts_around("month", date(2024, 1, 31), 1) == [
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
    ]
    quarters = starts_around("quarter", date(2024, 11, 5), 2)
    assert quarters == [Q2, date(2024, 7, 1), date(2024, 10, 1), date(2025, 1, 1), Q2.replace(2025)]
    assert len(starts_around("month", date(2024, 5, 17))) == 25  # 12 back, this one, 12 ahead


# --- target_note ---------------------------------------------------------------------------


def test_target_note_when_higher_is_better() -> None:
    assert target_note("members_total", 460, 500) == "Target 500 · 92 % reached"
    assert target_note("members_total", 499, 500) == "Target 500 · 99 % reached"  # not yet 100
    assert target_note("members_total", 500, 500) == "Target 500 · met"
    assert target_note("members_total", 1800, 1500) == "Target 1 500 · met"
    assert target_note("response_rate_pct", 60, 80) == "Target 80.0 % · 75 % reached"
    assert target_note("net_growth", -3, 10) == "Target 10 · behind"
    assert target_note("members_total", None, 500) == "Target 500 · no value yet"


def test_target_note_when_lower_is_better() -> None:
    assert target_note("first_response_median_minutes", 25, 30) == "Target 30 min · met"
    assert target_note("first_response_median_minutes", 30, 30) == "Target 30 min · met"
    assert target_note("first_response_median_minutes", 45, 30) == "Target 30 min · 15 min over"
    assert target_note("members_left", 12, 10) == "Target 10 · 2 over"


# --- the page ------------------------------------------------------------------------------


def targets_page() -> AppTest:
    at = app_test()
    at.switch_page("pages/targets.py")
    return at.run()


def this_month() -> date:
    return today_in("UTC").replace(day=1)


@pytest.mark.usefixtures("community")
def test_the_page_saves_and_lists_a_valid_target() -> None:
    at = targets_page()
    assert not at.exception
    assert "No targets yet" in texts(at.info)
    widget(at.selectbox, "KPI").set_value("members_joined")
    assert widget(at.selectbox, "Month").value == this_month()  # the current month by default
    widget(at.number_input, "Target").set_value(40)
    widget(at.button, "Save target").click().run()
    assert not at.exception
    assert "Target saved" in texts(at.success)
    assert listed() == [("members_joined", "month", this_month(), None, 40.0)]
    table = at.dataframe[0].value
    assert list(table["KPI"]) == ["Growth · Joined"]
    assert list(table["Target"]) == ["40"]
    assert list(table["Actual"]) == ["0"]  # nobody joined this month
    assert rows("select changed_by from app.audit_log where table_name = 'app.kpi_targets'") == [
        ("manager",)
    ]


@pytest.mark.usefixtures("community")
def test_the_page_names_invalid_fields_and_saves_nothing() -> None:
    at = targets_page()
    widget(at.button, "Save target").click().run()  # no value typed
    assert not at.exception
    assert "**Target**: Give the target value." in texts(at.error)

    widget(at.selectbox, "KPI").set_value("response_rate_pct")
    widget(at.number_input, "Target").set_value(150)
    widget(at.button, "Save target").click().run()
    assert not at.exception
    assert "**Target**: A percentage target is at most 100." in texts(at.error)
    assert targets.all_targets().is_empty()


@pytest.mark.usefixtures("community")
def test_the_page_removes_a_target_after_confirmation_and_undoes_it() -> None:
    targets.set_target("members_total", "quarter", Q2, 500, CHAT, user=USER)
    at = targets_page()
    assert not at.exception
    remove = widget(at.button, "Remove target")
    assert remove.disabled  # nothing removed before it is confirmed
    widget(at.checkbox, "Yes, remove this target").check().run()
    widget(at.button, "Remove target").click().run()
    assert not at.exception
    assert "Target removed." in texts(at.success)
    assert "Removed Growth · Members · Q2 2024 · Волонтёры — чат: 500." in texts(at.info)
    assert targets.all_targets().is_empty()

    widget(at.button, "Undo").click().run()
    assert not at.exception
    assert "Target restored." in texts(at.success)
    assert listed() == [("members_total", "quarter", Q2, CHAT, 500.0)]
    assert not [b for b in at.button if b.label == "Undo"]
