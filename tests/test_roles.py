"""Member roles (warehouse/roles.py): validation by field, assigning, ending, removing with undo,
the audit, the coverage board and the cadence on data dated from today, and the six suggested
candidates on one hand-built community where every number is worked out in a comment.

Times are UTC (the community's zone is UTC here).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipelines.ingest import build, ingest_file
from tests.conftest import ChatBuilder
from tests.test_csv_registrations import write
from tests.test_kpis import load
from warehouse import app_data, events, queries, roles
from warehouse.accounts import OPERATOR
from warehouse.connection import read_connection, write_lock
from warehouse.events import InvalidEntry
from warehouse.periods import Period

USER = OPERATOR  # the command line; role rules are tested in test_access.py
TEAM, TEAM_ID = "Pulse News", "channel2002"  # a chat speaking as itself: the team
NOW = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
TODAY = NOW.date()


def at(days_ago: float) -> str:
    """A ChatBuilder time `days_ago` before now."""
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%d %H:%M")


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def member_id(name: str) -> str:
    found = rows("select member_id from core.members where display_name = ?", [name])
    assert len(found) == 1, f"{name}: {found}"
    return found[0][0]


def assign(name: str, role: str, **changes: Any) -> str:
    values: dict[str, Any] = {
        "member_id": member_id(name),
        "role": role,
        "started_on": TODAY - timedelta(days=60),
        "cadence_count": 1,
        "cadence_per": "week",
    }
    values.update(changes)
    return roles.assign_role(USER, **values).role_id


# ---------------------------------------------------------------- forms and the board


def recent_chat() -> ChatBuilder:
    """Activity counted back from now, for the cadence (windows end now):
    - Аня: 5 messages in the last 28 days;
    - Боря: 3 messages in the last 28 days, 2 more 29 days ago (inside 30 days, outside 28),
      and a join 20 days ago (joining is no activity);
    - Вика: one message 40 days ago, nothing since;
    - Гена, Даша: a message each 100 days ago."""
    c = ChatBuilder("Волонтёры — чат", chat_id=1001)
    c.message(at(100), "Гена", "Привет")
    c.message(at(100), "Даша", "Привет")
    c.message(at(40), "Вика", "Привет")
    for day in (29, 29):
        c.message(at(day), "Боря", "Старое")
    c.join(at(20), "Боря")
    for day in (1, 2, 3):
        c.message(at(day), "Боря", "Новое")
    for day in (1, 2, 3, 4, 5):
        c.message(at(day), "Аня", "Новое")
    return c


@pytest.fixture
def recent(tmp_path: Path) -> None:
    """recent_chat() in this test's own warehouse (the test writes roles)."""
    load(tmp_path, recent_chat())


@pytest.fixture(scope="module")
def recent_dw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recent")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PULSE_DATA_DIR", str(folder / "data"))
        load(folder, recent_chat())
    return folder / "data"


