"""The Slack workspace export source, on the real sample zip and on zips the tests build."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipelines import discord_export, slack_export, sources
from pipelines.ingest import IngestResult, build, ingest_file
from pipelines.slack_export import ParseReport, parse_export, ts_to_us
from tests.conftest import SAMPLES
from warehouse.connection import read_connection

SLACK_SAMPLE = SAMPLES / "slack_export" / "slack-export-viewer_testarchive.zip"
ORIGINAL_FILE_SOURCES = sources.file_sources

CONTRACT = {
    "channels": "channel_id VARCHAR, platform VARCHAR, external_id VARCHAR, name VARCHAR, "
    "kind VARCHAR, url VARCHAR",
    "identities": "identity_id VARCHAR, platform VARCHAR, external_user_id VARCHAR, "
    "handle VARCHAR, display_name VARCHAR, email VARCHAR, phone VARCHAR, is_team BOOLEAN, "
    "is_bot BOOLEAN",
    "activities": "activity_id VARCHAR, identity_id VARCHAR, channel_id VARCHAR, "
    "activity_type VARCHAR, occurred_at TIMESTAMP, content_id VARCHAR, "
    "parent_content_id VARCHAR",
    "content": "content_id VARCHAR, channel_id VARCHAR, author_identity_id VARCHAR, "
    "published_at TIMESTAMP, parent_content_id VARCHAR, text VARCHAR, media_type VARCHAR, "
    "views BIGINT, reactions BIGINT, replies BIGINT, shares BIGINT",
}
KEYS = {
    "channels": "channel_id",
    "identities": "identity_id",
    "activities": "activity_id",
    "content": "content_id",
}


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both new file sources as if listed in pipelines.sources: every staging model must bind, so
    the Discord source's raw tables must exist too (ingest imported the function by name)."""
    added = {spec.kind: spec for spec in (discord_export.SPEC, slack_export.SPEC)}

    def with_new_sources() -> dict[str, sources.FileSource]:
        return {**ORIGINAL_FILE_SOURCES(), **added}

    monkeypatch.setattr("pipelines.sources.file_sources", with_new_sources)
    monkeypatch.setattr("pipelines.ingest.file_sources", with_new_sources, raising=False)


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def count(table: str) -> int:
    return rows(f"select count(*) from {table}")[0][0]


def ingest(path: Path) -> IngestResult:
    return ingest_file("slack-export", path)


def assert_staging_contract(source: str) -> None:
    """Column names, order and types as core expects them; one row per key; no orphans."""
    for entity, expected in CONTRACT.items():
        view = f"staging.stg_{source}__{entity}"
        with read_connection() as con:
            described = con.execute(f"describe {view}").fetchall()
        assert ", ".join(f"{name} {kind}" for name, kind, *_ in described) == expected, view
        key = KEYS[entity]
        assert rows(f"select {key}, count(*) from {view} group by 1 having count(*) > 1") == []
        assert rows(f"select count(*) from {view} where {key} is null") == [(0,)]
    orphans = rows(
        f"select a.identity_id from staging.stg_{source}__activities a"
        f" anti join staging.stg_{source}__identities i using (identity_id)"
    )
    assert orphans == []


