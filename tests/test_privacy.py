"""Forgetting a person on request (warehouse/privacy.py): their personal data goes everywhere,
their counts stay, and loading the same exports again does not bring them back.

The community, built once for the module and copied into each test's data folder:
- a Telegram chat: Аня Петрова joins (1 May), asks "Когда сбор? …" (2 May, Борис reacts 👍),
  Борис answers (Аня reacts ❤), Вера writes (3 May), Борис invites "Аня Петрова" and Гоша by
  name (4 May), Аня thanks everyone (20 May);
- an online meetup on 18 May (a Zoom report: Аня and Борис came) with its Google Form (Аня and
  Вера registered); Аня's Zoom and form accounts share her e-mail, and a manager merged them
  into her Telegram account: one member with three accounts;
- what the team typed about her: a profile note, a tag, a role with a note, her feedback, and a
  partner whose contact she is.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.cli import main
from pipelines.ingest import build, ingest_file, ingest_telegram_export
from tests.conftest import SAMPLES, ChatBuilder, admin_part, make_account, user_id
from tests.test_event_kpis import form_responses, zoom_report
from warehouse import members
from warehouse.accounts import NotAllowed
from warehouse.app_data import Change, submit
from warehouse.backup import backup, restore
from warehouse.connection import read_connection, write_connection
from warehouse.control import control_connection
from warehouse.privacy import (
    _new_pseudonym,
    forget_member,
    forget_preview,
    privacy_key_path,
)

ANYA = "Аня Петрова"
ANYA_ID = "telegram:" + user_id(ANYA)
EMAIL = "anya@mail.ru"
MEETUP = "zoom:111222333"
# everything that is hers: none of it may be found anywhere afterwards
HERS = [
    "Аня",
    "Петрова",
    user_id(ANYA),
    EMAIL,
    "Когда сбор",
    "Спасибо за субботник",
    "позвонить маме",
    "любит-котиков",
    "ведёт утренний чат",
    "Всё супер",
]
MAY = ("--start", "2024-05-01", "--end", "2024-06-01")


def community_chat() -> ChatBuilder:
    chat = ChatBuilder("Волонтёры", chat_id=77)
    chat.join("2024-05-01 09:00", ANYA)
    question = chat.message(
        "2024-05-02 10:00",
        ANYA,
        f"Когда сбор? пишите {EMAIL}",
        reactions=[("👍", "Борис", "2024-05-02 10:05")],
    )
    chat.message(
        "2024-05-02 10:30",
        "Борис",
        "В субботу",
        reply_to=question,
        reactions=[("❤", ANYA, "2024-05-02 10:40")],
    )
    chat.message("2024-05-03 10:30", "Вера", "Привет всем")
    chat.service("2024-05-04 10:00", "Борис", "invite_members", members=[ANYA, "Гоша"])
    chat.message("2024-05-20 12:00", ANYA, "Спасибо за субботник")
    return chat


def exports(folder: Path) -> list[tuple[str, Path, dict]]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        ("telegram-export", community_chat().write(folder / "result.json"), {}),
        (
            "zoom-participants",
            zoom_report(
                folder / "meetup.csv",
                "111 222 333",
                "05/18/2024",
                [(ANYA, EMAIL, "10:01", "11:00"), ("Борис", "boris@example.org", "10:02", "11:00")],
            ),
            {},
        ),
        (
            "google-forms",
            form_responses(
                folder / "meetup_form.csv",
                [
                    ("10.05.2024 09:00:00", ANYA, EMAIL),
                    ("11.05.2024 09:00:00", "Вера", "vera@example.org"),
                ],
            ),
            {"event_id": MEETUP},
        ),
    ]


def load(folder: Path) -> None:
    for kind, path, options in exports(folder):
        result = ingest_file(kind, path, **options)
        assert not result.failed, result.messages
    build()


def what_the_team_typed() -> None:
    now = datetime(2024, 5, 21, 12)
    submit(
        [
            Change(
                "app.member_profiles",
                {"member_id": ANYA_ID},
                {"notes": "позвонить маме", "updated_by": "admin", "updated_at": now},
            ),
            Change(
                "app.member_tags",
                {"member_id": ANYA_ID, "tag": "любит-котиков"},
                {"added_by": "admin", "added_at": now},
            ),
            Change(
                "app.member_roles",
                {"role_id": "r1"},
                {
                    "member_id": ANYA_ID,
                    "role": "greeter",
                    "started_on": date(2024, 5, 1),
                    "note": "ведёт утренний чат",
                    "created_at": now,
                },
            ),
            Change(
                "app.feedback",
                {"feedback_id": "f1"},
                {
                    "identity_id": ANYA_ID,
                    "event_id": MEETUP,
                    "received_at": datetime(2024, 5, 19, 9),
                    "responded_at": datetime(2024, 5, 19, 15),
                    "score": 5,
                    "text": "Всё супер, спасибо!",
                },
            ),
            Change(
                "app.partners",
                {"partner_id": "p1"},
                {"name": "Фонд «Берег»", "stage": "active", "contact": f"{ANYA}, {EMAIL}"},
            ),
        ],
        "admin",
    )


@pytest.fixture(scope="module")
def community(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("community")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PULSE_DATA_DIR", str(folder / "data"))
        load(folder / "exports")
        make_account("admin")
        members.merge_members(ANYA_ID, "gforms:" + EMAIL, "admin")
        what_the_team_typed()
        # a copy of her export saved by the Data page's upload
        (folder / "data" / "uploads").mkdir()
        shutil.copy(folder / "exports" / "result.json", folder / "data" / "uploads" / "chat.json")
        # a refresh that logged and listed a message naming her
        (folder / "data" / "logs").mkdir()
        (folder / "data" / "logs" / "refresh.log").write_text(
            f"2024-05-21 10:00:01 WARNING form.csv: {ANYA} <{EMAIL}> is listed twice\n",
            encoding="utf-8",
        )
        with control_connection() as con:
            con.execute(
                "INSERT INTO refresh_runs (started_at, status, errors) VALUES (?, 'failed', ?)",
                ["2024-05-21T10:00:00", f"form.csv: {EMAIL} is listed twice"],
            )
    return folder


@pytest.fixture
def installed(community: Path, data_dir: Path) -> Path:
    shutil.copytree(community / "data", data_dir, dirs_exist_ok=True)
    return data_dir


def cli_json(*args: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(args)) == 0
    return json.loads(out.getvalue())


def numbers() -> list[dict]:
    """Every KPI of May, and the events' numbers, as the command line prints them."""
    return [cli_json("kpis", *MAY), cli_json("events")]


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def traces(needles: list[str] = HERS) -> list[tuple[str, str, str]]:
    """(table, column, what) wherever any needle (of hers, by default) is still in a text or list
    column of a table (views are made from tables)."""
    found = []
    with read_connection() as con:
        columns = con.execute(
            "select c.schema_name, c.table_name, list(c.column_name)"
            " from duckdb_columns() as c join duckdb_tables() as t"
            " on t.database_oid = c.database_oid and t.table_oid = c.table_oid"
            " where c.database_name = current_database()"
            " and (c.data_type = 'VARCHAR' or c.data_type like 'VARCHAR[]%')"
            " group by all"
        ).fetchall()
        for schema, table, names in columns:
            selected = ", ".join(f'lower("{name}"::varchar)' for name in names)
            for values in con.execute(f'select {selected} from "{schema}"."{table}"').fetchall():
                for name, value in zip(names, values, strict=True):
                    found += [
                        (f"{schema}.{table}", name, needle)
                        for needle in needles
                        if value is not None and needle.lower() in value
                    ]
    return sorted(set(found))


