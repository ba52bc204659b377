"""The DiscordChatExporter JSON source, on exports the tests build from the exporter's format.

No real export may be shared, so `DiscordExport` writes files the way DiscordChatExporter's
JsonMessageWriter does: snowflake ids as strings, times with the exporting computer's UTC offset
(+03:00 here, so the tests prove the conversion to UTC), author and reactor user objects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines import discord_export, slack_export, sources
from pipelines.discord_export import ExportError, ParseReport, epoch_us, parse_export
from pipelines.ingest import IngestResult, build, ingest_file
from warehouse.connection import read_connection

ORIGINAL_FILE_SOURCES = sources.file_sources
FIXTURE = Path(__file__).parent / "fixtures" / "discord" / "volunteers-general.json"

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
    the Slack source's raw tables must exist too (ingest imported the function by name)."""
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
    return ingest_file("discord-export", path)


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


def snowflake(name: str) -> str:
    """A stable, snowflake-sized id for a test user or emoji name."""
    return str(10**17 + sum(ord(c) * 131**i for i, c in enumerate(name)) % 10**17)


def user(name: str, *, nickname: str | None = None, bot: bool = False) -> dict[str, Any]:
    return {
        "id": snowflake(name),
        "name": name.lower(),
        "discriminator": "0000",
        "nickname": nickname or name,
        "color": None,
        "isBot": bot,
        "roles": [{"id": "900", "name": "Участник", "color": None, "position": 1}],
        "avatarUrl": "https://cdn.discordapp.com/embed/avatars/0.png",
    }


class DiscordExport:
    """Builds one DiscordChatExporter JSON export; times are given in UTC, written at +03:00."""

    def __init__(
        self,
        channel_id: str = "800000000000000001",
        name: str = "общий",
        kind: str = "GuildTextChat",
        category: str | None = "Текстовые каналы",
        guild_id: str = "700000000000000001",
    ) -> None:
        self.export: dict[str, Any] = {
            "guild": {"id": guild_id, "name": "Волонтёры", "iconUrl": "icon.png"},
            "channel": {
                "id": channel_id,
                "type": kind,
                "categoryId": "600000000000000001",
                "category": category,
                "name": name,
                "topic": None,
            },
            "dateRange": {"after": None, "before": None},
            "exportedAt": "2024-03-01T12:00:00.0000000+03:00",
            "messages": [],
        }
        self.next_id = 1_100_000_000_000_000_000

    @staticmethod
    def stamp(at: str) -> str:
        """'2024-01-02 10:00' (UTC) as the exporter writes it on a UTC+3 computer."""
        hours, minutes = int(at[11:13]) + 3, at[14:16]
        day = int(at[8:10]) + hours // 24
        return f"{at[:8]}{day:02d}T{hours % 24:02d}:{minutes}:00.123+03:00"

    def message(
        self,
        at: str,
        author: dict[str, Any],
        content: str = "hello",
        *,
        kind: str = "Default",
        reference: str | None = None,
        reference_type: str | None = None,
        reactions: list[tuple[str, list[dict[str, Any]], int]] | None = None,
        **fields: Any,
    ) -> str:
        """Add a message; reactions: (emoji name, reactor users, count). Returns its id."""
        self.next_id += 1
        message_id = str(self.next_id)
        message: dict[str, Any] = {
            "id": message_id,
            "type": kind,
            "timestamp": self.stamp(at),
            "timestampEdited": None,
            "callEndedTimestamp": None,
            "isPinned": False,
            "content": content,
            "author": author,
            "attachments": [],
            "embeds": [],
            "stickers": [],
            "reactions": [
                {
                    "emoji": {
                        "id": snowflake(emoji) if emoji.startswith(":") else "",
                        "name": emoji,
                        "code": emoji,
                        "isAnimated": False,
                        "imageUrl": "emoji.svg",
                    },
                    "count": total,
                    "users": [{k: v for k, v in u.items() if k != "roles"} for u in users],
                }
                for emoji, users, total in reactions or []
            ],
            "mentions": [],
            "inlineEmojis": [],
        }
        if reference is not None:
            message["reference"] = {
                "messageId": reference,
                "channelId": self.export["channel"]["id"],
                "guildId": self.export["guild"]["id"],
            }
            if reference_type is not None:
                message["reference"]["type"] = reference_type
        message.update(fields)
        self.export["messages"].append(message)
        return message_id

    def write(self, path: Path) -> Path:
        self.export["messageCount"] = len(self.export["messages"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.export, ensure_ascii=False, indent=2), encoding="utf-8")
        return path