class SlackExport:
    """Builds a Slack workspace export zip: users.json, channel lists, one folder per channel of
    YYYY-MM-DD.json day files. Times are given in UTC."""

    def __init__(self) -> None:
        self.users: list[dict[str, Any]] = []
        self.lists: dict[str, list[dict[str, Any]]] = {"channels.json": []}
        self.days: dict[str, list[dict[str, Any]]] = {}  # "folder/YYYY-MM-DD.json" → messages
        self.by_ts: dict[str, dict[str, Any]] = {}
        self.extra_files: dict[str, bytes] = {}
        self.sequence = 0

    def user(
        self,
        name: str,
        *,
        email: str = "",
        phone: str = "",
        admin: bool = False,
        bot: bool = False,
        user_id: str | None = None,
    ) -> str:
        uid = user_id or f"U{len(self.users) + 1:08d}"
        self.users.append(
            {
                "id": uid,
                "team_id": "T0000001",
                "name": name.lower(),
                "deleted": False,
                "real_name": name,
                "tz": "Europe/Moscow",
                "profile": {
                    "real_name": name,
                    "display_name": "" if bot else name,
                    "email": email,
                    "phone": phone,
                    "title": "",
                },
                "is_admin": admin,
                "is_owner": False,
                "is_bot": bot,
                "is_app_user": False,
            }
        )
        return uid

    def channel(self, name: str, *, listed_in: str = "channels.json") -> str:
        prefix = {"channels.json": "C", "groups.json": "G", "dms.json": "D", "mpims.json": "G"}
        cid = f"{prefix[listed_in]}{sum(len(v) for v in self.lists.values()) + 1:08d}"
        entry: dict[str, Any] = {"id": cid, "created": "1704067200", "members": []}
        if listed_in != "dms.json":
            entry |= {
                "name": name,
                "creator": "U00000001",
                "is_archived": False,
                "topic": {"value": f"о {name}", "creator": "", "last_set": "0"},
                "purpose": {"value": "", "creator": "", "last_set": "0"},
            }
        self.lists.setdefault(listed_in, []).append(entry)
        return cid

    def message(
        self,
        folder: str,
        at: str,
        user: str | None,
        text: str = "hello",
        *,
        thread: str | None = None,
        reactions: list[tuple[str, list[str], int]] | None = None,
        **fields: Any,
    ) -> str:
        """Add a message to a channel folder; thread = the root's ts. Returns its ts."""
        self.sequence += 1
        moment = datetime.fromisoformat(at).replace(tzinfo=UTC)
        ts = f"{int(moment.timestamp())}.{self.sequence:06d}"
        message: dict[str, Any] = {"type": "message", "text": text, "ts": ts}
        if user is not None:
            message["user"] = user
        if thread is not None:
            root = self.by_ts[thread]
            root["thread_ts"] = thread
            root["reply_count"] = root.get("reply_count", 0) + 1
            message["thread_ts"] = thread
            message["parent_user_id"] = root.get("user")
        if reactions:
            message["reactions"] = [
                {"name": name, "users": users, "count": total} for name, users, total in reactions
            ]
        message.update(fields)
        self.days.setdefault(f"{folder}/{at[:10]}.json", []).append(message)
        self.by_ts[ts] = message
        return ts

    def write(self, path: Path, *, root: str = "", stored: bool = False) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        with zipfile.ZipFile(path, "w", method) as z:
            z.writestr(f"{root}users.json", json.dumps(self.users, ensure_ascii=False))
            for name, items in self.lists.items():
                z.writestr(f"{root}{name}", json.dumps(items, ensure_ascii=False))
            for name, messages in sorted(self.days.items()):
                z.writestr(f"{root}{name}", json.dumps(messages, ensure_ascii=False, indent=1))
            for name, data in self.extra_files.items():
                z.writestr(name, data)
        return path


def test_ts_to_us_keeps_every_digit() -> None:
    assert ts_to_us("1452837318.000002") == 1452837318000002
    assert ts_to_us("1452837318") == 1452837318000000
    with pytest.raises(ValueError, match="not a Slack timestamp"):
        ts_to_us("yesterday")


