"""The live Telegram Bot API source, against a local fake Bot API serving real-format updates."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import pipelines.sources
from pipelines import telegram_bot
from pipelines.ingest import IngestResult, ingest_telegram_export, refresh_api
from pipelines.telegram_bot import (
    SPEC,
    BotApi,
    BotApiError,
    BotReport,
    _Rows,
    export_chat_id,
    is_present,
    peer_key,
    reaction_key,
)
from tests.conftest import ChatBuilder
from tests.fake_telegram_api import (
    TOKEN,
    FakeTelegram,
    channel,
    supergroup,
    unixtime,
    user,
)
from warehouse.connection import read_connection, write_connection
from warehouse.models import run_models
from warehouse.settings import SQL_DIR

ORIGINAL_API_SOURCES = pipelines.sources.api_sources
TOKEN_ENV = "PULSE_TEST_TGBOT_TOKEN"

GROUP = supergroup(-1001234567890, "Волонтёры Казани", username="volunteers_kzn")
CHANNEL = channel(-1009876543210, "Новости волонтёров", username="volunteers_news")
ANYA = user(111, "Аня", "Петрова", username="anya_p")
BORIS = user(222, "Борис")
VERA = user(333, "Вера")
HELPER = user(444, "Helper", is_bot=True, username="helper_bot")

# The staging contract: column names, order and types the core unions.
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
    "channel_snapshots": "channel_id VARCHAR, day DATE, followers BIGINT, views BIGINT, "
    "reach BIGINT",
}
KEYS = {
    "channels": "channel_id",
    "identities": "identity_id",
    "activities": "activity_id",
    "content": "content_id",
    "channel_snapshots": "channel_id, day",
}


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The source registered (as the registry will), a token in the env, quick retries."""

    def with_bot() -> dict:
        return {**ORIGINAL_API_SOURCES(), SPEC.kind: SPEC}

    monkeypatch.setattr("pipelines.sources.api_sources", with_bot)
    monkeypatch.setattr("pipelines.ingest.api_sources", with_bot)
    monkeypatch.setattr(telegram_bot, "BACKOFF_SECONDS", 0.01)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    for proxy in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)


