"""The VK API source, against a local fake of api.vk.com that answers in VK's own format."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jsonschema
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT4

import pipelines.sources
from pipelines import vk as vk_source
from pipelines.ingest import IngestResult, refresh_api
from tests.conftest import SAMPLES
from tests.fake_vk_api import FakeVkApi
from warehouse.connection import read_connection, write_connection
from warehouse.models import run_models
from warehouse.settings import SQL_DIR

TOKEN_ENV = "PULSE_TEST_VK_TOKEN"
DAY = 86_400
NOW = int(datetime(2024, 3, 1, 12, 0, tzinfo=UTC).timestamp())
GROUP = 4242
ADMIN, ASKER, OUTSIDER = 1001, 1003, 9001
ORIGINAL_API_SOURCES = pipelines.sources.api_sources


# --- fixtures ---------------------------------------------------------------------------------
class Clock:
    now = NOW


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """VK as a known API source (until pipelines/sources.py lists it)."""
    sources = lambda: {**ORIGINAL_API_SOURCES(), "vk": vk_source.SPEC}  # noqa: E731
    monkeypatch.setattr("pipelines.sources.api_sources", sources)
    monkeypatch.setattr("pipelines.ingest.api_sources", sources)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("pipelines.vk._now", lambda: clock.now)
    return clock


@pytest.fixture
def vk(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> Iterator[FakeVkApi]:
    with FakeVkApi(GROUP) as fake:
        monkeypatch.setenv(TOKEN_ENV, fake.token)
        populate(fake)
        yield fake


def populate(vk: FakeVkApi) -> None:
    """1500 members (two pages), 150 daily posts (two pages), comments with a long thread, likes,
    five days of stats."""
    vk.add_user(ADMIN, "Мария", "Админова")
    vk.add_user(ASKER, "Борис", "Вопросов")
    vk.add_user(OUTSIDER, "Гость", "Извне")
    for user_id in range(1001, 2501):
        vk.add_member(user_id)
    for day in range(150, 0, -1):  # post 1 is the oldest, post 150 an hour old
        vk.add_post(NOW - day * DAY + DAY - 3600, f"Новость {151 - day}", views=100 + day)
    oldest, newest = vk.posts[0], vk.posts[-1]
    oldest.is_pinned = True  # VK lists the pinned post first, whatever its age
    newest.text, newest.signer_id, newest.attachment = "Субботник в субботу!", ADMIN, "photo"
    newest.likers, newest.likes, newest.reposts = [ASKER, 1004, 1005], 3, 2
    vk.posts[-2].from_id, vk.posts[-2].text = 1002, "Пост участника на стене"
    question = vk.add_comment(newest, ASKER, NOW - 3000, "Кто идёт?")
    for n in range(12):  # more replies than VK inlines (10): the thread is paged separately
        vk.add_comment(newest, 1004 + n % 3, NOW - 2900 + n, f"Ответ {n}", thread=question)
    first_reply = question.replies[0]
    question.replies[5].reply_to_comment = first_reply.id
    question.replies[5].reply_to_user = first_reply.from_id
    gone = vk.add_comment(newest, 1007, NOW - 2500, "", deleted=True)
    vk.add_comment(newest, 1008, NOW - 2400, "Я тоже", thread=gone)
    vk.add_comment(newest, OUTSIDER, NOW - 2000, "Можно с друзьями?", likes=2)
    vk.add_comment(newest, -GROUP, NOW - 1900, "Конечно!")
    vk.add_comment(vk.posts[9], 1009, vk.posts[9].date + 60, "Старый комментарий")
    vk.posts[9].likers = [1006]
    vk.posts[9].likes = 1
    for day in range(5, 0, -1):  # stats days start at Moscow midnight (21:00 UTC the day before)
        msk_midnight = NOW - 12 * 3600 - 3 * 3600 - day * DAY
        vk.add_stats_day(msk_midnight, views=500 + day, visitors=200 + day, reach=900 + day)


def refresh(vk: FakeVkApi, **options: Any) -> IngestResult:
    settings = {
        "group_id": GROUP,
        "base_url": vk.base_url,
        "token_env": TOKEN_ENV,
        "min_interval": 0,
        "retry_backoff": 0.001,
        **options,
    }
    return refresh_api("vk", {"name": "group", **settings})


def build_vk_models(tmp_path: Path) -> None:
    """Build only the VK staging models with the real model runner: other sources' staging models,
    and core, are not this test's business."""
    sql = tmp_path / "sql"
    shutil.rmtree(sql, ignore_errors=True)
    (sql / "staging").mkdir(parents=True)
    (sql / "tests").mkdir()
    for model in (SQL_DIR / "staging").glob("stg_vk__*.sql"):
        shutil.copy(model, sql / "staging")
    with write_connection() as con:
        run_models(con, vk_source.SPEC.raw_tables, sql_dir=sql)


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def staging(model: str) -> list[tuple]:
    return rows(f"select * from staging.stg_vk__{model} order by all")