ANYA, BORIS, VERA, BOT = user("Аня"), user("Борис", nickname="Боря"), user("Вера"), user("MEE6")
BOT["isBot"] = True


def test_epoch_us_converts_offsets_to_utc() -> None:
    assert epoch_us("2024-01-01T03:00:00.123+03:00") == 1704067200123000
    assert epoch_us("2024-01-01T00:00:00Z") == 1704067200000000
    # .NET writes up to seven fraction digits; a time with no offset is UTC (--utc)
    assert epoch_us("2024-01-01T00:00:00.1234567") == 1704067200123456


def test_rich_export_maps_every_message_kind(tmp_path: Path) -> None:
    export = DiscordExport()
    export.message("2024-01-02 09:00", VERA, "", kind="GuildMemberJoin")
    question = export.message(
        "2024-01-02 10:00",
        ANYA,
        "Кто идёт на субботник?",
        reactions=[("👍", [BORIS, VERA], 2), (":party:", [BORIS], 1)],
        timestampEdited=DiscordExport.stamp("2024-01-02 10:30"),
    )
    answer = export.message(
        "2024-01-02 10:20",
        BORIS,
        "Я иду",
        kind="Reply",
        reference=question,
        reference_type="Default",
    )
    # an older exporter writes replies as Default messages with a reference
    export.message("2024-01-02 10:25", VERA, "И я", reference=answer)
    export.message(
        "2024-01-02 10:40", VERA, "Пересылаю", reference=question, reference_type="Forward"
    )
    export.message(
        "2024-01-02 11:00",
        ANYA,
        "",
        attachments=[{"id": "1", "url": "a.jpg", "fileName": "IMG_01.JPG", "fileSizeBytes": 9}],
    )
    export.message("2024-01-02 11:30", BOT, "GG Аня, you just advanced to level 2!")
    export.message("2024-01-02 12:00", ANYA, "Субботник", kind="ThreadCreated")
    export.message("2024-01-02 12:05", ANYA, "Аня pinned a message.", kind="ChannelPinnedMessage")
    path = export.write(tmp_path / "Волонтёры - общий [800000000000000001].json")

    result = ingest(path)
    build()

    assert result.status == "ok", result.messages
    assert_staging_contract("discord")
    channel = "discord:800000000000000001"
    assert rows("select * from staging.stg_discord__channels") == [
        (
            channel,
            "discord",
            "800000000000000001",
            "общий",
            "chat",
            "https://discord.com/channels/700000000000000001/800000000000000001",
        )
    ]
    question_id, answer_id = f"{channel}:{question}", f"{channel}:{answer}"
    content = {
        r[0]: r[1:]
        for r in rows(
            "select text, published_at::varchar, parent_content_id, media_type, reactions, replies"
            " from staging.stg_discord__content"
        )
    }
    # two replies: the Reply, and the Default with a reference is a reply to the Reply
    assert content["Кто идёт на субботник?"] == ("2024-01-02 10:00:00.123", None, None, 3, 1)
    assert content["Я иду"][1] == question_id and content["И я"][1] == answer_id
    assert content["Пересылаю"][1] is None  # a forward is not a reply
    assert content[""][2] == "photo"
    assert set(content) == {
        "Кто идёт на субботник?",
        "Я иду",
        "И я",
        "Пересылаю",
        "",
        "GG Аня, you just advanced to level 2!",
    }  # ThreadCreated and pin notices are not content

    activities = rows(
        "select i.display_name, a.activity_type, a.occurred_at::varchar, a.parent_content_id"
        " from staging.stg_discord__activities a"
        " join staging.stg_discord__identities i using (identity_id)"
        " order by a.occurred_at, i.display_name, a.activity_type"
    )
    assert ("Вера", "join", "2024-01-02 09:00:00.123", None) in activities
    assert ("Боря", "reply", "2024-01-02 10:20:00.123", question_id) in activities
    assert ("Вера", "reply", "2024-01-02 10:25:00.123", answer_id) in activities
    assert ("Вера", "message", "2024-01-02 10:40:00.123", None) in activities
    # one reaction per listed reactor and emoji, dated at the message
    reactions = [a for a in activities if a[1] == "reaction"]
    assert reactions == [
        ("Боря", "reaction", "2024-01-02 10:00:00.123", question_id),
        ("Боря", "reaction", "2024-01-02 10:00:00.123", question_id),
        ("Вера", "reaction", "2024-01-02 10:00:00.123", question_id),
    ]
    assert len(activities) == 10  # a join, 6 written (the bot's too), 3 reactions
    identities = rows(
        "select identity_id, handle, display_name, is_bot, is_team"
        " from staging.stg_discord__identities order by handle"
    )
    assert (f"discord:{BORIS['id']}", "борис", "Боря", False, False) in identities
    assert (f"discord:{BOT['id']}", "mee6", "MEE6", True, False) in identities
    assert len(identities) == 4
    assert rows("select edited_us from raw_discord.messages where message_id = ?", [question]) == [
        (epoch_us("2024-01-02T10:30:00.123Z"),)
    ]