@pytest.fixture
def recent_unwritten(recent_dw: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """recent_chat() built once, for tests that save nothing (refused entries)."""
    monkeypatch.setenv("PULSE_DATA_DIR", str(recent_dw))
    queries.clear_cache()


# Holders today and their cadence (windows end now):
# - mentor, Аня, 1 a week: needs 4 × 1 = 4 in 28 days, has 5 -> meets;
# - greeter, Боря, 1 a week: needs 4, has 3 in 28 days (the two 29 days ago and the join do not
#   count) -> below;
# - storyteller, Боря, 5 a month: needs 5 in 30 days, has 3 + 2 = 5 -> meets;
# - hero, Вика, 1 a month: needs 1, has 0 (her message is 40 days old) -> below;
# - catalyst, Гена: ended yesterday -> not held today; guide, Даша: starts in 10 days -> not yet.
# So mentor 1/1, greeter 1/0, storyteller 1/1, hero 1/0; the other eight roles have nobody.
@pytest.mark.usefixtures("recent")
def test_coverage_counts_holders_meeting_and_below_their_cadence() -> None:
    assign("Аня", "mentor")
    assign("Боря", "greeter")
    assign("Боря", "storyteller", cadence_count=5, cadence_per="month")
    assign("Вика", "hero", cadence_per="month")
    assign("Гена", "catalyst", ended_on=TODAY - timedelta(days=1))
    assign("Даша", "guide", started_on=TODAY + timedelta(days=10))

    board = {row["role"]: row for row in roles.role_coverage().iter_rows(named=True)}
    assert list(board) == list(roles.ROLES)
    counted = {
        role: (row["holders"], row["meeting_cadence"], row["below_cadence"])
        for role, row in board.items()
        if not row["is_empty"]
    }
    assert counted == {
        "mentor": (1, 1, 0),
        "greeter": (1, 0, 1),
        "storyteller": (1, 1, 0),
        "hero": (1, 0, 1),
    }
    assert sorted(r for r, row in board.items() if row["is_empty"]) == sorted(
        set(roles.ROLES) - {"mentor", "greeter", "storyteller", "hero"}
    )
    below = roles.below_cadence()
    assert sorted(zip(below["display_name"], below["role"], below["activities"], strict=True)) == [
        ("Боря", "greeter", 3),
        ("Вика", "hero", 0),
    ]
    assert sorted(below["needed"].to_list()) == [1, 4]

    # the member profile's view: all of Боря's roles; Гена's ended one, Даша's upcoming one
    assert sorted(roles.roles_of(member_id("Боря"))["role"].to_list()) == ["greeter", "storyteller"]
    assert roles.roles_of(member_id("Гена"))[["role", "state"]].rows() == [("catalyst", "ended")]
    assert roles.roles_of(member_id("Даша"))[["role", "state"]].rows() == [("guide", "upcoming")]
    assert roles.roles_of(member_id("Даша"))["activities"].to_list() == [None]


@pytest.mark.usefixtures("recent")
def test_an_assignment_is_saved_with_every_field_and_audited() -> None:
    role_id = assign(
        "Аня",
        "mentor",
        started_on=date(2024, 5, 1),
        ended_on=date(2030, 12, 31),
        cadence_count=3,
        note="  <b>Отвечает</b> новичкам  ",
    )
    held = roles.roles_of(member_id("Аня")).row(0, named=True)
    assert held["role_id"] == role_id
    assert (held["started_on"], held["ended_on"]) == (date(2024, 5, 1), date(2030, 12, 31))
    assert held["expected_cadence"] == "3 per week"
    assert held["note"] == "<b>Отвечает</b> новичкам"  # trimmed, otherwise as typed
    assert held["updated_by"] == USER
    audit = rows(
        "select changed_by, operation, row_key from app.audit_log where table_name = ?",
        ["app.member_roles"],
    )
    assert audit == [(USER, "upsert", f'{{"role_id": "{role_id}"}}')]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"member_id": None}, "member_id"),
        ({"member_id": "telegram:nobody"}, "member_id"),
        ({"role": "wizard"}, "role"),
        ({"role": None}, "role"),
        ({"started_on": None}, "started_on"),
        ({"started_on": TODAY + timedelta(days=400)}, "started_on"),
        ({"started_on": date(2024, 5, 10), "ended_on": date(2024, 5, 9)}, "ended_on"),
        ({"cadence_count": 0}, "cadence_count"),
        ({"cadence_count": roles.MAX_CADENCE + 1}, "cadence_count"),
        ({"cadence_count": None}, "cadence_count"),
        ({"cadence_per": "day"}, "cadence_per"),
        ({"note": "x" * (roles.MAX_NOTE + 1)}, "note"),
    ],
)
@pytest.mark.usefixtures("recent_unwritten")
def test_invalid_assignments_are_named_by_field_and_nothing_is_saved(bad: dict, field: str) -> None:
    changes = {"role": "mentor", **bad}
    with pytest.raises(InvalidEntry) as refused:
        assign("Аня", changes.pop("role"), **changes)
    assert field in refused.value.errors
    assert list(refused.value.errors) == [field]  # only what is wrong is named
    assert roles.assignments().is_empty()
    assert rows("select count(*) from app.member_roles") == [(0,)]


@pytest.mark.usefixtures("recent")
def test_holding_the_same_role_twice_at_once_is_refused_but_one_after_another_is_not() -> None:
    assign("Аня", "mentor", started_on=date(2024, 1, 1), ended_on=date(2024, 3, 31))
    with pytest.raises(InvalidEntry) as refused:
        assign("Аня", "mentor", started_on=date(2024, 3, 31))  # meets on 31 March
    assert "already hold" in refused.value.errors["role"]
    assign("Аня", "mentor", started_on=date(2024, 4, 1))  # the day after: fine
    assign("Аня", "greeter", started_on=date(2024, 3, 31))  # another role: fine
    assert roles.roles_of(member_id("Аня")).height == 3