def utc(unixtime: int) -> datetime:
    return datetime.fromtimestamp(unixtime, UTC).replace(tzinfo=None)


# --- the staging contract ---------------------------------------------------------------------
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
    "presence": "identity_id VARCHAR, channel_id VARCHAR, present_at TIMESTAMP",
}
UNIQUE = {
    "channels": "channel_id",
    "identities": "identity_id",
    "activities": "activity_id",
    "content": "content_id",
    "channel_snapshots": "channel_id, day",
    "presence": "identity_id, channel_id",
}


def assert_staging_contract() -> None:
    for model, columns in CONTRACT.items():
        described = rows(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'staging' and table_name = ? order by ordinal_position",
            [f"stg_vk__{model}"],
        )
        assert ", ".join(f"{n} {t}" for n, t in described) == columns, model
        copies = rows(
            f"select {UNIQUE[model]}, count(*) from staging.stg_vk__{model}"
            f" group by all having count(*) > 1"
        )
        assert copies == [], (model, copies[:3])
    assert (
        rows(
            "select distinct activity_type from staging.stg_vk__activities"
            " where activity_type not in ('post', 'comment', 'reply', 'reaction', 'join', 'leave')"
        )
        == []
    )
    # every activity names a known identity and channel; every response points at loaded content
    assert (
        rows(
            "select a.activity_id from staging.stg_vk__activities as a"
            " anti join staging.stg_vk__identities as i using (identity_id)"
            " union all select a.activity_id from staging.stg_vk__activities as a"
            " anti join staging.stg_vk__channels as c using (channel_id)"
            " union all select a.activity_id from staging.stg_vk__activities as a"
            " where a.parent_content_id is not null and a.parent_content_id not in"
            " (select content_id from staging.stg_vk__content)"
        )
        == []
    )


# --- VK's response schemas, for the fake's answers --------------------------------------------
SCHEMA_DIR = SAMPLES / "vk_api_schema"
SCHEMA_BASE = "https://vk-api-schema.test/"
RESPONSE_SCHEMAS = {
    "groups.getById": ("groups/responses.json", "groups_getById_object_response"),
    "groups.getMembers": ("groups/responses.json", "groups_getMembers_fields_response"),
    "wall.get": ("wall/responses.json", "wall_get_extended_response"),
    "wall.getComments": ("wall/responses.json", "wall_getComments_extended_response"),
    "likes.getList": ("likes/responses.json", "likes_getList_response"),
    "stats.get": ("stats/responses.json", "stats_get_response"),
}


def _schema_file(url: str) -> Path:
    """https://vk-api-schema.test/wall/objects.json → samples/vk_api_schema/wall_objects.json"""
    return SCHEMA_DIR / url.removeprefix(SCHEMA_BASE).split("#")[0].replace("/", "_")