def test_fixture_written_like_the_exporter_loads() -> None:
    """A hand-written file in DiscordChatExporter's exact layout (embeds, mentions, interaction,
    forwardedMessage, 1–7 fraction digits), so the builder above cannot hide a format quirk."""
    result = ingest(FIXTURE)
    build()

    assert result.status == "ok", result.messages
    assert_staging_contract("discord")
    channel = "discord:1021094733643083816"
    question = f"{channel}:1203004112233445566"
    assert rows("select name, kind, url from staging.stg_discord__channels") == [
        ("общий", "chat", "https://discord.com/channels/1021094732918456320/1021094733643083816")
    ]
    assert rows(
        "select author_identity_id, text, media_type, reactions, replies"
        " from staging.stg_discord__content order by published_at"
    ) == [
        (
            "discord:401234567890123456",
            "Кто идёт на субботник в парк Горького в субботу? <:heart_kzn:1100223344556677889>",
            "photo",
            3,
            1,
        ),
        ("discord:298765432109876543", "Я иду, возьму перчатки", None, 0, 0),
        ("discord:159985870458322944", "", None, 0, 0),  # a slash-command response (type 20)
        ("discord:556012345678901234", "", None, 0, 0),  # a forward, not a reply
    ]
    assert rows(
        "select i.handle, a.activity_type, a.occurred_at::varchar, a.parent_content_id"
        " from staging.stg_discord__activities a"
        " join staging.stg_discord__identities i using (identity_id)"
        " order by a.occurred_at, a.activity_type, i.handle"
    ) == [
        ("vera.k", "join", "2024-02-01 09:00:05.412", None),
        # the wave at a newcomer: a reaction to the join notice, dated at it
        ("anya_s", "reaction", "2024-02-01 09:00:05.412", f"{channel}:1203001478160007178"),
        ("anya_s", "message", "2024-02-01 09:10:44.9", None),
        ("Boris#4821", "reaction", "2024-02-01 09:10:44.9", question),
        ("Boris#4821", "reaction", "2024-02-01 09:10:44.9", question),
        ("vera.k", "reaction", "2024-02-01 09:10:44.9", question),
        ("Boris#4821", "reply", "2024-02-01 09:31:00", question),
        ("MEE6#4876", "message", "2024-02-01 10:00:00", None),
        ("vera.k", "message", "2024-02-01 10:05:00", None),
    ]
    assert rows("select display_name, is_bot from staging.stg_discord__identities order by 1") == [
        ("MEE6", True),
        ("Аня (орг)", False),
        ("Борис", False),
        ("Вера", False),
    ]
    assert rows(
        "select emoji, emoji_name from raw_discord.reactions order by count desc, emoji"
    ) == [("👍", "👍"), ("1100223344556677889", "heart_kzn"), ("👋", "👋")]