@pytest.mark.usefixtures("recent")
def test_end_a_role_not_before_its_start_then_remove_and_undo() -> None:
    role_id = assign("Аня", "mentor", started_on=TODAY - timedelta(days=10))
    with pytest.raises(InvalidEntry) as refused:
        roles.end_role(role_id, TODAY - timedelta(days=11), USER)
    assert "ended_on" in refused.value.errors
    with pytest.raises(InvalidEntry):
        roles.end_role(role_id, None, USER)
    assert roles.current_holders()["role_id"].to_list() == [role_id]

    roles.end_role(role_id, TODAY - timedelta(days=1), USER)  # held until yesterday
    assert roles.current_holders().is_empty()
    assert roles.roles_of(member_id("Аня"))["state"].to_list() == ["ended"]
    assert roles.role_coverage().filter(is_empty=False).is_empty()

    roles.remove_role(role_id, USER)
    assert roles.assignments().is_empty()
    assert roles.recently_removed()[["role_id", "display_name", "role"]].rows() == [
        (role_id, "Аня", "mentor")
    ]
    roles.restore_role(role_id, USER)
    assert roles.assignments()["role_id"].to_list() == [role_id]
    assert roles.recently_removed().is_empty()
    with pytest.raises(roles.UnknownRole):
        roles.remove_role("nope", USER)


@pytest.mark.usefixtures("recent")
def test_an_assignment_made_while_a_refresh_writes_is_queued_not_lost() -> None:
    anna = member_id("Аня")
    queries.clear_cache()  # the member's checks are not cached: they meet the busy warehouse
    queries.timezone()  # read by the page before the form is sent
    with write_lock():
        queued = roles.assign_role(
            USER,
            member_id=anna,
            role="mentor",
            started_on=TODAY,
            cadence_count=2,
            cadence_per="week",
        )
    assert not queued.applied
    assert len(app_data.pending_entries()) == 1
    build()  # the refresh's own build applies what waited for it
    assert roles.current_holders()[["role_id", "member_id"]].rows() == [(queued.role_id, anna)]


def test_no_warehouse_yet_means_empty_roles_not_errors(data_dir: Path) -> None:
    build()
    assert roles.assignments().is_empty()
    assert roles.role_coverage()["is_empty"].all()
    assert roles.candidates(Period.from_inclusive("2024-05-01", "2024-05-31")).is_empty()


# ---------------------------------------------------------------- candidates