def test_real_sample_loads_with_bots_joins_and_reactions() -> None:
    with zipfile.ZipFile(SLACK_SAMPLE) as z:
        days = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".json")]
        in_zip = sum(len(json.loads(z.read(n))) for n in days)

    result = ingest(SLACK_SAMPLE)
    build()

    assert result.status == "ok", result.messages
    assert result.messages == [
        "slack-export-viewer_testarchive.zip: 158 messages in 2 channels and 4 users loaded."
    ]
    assert count("raw_slack.messages") == in_zip == 158
    assert_staging_contract("slack")
    assert rows("select channel_id, name, kind from staging.stg_slack__channels order by 1") == [
        ("slack:C0JGLMMNX", "enrique", "chat"),
        ("slack:C0JL6CGQ2", "traveling-sailor", "chat"),
    ]
    assert dict(
        rows("select activity_type, count(*) from staging.stg_slack__activities group by 1")
    ) == {"message": 147, "join": 8, "reaction": 1}  # bot_add notices are neither
    # the one reaction: U0BMYT2FL's :botman: on a GitHub bot post, dated at the post
    assert rows(
        "select identity_id, occurred_at::varchar, parent_content_id"
        " from staging.stg_slack__activities where activity_type = 'reaction'"
    ) == [
        (
            "slack:U0BMYT2FL",
            "2016-03-28 08:33:34.000018",
            "slack:C0JGLMMNX:1459154014.000018",
        )
    ]
    identities = {
        r[0]: r[1:]
        for r in rows(
            "select identity_id, display_name, phone, is_team, is_bot"
            " from staging.stg_slack__identities"
        )
    }
    assert identities["slack:U0BMS113R"] == ("doubledeez", "6043544534", False, False)
    assert identities["slack:U0BMQB6JE"][2:] == (True, False)  # the workspace's primary owner
    bots = {k for k, v in identities.items() if v[3]}
    assert bots == {"slack:B0JL6RASU", "slack:B0JL6UFSL", "slack:B0VJZKVHC"}  # integrations
    assert rows(
        "select count(*) from staging.stg_slack__content where author_identity_id = any(?)",
        [sorted(bots)],
    ) == [(94,)]


def rich_export() -> tuple[SlackExport, dict[str, str]]:
    """One of everything the source maps; returns the builder and the ids of interest."""
    export = SlackExport()
    anya = export.user("Аня", email="Anya@Example.org", phone="+7 (912) 000-11-22", admin=True)
    boris = export.user("Борис", email="boris@example.org")
    vera = export.user("Вера")
    pulse_bot = export.user("pulse-bot", bot=True)
    slackbot = export.user("Slackbot", user_id="USLACKBOT")
    export.channel("general")
    export.channel("orgs", listed_in="groups.json")
    dm = export.channel("", listed_in="dms.json")
    export.channel("mpdm-anya--boris-1", listed_in="mpims.json")

    export.message("general", "2024-01-02 09:00", vera, "<@V> has joined", subtype="channel_join")
    question = export.message(
        "general",
        "2024-01-02 10:00",
        anya,
        "Кто идёт на субботник?",
        reactions=[("+1", [boris, vera], 3)],
        files=[{"id": "F1", "name": "poster.png", "mimetype": "image/png"}],
        edited={"user": anya, "ts": "1704193200.000000"},
    )
    export.message("general", "2024-01-02 10:20", boris, "Я иду", thread=question)
    export.message(
        "general", "2024-01-02 10:25", vera, "И я", thread=question, subtype="thread_broadcast"
    )
    export.by_ts[question]["reply_count"] = 5  # three more replies fell outside the export
    export.message(
        "general", "2024-01-02 11:00", pulse_bot, "Напоминание", subtype="bot_message", bot_id="B1"
    )
    export.message(
        "general",
        "2024-01-02 11:05",
        None,
        "Build passed",
        subtype="bot_message",
        bot_id="B0WEBHOOK",
        username="Travis CI",
    )
    export.message("general", "2024-01-02 11:10", slackbot, "Не забудьте анкету")
    export.message("general", "2024-01-02 12:00", anya, "set the topic", subtype="channel_topic")
    export.message("general", "2024-01-03 09:00", vera, "<@V> has left", subtype="channel_leave")
    export.message("orgs", "2024-01-02 13:00", anya, "План на неделю")
    export.message(dm, "2024-01-02 14:00", boris, "личное")
    export.message("mpdm-anya--boris-1", "2024-01-02 14:00", boris, "тоже личное")
    return export, {"anya": anya, "boris": boris, "vera": vera, "question": question}