def files_holding_her(folder: Path) -> list[str]:
    needles = [n.lower().encode() for n in HERS]
    return [
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and any(n in path.read_bytes().lower() for n in needles)
    ]


def test_the_community_is_what_the_tests_expect(installed: Path) -> None:
    kpis, events = numbers()
    # May's active members: Аня (2 messages, ❤, her registration, her attendance), Борис in
    # Telegram (reply, 👍) and Борис at the meetup, Вера in Telegram and Вера on the form (no
    # e-mail ties their Telegram accounts to those: two members each); joining is not being
    # active, so Гоша, only invited, is not: 5
    assert kpis["kpis"]["active_members"] == 5
    assert kpis["kpis"]["messages"] == 4  # Аня 2, Борис 1 reply, Вера 1
    assert kpis["kpis"]["questions"] == 1 and kpis["kpis"]["first_response_median_minutes"] == 30
    [meetup] = events["events"]
    assert (meetup["registrations"], meetup["attendees"]) == (2, 2)  # Аня, Вера; Аня, Борис
    assert rows("select count(*) from core.identities where member_id = ?", [ANYA_ID]) == [(3,)]
    assert len({t for t, _c, _n in traces()}) > 5  # she is all over the warehouse now


def test_forgetting_keeps_every_number_and_removes_her_everywhere(installed: Path) -> None:
    before = numbers()
    member_count = rows("select count(*) from core.members")
    preview = forget_preview(ANYA_ID)
    assert {a.identity_id for a in preview.accounts} == {
        ANYA_ID,
        "gforms:" + EMAIL,
        "zoom:" + EMAIL,
    }
    # 2 joins (by the link, and Борис's invitation), 2 messages, ❤, the registration and the
    # attendance stay counted
    assert preview.activities == {
        "attendance": 1,
        "join": 2,
        "message": 2,
        "reaction": 1,
        "registration": 1,
    }
    assert (preview.roles, preview.feedback_items, preview.texts, preview.tags) == (1, 1, 2, 1)

    report = forget_member(ANYA_ID, make_account("admin"), reason="Аня asked by e-mail")

    assert numbers() == before
    assert rows("select count(*) from core.members") == member_count
    assert traces() == []
    assert files_holding_her(installed) == []  # the upload, dlt's packages, DuckDB's free blocks
    # her three accounts are one member, shown by a pseudonym, with her counts
    assert rows(
        "select display_name from core.members where member_id = ?", [report.pseudonym_id]
    ) == [(report.label,)]
    assert rows(
        "select count(*) from core.identities where member_id = ?", [report.pseudonym_id]
    ) == [(3,)]
    assert rows(
        "select role from core.member_roles where member_id = ?", [report.pseudonym_id]
    ) == [("greeter",)]
    assert rows("select contact from app.partners") == [(None,)]
    # the forgotten list holds keyed hashes only, not her ids nor their plain hashes
    hashes = {h for (h,) in rows("select identity_hash from privacy.forgotten_identities")}
    assert len(hashes) == 3
    assert hashlib.sha256(ANYA_ID.encode()).hexdigest() not in hashes
    assert privacy_key_path().stat().st_mode & 0o077 == 0
    # one audit line says it happened, without her name
    [(who, values)] = rows(
        "select changed_by, changed_values from app.audit_log where operation = 'forget'"
    )
    assert who == "admin"
    assert json.loads(values)["note"] == "forgot a member"
    assert json.loads(values)["reason"] == f"{report.label} asked by e-mail"
    assert "uploads/chat.json" in report.files_deleted
    assert report.files_cleaned == ["logs/refresh.log", "control.sqlite (refresh runs)"]
    assert (installed / "logs" / "refresh.log").read_text(encoding="utf-8") == (
        f"2024-05-21 10:00:01 WARNING form.csv: {report.label} <{report.label}> is listed twice\n"
    )
    assert report.accounts == 3