def test_announcement_channel_posts_and_thread_names(tmp_path: Path) -> None:
    news = DiscordExport("800000000000000002", "анонсы", kind="GuildNews")
    post = news.message("2024-02-01 10:00", ANYA, "Субботник в эту субботу")
    news.message("2024-02-01 10:05", BORIS, "Ура", reference=post)
    thread = DiscordExport("800000000000000003", "Кто везёт мешки", "GuildPublicThread", "общий")
    thread.message("2024-02-01 11:00", VERA, "Я")
    assert ingest(news.write(tmp_path / "news.json")).status == "ok"
    assert ingest(thread.write(tmp_path / "thread.json")).status == "ok"
    build()

    assert rows("select name, kind from staging.stg_discord__channels order by 1") == [
        ("анонсы", "broadcast"),
        ("общий / Кто везёт мешки", "chat"),
    ]
    assert rows(
        "select activity_type from staging.stg_discord__activities order by occurred_at"
    ) == [("post",), ("reply",), ("message",)]


def test_direct_messages_are_skipped_with_a_warning(tmp_path: Path) -> None:
    dm = DiscordExport("800000000000000009", "Борис", "DirectTextChat", None, "0")
    dm.message("2024-01-01 10:00", BORIS, "личное")

    result = ingest(dm.write(tmp_path / "dm.json"))
    build()

    assert result.status == "warning"
    assert "skipped 1 direct-message" in result.messages[0]
    assert count("raw_discord.messages") == 0 and count("staging.stg_discord__channels") == 0


def test_reactions_without_reactor_lists_warn(tmp_path: Path) -> None:
    export = DiscordExport()
    export.message("2024-01-01 10:00", ANYA, "Привет", reactions=[("👍", [], 4), ("❤", [BORIS], 2)])

    result = ingest(export.write(tmp_path / "old.json"))
    build()

    assert result.status == "warning" and "5 of 6 reactions do not name" in result.messages[0]
    assert rows("select reactions from staging.stg_discord__content") == [(6,)]  # sum of counts
    assert rows("select activity_type from staging.stg_discord__activities order by 1") == [
        ("message",),
        ("reaction",),
    ]