def test_rich_export_maps_every_quirk(tmp_path: Path) -> None:
    export, ids = rich_export()
    result = ingest(export.write(tmp_path / "Volunteers Slack export Jan 1 2024.zip"))
    build()

    assert result.status == "warning"
    assert result.messages == [
        "Volunteers Slack export Jan 1 2024.zip: skipped 2 direct-message conversations "
        "(private, not community data)."
    ]
    assert_staging_contract("slack")
    assert rows("select name from staging.stg_slack__channels order by 1") == [
        ("general",),
        ("orgs",),
    ]  # the private channel from groups.json loads; DMs do not
    assert rows("select is_private from raw_slack.channels order by name") == [(False,), (True,)]
    question_id = f"slack:C00000001:{ids['question']}"
    content = {
        r[0]: r[1:]
        for r in rows(
            "select text, published_at::varchar, parent_content_id, media_type, reactions, replies"
            " from staging.stg_slack__content"
        )
    }
    assert set(content) == {
        "Кто идёт на субботник?",
        "Я иду",
        "И я",
        "Напоминание",
        "Build passed",
        "Не забудьте анкету",
        "План на неделю",
    }  # joins, leaves and the topic change are not content; DMs are not loaded
    # 2 listed reactors of 3; reply_count 5 beats the 2 replies in the export
    assert content["Кто идёт на субботник?"] == ("2024-01-02 10:00:00.000002", None, "photo", 3, 5)
    assert content["Я иду"][1] == question_id and content["И я"][1] == question_id

    activities = rows(
        "select i.display_name, a.activity_type, date_trunc('second', a.occurred_at)::varchar,"
        " a.parent_content_id"
        " from staging.stg_slack__activities a"
        " join staging.stg_slack__identities i using (identity_id)"
        " order by a.occurred_at, a.activity_type, i.display_name"
    )
    assert activities == [
        ("Вера", "join", "2024-01-02 09:00:00", None),
        ("Аня", "message", "2024-01-02 10:00:00", None),
        ("Борис", "reaction", "2024-01-02 10:00:00", question_id),  # no reaction time exported
        ("Вера", "reaction", "2024-01-02 10:00:00", question_id),
        ("Борис", "reply", "2024-01-02 10:20:00", question_id),
        ("Вера", "reply", "2024-01-02 10:25:00", question_id),
        ("pulse-bot", "message", "2024-01-02 11:00:00", None),
        ("Travis CI", "message", "2024-01-02 11:05:00", None),
        ("Slackbot", "message", "2024-01-02 11:10:00", None),
        ("Аня", "message", "2024-01-02 13:00:00", None),
        ("Вера", "leave", "2024-01-03 09:00:00", None),
    ]
    identities = {
        r[0]: r[1:]
        for r in rows(
            "select display_name, handle, email, phone, is_team, is_bot"
            " from staging.stg_slack__identities"
        )
    }
    assert identities["Аня"] == ("аня", "Anya@Example.org", "+7 (912) 000-11-22", True, False)
    assert identities["Борис"] == ("борис", "boris@example.org", None, False, False)
    assert identities["pulse-bot"][-1] and identities["Slackbot"][-1]
    assert identities["Travis CI"] == (None, None, None, False, True)  # a webhook: bot_id only
    assert rows("select edited_ts from raw_slack.messages where ts = ?", [ids["question"]]) == [
        ("1704193200.000000",)
    ]


def test_export_zipped_inside_a_folder_loads_the_same(tmp_path: Path) -> None:
    export, _ = rich_export()
    export.extra_files["__MACOSX/export/._users.json"] = b"\x00\x05\x16\x07"
    result = ingest(export.write(tmp_path / "rezipped.zip", root="Volunteers Slack export/"))
    build()

    assert result.status == "warning" and "skipped 2 direct-message" in result.messages[0]
    assert count("staging.stg_slack__content") == 7
    assert count("staging.stg_slack__activities") == 11