@pytest.fixture(scope="module")
def staging_sql(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Telegram staging models alone: other sources' models need their own raw tables."""
    root = tmp_path_factory.mktemp("sql")
    for layer in ("staging", "core", "marts", "tests"):
        (root / layer).mkdir()
    for model in [
        *SQL_DIR.glob("staging/stg_tgbot__*.sql"),
        *SQL_DIR.glob("staging/stg_telegram__*.sql"),
    ]:
        (root / "staging" / model.name).write_text(model.read_text(encoding="utf-8"))
    return root


@pytest.fixture
def build(staging_sql: Path) -> Callable[[], None]:
    def build_staging() -> None:
        with write_connection() as con:
            run_models(con, pipelines.sources.all_raw_tables(), staging_sql)

    return build_staging


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(page_size=8)
    with fake.running():
        yield fake


def refresh(fake: FakeTelegram, **options: object) -> IngestResult:
    config = {
        "base_url": fake.base_url,
        "token_env": TOKEN_ENV,
        "chat_ids": [GROUP["id"], CHANNEL["id"]],
        **options,
    }
    return refresh_api("telegram-bot", {"name": "main", **config})


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def count(table: str) -> int:
    return rows(f"select count(*) from {table}")[0][0]


def staging(entity: str) -> list[tuple]:
    return rows(f"select * from staging.stg_tgbot__{entity} order by all")


def community(fake: FakeTelegram) -> dict[str, dict]:
    """A week in a volunteer group and its channel, as the bot would see it: 15 updates."""
    fake.add_chat(GROUP, members=57)
    fake.add_chat(CHANNEL, members=1200)
    fake.join(
        GROUP,
        VERA,
        "2024-05-01 09:00",
        invite_link={"invite_link": "https://t.me/+AbCd", "name": "партнёр: школа №5"},
    )
    question = fake.message(GROUP, ANYA, "Кто идёт на субботник?", "2024-05-01 10:00")
    answer = fake.message(GROUP, BORIS, "Я иду", "2024-05-01 10:20", reply_to=question)
    fake.react(question, VERA, "2024-05-01 10:05", ["👍"])
    fake.react(question, BORIS, "2024-05-01 10:06", ["👍"])
    fake.react(question, BORIS, "2024-05-01 10:07", ["👍", "❤"], old=["👍"])
    fake.edit(question, "Кто идёт на субботник в субботу?", "2024-05-01 10:30")
    fake.message(GROUP, HELPER, "Напоминание: сбор в 10:00", "2024-05-01 11:00")
    photo = fake.message(
        GROUP,
        VERA,
        None,
        "2024-05-01 12:00",
        photo=[{"file_id": "AgAC", "file_unique_id": "AQAD", "width": 90, "height": 90}],
        caption="Фото с места",
    )
    post = fake.message(CHANNEL, None, "Анонс: субботник", "2024-05-02 08:00")
    fake.reaction_count(post, "2024-05-02 08:30", {"👍": 10, "🔥": 3})
    fake.reaction_count(post, "2024-05-02 09:30", {"👍": 12, "🔥": 4})
    fake.leave(GROUP, VERA, "2024-05-03 09:00")
    fake.member_change(GROUP, BORIS, "2024-05-03 10:00", "member", "administrator")
    private = {"id": 111, "first_name": "Аня", "type": "private"}
    fake.message(private, ANYA, "/start", "2024-05-03 11:00")
    return {"question": question, "answer": answer, "photo": photo, "post": post}


def test_ids_follow_the_desktop_export() -> None:
    assert export_chat_id(-1001234567890) == 1234567890  # supergroup or channel
    assert export_chat_id(-4012345) == 4012345  # basic group
    assert export_chat_id(111) == 111
    assert peer_key(-1009876543210) == "channel9876543210"
    assert peer_key(-4012345) == "chat4012345"
    assert reaction_key({"type": "custom_emoji", "custom_emoji_id": "5368"}) == "5368"
    assert reaction_key({"type": "paid"}) == "paid"
    assert is_present({"status": "restricted", "is_member": True})
    assert not is_present({"status": "restricted", "is_member": False})
    assert not is_present({"status": "kicked"})


def test_updates_become_rows_for_forums_anonymous_admins_and_forwards() -> None:
    forum = supergroup(-1005555555555, "Форум", is_forum=True)
    topic_root = {"message_id": 10, "chat": forum, "date": 1, "forum_topic_created": {}}
    updates = [
        {  # a message in a topic "replies" to the topic's first message: not a reply
            "update_id": 1,
            "message": {
                "message_id": 11,
                "from": ANYA,
                "chat": forum,
                "date": unixtime("2024-05-01 10:00"),
                "message_thread_id": 10,
                "is_topic_message": True,
                "reply_to_message": topic_root,
                "text": "В теме",
            },
        },
        {  # an anonymous admin speaks as the group itself
            "update_id": 2,
            "message": {
                "message_id": 12,
                "from": user(1087968824, "Group", is_bot=True, username="GroupAnonymousBot"),
                "sender_chat": forum,
                "chat": forum,
                "date": unixtime("2024-05-01 10:01"),
                "text": "Объявление",
            },
        },
        {"update_id": 3, "message": {"message_id": 13, "chat": forum}},  # no date: malformed
        {  # a linked channel's post forwarded into its discussion group
            "update_id": 4,
            "message": {
                "message_id": 14,
                "from": user(777000, "Telegram"),
                "sender_chat": CHANNEL,
                "chat": forum,
                "date": unixtime("2024-05-01 10:02"),
                "is_automatic_forward": True,
                "forward_origin": {"type": "channel", "chat": CHANNEL, "message_id": 5},
                "text": "Пост",
            },
        },
        {  # a service message: not content
            "update_id": 5,
            "message": {
                "message_id": 15,
                "from": ANYA,
                "chat": forum,
                "date": 2,
                "pinned_message": topic_root,
            },
        },
    ]
    report = BotReport("t")
    out = _Rows("t", report)
    for update in updates:
        out.add_update(update)

    messages = {k[1]: r for k, r in out.rows["messages"].items()}
    assert messages[11]["reply_to_message_id"] is None
    assert messages[11]["message_thread_id"] == 10
    assert messages[12]["sender_key"] == "channel5555555555"
    assert messages[14]["sender_key"] == "channel9876543210"
    assert messages[14]["forward_origin"] == "channel"
    assert (messages[15]["message_kind"], messages[15]["service_action"]) == (
        "service",
        "pinned_message",
    )
    assert 13 not in messages and out.malformed == [3]
    assert len(out.rows["updates"]) == 5  # the malformed one is still kept raw
    senders = {k[0]: r for k, r in out.rows["senders"].items()}
    assert senders["channel5555555555"]["user_id"] is None  # speaks as the group: the team
    assert "user1087968824" not in senders and "user777000" not in senders


def test_two_pages_load_into_the_staging_contract(
    telegram: FakeTelegram, data_dir: Path, build: Callable[[], None]
) -> None:
    ids = community(telegram)
    result = refresh(telegram)
    build()

    assert result.status == "ok", result.messages
    assert "15 updates loaded" in result.messages[0]
    polls = telegram.calls("getUpdates")
    assert len(polls) == 3  # two pages, then an empty answer
    assert "offset" not in polls[0]
    assert json.loads(polls[0]["allowed_updates"]) == telegram_bot.ALLOWED_UPDATES
    first = 700_000_001
    assert [int(p["offset"]) for p in polls[1:]] == [first + 8, first + 15]
    # each page kept verbatim on disk, named by its first update_id
    folder = data_dir / "raw" / "telegram_bot" / "main"
    assert sorted(p.name for p in folder.iterdir()) == [f"{first}.json", f"{first + 8}.json"]
    assert len(json.loads((folder / f"{first}.json").read_text())["result"]) == 8
    assert count("raw_tgbot.updates") == 15  # the private chat too, raw only

    for entity, columns in CONTRACT.items():
        described = rows(f"describe staging.stg_tgbot__{entity}")
        assert ", ".join(f"{name} {kind}" for name, kind, *_ in described) == columns, entity
        key = KEYS[entity]
        duplicates = rows(
            f"select {key} from staging.stg_tgbot__{entity} group by all having count(*) > 1"
        )
        assert duplicates == [], entity

    assert staging("channels") == [
        ("telegram:1234567890", "telegram", "1234567890", "Волонтёры Казани", "chat",
         "https://t.me/volunteers_kzn"),
        ("telegram:9876543210", "telegram", "9876543210", "Новости волонтёров", "broadcast",
         "https://t.me/volunteers_news"),
    ]  # fmt: skip
    identities = {r[0]: r for r in staging("identities")}
    assert set(identities) == {
        "telegram:user111",
        "telegram:user222",
        "telegram:user333",
        "telegram:user444",
        "telegram:channel9876543210",
    }
    assert identities["telegram:user111"][2:5] == ("user111", "anya_p", "Аня Петрова")
    assert identities["telegram:user444"][7:] == (False, True)  # a bot
    assert identities["telegram:channel9876543210"][4] == "Новости волонтёров"
    assert identities["telegram:channel9876543210"][7:] == (True, False)  # the team

    group = "telegram:1234567890"
    question = f"{group}:{ids['question']['message_id']}"
    content = {
        r[0]: r[1:]
        for r in rows(
            "select content_id, author_identity_id, published_at, parent_content_id, text,"
            " media_type, reactions, replies from staging.stg_tgbot__content"
        )
    }
    assert len(content) == 5  # the edit is not a message; service and private chats are not
    assert content[question] == (
        "telegram:user111",
        datetime(2024, 5, 1, 10, 0),
        None,
        "Кто идёт на субботник в субботу?",  # edited text
        None,
        3,  # Вера 👍 + Борис 👍❤
        1,
    )
    assert content[f"{group}:{ids['answer']['message_id']}"][2] == question
    assert content[f"{group}:{ids['photo']['message_id']}"][3:5] == ("Фото с места", "photo")
    assert content[f"telegram:9876543210:{ids['post']['message_id']}"][5] == 16  # latest count

    activities = rows(
        "select identity_id, activity_type, occurred_at, content_id, parent_content_id"
        " from staging.stg_tgbot__activities"
    )
    kinds = sorted((who.removeprefix("telegram:"), kind) for who, kind, *_ in activities)
    assert kinds == [
        ("channel9876543210", "post"),
        ("user111", "message"),
        ("user222", "reaction"),
        ("user222", "reaction"),
        ("user222", "reply"),
        ("user333", "join"),
        ("user333", "leave"),
        ("user333", "message"),
        ("user333", "reaction"),
        ("user444", "message"),
    ]  # the promotion to admin is neither a join nor a leave
    reactions = sorted(
        (str(at), parent) for _, kind, at, _, parent in activities if kind == "reaction"
    )
    assert reactions == [
        ("2024-05-01 10:05:00", question),
        ("2024-05-01 10:06:00", question),
        ("2024-05-01 10:07:00", question),  # ❤ added; 👍 was already there
    ]
    # every activity's account and channel are known, every message has its content row
    assert (
        rows(
            "select a.activity_id from staging.stg_tgbot__activities a"
            " anti join staging.stg_tgbot__identities i using (identity_id)"
        )
        == []
    )
    assert (
        rows(
            "select a.activity_id from staging.stg_tgbot__activities a"
            " anti join staging.stg_tgbot__channels c using (channel_id)"
        )
        == []
    )
    assert (
        rows(
            "select c.content_id from staging.stg_tgbot__content c"
            " anti join staging.stg_tgbot__activities a using (content_id)"
        )
        == []
    )
    assert rows(
        "select invite_link_name from raw_tgbot.member_changes where new_status = 'member'"
    ) == [("партнёр: школа №5",)]

    today = datetime.now(UTC).date()
    assert staging("channel_snapshots") == [
        ("telegram:1234567890", today, 57, None, None),
        ("telegram:9876543210", today, 1200, None, None),
    ]

    # refreshing again asks from the next offset, finds nothing new, and changes nothing
    before = {entity: staging(entity) for entity in CONTRACT}
    again = refresh(telegram)
    build()
    assert again.status == "ok", again.messages
    assert int(telegram.calls("getUpdates")[-1]["offset"]) == first + 15
    assert {entity: staging(entity) for entity in CONTRACT} == before
    assert count("raw_tgbot.updates") == 15
    assert count("raw_tgbot.member_counts") == 2


def test_offset_is_kept_between_refreshes(
    telegram: FakeTelegram, build: Callable[[], None]
) -> None:
    telegram.add_chat(GROUP, members=10)
    hello = telegram.message(GROUP, ANYA, "Привет", "2024-05-01 10:00")
    telegram.message(GROUP, BORIS, "Привет!", "2024-05-01 10:01", reply_to=hello)
    assert refresh(telegram, chat_ids=[]).status == "ok"
    last_seen = 700_000_002

    telegram.message(GROUP, VERA, "Доброе утро", "2024-05-02 09:00")
    telegram.react(hello, VERA, "2024-05-02 09:01", ["🔥"])
    calls_before = len(telegram.calls("getUpdates"))
    second = refresh(telegram, chat_ids=[])
    build()

    assert second.status == "ok", second.messages
    assert "2 updates loaded" in second.messages[0]
    asked = telegram.calls("getUpdates")[calls_before:]
    assert int(asked[0]["offset"]) == last_seen + 1
    assert count("raw_tgbot.updates") == 4
    assert count("staging.stg_tgbot__content") == 3
    assert rows(
        "select reactions, replies from staging.stg_tgbot__content where text = 'Привет'"
    ) == [(1, 1)]


def test_rate_limit_is_waited_out(telegram: FakeTelegram) -> None:
    telegram.add_chat(GROUP, members=10)
    telegram.message(GROUP, ANYA, "Привет", "2024-05-01 10:00")
    telegram.fail("getUpdates", "429", retry_after=1)
    result = refresh(telegram, chat_ids=[GROUP["id"]])
    assert result.status == "ok", result.messages
    assert [m for m, _ in telegram.requests[:3]] == ["getUpdates"] * 3  # refused, page, empty
    assert telegram.arrived[1] - telegram.arrived[0] >= 1.0  # waited as told before retrying
    assert count("raw_tgbot.messages") == 1


def test_invalid_token_fails_without_revealing_it(
    telegram: FakeTelegram, caplog: pytest.LogCaptureFixture, data_dir: Path
) -> None:
    telegram.token = "987654321:AnotherBotsTokenThatTelegramKnows"
    caplog.set_level(logging.DEBUG)
    result = refresh(telegram)

    assert result.failed
    message = "\n".join(result.messages)
    assert "telegram-bot main, getUpdates" in message
    assert "token is invalid" in message
    assert TOKEN_ENV in message and "SOURCES__TELEGRAM_BOT__TOKEN" in message
    assert TOKEN not in message and TOKEN.split(":")[1] not in message
    assert TOKEN.split(":")[1] not in caplog.text
    stored = rows("select message from app.source_runs")
    assert stored and all(TOKEN.split(":")[1] not in m for (m,) in stored)
    assert not any(TOKEN.split(":")[1] in p.read_text() for p in data_dir.rglob("*.json"))


def test_missing_token_and_bad_options_say_what_to_fix(
    telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    result = refresh(telegram)
    assert result.failed and "SOURCES__TELEGRAM_BOT__TOKEN" in result.messages[0]

    monkeypatch.setenv(TOKEN_ENV, "not a token")
    result = refresh(telegram)
    assert result.failed and "does not look like" in result.messages[0]

    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    result = refresh(telegram, chat_ids=["volunteers"])
    assert result.failed and "chat_ids" in result.messages[0]
    result = refresh(telegram, timeout="soon")
    assert result.failed and "timeout" in result.messages[0]
    assert telegram.requests == []  # nothing was asked of Telegram


def test_dropped_connections_are_retried_then_fail_cleanly(
    telegram: FakeTelegram, build: Callable[[], None]
) -> None:
    telegram.add_chat(GROUP, members=10)
    telegram.message(GROUP, ANYA, "Привет", "2024-05-01 10:00")
    telegram.fail("getUpdates", "drop", times=2)
    result = refresh(telegram, chat_ids=[])
    assert result.status == "ok", result.messages  # two drops, then an answer
    assert len(telegram.calls("getUpdates")) == 4

    telegram.message(GROUP, BORIS, "Тут?", "2024-05-01 11:00")
    telegram.fail("getUpdates", "drop", times=3)
    result = refresh(telegram, chat_ids=[])
    assert result.failed
    assert result.messages == [
        "telegram-bot main, getUpdates: the connection was dropped; gave up after 3 attempts"
    ]
    build()
    assert count("raw_tgbot.messages") == 1  # nothing from the failed refresh


def test_a_page_fetched_by_a_failed_refresh_is_loaded_by_the_next(
    telegram: FakeTelegram, data_dir: Path, build: Callable[[], None]
) -> None:
    telegram.page_size = 4
    community(telegram)
    # the second page's request confirms (deletes) the first page on Telegram's side, then drops
    telegram.fail("getUpdates", "drop", times=3, after=1)
    failed = refresh(telegram)
    assert failed.failed
    assert len(list((data_dir / "raw" / "telegram_bot" / "main").glob("*.json"))) == 1
    assert min(u["update_id"] for u in telegram.pending) == 700_000_005  # Telegram forgot 1-4

    result = refresh(telegram)
    build()
    assert result.status == "ok", result.messages
    assert "15 updates loaded, 4 of them saved by an earlier refresh" in result.messages[0]
    assert count("raw_tgbot.updates") == 15
    assert count("staging.stg_tgbot__content") == 5


def test_timeouts_and_gateway_pages_are_retried(telegram: FakeTelegram) -> None:
    report = BotReport("main")
    options = {"name": "main", "kind": "telegram-bot", "base_url": telegram.base_url}
    api = BotApi(options, TOKEN, report, timeout=0.2)
    telegram.fail("getUpdates", "slow", seconds=0.5)
    telegram.fail("getUpdates", "html")
    result, _ = api.call("getUpdates", offset=1)
    assert result == [] and report.retries == 2

    telegram.fail("getUpdates", "slow", times=3, seconds=0.5)
    with pytest.raises(BotApiError) as raised:
        api.call("getUpdates")
    assert str(raised.value) == (
        "telegram-bot main, getUpdates: no answer within 0.2 s; gave up after 3 attempts"
    )


def test_a_chat_the_bot_cannot_see_is_a_warning(
    telegram: FakeTelegram, build: Callable[[], None]
) -> None:
    telegram.add_chat(GROUP, members=42)
    result = refresh(telegram, chat_ids=[GROUP["id"], -1000000000001, "@volunteers_kzn"])
    build()
    assert result.status == "warning"
    assert result.messages == [
        "telegram-bot main, getChat: chat -1000000000001: Telegram answered 400: "
        "Bad Request: chat not found"
    ]
    # the same chat by id and by @name is one snapshot
    assert staging("channel_snapshots") == [
        ("telegram:1234567890", datetime.now(UTC).date(), 42, None, None)
    ]


def test_a_chat_in_both_an_export_and_the_bot_gets_the_same_ids(
    telegram: FakeTelegram, tmp_path: Path, build: Callable[[], None]
) -> None:
    export = ChatBuilder("Волонтёры Казани", chat_id=1234567890, kind="private_supergroup")
    export.message("2024-05-01 10:00", "Аня Петрова", "Кто идёт на субботник?", from_id="user111")
    ingest_telegram_export(export.write(tmp_path / "result.json"))
    telegram.add_chat(GROUP)
    telegram.message(GROUP, ANYA, "Кто идёт на субботник?", "2024-05-01 10:00")
    refresh(telegram, chat_ids=[])
    build()

    for entity, key in (
        ("channels", "channel_id"),
        ("identities", "identity_id"),
        ("content", "content_id"),
        ("activities", "activity_id"),
    ):
        export_ids = rows(f"select {key} from staging.stg_telegram__{entity}")
        bot_ids = rows(f"select {key} from staging.stg_tgbot__{entity}")
        assert export_ids == bot_ids, entity
    assert rows("select content_id from staging.stg_tgbot__content") == [("telegram:1234567890:1",)]