def test_loading_twice_and_overlapping_reexport_add_no_duplicates(tmp_path: Path) -> None:
    export = DiscordExport()
    first = export.message("2024-02-01 10:00", ANYA, "Привет", reactions=[("👍", [BORIS], 1)])
    export.message("2024-02-01 10:05", BORIS, "Привет!", kind="Reply", reference=first)
    old = export.write(tmp_path / "old.json")
    ingest(old)
    ingest(old)
    build()
    assert count("staging.stg_discord__content") == 2
    assert count("staging.stg_discord__activities") == 3
    assert count("raw_discord.channels") == 1

    # a newer export overlaps the old one: same messages, one more reactor, one new message
    reaction = export.export["messages"][0]["reactions"][0]
    reaction["users"].append(VERA)
    reaction["count"] = 2
    export.message("2024-02-02 09:00", VERA, "Доброе утро")
    ingest(export.write(tmp_path / "new.json"))
    build()
    assert count("staging.stg_discord__content") == 3
    assert rows("select reactions from staging.stg_discord__content where text = 'Привет'") == [
        (2,)
    ]
    assert count("staging.stg_discord__activities") == 5  # 3 messages + 2 reactions
    assert count("staging.stg_discord__identities") == 3


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            '{"guild": {"id": "1"}, "channel": {"id": "2"}, "messages": [{"id": "3", "ty',
            "truncated",
        ),
        ("not json at all", "broken or truncated"),
        ("[1, 2, 3]", "expected a JSON object"),
        ('{"guild": {"id": "1"}, "channel": {"id": "2"}}', "no `messages`"),
        ('{"guild": {"id": "1"}, "messages": []}', "no `channel.id`"),
        (
            '{"channel": {"id": "2"}, "messages": [{"type": "Default"}]}',
            "message #1: has no `id`",
        ),
        (
            '{"channel": {"id": "2"}, "messages": [{"id": "3", "timestamp": "yesterday"}]}',
            "message #1: missing or unreadable timestamp",
        ),
        (
            '{"channel": {"id": "2"}, "messages": [{"id": "3", "timestamp":'
            ' "2024-01-01T00:00:00+00:00", "author": "Аня"}]}',
            "message #1: unexpected structure",
        ),
        ("", "broken or truncated"),
    ],
)
def test_bad_files_are_rejected_by_name_and_load_nothing(
    tmp_path: Path, content: str, reason: str
) -> None:
    good = DiscordExport()
    good.message("2024-01-01 10:00", ANYA, "kept")
    ingest(good.write(tmp_path / "good.json"))
    bad = tmp_path / "bad_export.json"
    bad.write_text(content, encoding="utf-8")

    result = ingest(bad)

    assert result.failed
    assert "bad_export.json" in result.messages[0] and reason in result.messages[0]
    build()
    assert rows("select text from staging.stg_discord__content") == [("kept",)]


def test_a_file_broken_after_many_batches_loads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord_export, "BATCH_ROWS", 10)
    big = DiscordExport()
    for i in range(100):
        big.message(f"2024-01-01 10:{i % 60:02d}", user(f"user{i}"), f"m{i}")
    text = json.dumps(big.export)
    path = tmp_path / "cut.json"
    path.write_text(text[: int(len(text) * 0.8)], encoding="utf-8")  # batches went to dlt already

    result = ingest(path)
    build()

    assert result.failed and "truncated" in result.messages[0]
    assert count("raw_discord.messages") == 0
    good = DiscordExport()
    good.message("2024-01-02 10:00", ANYA, "next")
    assert ingest(good.write(tmp_path / "next.json")).status == "ok"


def test_parse_reports_progress_and_counts(tmp_path: Path) -> None:
    export = DiscordExport()
    for i in range(50):
        export.message("2024-01-01 10:00", ANYA, f"m{i}", reactions=[("👍", [BORIS], 1)])
    path = export.write(tmp_path / "p.json")
    seen: list[float] = []
    report = ParseReport(path)

    batches = list(parse_export(path, report, progress=seen.append))

    assert seen and seen[-1] == pytest.approx(1.0)
    assert {name: t.num_rows for name, t in batches} == {
        "channels": 1,
        "messages": 50,
        "reactions": 50,
        "reactors": 50,
    }
    assert (report.messages, report.reactions, report.warnings) == (50, 50, [])


def test_repeated_ids_emojis_and_reactors_load_once(tmp_path: Path) -> None:
    export = DiscordExport()
    export.message(
        "2024-01-01 10:00", ANYA, "once", reactions=[("👍", [BORIS, BORIS], 2), ("👍", [VERA], 1)]
    )
    export.export["messages"].append(dict(export.export["messages"][0]))
    path = export.write(tmp_path / "twice.json")
    report = ParseReport(path)

    batches = dict(parse_export(path, report))

    # rows handed to dlt must be unique on their primary key
    assert batches["messages"].num_rows == 1
    assert batches["reactions"].to_pylist() == [
        {
            "channel_id": "800000000000000001",
            "message_id": export.export["messages"][0]["id"],
            "emoji": "👍",
            "emoji_name": "👍",
            "count": 2,
        }
    ]
    assert batches["reactors"].column("user_id").to_pylist() == [BORIS["id"]]
    assert "repeat an id" in report.warnings[0]


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="gone.json: cannot read the file"):
        list(parse_export(tmp_path / "gone.json"))