def test_unknown_folders_and_stray_files_are_skipped_with_warnings(tmp_path: Path) -> None:
    export = SlackExport()
    anya = export.user("Аня")
    export.channel("general")
    export.message("general", "2024-01-02 10:00", anya, "Привет")
    export.message("renamed-later", "2024-01-02 10:00", anya, "потерянный канал")
    export.extra_files["general/attachments/notes.txt"] = b"hi"

    result = ingest(export.write(tmp_path / "odd.zip"))
    build()

    assert result.status == "warning"
    assert "skipped 1 folders that no channel list names (renamed-later)" in result.messages[0]
    assert "ignored 1 files" in result.messages[1]
    assert rows("select text from staging.stg_slack__content") == [("Привет",)]


def test_loading_twice_and_overlapping_reexport_add_no_duplicates(tmp_path: Path) -> None:
    export = SlackExport()
    anya, boris, vera = export.user("Аня"), export.user("Борис"), export.user("Вера")
    export.channel("general")
    first = export.message(
        "general", "2024-02-01 10:00", anya, "Привет", reactions=[("wave", [boris], 1)]
    )
    export.message("general", "2024-02-01 10:05", boris, "Привет!", thread=first)
    old = export.write(tmp_path / "old.zip")
    ingest(old)
    ingest(old)
    build()
    assert count("staging.stg_slack__content") == 2
    assert count("staging.stg_slack__activities") == 3
    assert count("staging.stg_slack__identities") == 3

    # a newer export overlaps the old one: same messages, one more reactor, one new message
    export.by_ts[first]["reactions"][0] |= {"users": [boris, vera], "count": 2}
    export.message("general", "2024-02-02 09:00", vera, "Доброе утро")
    ingest(export.write(tmp_path / "new.zip"))
    build()
    assert count("staging.stg_slack__content") == 3
    assert rows("select reactions from staging.stg_slack__content where text = 'Привет'") == [(2,)]
    assert count("staging.stg_slack__activities") == 5  # 3 messages + 2 reactions
    assert count("raw_slack.users") == 3 and count("raw_slack.channels") == 1


def _good_export() -> SlackExport:
    export = SlackExport()
    anya = export.user("Аня")
    export.channel("general")
    export.message("general", "2024-01-01 10:00", anya, "ok")
    return export