def community_chat() -> ChatBuilder:
    c = ChatBuilder("Волонтёры — чат", chat_id=1001)

    def team_says(when: str, text: str, **fields: Any) -> int:
        return c.message(when, TEAM, text, from_id=TEAM_ID, **fields)

    # April: the regulars' first words (no question, no reply, no reaction)
    for day, name in enumerate(("Аня", "Боря", "Вика", "Костя", "Лена", "Миша"), start=1):
        c.message(f"2024-04-0{day} 10:00", name, "Доброе утро")

    # May, greeters
    gena = c.message(
        "2024-05-02 10:00",
        "Гена",
        "Всем привет",
        reactions=[("👍", "Аня", "2024-05-02 10:02"), ("👍", "Зоя", "2024-05-06 08:00")],
    )
    c.message("2024-05-02 10:05", "Боря", "Добро пожаловать!", reply_to=gena)
    dasha = c.message("2024-05-03 12:00", "Даша", "Здравствуйте")
    c.message("2024-05-03 12:10", "Боря", "Привет, Даша", reply_to=dasha)
    c.message("2024-05-03 12:30", "Аня", "Рады тебе", reply_to=dasha)
    egor = c.message("2024-05-04 09:00", "Егор", "Добрый день")
    team_says("2024-05-04 09:01", "Добро пожаловать", reply_to=egor)
    c.message("2024-05-04 09:03", "Боря", "Привет, Егор", reply_to=egor)
    c.message(
        "2024-05-05 09:00", "Жанна", "Я новенькая", reactions=[("❤", "Боря", "2024-05-08 09:00")]
    )
    zoya = c.message("2024-05-07 10:00", "Зоя", "Привет")
    c.message("2024-05-07 10:01", "Аня", "Привет, Зоя", reply_to=zoya)
    c.message(
        "2024-05-09 10:00", "Ира", "Привет всем", reactions=[("👋", "Боря", "2024-05-09 10:01")]
    )

    # June, mentors
    question = c.message("2024-05-31 23:00", "Вика", "Есть парковка?")
    c.message("2024-06-01 01:00", "Лена", "Да, у входа", reply_to=question)
    question = c.message("2024-06-03 10:00", "Вика", "Где взять форму?")
    c.message("2024-06-03 10:10", "Лена", "В штабе", reply_to=question)
    c.message("2024-06-03 10:20", "Костя", "У координатора", reply_to=question)
    question = c.message("2024-06-04 10:00", "Вика", "Когда субботник?")
    c.message("2024-06-04 11:00", "Лена", "В субботу", reply_to=question)
    question = c.message("2024-06-05 10:00", "Миша", "Кто ведёт встречу?")
    team_says("2024-06-05 10:05", "Мы", reply_to=question)
    c.message("2024-06-05 10:30", "Костя", "Команда", reply_to=question)
    question = c.message("2024-06-06 10:00", "Миша", "Можно с детьми?")
    c.message("2024-06-06 10:15", "Костя", "Конечно", reply_to=question)
    question = c.message("2024-06-07 10:00", "Лена", "А бейджи будут?")
    c.message("2024-06-07 10:01", "Лена", "Сама напечатаю", reply_to=question)
    c.message("2024-06-07 10:40", "Костя", "Будут", reply_to=question)
    question = c.message("2024-06-08 10:00", "Вика", "Какой адрес?")
    c.message("2024-06-08 10:05", "Лена", "Ленина, 1", reply_to=question)

    # July, catalysts
    parents = [
        c.message("2024-07-01 10:00", "Аня", "План на июль"),
        c.message("2024-07-01 10:01", "Боря", "Отчёт"),
        c.message("2024-07-01 10:02", "Вика", "Фото с акции"),
        team_says("2024-07-01 10:03", "Новости"),
        c.message("2024-07-01 10:04", "Миша", "Заметка"),
    ]
    misha_replies = [c.message("2024-07-02 10:00", "Миша", "Согласен", reply_to=p) for p in parents]
    gena_reply = c.message("2024-07-03 10:00", "Гена", "И я", reply_to=misha_replies[0])
    c.message("2024-07-04 10:00", "Аня", "Спасибо", reply_to=parents[1])
    c.message("2024-07-04 11:00", "Аня", "Ещё раз спасибо", reply_to=parents[1])
    c.message("2024-07-05 10:00", "Даша", "+1", reply_to=gena_reply)

    # August, storytellers
    c.message(
        "2024-07-31 23:59",
        "Миша",
        "Закат",
        reactions=[("🔥", "Аня", "2024-08-01 08:00")],
        extra_reactions=4,
    )
    c.message(
        "2024-08-01 10:00",
        "Лена",
        "История про субботник",
        reactions=[
            ("👍", "Аня", "2024-08-01 11:00"),
            ("👍", "Боря", "2024-08-01 11:05"),
            ("❤", "Вика", "2024-08-01 12:00"),
        ],
    )
    c.message("2024-08-02 10:00", "Лена", "Фото", reactions=[("👍", "Аня", "2024-08-02 11:00")])
    c.message(
        "2024-08-03 10:00",
        "Костя",
        "Мой первый поход",
        reactions=[("🔥", "Аня", "2024-08-03 11:00"), ("🔥", "Боря", "2024-08-03 11:00")],
        extra_reactions=3,
    )
    team_says(
        "2024-08-04 10:00",
        "Итоги лета",
        reactions=[("🎉", "Аня", "2024-08-04 11:00")],
        extra_reactions=9,
    )

    # September, scouts
    c.service("2024-09-01 10:00", "Вика", "invite_members", members=["Оля", "Петя"])
    c.message("2024-09-02 10:00", "Оля", "Спасибо, что позвали")
    c.service("2024-09-05 10:00", "Костя", "invite_members", members=["Рита"])
    c.service("2024-09-06 10:00", "Костя", "invite_members", members=["Сева"])
    c.service("2024-09-07 10:00", TEAM, "invite_members", members=["Тая"], actor_id=TEAM_ID)
    c.leave("2024-10-01 10:00", "Рита")
    c.leave("2024-10-15 10:00", "Петя")
    c.join("2024-10-20 10:00", "Рита")
    c.leave("2025-01-10 10:00", "Сева")
    # ten days ago: too recent to tell whether Уля stays
    c.service(at(10), "Лена", "invite_members", members=["Уля"])
    return c