def test_loading_the_same_exports_again_does_not_bring_her_back(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = numbers()
    raw_counts = rows(
        "select (select count(*) from raw_telegram.reactors),"
        " (select count(*) from raw_zoom.participants),"
        " (select count(*) from raw_gforms.registrations)"
    )
    forget_member(ANYA_ID, "admin")

    load(tmp_path / "again")  # the same exports, written anew

    assert numbers() == before
    assert traces() == []
    assert files_holding_her(installed) == []
    # her re-loaded rows became the pseudonym's rows again: nothing counted twice
    assert (
        rows(
            "select (select count(*) from raw_telegram.reactors),"
            " (select count(*) from raw_zoom.participants),"
            " (select count(*) from raw_gforms.registrations)"
        )
        == raw_counts
    )

    # a backup restored elsewhere carries the key that recognises her: still forgotten there
    backup(tmp_path / "backup", "admin")
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "restored"))
    restore(tmp_path / "backup")
    load(tmp_path / "once more")
    assert numbers() == before
    assert traces() == []


def test_a_load_refuses_to_pass_quietly_when_the_privacy_key_is_lost(
    installed: Path, tmp_path: Path
) -> None:
    # someone was forgotten (a row in the keyed list), and then privacy.key was deleted
    with write_connection() as con:
        con.execute(
            "create schema privacy; create table privacy.forgotten_identities as select"
            " 'h' as identity_hash, 'telegram:user4611686018427387905' as pseudonym_id,"
            " 'user4611686018427387905' as pseudonym_key, 4611686018427387905 as pseudonym_number,"
            " 'Forgotten member 0a' as label, 'telegram:user4611686018427387905'"
            " as member_pseudonym, now()::timestamp as forgotten_at"
        )

    result = ingest_telegram_export(community_chat().write(tmp_path / "result.json"))

    assert result.failed and "privacy.key is missing" in result.messages[0]


