"""The Telegram Desktop export source, on the real sample and on exports the tests build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.ingest import build, ingest_telegram_export
from pipelines.telegram_export import ExportError, ParseReport, parse_export, plain_text
from tests.conftest import TELEGRAM_SAMPLE, ChatBuilder, user_id
from warehouse.connection import read_connection


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def count(table: str) -> int:
    return rows(f"select count(*) from {table}")[0][0]


def test_plain_text_joins_string_and_entity_pieces() -> None:
    assert plain_text("plain") == "plain"
    assert plain_text(["Сбор в ", {"type": "bold", "text": "субботу"}, "?"]) == "Сбор в субботу?"
    assert plain_text(None) == ""


def test_anonymised_sample_loads_with_warnings_and_nothing_collapsed() -> None:
    result = ingest_telegram_export(TELEGRAM_SAMPLE)
    build()
    messages_in_file = len(json.loads(TELEGRAM_SAMPLE.read_text())["messages"])
    assert result.status == "warning"
    assert any("repeat an id" in m for m in result.messages)
    assert any("date_unixtime" in m for m in result.messages)
    # every id is 69420 in the sample, yet every message is kept apart
    assert count("raw_telegram.messages") == messages_in_file
    assert rows("select count(distinct message_key) from raw_telegram.messages")[0][0] == (
        messages_in_file
    )
    # the zero unixtime falls back to `date`, not to 1970
    assert rows("select min(published_at) from core.content")[0][0].year == 2022


def test_rich_export_maps_every_quirk(tmp_path: Path, chat: ChatBuilder) -> None:
    chat.service("2024-01-01 09:00", "Аня", "create_group", title="Test", members=["Аня", "Борис"])
    chat.join("2024-01-02 10:00", "Вера")
    chat.service("2024-01-02 11:00", "Аня", "invite_members", members=["Гена"])
    question = chat.message(
        "2024-01-03 10:00",
        "Вера",
        ["Кто идёт на ", {"type": "bold", "text": "субботник"}, "?"],
        reactions=[("👍", "Аня", "2024-01-03 10:05"), ("❤", "Борис", "2024-01-03 10:07")],
        extra_reactions=2,
        edited="2024-01-03T13:30:00",
        edited_unixtime="1704277800",
    )
    chat.message("2024-01-03 10:20", "Борис", "Я иду", reply_to=question)
    chat.message("2024-01-03 11:00", "Гена", "", photo="(File not included.)")
    chat.message("2024-01-03 12:00", "Гена", "Смотрите", forwarded_from="Новости города")
    chat.leave("2024-01-04 09:00", "Вера")
    path = chat.write(tmp_path / "result.json")

    result = ingest_telegram_export(path)
    build()

    assert result.status == "ok", result.messages
    content = {
        r[0]: r[1:]
        for r in rows(
            "select text, is_question, reactions, replies, media_type, parent_content_id"
            " from core.content order by published_at"
        )
    }
    assert content["Кто идёт на субботник?"][:3] == (True, 6, 1)  # 4 + 2 named reactors, 1 reply
    assert content["Я иду"][4] == f"telegram:1001:{question}"
    assert content[""][3] == "photo"  # a media-only message is still content
    types = rows(
        "select i.display_name, a.activity_type, a.occurred_at from core.activities a"
        " join core.identities i using (member_id) order by a.occurred_at, i.display_name"
    )
    kinds = {(name, kind) for name, kind, _ in types}
    # create_group and invite_members name people by display name only: resolved to their ids
    assert {("Аня", "join"), ("Борис", "join"), ("Вера", "join"), ("Гена", "join")} <= kinds
    assert ("Вера", "leave") in kinds
    assert ("Борис", "reply") in kinds
    assert ("Вера", "message") in kinds
    member_ids = {r[0] for r in rows("select member_id from core.members")}
    assert f"telegram:{user_id('Гена')}" in member_ids  # matched by name, not a name-only ghost
    # reactor dates are local (UTC+3) in the export: read back as UTC
    reactions = {(n, str(t)) for n, k, t in types if k == "reaction"}
    assert reactions == {("Аня", "2024-01-03 10:05:00"), ("Борис", "2024-01-03 10:07:00")}
    edited = rows(
        "select edited_unixtime from raw_telegram.messages where message_id = ?", [question]
    )
    assert edited == [(1704277800,)]


def test_loading_twice_and_overlapping_reexport_add_no_duplicates(
    tmp_path: Path, chat: ChatBuilder
) -> None:
    first = chat.message(
        "2024-02-01 10:00", "Аня", "Привет", reactions=[("👍", "Борис", "2024-02-01 10:01")]
    )
    chat.message("2024-02-01 10:05", "Борис", "Привет!", reply_to=first)
    old = chat.write(tmp_path / "old.json")
    ingest_telegram_export(old)
    ingest_telegram_export(old)
    build()
    assert count("core.content") == 2
    assert count("core.activities") == 3

    # a newer export overlaps the old one: same messages, one more reactor, one new message
    chat.chat["messages"][0]["reactions"][0]["recent"].append(
        {"from": "Вера", "from_id": user_id("Вера"), "date": "2024-02-01T13:30:00"}
    )
    chat.chat["messages"][0]["reactions"][0]["count"] = 2
    chat.message("2024-02-02 09:00", "Вера", "Доброе утро")
    new = chat.write(tmp_path / "new.json")
    ingest_telegram_export(new)
    build()
    assert count("core.content") == 3
    assert rows("select reactions from core.content where text = 'Привет'") == [(2,)]
    assert count("core.activities") == 5  # 3 messages + 2 reactions


def test_whole_account_export_loads_groups_and_skips_personal_chats(tmp_path: Path) -> None:
    group = ChatBuilder("Волонтёры", chat_id=11)
    group.message("2024-03-01 10:00", "Аня", "Всем привет")
    channel = ChatBuilder("Новости", chat_id=12, kind="public_channel")
    channel.message("2024-03-01 12:00", "Новости", "Анонс", from_id="channel12")
    personal = ChatBuilder("Мама", chat_id=13, kind="personal_chat")
    personal.message("2024-03-01 13:00", "Мама", "Позвони")
    account = {
        "about": "Here is the data you requested.",
        "personal_information": {"first_name": "Аня"},
        "chats": {"about": "chats", "list": [group.chat, personal.chat, channel.chat]},
    }
    path = tmp_path / "account.json"
    path.write_text(json.dumps(account, ensure_ascii=False), encoding="utf-8")

    result = ingest_telegram_export(path)
    build()

    assert result.status == "warning" and "skipped 1 personal chats" in result.messages[0]
    assert rows("select channel_id, kind from core.channels order by 1") == [
        ("telegram:11", "chat"),
        ("telegram:12", "broadcast"),
    ]
    assert rows("select activity_type from core.activities order by occurred_at") == [
        ("message",),
        ("post",),
    ]
    assert rows("select is_team from core.members where member_id = 'telegram:channel12'") == [
        (True,)
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            '{"name": "x", "type": "private_group", "id": 5, "messages": [{"id": 1, "type": "mes',
            "truncated",
        ),
        ("[1, 2, 3]", "expected a JSON object"),
        ('{"hello": "world"}', "no `messages` or `chats`"),
        (
            '{"name": "x", "type": "private_group", "id": 5, "messages": [{"type": "message"}]}',
            "has no `id`",
        ),
        ("not json at all", "broken or truncated"),
    ],
)
def test_bad_files_are_rejected_by_name_and_load_nothing(
    tmp_path: Path, chat: ChatBuilder, content: str, reason: str
) -> None:
    chat.message("2024-01-01 10:00", "Аня", "kept")
    ingest_telegram_export(chat.write(tmp_path / "good.json"))
    build()
    bad = tmp_path / "bad_export.json"
    bad.write_text(content, encoding="utf-8")

    result = ingest_telegram_export(bad)

    assert result.failed
    assert "bad_export.json" in result.messages[0] and reason in result.messages[0]
    build()
    assert rows("select text from core.content") == [("kept",)]  # earlier data intact


def test_a_file_broken_after_many_batches_loads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipelines.telegram_export.BATCH_ROWS", 10)
    big = ChatBuilder()
    for i in range(100):
        big.message(f"2024-01-01 10:{i % 60:02d}", f"user{i}", f"m{i}")
    text = json.dumps(big.chat)
    path = tmp_path / "cut.json"
    path.write_text(text[: int(len(text) * 0.8)], encoding="utf-8")  # batches went to dlt already

    result = ingest_telegram_export(path)

    assert result.failed and "truncated" in result.messages[0]
    with read_connection() as con:
        tables = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw_telegram'"
            " and table_name = 'messages'"
        ).fetchone()[0]
        loaded = (
            con.execute("select count(*) from raw_telegram.messages").fetchone()[0] if tables else 0
        )
    assert loaded == 0
    # and the failed package does not block the next load
    good = ChatBuilder()
    good.message("2024-01-02 10:00", "Аня", "next")
    assert ingest_telegram_export(good.write(tmp_path / "next.json")).status == "ok"


def test_parse_reports_progress_to_the_end(tmp_path: Path, chat: ChatBuilder) -> None:
    for i in range(50):
        chat.message("2024-01-01 10:00", "Аня", f"m{i}")
    seen: list[float] = []
    report = ParseReport(tmp_path / "p.json")
    batches = list(parse_export(chat.write(tmp_path / "p.json"), report, progress=seen.append))
    assert seen and seen[-1] == pytest.approx(1.0)
    assert sum(t.num_rows for name, t in batches if name == "messages") == 50
    assert report.messages == 50


def test_missing_chat_id_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "noid.json"
    path.write_text('{"name": "x", "messages": [{"id": 1, "date": "2024-01-01T00:00:00"}]}')
    with pytest.raises(ExportError, match="noid.json: a chat has no numeric `id`"):
        list(parse_export(path))


def test_a_load_that_fails_midway_does_not_block_the_next_one(
    tmp_path: Path, chat: ChatBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dlt keeps a failed load package pending; the next load must neither stall on it nor load
    it twice."""
    import subprocess
    import sys
    import textwrap

    from tests.conftest import REPO_ROOT

    chat.message("2024-01-01 10:00", "Аня", "first")
    path = chat.write(tmp_path / "result.json")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
            import time
            from warehouse.connection import write_lock
            with write_lock():
                print("locked", flush=True)
                time.sleep(30)
        """),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr("warehouse.connection.WRITE_TIMEOUT_S", 0.3)
        blocked = ingest_telegram_export(path)  # parsed and normalised, but the load cannot start
    finally:
        holder.kill()
        holder.wait()
    assert blocked.failed and "busy" in blocked.messages[0]

    again = ingest_telegram_export(path)
    build()

    assert again.status == "ok", again.messages
    assert rows("select text from core.content") == [("first",)]
