"""The Partners page through AppTest: every partner form with valid and invalid input, the
profile (timeline, projects with outcomes vs goals, step done, delete with undo), the board, the
scorecard and the reminders, and partners as co-hosts in the event form."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.ingest import build
from tests.conftest import app_test
from tests.test_events_page import texts, widget
from warehouse import partners
from warehouse.accounts import OPERATOR
from warehouse.partners import InteractionDraft, PartnerDraft, ProjectDraft

USER = OPERATOR  # the command line; role rules are tested in test_access.py


def partners_page(**params: str) -> AppTest:
    at = app_test()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/partners.py")
    return at.run()


def in_form(elements, label: str, form: str):  # noqa: ANN001, ANN201
    """The widget labelled `label` inside the form whose key starts with `form`."""
    found = [e for e in elements if e.label == label and (e.form_id or "").startswith(form)]
    assert found, f"no {label!r} in form {form!r}"
    return found[0]


def submit(at: AppTest, label: str) -> AppTest:
    widget(at.button, label).click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def school() -> str:
    build()
    draft = PartnerDraft("Школа №5", "school", owner="Аня", contact="director@school5.ru")
    return partners.save_partner(draft, USER).id


def test_a_manager_adds_a_partner_from_the_form() -> None:
    build()
    at = partners_page()
    assert not at.exception
    assert "No partners yet" in texts(at.info)

    submit(at, "Add partner")  # no name
    assert "Not saved" in texts(at.error) and "Name" in texts(at.error)
    assert partners.choices() == {}

    in_form(at.text_input, "Name", "new_partner").input("Школа №5")
    in_form(at.selectbox, "Type", "new_partner").set_value("school")
    in_form(at.text_area, "What they offer", "new_partner").input("Зал и **ученики**")
    submit(at, "Add partner")
    assert "Partner added." in texts(at.success)
    assert [t.value for t in at.title] == ["Школа №5"]
    (partner_id,) = partners.choices()
    assert partners.partner(partner_id)["partner_offers"] == "Зал и **ученики**"
    assert "Зал и \\*\\*ученики\\*\\*" in texts(at.markdown)  # shown as typed, not bold

    # the same name again is refused, by field
    at = partners_page()
    in_form(at.text_input, "Name", "new_partner").input("школа №5")
    submit(at, "Add partner")
    assert "There is already a partner called" in texts(at.error)
    assert len(partners.choices()) == 1


def test_log_interactions_valid_and_invalid_and_mark_the_step_done(school: str) -> None:
    at = partners_page(partner=school)
    assert not at.exception
    form = f"interaction_{school}"
    submit(at, "Log interaction")  # no summary
    assert "Summary" in texts(at.error)

    in_form(at.text_input, "Summary", form).input("Договорились о встрече")
    in_form(at.date_input, "Date", form).set_value(date(2024, 5, 10))
    in_form(at.text_input, "Next step", form).input("Прислать афишу")
    in_form(at.date_input, "Next step due", form).set_value(date(2024, 5, 1))
    submit(at, "Log interaction")
    assert "The next step cannot be due before the interaction." in texts(at.error)
    assert partners.timeline(school).filter(item_kind="interaction").is_empty()

    in_form(at.text_input, "Summary", form).input("Договорились о встрече")
    in_form(at.date_input, "Date", form).set_value(date(2024, 5, 10))
    in_form(at.selectbox, "Kind", form).set_value("meeting")
    in_form(at.text_input, "Next step", form).input("Прислать афишу")
    in_form(at.date_input, "Next step due", form).set_value(date(2024, 5, 12))
    submit(at, "Log interaction")
    assert "Meeting logged." in texts(at.success)
    assert "Договорились о встрече" in [t.value for t in at.text]
    # due 12.05.2024, long past: overdue on the profile and in the reminders
    assert [m.value for m in at.metric if m.label == "Overdue steps"] == ["1"]
    assert "overdue" in texts(at.caption)

    submit(at, "Step done")
    assert "Next step done." in texts(at.success)
    assert [m.value for m in at.metric if m.label == "Overdue steps"] == ["0"]
    submit(at, "Reopen step")
    assert [m.value for m in at.metric if m.label == "Overdue steps"] == ["1"]

    submit(at, "Delete")
    assert "Interaction deleted." in texts(at.success)
    assert partners.timeline(school).filter(item_kind="interaction").is_empty()
    submit(at, "Undo delete")
    assert "Restored." in texts(at.success)
    assert partners.timeline(school).filter(item_kind="interaction").height == 1


def test_agreements_valid_and_invalid(school: str) -> None:
    at = partners_page(partner=school)
    form = f"agreement_{school}"
    in_form(at.text_input, "Agreement", form).input("Неделя волонтёра")
    in_form(at.text_area, "We do", form).input("Проводим уроки")
    in_form(at.text_input, "Link to the document", form).input("не ссылка")
    submit(at, "Add agreement")
    assert "Link to the document" in texts(at.error) and "Not saved" in texts(at.error)

    in_form(at.text_input, "Agreement", form).input("Неделя волонтёра")
    in_form(at.text_area, "We do", form).input("Проводим уроки")
    in_form(at.date_input, "Starts", form).set_value(date(2024, 5, 10))
    in_form(at.date_input, "Ends", form).set_value(date(2024, 5, 1))
    submit(at, "Add agreement")
    assert "The agreement must end on or after it starts." in texts(at.error)

    in_form(at.text_input, "Agreement", form).input("Неделя волонтёра")
    in_form(at.text_area, "We do", form).input("Проводим уроки")
    in_form(at.text_area, "The partner does", form).input("Даёт зал")
    in_form(at.text_input, "Link to the document", form).input("https://docs.example.org/a")
    submit(at, "Add agreement")
    assert "Agreement added." in texts(at.success)
    assert "**Неделя волонтёра**" in texts(at.markdown)
    assert "**They do:** Даёт зал" in texts(at.markdown)


def test_a_project_with_tracking_codes_and_outcomes_vs_goal(school: str) -> None:
    at = partners_page(partner=school)
    form = f"new_project_{school}"
    in_form(at.text_input, "Project title", form).input("Сбор для приюта")
    in_form(at.date_input, "First day", form).set_value(date(2024, 5, 10))
    in_form(at.date_input, "Last day", form).set_value(date(2024, 5, 1))
    submit(at, "Create project")
    assert "Last day" in texts(at.error)
    assert partners.projects().is_empty()

    in_form(at.text_input, "Project title", form).input("Сбор для приюта")
    in_form(at.selectbox, "Kind", form).set_value("charity")
    in_form(at.date_input, "First day", form).set_value(date(2024, 5, 1))
    in_form(at.date_input, "Last day", form).set_value(date(2024, 5, 10))
    in_form(at.selectbox, "Goal", form).set_value("donations")
    in_form(at.number_input, "Target", form).set_value(10000)
    in_form(at.text_input, "Unit of the target", form).input("RUB")
    in_form(at.text_area, "UTM sources", form).input("school5\n")
    in_form(at.text_area, "Promo codes", form).input("ПРИЮТ2024")
    submit(at, "Create project")
    assert "Project created" in texts(at.success)
    (project,) = partners.projects(school).iter_rows(named=True)
    assert {(c["kind"], c["code"]) for c in project["tracking_codes"]} == {
        ("utm", "school5"),
        ("promo_code", "ПРИЮТ2024"),
    }
    assert "#### Сбор для приюта" in texts(at.markdown)
    assert "UTM source `school5`" in texts(at.caption)

    outcome = f"outcome_{project['project_id']}"
    in_form(at.selectbox, "Outcome", outcome).set_value("donations")
    in_form(at.text_input, "Value", outcome).input("пять тысяч")
    submit(at, "Enter outcome")
    assert "The value must be a number" in texts(at.error)
    assert "currency" in texts(at.error)  # donations without their currency

    in_form(at.selectbox, "Outcome", outcome).set_value("donations")
    in_form(at.text_input, "Value", outcome).input("7 500")
    in_form(at.text_input, "Unit or currency", outcome).input("rub")
    submit(at, "Enter outcome")
    assert "Donations entered." in texts(at.success)
    # 7 500 of the 10 000 RUB goal
    progress = at.get("progress")[0]
    assert progress.value == 75 and "Donations 7 500 of 10 000 RUB (75 %)" in progress.text

    submit(at, "Delete")  # the entered outcome
    assert "Outcome deleted." in texts(at.success)
    assert partners.project(project["project_id"])["goal_actual"] == 0
    submit(at, "Undo delete")
    assert partners.project(project["project_id"])["goal_actual"] == 7500


def test_edit_the_partner_change_its_stage_delete_and_undo(school: str) -> None:
    at = partners_page(partner=school)
    form = f"stage_{school}"
    in_form(at.selectbox, "New stage", form).set_value("prospect")
    submit(at, "Change stage")
    assert "already at stage" in texts(at.error)

    in_form(at.selectbox, "New stage", form).set_value("active")
    in_form(at.text_input, "Why (optional)", form).input("подписали договор")
    submit(at, "Change stage")
    assert "Moved to Active." in texts(at.success)
    assert partners.partner(school)["stage"] == "active"
    assert "Active: подписали договор" in [t.value for t in at.text]

    edit = f"edit_partner_{school}"
    in_form(at.text_input, "Name", edit).input("")
    submit(at, "Save partner")
    assert "Give the partner a name." in texts(at.error)
    in_form(at.text_input, "Name", edit).input("Школа №5 им. Пушкина")
    submit(at, "Save partner")
    assert "Partner saved." in texts(at.success)
    assert [t.value for t in at.title] == ["Школа №5 им\\. Пушкина"]

    assert widget(at.button, "Delete partner").disabled
    at.checkbox(key=f"delete_sure_{school}").check().run()
    submit(at, "Delete partner")
    assert "Partner deleted." in texts(at.success)
    assert partners.partner(school) is None
    submit(at, "Undo delete")
    assert partners.partner(school)["name"] == "Школа №5 им. Пушкина"


def test_an_unknown_partner_says_so() -> None:
    build()
    at = partners_page(partner="partner:nope")
    assert not at.exception
    assert "There is no partner" in texts(at.error)


def test_board_scorecard_and_reminders(school: str) -> None:
    media = partners.save_partner(PartnerDraft("Городские новости", "media"), USER).id
    partners.change_stage(school, "active", USER)
    partners.log_interaction(
        school,
        InteractionDraft(date(2024, 5, 1), "call", "Звонок", "Прислать афишу", date(2024, 5, 3)),
        USER,
    )
    ended = partners.today() - timedelta(days=5)
    partners.save_project(
        ProjectDraft("Репост", "co-promotion", [media], ended - timedelta(days=3), ended), USER
    )
    at = partners_page()
    assert not at.exception
    board = texts(at.markdown)
    assert "**Active** (1)" in board and "**Prospect** (1)" in board
    assert f"[Школа №5](/partners?partner={school})" in board
    # the school: an overdue step (due 03.05.2024; its last contact 01.05 is long ago but the
    # step is what is listed); the media partner: its project ended 5 days ago, no thanks yet
    assert "Overdue next step" in board and "“Прислать афишу”, due 03.05.2024" in board
    assert "No thanks sent after the project" in board and "“Репост” ended" in board
    assert "No contact for 60+ days" in board  # the school, active, last contact 01.05.2024
    table = at.dataframe[0].value
    assert sorted(table["name"]) == ["Городские новости", "Школа №5"]
    assert list(table.sort_values("name")["projects"]) == [1, 0]
    projects = at.dataframe[1].value
    assert list(projects["title"]) == ["Репост"]


def test_partners_co_host_an_event_from_the_event_form(school: str) -> None:
    at = app_test()
    at.switch_page("pages/events.py")
    at.run()
    widget(at.text_input, "Title").input("Субботник со школой")
    widget(at.multiselect, "Partner co-hosts").set_value([school])
    widget(at.text_input, "Other co-hosts").input("Клуб бегунов")
    widget(at.button, "Create event").click().run()
    assert not at.exception
    event_id = at.query_params["event"]
    event_id = event_id[0] if isinstance(event_id, list) else event_id
    assert partners.event_partner_ids(event_id) == [school]
    # the event's edit form shows the partner chosen
    chosen = [m for m in at.multiselect if m.label == "Partner co-hosts"]
    assert chosen and chosen[0].value == [school]