def _as_draft4(node: Any, here: str) -> Any:
    """VK's schemas mark properties `"required": true` (draft 3); refs to files the samples do not
    hold (users, base objects…) accept anything."""
    if isinstance(node, list):
        return [_as_draft4(item, here) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = urljoin(here, node["$ref"])
        return {"$ref": target} if _schema_file(target).exists() else {}
    converted = {
        key: _as_draft4(value, here)
        for key, value in node.items()
        if key != "$schema" and not (key == "required" and isinstance(value, bool))
    }
    properties = node.get("properties")
    if isinstance(properties, dict):
        converted["properties"] = {
            name: _as_draft4(schema, here) for name, schema in properties.items()
        }
        required = [n for n, s in properties.items() if isinstance(s, dict) and s.get("required")]
        if required:
            converted["required"] = required
    return converted


def vk_schema_validator(file: str, definition: str) -> jsonschema.Draft4Validator:
    registry = Registry()
    for path in SCHEMA_DIR.glob("*.json"):
        folder, _, name = path.name.partition("_")
        url = f"{SCHEMA_BASE}{folder}/{name}"
        contents = _as_draft4(json.loads(path.read_text(encoding="utf-8")), url)
        registry = registry.with_resource(url, DRAFT4.create_resource(contents))
    schema = {"$ref": f"{SCHEMA_BASE}{file}#/definitions/{definition}"}
    return jsonschema.Draft4Validator(schema, registry=registry)


def assert_fake_answers_match_vk_schemas(vk: FakeVkApi) -> None:
    validators = {m: vk_schema_validator(*where) for m, where in RESPONSE_SCHEMAS.items()}
    checked = set()
    for method, _, answer in vk.served:
        errors = list(validators[method].iter_errors(answer))
        assert not errors, (method, [e.message for e in errors[:3]])
        checked.add(method)
    assert checked == set(RESPONSE_SCHEMAS)


def test_schema_check_catches_a_malformed_answer() -> None:
    validator = vk_schema_validator(*RESPONSE_SCHEMAS["wall.getComments"])
    good = {
        "response": {
            "count": 1,
            "items": [{"id": 1, "from_id": 5, "date": 1, "text": "a"}],
            "profiles": [],
            "groups": [],
        }
    }
    assert list(validator.iter_errors(good)) == []
    no_date = json.loads(json.dumps(good))
    del no_date["response"]["items"][0]["date"]
    assert list(validator.iter_errors(no_date))  # `date` is required on a comment
    assert list(
        vk_schema_validator(*RESPONSE_SCHEMAS["wall.get"]).iter_errors(
            {"response": {"count": 1, "items": [{"id": 1, "post_type": "tweet"}]}}
        )
    )


# --- tests ------------------------------------------------------------------------------------
def test_first_refresh_loads_group_members_wall_comments_likes_and_stats(
    vk: FakeVkApi, tmp_path: Path
) -> None:
    result = refresh(vk)
    build_vk_models(tmp_path)

    assert result.status == "ok", result.messages
    assert "1500 members" in result.messages[0]
    assert_fake_answers_match_vk_schemas(vk)
    assert_staging_contract()
    # offset paging with VK's page sizes: two pages of members, two of posts
    members = vk.calls_of("groups.getMembers")
    assert [(c["offset"], c["count"]) for c in members] == [("0", "1000"), ("1000", "1000")]
    assert [(c["offset"], c["count"]) for c in vk.calls_of("wall.get")] == [
        ("0", "100"),
        ("100", "100"),
    ]
    assert all(c["owner_id"] == str(-GROUP) for c in vk.calls_of("wall.get"))
    # the token travels in the POST body only
    assert all(vk.token not in str(params) for _, params in vk.calls)

    assert staging("channels") == [
        ("vk:4242", "vk", "4242", "Волонтёры Города", "broadcast", "https://vk.com/volunteers_city")
    ]
    # the first member list marks everyone present, with no invented joins
    presence = rows(
        "select count(*), min(present_at), max(present_at) from staging.stg_vk__presence"
    )
    assert presence == [(1500, utc(NOW), utc(NOW))]
    kinds = dict(
        rows("select activity_type, count(*) from staging.stg_vk__activities group by all")
    )
    # 12 + 1 replies in threads (one under a deleted comment); 4 top-level comments left
    assert kinds == {"post": 150, "comment": 4, "reply": 13, "reaction": 4}

    newest = f"vk:-{GROUP}_150"
    content = {r[0]: r[1:] for r in rows("select * from staging.stg_vk__content")}
    assert len(content) == 150 + 17
    # posts: VK's counts (comments at every level); views, shares; the media type
    assert content[newest][2:] == (
        utc(NOW - 3600), None, "Субботник в субботу!", "photo", 101, 3, 16, 2
    )  # fmt: skip
    assert content[newest][1] == f"vk:-{GROUP}"  # written by the group itself
    question = next(k for k, v in content.items() if v[4] == "Кто идёт?")
    # 11 direct replies: the 12th reply in its thread answers another reply
    assert content[question][3] == newest and content[question][8] == 11
    replies = {v[4]: (k, v[3]) for k, v in content.items() if v[4].startswith("Ответ")}
    assert replies["Ответ 1"][1] == question  # a reply in the thread answers the thread's opener
    assert replies["Ответ 5"][1] == replies["Ответ 0"][0]  # …or the reply it names
    orphan = next(v for v in content.values() if v[4] == "Я тоже")
    assert orphan[3] == newest  # its thread's opener was deleted: it answers the post
    assert next(v for v in content.values() if v[4] == "Можно с друзьями?")[7] == 2  # likes

    # likes are dated at their post (VK does not say when); reactions point at the post
    likes = rows(
        "select identity_id, occurred_at, parent_content_id from staging.stg_vk__activities"
        " where activity_type = 'reaction' and parent_content_id = ? order by 1",
        [newest],
    )
    assert likes == [(f"vk:{u}", utc(NOW - 3600), newest) for u in (1003, 1004, 1005)]
    identities = {r[0]: r[1:] for r in staging("identities")}
    assert len(identities) == len(
        rows("select distinct identity_id from staging.stg_vk__identities")
    )
    assert identities[f"vk:-{GROUP}"][3] == "Волонтёры Города" and identities[f"vk:-{GROUP}"][6]
    assert identities["vk:1001"][2:4] == ("id1001", "Мария Админова")
    assert identities["vk:1001"][6] is True  # signs the group's posts: team
    assert identities["vk:1003"][3] == "Борис Вопросов" and identities["vk:1003"][6] is False
    assert identities["vk:9001"][3] == "Гость Извне"  # not a member, but commented
    assert "vk:1002" in identities and "vk:2500" in identities

    snapshots = staging("channel_snapshots")
    # stats days begin at Moscow midnight, yet land on their own date
    assert snapshots[:5] == [
        ("vk:4242", datetime(2024, 2, d).date(), None, 530 - d, 930 - d) for d in range(25, 30)
    ]
    assert snapshots[-1] == ("vk:4242", datetime(2024, 3, 1).date(), 1500, None, None)


def test_second_refresh_finds_joins_and_leaves_and_rereads_only_recent_posts(
    vk: FakeVkApi, clock: Clock, tmp_path: Path
) -> None:
    assert refresh(vk).status == "ok"
    calls_before = len(vk.calls)
    # a day later: two members left, three joined, a new post, new counts on old and new posts
    vk.remove_member(2400)
    vk.remove_member(2401)
    for user_id in (3000, 3001, 3002):
        vk.add_member(user_id)
    clock.now = NOW + DAY
    vk.add_post(NOW + DAY - 600, "Свежая новость", views=5)
    vk.posts[149].views = 999  # an hour-old post: its counts are re-read
    vk.posts[4].views = 999  # 145 days old: not re-read
    vk.add_comment(vk.posts[148], 3000, NOW + 100, "Привет всем!")

    result = refresh(vk)
    build_vk_models(tmp_path)

    assert result.status == "ok", result.messages
    assert "+3 joined, -2 left" in result.messages[0]
    second = vk.calls[calls_before:]
    # the wall is read back only to the newest post loaded before minus the re-check window
    assert [p["offset"] for m, p in second if m == "wall.get"] == ["0"]
    commented = {p["post_id"] for m, p in second if m == "wall.getComments"}
    assert commented == {"149", "150"}  # only recent posts with comments
    stats = [p for m, p in second if m == "stats.get"]
    assert stats[0]["timestamp_from"] == str(NOW - 3 * DAY)  # last stats, minus 3 days
    moves = rows(
        "select activity_type, identity_id, occurred_at from staging.stg_vk__activities"
        " where activity_type in ('join', 'leave') order by 1, 2"
    )
    at = utc(NOW + DAY)
    assert moves == [
        ("join", "vk:3000", at),
        ("join", "vk:3001", at),
        ("join", "vk:3002", at),
        ("leave", "vk:2400", at),
        ("leave", "vk:2401", at),
    ]
    assert rows("select count(*) from staging.stg_vk__presence") == [(1500,)]
    views = dict(rows("select content_id, views from staging.stg_vk__content where views > 900"))
    assert views == {f"vk:-{GROUP}_150": 999}
    assert rows("select count(*) from staging.stg_vk__content where text = 'Свежая новость'") == [
        (1,)
    ]
    assert ("vk:4242", datetime(2024, 3, 2).date(), 1501, None, None) in staging(
        "channel_snapshots"
    )
    assert_staging_contract()

    # a third refresh with the same list: the joins above are not found again
    clock.now = NOW + 2 * DAY
    assert "+0 joined, -0 left" in refresh(vk).messages[0]


def test_refreshing_again_with_identical_answers_changes_nothing(
    vk: FakeVkApi, clock: Clock, tmp_path: Path
) -> None:
    models = ["channels", "identities", "activities", "content", "channel_snapshots", "presence"]
    assert refresh(vk).status == "ok"
    build_vk_models(tmp_path)
    before = {m: staging(m) for m in models}
    raw_before = rows(
        "select count(*) from raw_vk.posts union all select count(*) from raw_vk.comments"
    )

    clock.now = NOW + 1800
    assert refresh(vk).status == "ok"
    build_vk_models(tmp_path)

    assert {m: staging(m) for m in models} == before
    assert raw_before == rows(
        "select count(*) from raw_vk.posts union all select count(*) from raw_vk.comments"
    )


def test_too_many_requests_waits_and_tries_again(vk: FakeVkApi) -> None:
    vk.errors["groups.getMembers"] = [6, 6]
    result = refresh(vk, stats=False, comments=False, likers=False)
    assert result.status == "ok", result.messages
    assert [c["offset"] for c in vk.calls_of("groups.getMembers")] == ["0", "0", "0", "1000"]


def test_a_rate_limit_that_persists_fails_after_bounded_tries(vk: FakeVkApi) -> None:
    vk.always_error["wall.get"] = 6
    result = refresh(vk, retries=2)
    assert result.failed
    assert "wall.get" in result.messages[0] and "after 3 tries" in result.messages[0]
    assert len(vk.calls_of("wall.get")) == 3


def test_an_expired_token_stops_the_source_and_says_what_to_do(
    vk: FakeVkApi, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    expired = "vk1.a.EXPIRED-token-7f3c9e"
    monkeypatch.setenv(TOKEN_ENV, expired)
    caplog.set_level(logging.DEBUG)

    result = refresh(vk)

    assert result.failed
    message = result.messages[0]
    assert "VK source 'group'" in message and "error 5" in message
    assert "get a new one" in message and TOKEN_ENV in message and ".dlt/secrets.toml" in message
    assert len(vk.calls) == 1  # no retries: only a new token helps
    logged = rows("select message from app.source_runs")
    assert expired not in json.dumps(result.__dict__) + caplog.text + str(logged)
    assert rows("select count(*) from information_schema.tables where table_schema = 'raw_vk'") == [
        (0,)
    ]


def test_a_missing_token_names_where_to_set_it(vk: FakeVkApi, monkeypatch) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    result = refresh(vk)
    assert result.failed and TOKEN_ENV in result.messages[0] and vk.calls == []


def test_stats_refused_is_a_warning_and_the_rest_loads(vk: FakeVkApi, tmp_path: Path) -> None:
    vk.always_error["stats.get"] = 15
    result = refresh(vk)
    build_vk_models(tmp_path)

    assert result.status == "warning"
    assert len(result.messages) == 1
    assert "stats.get" in result.messages[0] and "administrator" in result.messages[0]
    assert rows("select count(*) from staging.stg_vk__content where parent_content_id is null") == [
        (150,)
    ]
    assert staging("channel_snapshots") == [
        ("vk:4242", datetime(2024, 3, 1).date(), 1500, None, None)
    ]


def test_a_hidden_member_list_is_a_warning_with_the_member_count_kept(
    vk: FakeVkApi, tmp_path: Path
) -> None:
    vk.always_error["groups.getMembers"] = 203
    result = refresh(vk, stats=False)
    build_vk_models(tmp_path)
    assert result.status == "warning" and "member list" in result.messages[0]
    assert staging("presence") == []
    assert staging("channel_snapshots") == [
        ("vk:4242", datetime(2024, 3, 1).date(), 1500, None, None)
    ]


def test_network_timeouts_are_retried_then_fail_naming_the_method(vk: FakeVkApi) -> None:
    vk.delays["groups.getById"] = 0.6
    result = refresh(vk, timeout=0.1, retries=1)
    assert result.failed
    assert "groups.getById" in result.messages[0] and "timed out" in result.messages[0]
    assert len(vk.calls_of("groups.getById")) == 2


def test_another_vk_error_fails_naming_the_method_and_loads_nothing(vk: FakeVkApi) -> None:
    vk.always_error["wall.getComments"] = 100
    result = refresh(vk)
    assert result.failed
    assert "wall.getComments" in result.messages[0] and "VK error 100" in result.messages[0]
    assert rows("select count(*) from information_schema.tables where table_schema = 'raw_vk'") == [
        (0,)
    ]
    # nothing was committed: the next refresh still reads the whole wall and lists everyone present
    del vk.always_error["wall.getComments"]
    assert refresh(vk).status == "ok"
    assert len(vk.calls_of("wall.get")) == 4
    assert rows("select count(*) from raw_vk.membership_changes where change_type = 'present'") == [
        (1500,)
    ]


def test_group_may_be_given_by_its_address_and_bad_options_are_named(vk: FakeVkApi) -> None:
    result = refresh(vk, group_id="volunteers_city", comments=False, likers=False, stats=False)
    assert result.status == "ok", result.messages
    assert vk.calls_of("groups.getMembers")[0]["group_id"] == str(GROUP)

    missing = refresh_api("vk", {"name": "group", "token_env": TOKEN_ENV})
    assert missing.failed and "group_id" in missing.messages[0]
    bad = refresh(vk, timeout="soon")
    assert bad.failed and "`timeout`" in bad.messages[0]


def test_models_build_on_empty_raw_tables_before_any_refresh(tmp_path: Path) -> None:
    build_vk_models(tmp_path)
    assert_staging_contract()
    assert staging("activities") == [] and staging("channel_snapshots") == []