MEMBERS_FILE = [
    ["Имя", "Ник", "Эл. почта", "Дата вступления"],
    ["Лиза", "@Liza_Volunteer", "liza@example.org", "01.09.2024"],
    ["Максим", "max_k", "max@example.org", "01.09.2024"],
    ["Юрий", "twins", "yuri@example.org", "01.09.2024"],
    ["Юлиан", "twins", "julian@example.org", "01.09.2024"],
]
REGISTRATIONS_FILE = [
    ["ФИО", "Эл. почта", "Дата регистрации", "Откуда узнали"],
    ["Ника", "nika@example.org", "02.10.2024 10:00", "@Liza_Volunteer"],
    ["Оскар", "oskar@example.org", "03.10.2024 10:00", "liza_volunteer"],
    ["Лиза", "liza@example.org", "04.10.2024 10:00", "liza_volunteer"],
    ["Фёдор", "fedor@example.org", "05.10.2024 10:00", "max_k"],
    ["Яна", "yana@example.org", "06.10.2024 10:00", "twins"],
    ["Ян", "jan@example.org", "07.10.2024 10:00", "Телеграм-канал"],
    ["Нина", "nina@example.org", "01.11.2024 10:00", "liza_volunteer"],
]


def fill_community(folder: Path) -> None:
    load(folder, community_chat())
    event_id = events.save_event(
        events.EventDraft(
            title="Осенний субботник",
            format="offline",
            starts_local=datetime(2024, 10, 20, 10),
            ends_local=datetime(2024, 10, 20, 14),
            timezone="UTC",
        ),
        USER,
    ).event_id
    members = write(folder / "members.csv", MEMBERS_FILE)
    loaded = ingest_file("csv", members, what="members", channel="Список", timezone="UTC")
    assert not loaded.failed, loaded.messages
    registrations = write(folder / "registrations.csv", REGISTRATIONS_FILE)
    loaded = ingest_file(
        "csv", registrations, what="registrations", event_id=event_id, timezone="UTC"
    )
    assert not loaded.failed, loaded.messages
    build()


@pytest.fixture(scope="module")
def community_dw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("roles")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PULSE_DATA_DIR", str(folder / "data"))
        fill_community(folder)
    return folder / "data"


