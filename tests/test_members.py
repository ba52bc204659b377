"""Members: merging two members and undoing it (KPIs and activities exactly as before), chained
merges, app-entered rows following a merge (core.member_aliases), the manager's edits and tags
over the platforms', the directory's filters, merge suggestions (very similar names), and
validation named by field. Every expected number is worked out by hand in a comment."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import build, ingest_file
from tests.conftest import ChatBuilder, user_id
from tests.test_events_page import new_event
from warehouse import events, feedback, members, roles
from warehouse.accounts import OPERATOR
from warehouse.connection import read_connection
from warehouse.events import InvalidEntry
from warehouse.kpis import compute_kpis
from warehouse.periods import Period
from warehouse.settings import SQL_DIR

USER = OPERATOR  # the command line; role rules are tested in test_access.py
MAY = Period.from_inclusive("2024-05-01", "2024-05-31")
APRIL_MAY = Period.from_inclusive("2024-04-01", "2024-05-31")
ACTIVITY = ("active_members", "messages", "new_active", "returning_active")


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def members_file(path: Path, people: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Full Name", "E-mail", "Phone", "Telegram", "Tags"])
        writer.writerows(people)
    return path


def load_members(path: Path) -> None:
    mapping = {"name": "Full Name", "email": "E-mail", "phone": "Phone", "handle": "Telegram"}
    mapping["tags"] = "Tags"
    result = ingest_file("csv", path, mapping=mapping, what="members", channel="Volunteers")
    assert not result.failed, result.messages


def tg(name: str) -> str:
    return f"telegram:{user_id(name)}"


def csv_id(name: str) -> str:
    found = rows(
        "select identity_id from core.identities where platform = 'csv' and display_name = ?",
        [name],
    )
    assert len(found) == 1, found
    return found[0][0]


def member_of(identity_id: str) -> str:
    return rows("select member_id from core.identities where identity_id = ?", [identity_id])[0][0]


def kpis(period: Period) -> dict:
    with read_connection() as con:
        return compute_kpis(con, period)


def activity(period: Period) -> dict:
    values = kpis(period)
    return {kpi: values[kpi] for kpi in ACTIVITY}


@pytest.fixture
def community(tmp_path: Path) -> None:
    """A chat where Анна Петрова writes in April and, from a new phone, as "Аня П." in May; a
    member list with another Анна Петрова (tagged) and a misspelt Борис Орлов."""
    chat = ChatBuilder("Волонтёры — чат", chat_id=1001)
    chat.message("2024-04-10 10:00", "Анна Петрова", "Привет всем")
    asked = chat.message("2024-05-02 12:00", "Борис Орлов", "Кто идёт в субботу?")
    chat.message("2024-05-03 09:00", "Вера", "Я иду", reply_to=asked)
    chat.message("2024-05-05 10:00", "Аня П.", "Это я, Аня, с нового телефона")
    export = chat.write(tmp_path / "export" / "result.json")
    assert not ingest_file("telegram-export", export).failed
    load_members(
        members_file(
            tmp_path / "members.csv",
            [
                ["Анна Петрова", "anna@example.org", "", "", "волонтёр"],
                ["Борис Орлв", "", "+7 916 000-00-01", "", ""],
            ],
        )
    )
    build()


def snapshot() -> tuple[list, list]:
    """Every activity with its member, and every member as core.members has them."""
    activities = rows(
        "select activity_id, member_id, activity_type, occurred_at from core.activities"
        " order by activity_id"
    )
    people = rows(
        "select member_id, display_name, first_seen_at, last_seen_at, is_team, is_bot, tags"
        " from core.members order by member_id"
    )
    return activities, people


# May before the merge: Аня П. (first 05-05), Борис (05-02), Вера (05-03, a reply) are active,
# each for the first time -> active 3, messages 3 (2 messages + 1 reply), new 3, returning 0.
# April–May: Анна, Аня, Борис, Вера -> 4 active.
# Аня П. merged into Анна Петрова: one person first active 04-10 -> May: active 3, new 2
# (Борис, Вера), returning 1 (Анна); April–May: 3 active. Undo: everything as before.
@pytest.mark.usefixtures("community")
def test_a_merge_makes_one_member_and_undo_gives_back_exactly_what_was_there() -> None:
    before_may, before_both = kpis(MAY), kpis(APRIL_MAY)
    before = snapshot()
    assert activity(MAY) == {
        "active_members": 3,
        "messages": 3,
        "new_active": 3,
        "returning_active": 0,
    }
    assert before_both["active_members"] == 4
    listed = members.directory()["matches"][0]

    merged = members.merge_members(tg("Анна Петрова"), tg("Аня П."), USER)
    assert merged.applied
    assert member_of(tg("Аня П.")) == tg("Анна Петрова")
    assert activity(MAY) == {
        "active_members": 3,
        "messages": 3,
        "new_active": 2,
        "returning_active": 1,
    }
    assert kpis(APRIL_MAY)["active_members"] == 3
    assert members.directory()["matches"][0] == listed - 1
    assert members.timeline(tg("Анна Петрова"))["text"].to_list() == [
        "Это я, Аня, с нового телефона",
        "Привет всем",
    ]
    second = members.timeline(tg("Анна Петрова"), limit=1, offset=1)  # its second page of one
    assert (second["text"].to_list(), second["total"].to_list()) == (["Привет всем"], [2])
    # the merged member's old id opens the kept member
    assert members.member(tg("Аня П."))["member_id"] == tg("Анна Петрова")
    assert members.member(tg("Анна Петрова"))["display_name"] == "Анна Петрова"
    assert members.merges(tg("Анна Петрова"))["merge_id"].to_list() == [merged.merge_id]

    members.undo_merge(merged.merge_id, USER)
    assert kpis(MAY) == before_may
    assert kpis(APRIL_MAY) == before_both
    assert snapshot() == before
    assert members.merges(tg("Анна Петрова")).is_empty()  # nothing left to undo there
    recent = members.merges().row(0, named=True)
    assert (recent["undone_by"], recent["merged_name"]) == (USER, "Аня П.")
    with pytest.raises(InvalidEntry) as again:
        members.undo_merge(merged.merge_id, USER)
    assert "merge_id" in again.value.errors


@pytest.mark.usefixtures("community")
def test_chained_merges_resolve_transitively_and_undo_in_the_middle_of_a_chain() -> None:
    anna, anya, vera, boris = tg("Анна Петрова"), tg("Аня П."), tg("Вера"), tg("Борис Орлов")
    people = (anna, anya, vera, boris)

    def owners() -> list[str]:
        return [member_of(p) for p in people]

    into_anna = members.merge_members(anna, anya, USER).merge_id  # A ← B
    members.merge_members(anna, vera, USER)  # A ← C
    assert owners() == [anna, anna, anna, boris]
    into_boris = members.merge_members(boris, anna, USER).merge_id  # then A into D
    assert owners() == [boris, boris, boris, boris]
    # every merge into Борис, also those into Анна before, can be undone from his profile
    assert members.merges(boris).height == 3

    members.undo_merge(into_anna, USER)  # Аня alone again; Анна and Вера stay Борис's
    assert owners() == [boris, anya, boris, boris]
    members.undo_merge(into_boris, USER)  # Анна is herself again, Вера still hers
    assert owners() == [anna, anya, anna, boris]


# Аня П. checked in at an event, gave feedback, holds a role, has a hand-added tag and a name the
# manager typed. Merged into Анна Петрова, all of it is Анна's; undone, Аня's again.
@pytest.mark.usefixtures("community")
def test_app_entered_rows_follow_a_merge_and_its_undo() -> None:
    anna, anya = tg("Анна Петрова"), tg("Аня П.")
    event_id = new_event(-1, title="Субботник")
    events.check_in(event_id, anya, True, USER)
    feedback.log_feedback(USER, text="Было здорово", score=5, member_id=anya)
    roles.assign_role(
        USER,
        member_id=anya,
        role="greeter",
        started_on=date(2024, 5, 1),
        cadence_count=1,
        cadence_per="week",
    )
    members.save_profile(anya, members.ProfileEdit("Аня (новый номер)", tags=("новенькая",)), USER)

    def attended() -> list[str]:
        return [r[0] for r in rows("select member_id from core.event_participants")]

    assert attended() == [anya]
    members.merge_members(anna, anya, USER)
    assert attended() == [anna]
    done = members.timeline(anna)["activity_type"].to_list()
    assert done[:2] == ["feedback", "attendance"]  # today's, newest first
    assert roles.roles_of(anna)["role"].to_list() == ["greeter"]
    kept = members.member(anna)
    assert kept["tags"] == ["новенькая"]
    # Анна has no name of the manager's: the one typed for Аня wins over the platforms'
    assert kept["display_name"] == "Аня (новый номер)"

    undo = members.merges(anna)["merge_id"][0]
    members.undo_merge(undo, USER)
    assert attended() == [anya]
    assert members.member(anna)["tags"] == []
    assert members.member(anna)["display_name"] == "Анна Петрова"
    assert roles.roles_of(anya)["role"].to_list() == ["greeter"]
    assert roles.roles_of(anna).is_empty()


# Marking Аня П. as team leaves her out of May's community KPIs: active 3 -> 2, new 3 -> 2.
@pytest.mark.usefixtures("community")
def test_the_managers_edits_win_over_the_platforms_and_tags_unite_with_imported_ones() -> None:
    anya = tg("Аня П.")
    members.save_profile(
        anya,
        members.ProfileEdit(
            "  Аня   Петрова ",
            is_team=True,
            notes="<b>звонить</b> вечером",
            tags=("Координатор", "координатор ", "спикер"),
        ),
        USER,
    )
    edited = members.member(anya)
    assert edited["display_name"] == "Аня Петрова"
    assert edited["platform_display_name"] == "Аня П."
    assert edited["is_team"] and not edited["platform_is_team"]
    assert edited["notes"] == "<b>звонить</b> вечером"
    assert edited["tags"] == ["Координатор", "спикер"]  # repeats in another case dropped
    assert activity(MAY)["active_members"] == 2 and activity(MAY)["new_active"] == 2

    # back to what the platforms say: stored as "no edit"; the removed tag is gone
    members.save_profile(anya, members.ProfileEdit("Аня П.", tags=("спикер",)), USER)
    assert rows(
        "select display_name, is_team, is_bot, notes from app.member_profiles where member_id = ?",
        [anya],
    ) == [(None, None, None, None)]
    assert members.member(anya)["tags"] == ["спикер"]
    assert activity(MAY)["active_members"] == 3

    # a member list's tags and the manager's together; only the manager's are hers to remove
    listed = csv_id("Анна Петрова")
    members.save_profile(listed, members.ProfileEdit(tags=("спикер",)), USER)
    found = members.member(listed)
    assert (found["tags"], found["imported_tags"], found["added_tags"]) == (
        ["волонтёр", "спикер"],
        ["волонтёр"],
        ["спикер"],
    )
    # who changed what and when
    assert rows(
        "select count(*) from app.audit_log"
        " where changed_by = ? and table_name = 'app.member_profiles'",
        [USER],
    ) == [(3,)]


@pytest.fixture
def recent(tmp_path: Path) -> dict[str, str]:
    """Лидия writes 6 messages in the last hour, Олег one message, Пётр wrote two years ago in
    another chat; Ирина is only on the member list (tagged, with a handle and an e-mail)."""
    now = datetime.now(UTC).replace(microsecond=0)

    def at(delta: timedelta) -> str:
        return (now - delta).strftime("%Y-%m-%d %H:%M:%S")

    main = ChatBuilder("Волонтёры — чат", chat_id=1001)
    for minutes in range(10, 70, 10):
        main.message(at(timedelta(minutes=minutes)), "Лидия Активная", "Сообщение")
    main.message(at(timedelta(minutes=90)), "Олег Редкий", "Привет")
    other = ChatBuilder("Второй чат", chat_id=1002)
    other.message(at(timedelta(days=730)), "Пётр Давний", "Давно это было")
    for n, chat in enumerate((main, other)):
        assert not ingest_file("telegram-export", chat.write(tmp_path / f"e{n}" / "r.json")).failed
    load_members(
        members_file(
            tmp_path / "members.csv",
            [["Ирина Тегова", "irina@example.org", "", "@irina_t", "волонтёр"]],
        )
    )
    build()
    return {
        "Лидия": tg("Лидия Активная"),
        "Олег": tg("Олег Редкий"),
        "Пётр": tg("Пётр Давний"),
        "Ирина": csv_id("Ирина Тегова"),
    }


def names(**wanted: object) -> list[str]:
    found = members.directory(members.DirectoryFilter(**wanted))
    return [name.split()[0] for name in found["display_name"].to_list()] if found.height else []


# Levels this month: Лидия 6 messages × 2 = 12 (≥ 10: Participating), Олег 2 (Exploring), Пётр's
# message is two years old and Ирина did nothing: no level. Most recently active first; Ирина,
# never active, last.
def test_the_directory_searches_and_filters(recent: dict[str, str]) -> None:
    today = datetime.now(UTC).date()
    assert names() == ["Лидия", "Олег", "Пётр", "Ирина"]
    assert names(query="лид") == ["Лидия"]
    assert names(query="IRINA@EXAMPLE") == ["Ирина"]
    assert names(query="@irina_t") == ["Ирина"]
    # % and _ are searched as typed: nobody has a %, only Ирина's handle (irina_t) has a _
    assert names(query="%") == [] and names(query="_") == ["Ирина"]
    assert names(level="Participating") == ["Лидия"]
    assert names(level="Exploring") == ["Олег"]
    assert names(level=members.NO_LEVEL) == ["Пётр", "Ирина"]
    assert names(channel_id="telegram:1002") == ["Пётр"]
    assert names(tag="волонтёр") == ["Ирина"]
    assert names(joined_from=today - timedelta(days=30)) == ["Лидия", "Олег"]
    assert names(joined_to=today - timedelta(days=365)) == ["Пётр"]
    assert names(active_from=today - timedelta(days=1), active_to=today + timedelta(days=1)) == [
        "Лидия",
        "Олег",
    ]
    page = members.directory(limit=2, offset=2)
    assert page["display_name"].to_list() == ["Пётр Давний", "Ирина Тегова"]
    assert page["matches"].to_list() == [4, 4]

    members.save_profile(recent["Олег"], members.ProfileEdit(is_team=True), USER)
    assert names(who="team") == ["Олег"]
    assert names(who="members") == ["Лидия", "Пётр", "Ирина"]
    roles.assign_role(
        USER,
        member_id=recent["Лидия"],
        role="mentor",
        started_on=today - timedelta(days=1),
        cadence_count=1,
        cadence_per="week",
    )
    assert names(role="mentor") == ["Лидия"]
    assert names(role="scout") == []
    assert members.tag_choices() == ["волонтёр"]

    history = members.level_history(recent["Лидия"])
    assert history["level"].to_list()[-1] == "Participating"
    assert members.member(recent["Лидия"])["level"] == "Participating"


def suggest(*accounts: tuple[str, str, str | None, str]) -> list[tuple[str, str, str]]:
    """marts.merge_suggestions on hand-written accounts (member id, platform, handle, name)."""
    con = duckdb.connect()
    con.execute("create schema core")
    con.execute(
        "create table core.identities (member_id varchar, platform varchar, handle varchar,"
        " display_name varchar, is_bot boolean)"
    )
    con.executemany(
        "insert into core.identities values (?, ?, ?, ?, false)", [list(a) for a in accounts]
    )
    sql = (SQL_DIR / "marts" / "merge_suggestions.sql").read_text(encoding="utf-8")
    return con.execute(f"select * from ({sql}) order by all").fetchall()


def test_similar_names_on_two_platforms_are_suggested_and_others_are_not() -> None:
    assert suggest(
        ("tg:1", "telegram", "sergey_i", "Sergey Ivanov"),
        ("vk:1", "vk", None, "Sergei  Ivanov"),  # one letter wrong, spaces doubled
        ("tg:2", "telegram", None, "Пётр Ёжиков"),
        ("csv:2", "csv", None, "Ежиков Петр"),  # words swapped, ё as е
        ("tg:3", "telegram", None, "Галина Фролова"),
        ("csv:3", "csv", None, "Галина Фроолва"),  # two letters swapped
        # not the same person: another first name, another surname, one platform, one word
        ("tg:4", "telegram", None, "Василий Александров"),
        ("vk:4", "vk", None, "Владимир Александров"),
        ("tg:5", "telegram", None, "Иван Петров"),
        ("vk:5", "vk", None, "Иван Петренко"),
        ("tg:6", "telegram", None, "Мария Орлова"),
        ("tg:7", "telegram", None, "Мария Орлва"),
        ("tg:8", "telegram", None, "Оля"),
        ("vk:8", "vk", None, "Оляя"),
    ) == [
        ("csv:2", "tg:2", "similar name: ежиков петр ~ пётр ёжиков"),
        ("csv:3", "tg:3", "similar name: галина фроолва ~ галина фролова"),
        ("tg:1", "vk:1", "similar name: sergey ivanov ~ sergei ivanov"),
    ]
    # a name (or handle) five people go by says nothing about who is whom
    common = [(f"tg:{n}", "telegram", "admin", "Анна Иванова") for n in range(3)]
    common += [(f"vk:{n}", "vk", "admin", "Анна Иванова") for n in range(2)]
    assert suggest(*common) == []
    assert suggest(*common[:2], common[3]) == [
        ("tg:0", "vk:0", "same handle: admin; same name: анна иванова"),
        ("tg:1", "vk:0", "same handle: admin; same name: анна иванова"),
    ]


@pytest.mark.usefixtures("community")
def test_suggestions_name_both_members_and_a_merge_settles_them_until_undone() -> None:
    listed = {
        (row["name_a"], row["name_b"], row["reasons"])
        for row in members.suggestions().iter_rows(named=True)
    }
    assert listed == {
        ("Анна Петрова", "Анна Петрова", "same name: анна петрова"),
        ("Борис Орлв", "Борис Орлов", "similar name: борис орлв ~ борис орлов"),
    }
    boris = tg("Борис Орлов")
    assert members.suggestions(boris)["reasons"].to_list() == [
        "similar name: борис орлв ~ борис орлов"
    ]
    merged = members.merge_members(boris, csv_id("Борис Орлв"), USER)
    assert members.suggestions(boris).is_empty()
    members.undo_merge(merged.merge_id, USER)
    assert members.suggestions(boris).height == 1


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (members.ProfileEdit("x" * 201), "display_name"),
        (members.ProfileEdit("Аня\x07"), "display_name"),
        (members.ProfileEdit(notes="x" * 2001), "notes"),
        (members.ProfileEdit(tags=tuple(f"t{n}" for n in range(31))), "tags"),
        (members.ProfileEdit(tags=("x" * 41,)), "tags"),
        (members.ProfileEdit(tags=("a, b",)), "tags"),
    ],
)
@pytest.mark.usefixtures("community")
def test_invalid_edits_are_named_by_field_and_nothing_is_saved(
    edit: members.ProfileEdit, field: str
) -> None:
    with pytest.raises(InvalidEntry) as refused:
        members.save_profile(tg("Аня П."), edit, USER)
    assert field in refused.value.errors
    assert rows("select count(*) from app.member_profiles") == [(0,)]
    assert rows("select count(*) from app.member_tags") == [(0,)]


@pytest.mark.usefixtures("community")
def test_invalid_merges_and_filters_are_named_by_field() -> None:
    anna, anya = tg("Анна Петрова"), tg("Аня П.")
    for kept, merged, field in (
        (anna, anna, "merged_member_id"),
        (anna, "telegram:nobody", "merged_member_id"),
        ("telegram:nobody", anya, "kept_member_id"),
        (anna, "", "merged_member_id"),
    ):
        with pytest.raises(InvalidEntry) as refused:
            members.merge_members(kept, merged, USER)
        assert field in refused.value.errors
    assert rows("select count(*) from app.member_merges") == [(0,)]

    members.merge_members(anna, anya, USER)
    with pytest.raises(InvalidEntry) as twice:  # Аня is part of Анна now
        members.merge_members(tg("Борис Орлов"), anya, USER)
    assert "merged_member_id" in twice.value.errors
    with pytest.raises(InvalidEntry) as gone:  # nor can a merged member be edited
        members.save_profile(anya, members.ProfileEdit("Аня"), USER)
    assert "member" in gone.value.errors
    with pytest.raises(members.UnknownMerge):
        members.undo_merge("nope", USER)

    with pytest.raises(InvalidEntry) as dates:
        members.directory(
            members.DirectoryFilter(
                joined_from=date(2024, 5, 2),
                joined_to=date(2024, 5, 1),
                active_from=date(2024, 5, 2),
                active_to=date(2024, 5, 1),
                level="Superstar",
            )
        )
    assert set(dates.value.errors) == {"joined", "active", "level"}
