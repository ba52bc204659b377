"""Content and engagement KPIs (sql/kpis/content.sql, engagement.sql) and the channels side by side
(sql/kpis/channel_effectiveness.sql), on tiny hand-built communities; every value is worked out by
hand in the comment above its test.

- WEEK: one Telegram chat with a team, newcomers, replies to oneself, to the team and to others;
- CHANNELS: a Telegram chat and a VK group (the only platform here that reports views), plus an
  event whose registration form asked "how did you hear about us".

Times are UTC.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipelines.ingest import build, ingest_file, ingest_telegram_export, refresh_api
from tests.conftest import REPO_ROOT, ChatBuilder, community_zone
from tests.fake_vk_api import FakeVkApi
from tests.test_event_kpis import zoom_report
from warehouse import queries
from warehouse.connection import read_connection
from warehouse.kpis import KPI_IDS, KPI_QUERIES, compute_kpis, run_kpi_query
from warehouse.periods import Period

TEAM = "Pulse Team"  # the chat's channel posting as itself: team, never a member
TEAM_ID = "channel1001"
CHAT = "telegram:1001"
VK_GROUP = 4242
VK = f"vk:{VK_GROUP}"
VK_TOKEN_ENV = "PULSE_TEST_VK_TOKEN"
ENGAGEMENT_IDS = KPI_QUERIES["engagement"] + KPI_QUERIES["connections"]
CONTENT_IDS = KPI_QUERIES["content"]


# ---------------------------------------------------------------- helpers


def warehouse_of(tmp_path_factory: pytest.TempPathFactory, fill: Callable[[Path], None]) -> Path:
    """A warehouse in its own data folder (for module-scoped fixtures), filled by `fill(folder)`."""
    folder = tmp_path_factory.mktemp("warehouse")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PULSE_DATA_DIR", str(folder / "data"))
        fill(folder)
        build()
    return folder / "data"


@pytest.fixture
def use_warehouse(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Callable[[Path], None]:
    """Point this test at a prebuilt warehouse (after conftest's per-test data folder is set)."""

    def use(folder: Path) -> None:
        monkeypatch.setenv("PULSE_DATA_DIR", str(folder))
        queries.clear_cache()

    return use


def kpis(period: Period, channel: str | None = None) -> dict[str, Any]:
    community_zone(period.timezone)  # a period is in the community's days
    with read_connection() as con:
        return compute_kpis(con, period, channel)


def only(values: dict[str, Any], ids: tuple[str, ...]) -> dict[str, Any]:
    return {k: values[k] for k in ids}


def ingest_chat(chat: ChatBuilder, path: Path) -> None:
    result = ingest_telegram_export(chat.write(path))
    assert not result.failed, result.messages


def team_says(chat: ChatBuilder, at: str, text: str, **fields: Any) -> int:
    return chat.message(at, TEAM, text, from_id=TEAM_ID, **fields)


# ---------------------------------------------------------------- WEEK: one chat


def week_chat() -> ChatBuilder:
    c = ChatBuilder("Chat", chat_id=1001)
    # the week before [06-24, 07-01): Ann, Bob and Cat active; Cat replies to Ann (a tie, but
    # not in the week that is tested)
    a0 = c.message("2024-06-25 10:00", "Ann", "hello")
    c.message("2024-06-26 10:00", "Bob", "hi")
    c.message("2024-06-27 10:00", "Cat", "hi Ann", reply_to=a0)
    team_says(c, "2024-06-28 10:00", "Next week's plan soon")

    # the week [07-01, 07-08)
    plan = team_says(c, "2024-07-01 08:00", "Week plan")
    a1 = c.message("2024-07-01 09:00", "Ann", "Morning all")
    c.message("2024-07-01 09:30", "Bob", "Hi Ann", reply_to=a1)  # Bob <-> Ann
    c.message("2024-07-01 12:00", "Fay", "hi")
    c.join("2024-07-02 08:00", "Eve")
    # Eve's first message after joining; Fay's reaction comes 47 h later: welcomed
    c.message(
        "2024-07-02 09:00", "Eve", "Hi, I'm new", reactions=[("❤", "Fay", "2024-07-04 08:00")]
    )
    d1 = c.message("2024-07-02 10:00", "Dan", "Anyone?")
    c.message("2024-07-02 10:05", "Dan", "hello?", reply_to=d1)  # to himself: no tie
    c.message("2024-07-02 10:10", "Dan", "Sounds good", reply_to=plan)  # to the team: no tie
    team_says(c, "2024-07-03 09:00", "Hi Dan", reply_to=d1)  # the team replies: no tie
    c.join("2024-07-03 10:00", "Gus")
    g1 = c.message("2024-07-03 12:00", "Gus", "Hello from Gus")
    c.message("2024-07-03 12:30", "Gus", "anyone?", reply_to=g1)  # his own reply: no welcome
    c.join("2024-07-04 10:00", "Hal")  # never writes
    c.join("2024-07-05 09:00", "Ivy")
    i1 = c.message("2024-07-05 10:00", "Ivy", "Hello")
    team_says(c, "2024-07-05 11:00", "Welcome, Ivy!", reply_to=i1)  # the team welcomes her
    # 49 h after Gus's first message: too late to welcome him; a tie Fay <-> Gus all the same
    c.message("2024-07-05 13:00", "Fay", "Welcome Gus", reply_to=g1)
    # one UTC day, but two days in Moscow (23:00 and 01:30 MSK)
    c.message("2024-07-06 20:00", "Bob", "good night")
    c.message("2024-07-06 22:30", "Bob", "can't sleep")
    return c


@pytest.fixture(scope="module")
def week_dw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return warehouse_of(tmp_path_factory, lambda f: ingest_chat(week_chat(), f / "result.json"))


@pytest.fixture
def week(week_dw: Path, use_warehouse: Callable[[Path], None]) -> None:
    use_warehouse(week_dw)


WEEK = Period(date(2024, 7, 1), date(2024, 7, 8))


# WEEK = [07-01, 07-08), 7 days; previous = [06-24, 07-01).
# active (members; joins, leaves and the team left out): Ann (07-01), Bob (07-01, 07-06), Fay
#   (07-01, 07-04, 07-05), Dan (07-02), Eve (07-02), Gus (07-03), Ivy (07-05) -> 7; Hal only
#   joined.
# stickiness: active per day 07-01 Ann, Bob, Fay 3; 07-02 Dan, Eve 2; 07-03 Gus 1; 07-04 Fay (her
#   reaction) 1; 07-05 Ivy, Fay 2; 07-06 Bob (twice) 1; 07-07 nobody 0 -> 10 member-days / 7 days
#   = 1.4286 a day; 100 * 1.4286 / 7 = 20.41. (Averaging only the 6 days with someone active
#   would give 23.81.)
# retention: active the week before Ann, Bob, Cat -> 3; active again Ann, Bob -> 100 * 2/3 = 66.67.
# connected: replies between two members in WEEK: Bob -> Ann, Fay -> Gus -> Ann, Bob, Fay, Gus;
#   not Dan (replied to himself and to the team; the team replied to him), not Eve (a reaction is
#   not a reply), not Ivy (only the team replied); Cat's reply was the week before
#   -> 100 * 4 / 7 = 57.14.
# UGC: content published in WEEK: the team's "Week plan", "Hi Dan", "Welcome, Ivy!" (3) and the
#   members' Ann 1, Bob 3, Fay 2, Dan 3, Eve 1, Gus 2, Ivy 1 (13) -> 100 * 13 / 16 = 81.25.
# newcomers: joined in WEEK Eve, Gus, Hal, Ivy -> 4 (the denominator; Hal never wrote: he stays
#   in it, not welcomed). Eve: Fay's reaction 47 h after her first message -> welcomed. Gus: his
#   own reply does not count, Fay's reply came 49 h after -> not welcomed. Ivy: the team's reply
#   after 1 h -> welcomed. -> 100 * 2 / 4 = 50.
# content: a Telegram export carries no views -> content_views, views_per_post and the engagement
#   rate are unknown (None), not 0.
def test_engagement_of_a_week(week: None) -> None:
    values = kpis(WEEK)
    assert only(values, ENGAGEMENT_IDS) == {
        "stickiness_pct": 20.41,
        "retention_pct": 66.67,
        "connected_members_pct": 57.14,
        "ugc_share_pct": 81.25,
        "newcomer_welcome_rate_pct": 50.0,
    }
    assert only(values, CONTENT_IDS) == {
        "content_views": None,
        "views_per_post": None,
        "engagement_rate_pct": None,
    }
    assert values["active_members"] == 7 and values["members_joined"] == 4


# One channel's view equals the community's here (everything happened in the one chat).
def test_engagement_of_the_chat_is_the_same(week: None) -> None:
    assert only(kpis(WEEK, CHAT), ENGAGEMENT_IDS) == only(kpis(WEEK), ENGAGEMENT_IDS)


# The week before [06-24, 07-01): active Ann, Bob, Cat -> 3, one day each -> 3 member-days / 7
#   days / 3 = 14.29. Nobody was active the week before that -> retention None.
#   Cat replied to Ann: both connected; Bob not -> 100 * 2 / 3 = 66.67.
#   content: Ann, Bob, Cat and the team's message -> 100 * 3 / 4 = 75. Nobody joined -> None.
def test_engagement_of_the_week_before(week: None) -> None:
    assert only(kpis(WEEK.previous()), ENGAGEMENT_IDS) == {
        "stickiness_pct": 14.29,
        "retention_pct": None,
        "connected_members_pct": 66.67,
        "ugc_share_pct": 75.0,
        "newcomer_welcome_rate_pct": None,
    }


# The week after [07-08, 07-15): nobody active, no content, no joins: every share is undefined
# (None) except retention: 7 were active the week before, none of them now -> 0.
def test_a_silent_week_after_an_active_one(week: None) -> None:
    assert only(kpis(Period(date(2024, 7, 8), date(2024, 7, 15))), ENGAGEMENT_IDS) == {
        "stickiness_pct": None,
        "retention_pct": 0.0,
        "connected_members_pct": None,
        "ugc_share_pct": None,
        "newcomer_welcome_rate_pct": None,
    }


# Stickiness counts days in the community's time zone. [07-06, 07-08): Bob alone, at 20:00 and
# 22:30 UTC on 07-06. In UTC that is one day of two -> 100 * 1 / 2 / 1 = 50. In Moscow (UTC+3)
# it is 23:00 on 07-06 and 01:30 on 07-07: two days of two -> 100 * 2 / 2 / 1 = 100.
def test_stickiness_counts_days_in_the_community_time_zone(week: None) -> None:
    utc = Period(date(2024, 7, 6), date(2024, 7, 8))
    msk = Period(date(2024, 7, 6), date(2024, 7, 8), "Europe/Moscow")
    assert kpis(utc)["stickiness_pct"] == 50.0
    assert kpis(msk)["stickiness_pct"] == 100.0


# Days across a daylight-saving change (marts.member_days finds each activity's local day from
# the local midnights, not from a fixed offset). Kyiv moves from UTC+2 to UTC+3 at 01:00 UTC on
# 2024-03-31, so its 03-31 is 23 hours: [03-30 22:00, 03-31 21:00) UTC.
# Bob at 03-30 21:30 (23:30 local, 03-30), 03-30 22:30 (00:30, 03-31), 03-31 20:30 (23:30, 03-31)
# and 03-31 21:30 UTC (00:30 on 04-01 at +3; +2 would wrongly keep it on 03-31); Ann at 03-31
# 20:30 UTC (03-31).
# Kyiv [03-31, 04-01): active Bob, Ann -> 2; messages 22:30, 20:30, Ann's -> 3;
#   stickiness 2 member-days / 1 day / 2 active = 100.
# Kyiv [03-30, 04-02): Bob 03-30, 03-31, 04-01 + Ann 03-31 = 4 member-days / 3 days / 2 -> 66.67.
# UTC [03-30, 04-02): Bob 03-30, 03-31 + Ann 03-31 = 3 / 3 / 2 -> 50.
def test_local_days_follow_a_daylight_saving_change(data_dir: Path) -> None:
    c = ChatBuilder("Kyiv chat", chat_id=1002)
    for at in ("2024-03-30 21:30", "2024-03-30 22:30", "2024-03-31 20:30", "2024-03-31 21:30"):
        c.message(at, "Bob", "hi")
    c.message("2024-03-31 20:30", "Ann", "hi")
    ingest_chat(c, data_dir / "result.json")
    build()
    kyiv_day = kpis(Period(date(2024, 3, 31), date(2024, 4, 1), "Europe/Kyiv"))
    assert (kyiv_day["active_members"], kyiv_day["messages"]) == (2, 3)
    assert kyiv_day["stickiness_pct"] == 100.0
    assert kpis(Period(date(2024, 3, 30), date(2024, 4, 2), "Europe/Kyiv"))["stickiness_pct"] == (
        66.67
    )
    assert kpis(Period(date(2024, 3, 30), date(2024, 4, 2)))["stickiness_pct"] == 50.0


# A stray old date (more than 20 years before the newest activity) is outside the mart's table
# of quarter hours and gets its local day one by one: Moscow was UTC+4 in the summer of 1995,
# so 1995-06-01 21:30 UTC is 01:30 on 06-02 there.
def test_an_activity_decades_before_the_rest_still_counts_on_its_local_day(data_dir: Path) -> None:
    c = ChatBuilder("Old chat", chat_id=1003)
    c.message("1995-06-01 21:30", "Bob", "hello from the past")
    c.message("2024-03-31 10:00", "Ann", "hi")
    ingest_chat(c, data_dir / "result.json")
    build()
    june_2nd = kpis(Period(date(1995, 6, 2), date(1995, 6, 3), "Europe/Moscow"))
    assert (june_2nd["active_members"], june_2nd["messages"]) == (1, 1)
    assert kpis(Period(date(1995, 6, 1), date(1995, 6, 2), "Europe/Moscow"))["messages"] == 0
    assert kpis(Period(date(2024, 3, 31), date(2024, 4, 1), "Europe/Moscow"))["messages"] == 1


def test_kpis_refuse_a_period_in_another_time_zone(data_dir: Path) -> None:
    """The marts count days in the community's zone: another zone's period would be miscounted."""
    c = ChatBuilder("Kyiv chat", chat_id=1002)
    c.message("2024-03-30 21:30", "Bob", "hi")
    ingest_chat(c, data_dir / "result.json")
    build()
    with read_connection() as con, pytest.raises(ValueError, match="community's days"):
        compute_kpis(con, Period(date(2024, 3, 30), date(2024, 4, 2), "Europe/Kyiv"))


# ---------------------------------------------------------------- CHANNELS: a chat and a VK group

VK_NOW = int(datetime(2024, 6, 20, 12, 0, tzinfo=UTC).timestamp())  # when the VK group is read
EVENT = "zoom:111222333"


def unixtime(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def channels_chat() -> ChatBuilder:
    c = ChatBuilder("Волонтёры Города — чат", chat_id=1001)
    c.message("2024-05-25 10:00", "Cat", "Привет")
    c.join("2024-06-02 10:00", "Ann")
    q1 = c.message(
        "2024-06-03 10:00", "Ann", "Когда субботник?", reactions=[("👍", "Bob", "2024-06-03 10:10")]
    )
    c.message("2024-06-03 10:30", "Bob", "В субботу", reply_to=q1)
    c.message("2024-06-04 12:00", "Bob", "Спасибо всем")
    team_says(c, "2024-06-05 09:00", "Анонс субботника")
    c.leave("2024-06-10 10:00", "Cat")
    return c


def vk_group(vk: FakeVkApi) -> None:
    for user_id in range(1001, 1006):
        vk.add_member(user_id)
    vk.add_post(unixtime("2024-05-20 10:00"), "Майский пост", views=1000, likers=[1001])
    p1 = vk.add_post(unixtime("2024-06-05 10:00"), "Субботник", views=200, likers=[1001, 1002])
    vk.add_comment(p1, 1003, unixtime("2024-06-05 11:00"), "Круто")
    vk.add_post(unixtime("2024-06-12 10:00"), "Итоги", views=100)
    vk.add_post(
        unixtime("2024-06-15 10:00"), "Мои фото", from_id=1002, views=50, likers=[1001]
    )  # a member's post on the group's wall


def registration_form(path: Path) -> Path:
    """A Google Form for the Zoom event: (timestamp, e-mail, name, how did you hear about us)."""
    rows = [
        ("01.06.2024 09:00:00", "anna@example.org", "Анна", "Волонтёры Города"),  # VK's name
        ("02.06.2024 09:00:00", "boris@example.org", "Борис", "vk"),  # the only VK channel
        ("03.06.2024 09:00:00", "vera@example.org", "Вера", "telegram:1001"),  # a channel id
        ("04.06.2024 09:00:00", "gena@example.org", "Гена", "Telegram"),  # the only Telegram one
        ("05.06.2024 09:00:00", "egor@example.org", "Егор", "1001"),  # the chat's Telegram id
        ("06.06.2024 09:00:00", "dima@example.org", "Дима", "Из чата"),  # names no channel
        # the VK group's name inside the answer
        ("07.06.2024 09:00:00", "zhanna@example.org", "Жанна", "Группа «Волонтёры Города» в VK"),
        # both names inside, the group's within the chat's: the longer, the chat's, is meant
        ("08.06.2024 09:00:00", "zoya@example.org", "Зоя", "Чат «Волонтёры Города — чат»"),
    ]
    lines = ["Отметка времени,Адрес электронной почты,Имя,Откуда вы узнали о встрече?"]
    lines += [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fill_channels(folder: Path) -> None:
    ingest_chat(channels_chat(), folder / "chat" / "result.json")
    with FakeVkApi(VK_GROUP) as vk, pytest.MonkeyPatch.context() as mp:
        vk_group(vk)
        mp.setenv(VK_TOKEN_ENV, vk.token)
        mp.setattr("pipelines.vk._now", lambda: VK_NOW)
        result = refresh_api(
            "vk",
            {
                "name": "group",
                "group_id": VK_GROUP,
                "base_url": vk.base_url,
                "token_env": VK_TOKEN_ENV,
                "min_interval": 0,
                "stats": False,
            },
        )
        assert not result.failed, result.messages
    zoom = zoom_report(
        folder / "zoom.csv",
        "111 222 333",
        "06/15/2024",
        [
            ("Анна", "anna@example.org", "10:00", "11:00"),
            ("Вера", "vera@example.org", "10:00", "11:00"),
            ("Дима", "dima@example.org", "10:00", "11:00"),
            ("Жанна", "zhanna@example.org", "10:00", "11:00"),
        ],
    )
    for kind, path, options in (
        ("zoom-participants", zoom, {}),
        ("google-forms", registration_form(folder / "form.csv"), {"event_id": EVENT}),
    ):
        result = ingest_file(kind, path, **options)
        assert not result.failed, result.messages


@pytest.fixture(scope="module")
def channels_dw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return warehouse_of(tmp_path_factory, fill_channels)


@pytest.fixture
def two_channels(channels_dw: Path, use_warehouse: Callable[[Path], None]) -> None:
    use_warehouse(channels_dw)


JUNE = Period(date(2024, 6, 1), date(2024, 7, 1))


# Content published in JUNE (the May post, 1000 views, is outside):
#   VK: "Субботник" 200 views, 2 likes + 1 comment; "Итоги" 100 views; the member's "Мои фото"
#     50 views, 1 like; the comment "Круто" (no views known) -> views 350, 3 posts with views,
#     reactions + comments of content with views 3 + 0 + 1 = 4.
#   Telegram: no views for any message; its reactions and replies are left out of the rate.
# community: content_views 350; views_per_post 350 / 3 = 116.67 (the chat's posts, whose views
#   are unknown, are not counted: dividing by them too would give 350 / 6 = 58.33);
#   engagement 100 * 4 / 350 = 1.14 (with the chat's 2 reactions + replies it would be 1.71).
# the chat alone: nothing known -> None; VK alone: the same as the community.
def test_views_and_engagement_count_content_with_known_views(two_channels: None) -> None:
    known = {"content_views": 350, "views_per_post": 116.67, "engagement_rate_pct": 1.14}
    assert only(kpis(JUNE), CONTENT_IDS) == known
    assert only(kpis(JUNE, VK), CONTENT_IDS) == known
    assert only(kpis(JUNE, CHAT), CONTENT_IDS) == dict.fromkeys(CONTENT_IDS)


# The VK group alone, JUNE (30 days; the previous period is [05-02, 06-01)):
#   active: 1001 and 1002 liked "Субботник" and 1003 commented on it on 06-05; 1002 posted and
#   1001 liked it on 06-15 -> 3 active, 5 member-days -> 100 * 5 / 30 / 3 = 5.56.
#   retention: 1001 liked the May post (05-20) and is active again -> 100 * 1 / 1 = 100.
#   connected: the only comment answers the group's own post (the team) -> 0 of 3 -> 0.
#   UGC: the group's "Субботник" and "Итоги" are the team's; 1003's comment and 1002's post are
#   members' -> 100 * 2 / 4 = 50.
#   newcomers: the first read lists who is there without inventing joins -> nobody joined: None.
def test_engagement_of_the_vk_group(two_channels: None) -> None:
    assert only(kpis(JUNE, VK), ENGAGEMENT_IDS) == {
        "stickiness_pct": 5.56,
        "retention_pct": 100.0,
        "connected_members_pct": 0.0,
        "ugc_share_pct": 50.0,
        "newcomer_welcome_rate_pct": None,
    }


# The chat, JUNE (channel_effectiveness row 1; Telegram sorts before VK):
#   members at the end: Cat left 06-10; Ann (joined 06-02), Bob (reacted 06-03) -> 2;
#   joined Ann 1, left Cat 1; active Ann, Bob 2; messages: Ann's question, Bob's reply and
#   message 3; posts (top-level, the team's included): the question, "Спасибо всем", the team's
#   "Анонс" 3; views unknown; reactions: the question's reaction + reply 2; engagement unknown;
#   questions: Ann's, answered by Bob after 30 min -> 1, 30.0, 100.0.
#   registrations whose source is the chat: Вера ("telegram:1001", its id), Гена ("Telegram",
#   the only Telegram channel), Егор ("1001", its Telegram id), Зоя (the chat's name, which
#   holds the group's) -> 4; Вера came -> 25.0.
# The VK group, JUNE (row 2):
#   members: VK's member count when read on 06-20 -> 5; no joins or leaves seen (the first read
#   lists who is there, with no invented joins); active: likers 1001, 1002, commenter 1003, the
#   wall post of 1002 -> 3; messages 0 (posts, comments and likes are not messages); posts 3;
#   views 350; reactions 4 (as above); engagement 1.14; no questions.
#   registrations: Анна ("Волонтёры Города", its name), Борис ("vk", the only VK channel),
#   Жанна (its name inside her answer) -> 3; Анна and Жанна came -> 66.67.
#   Дима's "Из чата" names no channel: nobody's.
def test_channel_effectiveness_rows(two_channels: None) -> None:
    with read_connection() as con:
        table = run_kpi_query(con, "channel_effectiveness", JUNE.params())
    # plain integers and floats (not DuckDB's 128-bit sums as decimals) for pages and JSON
    assert set(table.drop("channel_id", "platform", "name", "kind").dtypes) == {
        pl.Int64,
        pl.Float64,
    }
    assert table.rows(named=True) == [
        {
            "channel_id": CHAT,
            "platform": "telegram",
            "name": "Волонтёры Города — чат",
            "kind": "chat",
            "members_total": 2,
            "members_joined": 1,
            "members_left": 1,
            "active_members": 2,
            "messages": 3,
            "posts": 3,
            "views": None,
            "reactions": 2,
            "engagement_rate_pct": None,
            "questions": 1,
            "first_response_median_minutes": 30.0,
            "response_rate_pct": 100.0,
            "event_registrations": 4,
            "registration_attendance_pct": 25.0,
        },
        {
            "channel_id": VK,
            "platform": "vk",
            "name": "Волонтёры Города",
            "kind": "broadcast",
            "members_total": 5,
            "members_joined": 0,
            "members_left": 0,
            "active_members": 3,
            "messages": 0,
            "posts": 3,
            "views": 350,
            "reactions": 4,
            "engagement_rate_pct": 1.14,
            "questions": 0,
            "first_response_median_minutes": None,
            "response_rate_pct": None,
            "event_registrations": 3,
            "registration_attendance_pct": 66.67,
        },
    ]


# Each column named like a KPI is that KPI of the channel, as compute_kpis gives it (views is
# content_views), in May and June and for a single day. event_registrations is the exception by
# design: the table counts registrations whose source is the channel, the KPI registrations for
# events held in it (the Zoom event belongs to no channel: 0 for both).
def test_channel_effectiveness_equals_the_kpis_of_each_channel(two_channels: None) -> None:
    compared = [c for c in queries.channel_table(JUNE).columns if c in KPI_IDS]
    assert set(compared) >= {"members_total", "active_members", "reactions", "response_rate_pct"}
    compared.remove("event_registrations")
    for period in (
        JUNE,
        Period(date(2024, 5, 1), date(2024, 6, 1)),
        Period.from_inclusive("2024-06-03", "2024-06-03"),
    ):
        table = queries.channel_table(period)
        assert table["channel_id"].to_list() == [CHAT, VK]
        for row in table.iter_rows(named=True):
            expected = kpis(period, row["channel_id"])
            assert {k: row[k] for k in compared} == {k: expected[k] for k in compared}, period
            assert row["views"] == expected["content_views"]
            assert expected["event_registrations"] == 0


# The CLI's JSON: every KPI id with compute_kpis's value, and the channels side by side.
def test_cli_json_has_every_kpi_and_the_channel_table(two_channels: None) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pipelines", "kpis", "--start", "2024-06-01", "--end", "2024-07-01"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    assert list(document["kpis"]) == list(KPI_IDS)
    assert document["kpis"] == kpis(JUNE)
    rows = document["channel_effectiveness"]
    assert [r["channel_id"] for r in rows] == [CHAT, VK]
    assert rows[1]["views"] == 350 and rows[1]["engagement_rate_pct"] == 1.14
    assert rows[0]["event_registrations"] == 4 and rows[0]["views"] is None