@pytest.mark.parametrize("role", ["viewer", "manager"])
def test_only_an_admin_may_forget_someone(installed: Path, role: str) -> None:
    with pytest.raises(NotAllowed):
        forget_member(ANYA_ID, make_account(role))
    assert rows("select display_name from core.members where member_id = ?", [ANYA_ID]) == [(ANYA,)]
    assert not privacy_key_path().exists()


def test_the_command_line_forgets_without_asking_when_not_on_a_terminal(
    installed: Path, capsys: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["forget", "telegram:nobody"]) == 2
    assert "unknown member" in caplog.text

    assert main(["forget", ANYA_ID, "--reason", "request"]) == 0  # stdin is not a terminal
    printed = capsys.readouterr().out
    assert "forgot a member with 3 account(s)" in printed
    assert "Аня" not in printed and EMAIL not in printed

    # the pseudonym is a member now; forgetting it again has nothing to do
    [(pseudonym,)] = rows("select member_pseudonym from privacy.forgotten_identities group by all")
    assert main(["forget", pseudonym, "--yes"]) == 1
    assert "forgotten already" in caplog.text


def test_pseudonyms_keep_the_shape_of_the_ids_they_replace() -> None:
    label = "Forgotten member 0a1b2c3d"
    telegram, key, number = _new_pseudonym("telegram:user123456", label)
    assert telegram == f"telegram:{key}" and key == f"user{number}" and number >= 2**62
    assert _new_pseudonym("telegram:name:Аня", label)[0] == f"telegram:name:{label}"
    vk, _key, vk_number = _new_pseudonym("vk:-42", label)
    assert vk == f"vk:{vk_number}" and vk_number < 0
    zoom = _new_pseudonym("zoom:anya@mail.ru", label)[0]
    assert zoom.startswith("zoom:forgotten-") and "anya" not in zoom
    # random, not derived from the id: the same account gets another pseudonym each time
    assert _new_pseudonym("telegram:user123456", label) != (telegram, key, number)


DISCORD_EXPORT = Path(__file__).parent / "fixtures" / "discord" / "volunteers-general.json"
SLACK_EXPORT = SAMPLES / "slack_export" / "slack-export-viewer_testarchive.zip"


def test_people_in_discord_and_slack_are_forgotten_the_same_way() -> None:
    def load_both() -> None:
        for kind, path in (("discord-export", DISCORD_EXPORT), ("slack-export", SLACK_EXPORT)):
            result = ingest_file(kind, path)
            assert not result.failed, result.messages
        build()

    load_both()
    always = ("kpis", "--start", "2015-01-01", "--end", "2030-01-01")
    before = cli_json(*always)
    assert before["kpis"]["messages"] > 0
    # in Discord: anya_s (shown as "Аня (орг)"), her question, a thread she started and her 👋;
    # in Slack: doubledeez (Hermione Granger) and what she wrote
    texts = [
        text[:15]
        for (text,) in rows(
            "select text from raw_slack.messages where user_id = 'U0BMS113R' and length(text) >= 15"
        )
    ]
    theirs = ["anya_s", "401234567890123456", "Аня (орг)", "Кто идёт", "U0BMS113R"]
    theirs += ["doubledeez", "Hermione", "Granger", *texts]
    assert texts and len({t for t, _c, _n in traces(theirs)}) >= 4
    make_account("admin")

    for member in ("discord:401234567890123456", "slack:U0BMS113R"):
        forget_member(member, "admin")

    assert cli_json(*always) == before
    assert traces(theirs) == []
    load_both()  # the same exports again
    assert cli_json(*always) == before
    assert traces(theirs) == []


