"""The Members page through AppTest: the directory's search and filters (and a filter refused by
field), a profile with its name escaped, the edit form valid and invalid, merging from a profile
and from a suggestion, and undoing both."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from pages._common import escaped
from tests.conftest import app_test
from tests.test_events_page import texts, widget
from tests.test_members import community, csv_id, member_of, rows, tg  # noqa: F401
from warehouse import members


def members_page(**params: str) -> AppTest:
    at = app_test()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/members.py")
    return at.run()


def listed(at: AppTest) -> list[str]:
    return at.dataframe[0].value["display_name"].to_list()


def test_the_page_without_data_explains_what_to_do() -> None:
    at = members_page()
    assert not at.exception
    assert "No data yet" in texts(at.info)
    at = members_page(member="telegram:1")
    assert not at.exception
    assert "No data yet" in texts(at.info)


@pytest.mark.usefixtures("community")
def test_the_directory_lists_searches_and_filters() -> None:
    at = members_page()
    assert not at.exception
    # Аня П. wrote last (05-05), then Вера, Борис, Анна; the member list's two never wrote
    assert texts(at.subheader).startswith("6 members")
    assert listed(at)[:4] == ["Аня П.", "Вера", "Борис Орлов", "Анна Петрова"]

    at.text_input(key="members_search").input("орл").run()
    assert not at.exception
    assert sorted(listed(at)) == ["Борис Орлв", "Борис Орлов"]

    at.text_input(key="members_search").input("").run()
    at.selectbox(key="members_tag").set_value("волонтёр").run()
    assert listed(at) == ["Анна Петрова"]
    assert at.dataframe[0].value["tags"].to_list() == ["волонтёр"]

    at.selectbox(key="members_tag").set_value(None).run()
    at.date_input(key="members_active_from").set_value(date(2024, 5, 3)).run()
    assert listed(at) == ["Аня П.", "Вера"]
    at.date_input(key="members_active_to").set_value(date(2024, 5, 1)).run()
    assert not at.exception
    assert "Last active between" in texts(at.error)
    assert not at.dataframe


@pytest.mark.usefixtures("community")
def test_a_profile_shows_the_member_and_opens_from_the_directory() -> None:
    at = members_page()
    at.selectbox(key="members_open").set_value(tg("Аня П.")).run()
    assert not at.exception
    assert [t.value for t in at.title] == [escaped("Аня П.")]  # "Аня П\\.": markdown-safe
    timeline = at.dataframe[-1].value
    assert timeline["text"].to_list() == ["Это я, Аня, с нового телефона"]
    assert "Level over time" in texts(at.subheader)

    at.button(key="back_to_members").click().run()
    assert [t.value for t in at.title] == ["Members"]


@pytest.mark.usefixtures("community")
def test_the_edit_form_saves_valid_input_and_names_what_is_wrong() -> None:
    anya = tg("Аня П.")
    at = members_page(member=anya)
    raw = "**Аня** [сайт](http://x.io) <b>!</b>"
    widget(at.text_area, "Notes").input("x" * 2001)
    widget(at.button, "Save changes").click().run()
    assert not at.exception
    assert "Notes" in texts(at.error)
    assert rows("select count(*) from app.member_profiles") == [(0,)]

    widget(at.text_area, "Notes").input("звонить вечером")
    widget(at.text_input, "Name").input(raw)
    widget(at.checkbox, "Team member").check()
    widget(at.button, "Save changes").click().run()
    assert not at.exception
    assert "Changes saved." in texts(at.success)
    assert [t.value for t in at.title] == [escaped(raw)]  # shown as typed, not rendered
    assert "звонить вечером" in [t.value for t in at.text]
    found = members.member(anya)
    assert (found["display_name"], found["is_team"], found["notes"]) == (
        raw,
        True,
        "звонить вечером",
    )


@pytest.mark.usefixtures("community")
def test_a_merge_from_the_profile_is_confirmed_and_undone() -> None:
    anna, anya = tg("Анна Петрова"), tg("Аня П.")
    at = members_page(member=anna)
    widget(at.text_input, "Find the member to merge").input("Аня").run()
    widget(at.selectbox, "Member to merge").set_value(anya).run()
    widget(at.button, "Merge…").click().run()
    assert not at.exception
    assert member_of(anya) == anya  # nothing merged before the confirmation
    widget(at.button, "Confirm merge").click().run()
    assert not at.exception
    assert "Merged." in texts(at.success)
    assert member_of(anya) == anna
    assert "Merged into this member" in texts(at.subheader)

    widget(at.button, "Undo merge").click().run()
    assert not at.exception
    assert "Merge undone" in texts(at.success)
    assert member_of(anya) == anya


@pytest.mark.usefixtures("community")
def test_a_suggestion_is_merged_in_one_click_keeping_the_chosen_member_and_undone() -> None:
    boris, misspelt = tg("Борис Орлов"), csv_id("Борис Орлв")
    at = members_page()
    assert "Possibly the same person (2)" in texts(at.subheader)
    at.button(key=f"suggested_{misspelt}_{boris}").click().run()
    at.radio(key="merge_keep").set_value(boris).run()
    widget(at.button, "Cancel").click().run()
    assert not [b for b in at.button if b.label == "Confirm merge"]
    assert member_of(misspelt) == misspelt

    at.button(key=f"suggested_{misspelt}_{boris}").click().run()
    at.radio(key="merge_keep").set_value(boris).run()
    widget(at.button, "Confirm merge").click().run()
    assert not at.exception
    assert member_of(misspelt) == boris
    assert "Possibly the same person (1)" in texts(at.subheader)
    assert "Recent merges" in texts(at.subheader)

    at.button(key=f"undo_merge_recent_{members.merges()['merge_id'][0]}").click().run()
    assert not at.exception
    assert member_of(misspelt) == misspelt
    assert "Possibly the same person (2)" in texts(at.subheader)