def _zip_of(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buffer.getvalue()


def _good_members() -> dict[str, str]:
    export = _good_export()
    members = {
        "users.json": json.dumps(export.users),
        "channels.json": json.dumps(export.lists["channels.json"]),
    }
    return members | {name: json.dumps(day) for name, day in export.days.items()}


def _without(name: str) -> bytes:
    members = _good_members()
    del members[name]
    return _zip_of(members)


def _with_day(text: str) -> bytes:
    return _zip_of(_good_members() | {"general/2024-01-01.json": text})


def _truncated() -> bytes:
    data = _with_day(json.dumps([{"type": "message", "ts": "1704067200.000001", "text": "x"}]))
    return data[: len(data) * 2 // 3]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not a zip at all", "not a zip file"),
        (_truncated(), "not a zip file"),
        (_without("users.json"), "no users.json in the zip"),
        (_without("channels.json"), "no channels.json in the zip"),
        (
            _zip_of({"users.json": '{"ok": true}', "channels.json": "[]"}),
            "users.json: expected an array of objects with an `id`",
        ),
        (
            _zip_of({"users.json": "[]", "channels.json": '[{"id": "C1", "name": "x"'}),
            "channels.json: broken or truncated JSON",
        ),
        (_with_day('[{"type": "message", "ts": "17040'), "general/2024-01-01.json: broken"),
        (_with_day('{"messages": []}'), "general/2024-01-01.json: expected an array of messages"),
        (
            _with_day('[{"type": "message", "text": "no ts"}]'),
            "general/2024-01-01.json: message #1: unexpected structure (no `ts`)",
        ),
        (
            _with_day('[{"type": "message", "ts": "noon"}]'),
            "general/2024-01-01.json: message #1: unexpected structure",
        ),
        (
            _with_day('[{"type": "message", "ts": "1704067200.000001", "reactions": ["+1"]}]'),
            "general/2024-01-01.json: message #1: unexpected structure",
        ),
    ],
)
def test_bad_files_are_rejected_by_name_and_load_nothing(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    ingest(_good_export().write(tmp_path / "good.zip"))
    bad = tmp_path / "bad_export.zip"
    bad.write_bytes(content)

    result = ingest(bad)

    assert result.failed
    assert result.messages[0].startswith("bad_export.zip: ") and reason in result.messages[0]
    build()
    assert rows("select text from staging.stg_slack__content") == [("ok",)]


def test_a_damaged_member_is_rejected(tmp_path: Path) -> None:
    path = _good_export().write(tmp_path / "damaged.zip", stored=True)
    data = path.read_bytes()
    at = data.index(b'"ok"')  # inside the stored day file: its CRC no longer matches
    path.write_bytes(data[:at] + b'"OK"' + data[at + 4 :])

    result = ingest(path)

    assert result.failed
    assert "damaged.zip: general/2024-01-01.json: damaged in the zip" in result.messages[0]


def test_an_export_broken_after_many_batches_loads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_export, "BATCH_ROWS", 10)
    export = SlackExport()
    users = [export.user(f"user{i}") for i in range(10)]
    export.channel("general")
    export.channel("zzz")
    for i in range(100):
        export.message("general", f"2024-01-{1 + i // 10:02d} 10:00", users[i % 10], f"m{i}")
    path = export.write(tmp_path / "late_break.zip")
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("zzz/2024-01-01.json", "[{")  # read last, after batches went to dlt

    result = ingest(path)
    build()

    assert result.failed and "zzz/2024-01-01.json: broken" in result.messages[0]
    assert count("raw_slack.messages") == 0 and count("raw_slack.users") == 0
    assert ingest(_good_export().write(tmp_path / "next.zip")).status == "ok"


def test_repeated_ts_reactions_and_reactors_load_once(tmp_path: Path) -> None:
    export = SlackExport()
    anya, boris = export.user("Аня"), export.user("Борис")
    export.user("Аня again", user_id=anya)
    export.channel("general")
    ts = export.message(
        "general", "2024-01-01 10:00", anya, "once", reactions=[("+1", [boris, boris], 2)]
    )
    export.by_ts[ts]["reactions"].append({"name": "+1", "users": [anya], "count": 1})
    export.days["general/2024-01-01.json"].append(dict(export.by_ts[ts]))
    path = export.write(tmp_path / "twice.zip")
    report = ParseReport(path)

    batches = dict(parse_export(path, report))

    # rows handed to dlt must be unique on their primary key
    assert batches["users"].column("name").to_pylist() == ["аня", "борис"]
    assert batches["messages"].num_rows == 1
    assert batches["reactions"].column("count").to_pylist() == [2]
    assert batches["reactors"].column("user_id").to_pylist() == [boris]
    assert "repeat the `ts`" in report.warnings[0]


def test_parse_reports_progress_and_counts(tmp_path: Path) -> None:
    export = SlackExport()
    anya, boris = export.user("Аня"), export.user("Борис")
    export.channel("general")
    for i in range(40):
        export.message(
            "general",
            f"2024-01-{1 + i // 4:02d} 10:00",
            anya,
            f"m{i}",
            reactions=[("+1", [boris], 1)],
        )
    path = export.write(tmp_path / "p.zip")
    seen: list[float] = []
    report = ParseReport(path)

    batches = list(parse_export(path, report, progress=seen.append))

    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and len(seen) > 10
    assert {name: t.num_rows for name, t in batches} == {
        "users": 2,
        "channels": 1,
        "messages": 40,
        "reactions": 40,
        "reactors": 40,
    }
    assert (report.messages, report.warnings) == (40, [])