def empty_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Every source's raw tables (as its loader makes them) and the app's tables, empty."""
    from pipelines.sources import all_raw_tables
    from warehouse.app_tables import ensure_app_tables

    for qualified, schema in all_raw_tables().items():
        con.execute(f"create schema if not exists {qualified.split('.')[0]}")
        con.register("empty", schema.empty_table())
        con.execute(f"create table {qualified} as select * from empty")
        con.unregister("empty")
    ensure_app_tables(con)


def test_every_rewrite_fits_the_table_it_rewrites() -> None:
    """Each rewrite binds against the tables its source's loader makes."""
    from warehouse.privacy import APP_COLUMNS, RAW_COLUMNS, Pseudonym, _Scrubber

    with duckdb.connect() as con:
        empty_warehouse(con)
        scrubber = _Scrubber(con, b"key", {})
        key = "user4611686018427387905"
        pseudonym = Pseudonym(f"x:{key}", key, 2**62 + 5, "Forgotten member 0a", f"x:{key}")
        for spec in [*RAW_COLUMNS, *APP_COLUMNS]:
            assert (spec.schema, spec.name) in scrubber.existing, spec.table
            assert scrubber._matches(spec.schema, spec) == {}
            scrubber._apply(spec.schema, spec, "x:user1", pseudonym)  # nothing matches


# One person (Ivan, Telegram id 42, VK id 42, ivan@mail.ru) in the sources no other test here
# loads: the rows as the Telegram bot, VK, Timepad and CSV loaders write them.
IVAN_ROWS = {
    "raw_tgbot.senders": {"sender_key": "user42", "user_id": 42, "first_name": "Ivan"},
    "raw_tgbot.messages": {
        "chat_id": -1001,
        "message_id": 1,
        "chat_type": "supergroup",
        "sender_key": "user42",
        "text": "Ivan here, who comes?",
    },
    "raw_tgbot.reactions": {"bot": "b", "update_id": 1, "message_id": 1, "reactor_key": "user42"},
    "raw_tgbot.member_changes": {
        "bot": "b",
        "update_id": 2,
        "member_key": "user42",
        "actor_user_id": 42,
    },
    "raw_tgbot.updates": {"bot": "b", "update_id": 1, "update_json": '{"from": {"id": 42}}'},
    "raw_vk.profiles": {"profile_id": 42, "first_name": "Ivan", "screen_name": "ivan42"},
    "raw_vk.posts": {"owner_id": -7, "post_id": 1, "group_id": 7, "from_id": 42, "text": "Ivan"},
    "raw_vk.comments": {
        "owner_id": -7,
        "post_id": 1,
        "comment_id": 1,
        "from_id": 42,
        "reply_to_user": 42,
        "text": "Ivan?",
    },
    "raw_vk.post_likers": {"owner_id": -7, "post_id": 1, "liker_id": 42},
    "raw_vk.membership_changes": {"group_id": 7, "user_id": 42, "changed_unixtime": 1},
    "raw_timepad.orders": {"event_id": 1, "order_id": 1, "mail": "ivan@mail.ru"},
    "raw_timepad.tickets": {"event_id": 1, "order_id": 1, "ticket_id": 1, "first_name": "Ivan"},
    "raw_csv.identities": {
        "identity_id": "csv:ivan@mail.ru",
        "source_file": "list.csv",
        "email": "ivan@mail.ru",
        "display_name": "Ivan",
    },
    "raw_csv.activities": {"activity_id": "a1", "identity_id": "csv:ivan@mail.ru"},
    "raw_csv.content": {"content_id": "c1", "author_identity_id": "csv:ivan@mail.ru"},
}
IVAN = ["telegram:user42", "vk:42", "timepad:ivan@mail.ru", "csv:ivan@mail.ru"]