@pytest.fixture
def community(community_dw: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """The prebuilt community, read only (a test that writes builds its own)."""
    monkeypatch.setenv("PULSE_DATA_DIR", str(community_dw))
    queries.clear_cache()


def suggested(first: str, last: str, role: str) -> list[tuple[str, int]]:
    found = roles.candidates(Period.from_inclusive(first, last))
    mine = found.filter(role=role).sort("rank")
    assert mine["rank"].to_list() == list(range(1, mine.height + 1))
    return list(zip(mine["display_name"], mine["score"], strict=True))


# May's newcomers (first activity ever is that message) and who answered each first (48 h):
# - Гена 05-02 10:00: Аня's reaction 10:02 beats Боря's reply 10:05 (Зоя's reaction days later)
#   -> Аня;
# - Даша 05-03 12:00: Боря 12:10, Аня 12:30 -> Боря;
# - Егор 05-04 09:00: the team replied at 09:01, before Боря at 09:03 -> no member's credit;
# - Жанна 05-05 09:00: Боря's reaction 72 h later is no welcome -> nobody;
# - Зоя 05-07: her first activity was a reaction on 05-06, so her message is not a newcomer's;
# - Ира 05-09 10:00: Боря's reaction 10:01 -> Боря.
# Greeters: Боря 2, Аня 1.
@pytest.mark.usefixtures("community")
def test_greeters_are_the_first_to_answer_newcomers() -> None:
    assert suggested("2024-05-01", "2024-05-31", "greeter") == [("Боря", 2), ("Аня", 1)]
    assert suggested("2024-06-01", "2024-06-30", "greeter") == []


# June's questions (asked in June; first reply by someone else):
# - Вика 06-03: Лена 10:10 before Костя 10:20 -> Лена;
# - Вика 06-04: Лена -> Лена;
# - Миша 06-05: the team first -> no member;
# - Миша 06-06: Костя -> Костя;
# - Лена 06-07: her own reply does not count; Костя 10:40 -> Костя;
# - Вика 06-08: Лена -> Лена.
# Вика's 05-31 question answered by Лена on 06-01 was asked in May: not June's.
# Mentors: Лена 3, Костя 2. In May: that one question -> Лена 1.
@pytest.mark.usefixtures("community")
def test_mentors_answer_the_most_questions_first() -> None:
    assert suggested("2024-06-01", "2024-06-30", "mentor") == [("Лена", 3), ("Костя", 2)]
    assert suggested("2024-05-01", "2024-05-31", "mentor") == [("Лена", 1)]


# July's replies between members: Миша -> Аня, Боря, Вика (his reply to the team and to himself
# make no tie); Гена -> Миша; Аня -> Боря (twice: one tie); Даша -> Гена.
# Distinct people each is tied to: Миша {Аня, Боря, Вика, Гена} 4; Аня {Миша, Боря} 2; Боря
# {Миша, Аня} 2; Гена {Миша, Даша} 2; Вика {Миша} 1; Даша {Гена} 1.
# Top 5, ties by name: Миша, Аня, Боря, Гена, Вика; Даша is sixth.
@pytest.mark.usefixtures("community")
def test_catalysts_connect_the_most_distinct_people_top_five() -> None:
    assert suggested("2024-07-01", "2024-07-31", "catalyst") == [
        ("Миша", 4),
        ("Аня", 2),
        ("Боря", 2),
        ("Гена", 2),
        ("Вика", 1),
    ]


# August's content and its reactions: Лена 3 + 1 = 4; Костя 2 named + 3 more = 5; the team's
# 10 are not a member's; Миша's 5 are on a post of 31 July.
@pytest.mark.usefixtures("community")
def test_storytellers_have_the_most_reacted_posts() -> None:
    assert suggested("2024-08-01", "2024-08-31", "storyteller") == [("Костя", 5), ("Лена", 4)]


# September's invites and who was still in the chat 90 days later:
# - Вика added Оля (stayed) and Петя (left 10-15, within 90 days) -> 1;
# - Костя added Рита (left 10-01, back 10-20, in the chat on day 90) and Сева (left 01-10, 126
#   days later) -> 2;
# - the team added Тая: the team is no candidate.
# Лена's invite ten days ago cannot tell yet: no scout in the last 30 days.
@pytest.mark.usefixtures("community")
def test_scouts_invited_people_who_stayed_ninety_days() -> None:
    assert suggested("2024-09-01", "2024-09-30", "scout") == [("Костя", 2), ("Вика", 1)]
    last_30 = Period(TODAY - timedelta(days=29), TODAY + timedelta(days=1))
    assert roles.candidates(last_30).filter(role="scout").is_empty()
    # the invite itself is known: only the 90 days are missing
    assert rows(
        "select count(*) from marts.member_invites where invited_at >= ?",
        [NOW - timedelta(days=11)],
    ) == [(1,)]


# October's registrations by source: "@Liza_Volunteer" and "liza_volunteer" are Лиза's handle
# (Ника, Оскар) -> 2; Лиза's own does not count; "max_k" (Фёдор) -> Максим 1; "twins" is the
# handle of two members -> nobody's; "Телеграм-канал" is no handle. Нина's is November's.
@pytest.mark.usefixtures("community")
def test_ambassadors_brought_registrations_through_their_handle() -> None:
    assert suggested("2024-10-01", "2024-10-31", "ambassador") == [("Лиза", 2), ("Максим", 1)]
    assert suggested("2024-11-01", "2024-11-30", "ambassador") == [("Лиза", 1)]


def test_current_holders_of_a_role_are_not_its_candidates(tmp_path: Path) -> None:
    """Written to, so built apart: June's mentors without Лена once she is a mentor."""
    load(tmp_path, community_chat())
    june = ("2024-06-01", "2024-06-30")
    assert suggested(*june, "mentor") == [("Лена", 3), ("Костя", 2)]
    lena = assign("Лена", "mentor", started_on=date(2024, 1, 1))
    assert suggested(*june, "mentor") == [("Костя", 2)]
    assert ("Лена", 4) in suggested("2024-08-01", "2024-08-31", "storyteller")  # other roles stay
    roles.end_role(lena, TODAY - timedelta(days=1), USER)  # no longer a mentor: suggested again
    assert suggested(*june, "mentor") == [("Лена", 3), ("Костя", 2)]


def test_every_candidate_role_is_one_of_the_twelve() -> None:
    assert set(roles.CANDIDATE_ROLES) <= set(roles.ROLES)
    assert len(roles.ROLES) == len(set(roles.ROLES)) == 12