def test_rows_of_every_source_name_the_pseudonym_afterwards() -> None:
    from warehouse.privacy import RAW_COLUMNS, Pseudonym, _hash, _new_pseudonym, _Scrubber

    with duckdb.connect() as con:
        empty_warehouse(con)
        for table, values in IVAN_ROWS.items():
            names = ", ".join(values)
            marks = ", ".join("?" for unused in values)
            con.execute(f"insert into {table} ({names}) values ({marks})", list(values.values()))
        label = "Forgotten member 0a1b2c3d"
        plan = {}
        for original in IVAN:
            pseudonym_id, key, number = _new_pseudonym(original, label)
            plan[original] = Pseudonym(pseudonym_id, key, number, label, pseudonym_id)
        scrubber = _Scrubber(con, b"key", {_hash(b"key", o): p for o, p in plan.items()})
        schemas = sorted({table.split(".")[0] for table in IVAN_ROWS})

        scrubber.run(RAW_COLUMNS, schemas)

        pseudonyms = {p.identity_id for p in plan.values()}
        for spec in RAW_COLUMNS:
            if spec.table not in IVAN_ROWS:
                continue
            named = con.execute(
                f"select distinct {spec.identity.format(schema=spec.schema)}"
                f" from {spec.table} as {spec.name}"
            ).fetchall()
            assert {n for (n,) in named} <= pseudonyms | {None}, spec
        for table in IVAN_ROWS:
            for row in con.execute(f"select * from {table}").fetchall():
                assert "ivan" not in str(row).lower(), (table, row)
                assert not {42, "42", "user42"} & set(row), (table, row)
        # the bot's raw update that named him was emptied; his question mark stays
        assert con.execute("select update_json from raw_tgbot.updates").fetchall() == [(None,)]
        assert con.execute("select text from raw_tgbot.messages").fetchall() == [("?",)]


# --- the Administration page's part ----------------------------------------------------------


def forget_page(language: str = "en") -> AppTest:
    return admin_part("draw_forget_person", language)


def test_the_admin_page_shows_what_goes_and_forgets_after_two_confirmations(
    installed: Path,
) -> None:
    before = numbers()
    at = forget_page()
    at.text_input(key="admin_forget_query_0").input("Петрова").run()
    assert not at.exception
    assert at.selectbox(key="admin_forget_member_0").value == ANYA_ID
    shown = "\n".join(m.value for m in at.markdown)
    assert "Will be deleted" in shown and "Stays counted, under a pseudonym" in shown
    assert "Messages\\: 2" in shown and "Roles held\\: 1" in shown

    go = at.button(key="admin_forget_go_0")
    assert go.disabled
    at.checkbox(key="admin_forget_understood_0").check().run()
    assert at.button(key="admin_forget_go_0").disabled  # the name is not typed yet
    at.text_input(key="admin_forget_typed_0").input("Аня").run()
    assert at.button(key="admin_forget_go_0").disabled  # not the shown name
    at.text_input(key="admin_forget_typed_0").input(ANYA).run()
    at.button(key="admin_forget_go_0").click().run()

    assert not at.exception
    assert at.success[0].value.startswith("Done: their data is deleted.")
    assert any("mention them by first name only" in w.value for w in at.warning)
    assert at.text_input(key="admin_forget_query_1").value == ""  # a fresh, empty form
    assert numbers() == before
    assert traces() == []


@pytest.mark.parametrize(
    ("language", "title", "find"),
    [
        ("ru", "Удалить данные человека", "Найти участника"),
        ("uk", "Видалити дані людини", "Знайти учасника"),
    ],
)
def test_the_forget_part_speaks_russian_and_ukrainian(
    installed: Path, language: str, title: str, find: str
) -> None:
    at = forget_page(language)
    at.text_input(key="admin_forget_query_0").input("Петрова").run()
    assert not at.exception
    assert at.subheader[0].value == title
    assert at.text_input(key="admin_forget_query_0").label == find
    texts = [m.value for m in at.markdown] + [at.button(key="admin_forget_go_0").label]
    assert not any("Will be deleted" in t or "Delete this person" in t for t in texts)
