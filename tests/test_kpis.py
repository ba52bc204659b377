"""KPI queries (sql/kpis) on tiny hand-built Telegram exports; every value is worked out by hand.

Three small communities are built once per module (ingest + build takes a second or two each):

- GROWTH: two group chats, joins, leaves, a leave-and-return, a member in both chats;
- ACTIVITY: one chat with activity exactly on the period's edges and around Moscow midnight;
- RESPONSES: a group chat and a broadcast channel (the team posting as the channel itself) with
  questions, replies and reactions.

Times in the comments are UTC unless marked MSK (Europe/Moscow, UTC+3, no DST).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import ChatBuilder, community_zone
from warehouse.connection import read_connection
from warehouse.kpis import KPI_QUERIES, compute_kpis, kpi_series
from warehouse.periods import Period

MSK = "Europe/Moscow"
TEAM = "Pulse News"  # the broadcast channel posting as itself: team, never a member
TEAM_ID = "channel2002"

CHAT_A = "telegram:1001"
CHAT_B = "telegram:1002"
NEWS = "telegram:2002"


# ---------------------------------------------------------------- helpers


def load(folder: Path, *chats: ChatBuilder) -> None:
    """Write each chat as its own export file, ingest them all, build the models."""
    for n, chat in enumerate(chats):
        result = ingest_telegram_export(chat.write(folder / f"export_{n}" / "result.json"))
        assert not result.failed, result.messages
    build()


# The channel and community KPIs these datasets exercise (event KPIs: tests/test_event_kpis.py,
# feedback KPIs: tests/test_feedback.py, content and engagement KPIs:
# tests/test_engagement_kpis.py); named, so that a KPI query added later does not change them.
CHANNEL_KPI_IDS = tuple(
    kpi
    for query, ids in KPI_QUERIES.items()
    if query in ("growth", "activity", "reactions", "questions")
    for kpi in ids
)


def kpis(period: Period, channel: str | None = None) -> dict[str, Any]:
    community_zone(period.timezone)  # a period is in the community's days
    with read_connection() as con:
        values = compute_kpis(con, period, channel)
    return {kpi: values[kpi] for kpi in CHANNEL_KPI_IDS}


def series(name: str, period: Period, channel: str | None = None) -> list[tuple]:
    with read_connection() as con:
        return kpi_series(con, name, period, channel).rows()


def only(values: dict[str, Any], *ids: str) -> dict[str, Any]:
    return {k: values[k] for k in ids}


def team_says(chat: ChatBuilder, at: str, text: str, **fields: Any) -> int:
    return chat.message(at, TEAM, text, from_id=TEAM_ID, **fields)


def warehouse_of(tmp_path_factory: pytest.TempPathFactory, *chats: ChatBuilder) -> Path:
    """Build a warehouse in its own data folder (for module-scoped fixtures)."""
    folder = tmp_path_factory.mktemp("warehouse")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PULSE_DATA_DIR", str(folder / "data"))
        load(folder, *chats)
    return folder / "data"


@pytest.fixture
def use_warehouse(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Callable[[Path], None]:
    """Point this test at a prebuilt warehouse (after conftest's per-test data folder is set)."""

    def use(folder: Path) -> None:
        monkeypatch.setenv("PULSE_DATA_DIR", str(folder))

    return use


# ---------------------------------------------------------------- GROWTH: two chats


def growth_chats() -> tuple[ChatBuilder, ChatBuilder]:
    a = ChatBuilder("Chat A", chat_id=1001)
    a.message("2024-01-10 12:00", "Eve", "hi")
    a.join("2024-02-01 10:00", "Bob")
    a.join("2024-02-05 10:00", "Cat")
    a.join("2024-02-10 10:00", "Ann")
    a.message("2024-02-15 10:00", "Ann", "hello A")
    a.leave("2024-02-20 10:00", "Eve")
    team_says(a, "2024-03-02 10:00", "Spring plans")
    a.leave("2024-03-03 10:00", "Cat")
    a.leave("2024-03-10 10:00", "Bob")
    a.join("2024-03-12 11:00", "Dan")
    a.join("2024-03-20 09:00", "Cat")  # leave, then return
    a.message("2024-03-20 10:00", "Cat", "back!")
    a.leave("2024-03-25 11:00", "Dan")
    a.join("2024-04-01 00:00", "Fay")  # exactly at the end of March

    b = ChatBuilder("Chat B", chat_id=1002)
    b.message("2024-02-20 10:00", "Bob", "hi B")  # present in B without a join message
    b.join("2024-03-01 00:00", "Gus")  # exactly at the start of March
    b.message("2024-03-01 00:00", "Gus", "hi all")
    b.join("2024-03-05 10:00", "Ann")  # Ann is now in both chats
    b.join("2024-03-12 10:00", "Dan")
    b.message("2024-03-15 10:00", "Bob", "still here")
    b.leave("2024-03-25 10:00", "Dan")
    return a, b


@pytest.fixture(scope="module")
def growth_dw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return warehouse_of(tmp_path_factory, *growth_chats())


@pytest.fixture
def growth(growth_dw: Path, use_warehouse: Callable[[Path], None]) -> None:
    use_warehouse(growth_dw)


MARCH = Period(date(2024, 3, 1), date(2024, 4, 1))
NO_ENGAGEMENT = {
    "reactions": 0,
    "first_reaction_median_minutes": None,
    "questions": 0,
    "first_response_median_minutes": None,
    "response_rate_pct": None,
}


# Community-wide, March = [03-01 00:00, 04-01 00:00):
# present at start (< 03-01): Ann (A), Bob (A + B), Cat (A); Eve left 02-20; Gus's join is exactly
#   at start, so not yet (< start) -> 3.
# present at end (< 04-01): Ann (A, B: once), Bob (left A, still in B), Cat (left, came back),
#   Gus (B); Dan joined and left both chats; Fay's join is exactly at end -> 4.
# joined (join activity in March, any chat, distinct): Ann (B), Gus (at start: included), Dan (A
#   and B: once), Cat (rejoin); Fay at end excluded -> 4.
# left (leave activity in March, distinct): Cat, Bob (A only: DESIGN counts "a leave activity"),
#   Dan (A and B: once) -> 3.
# net = 1; rate = 100 * 1 / 3 = 33.33.
# Activity (join/leave left out; team left out): Cat's "back!" (her first non-join activity ->
#   new), Gus's "hi all" (exactly at start, his first -> new), Bob's "still here" (he wrote in B
#   in Feb -> returning): active 3, messages 3, new 2, returning 1.
# No reactions, replies or questions.
def test_growth_community_wide(growth: None) -> None:
    assert kpis(MARCH) == {
        "members_total": 4,
        "members_joined": 4,
        "members_left": 3,
        "net_growth": 1,
        "growth_rate_pct": 33.33,
        "active_members": 3,
        "messages": 3,
        "new_active": 2,
        "returning_active": 1,
        **NO_ENGAGEMENT,
    }


# Chat A, March:
# at start: Ann, Bob, Cat (Eve left in Feb; the team is not a member) -> 3.
# at end: Ann; Bob left 03-10; Cat left 03-03 and rejoined 03-20; Dan came and went; Fay exactly
#   at end -> 2.
# joined: Dan, Cat (03-20) -> 2; left: Cat, Bob, Dan -> 3; net -1; rate 100 * -1 / 3 = -33.33.
# activity: Cat's "back!" (first non-join activity in A) -> active 1, messages 1, new 1.
def test_growth_per_channel_with_leave_and_return(growth: None) -> None:
    assert kpis(MARCH, CHAT_A) == {
        "members_total": 2,
        "members_joined": 2,
        "members_left": 3,
        "net_growth": -1,
        "growth_rate_pct": -33.33,
        "active_members": 1,
        "messages": 1,
        "new_active": 1,
        "returning_active": 0,
        **NO_ENGAGEMENT,
    }


# Chat B, March:
# at start: Bob (his message of 02-20 shows presence) -> 1; Gus joins exactly at start -> not yet.
# at end: Bob, Gus, Ann; Dan joined 03-12 and left 03-25 -> 3.
# joined: Gus, Ann, Dan -> 3; left: Dan -> 1; net 2; rate 100 * 2 / 1 = 200.
# activity: Bob's "still here" (his first activity in B was 02-20 -> returning) and Gus's "hi all"
#   (new) -> active 2, messages 2.
def test_growth_other_channel(growth: None) -> None:
    assert kpis(MARCH, CHAT_B) == {
        "members_total": 3,
        "members_joined": 3,
        "members_left": 1,
        "net_growth": 2,
        "growth_rate_pct": 200.0,
        "active_members": 2,
        "messages": 2,
        "new_active": 1,
        "returning_active": 1,
        **NO_ENGAGEMENT,
    }


# January: nobody is present at 01-01 00:00, so the growth rate is undefined (null, not 0 or an
# error). Eve's message (01-10) makes her present at the end without any join message: total 1,
# joined 0. She is active, and new (her first activity ever).
def test_growth_rate_is_null_when_nobody_was_present_at_start(growth: None) -> None:
    assert kpis(Period(date(2024, 1, 1), date(2024, 2, 1))) == {
        "members_total": 1,
        "members_joined": 0,
        "members_left": 0,
        "net_growth": 0,
        "growth_rate_pct": None,
        "active_members": 1,
        "messages": 1,
        "new_active": 1,
        "returning_active": 0,
        **NO_ENGAGEMENT,
    }


# series_members, members at the end of each day, [03-09, 03-13):
# community before 03-09: Ann, Bob, Cat at 03-01, + Gus 03-01, - Cat 03-03 (A was her only chat),
#   Ann joining B on 03-05 changes nothing -> 3.
#   03-09: 3; 03-10: Bob leaves A but stays in B -> 3; 03-11: 3; 03-12: + Dan -> 4.
#   (Dan joins both chats on 03-12 but counts once.)
# chat A before 03-09: Ann, Bob (Cat left) -> 2; 03-09: 2; 03-10: Bob leaves -> 1; 03-11: 1;
#   03-12: + Dan -> 2.
def test_series_members(growth: None) -> None:
    days = [date(2024, 3, d) for d in (9, 10, 11, 12)]
    period = Period(date(2024, 3, 9), date(2024, 3, 13))
    assert series("series_members", period) == list(zip(days, [3, 3, 3, 4], strict=True))
    assert series("series_members", period, CHAT_A) == list(zip(days, [2, 1, 1, 2], strict=True))


# ---------------------------------------------------------------- ACTIVITY: edges and time zones


def activity_chat() -> ChatBuilder:
    c = ChatBuilder("Chat A", chat_id=1001)
    c.message("2024-05-01 09:00", "Ann", "hello")
    # 22:30 UTC on 05-09 is 01:30 MSK on 05-10
    c.message("2024-05-09 22:30", "Cat", "good night", reactions=[("❤", "Ann", "2024-05-09 22:40")])
    # exactly at the start of the UTC day 05-10
    m1 = c.message(
        "2024-05-10 00:00", "Ann", "anyone here?", reactions=[("👍", "Cat", "2024-05-10 08:00")]
    )
    c.join("2024-05-10 10:00", "Eve")
    team_says(c, "2024-05-10 11:00", "Welcome, Eve!")
    c.message("2024-05-10 12:00", "Bob", "yes", reply_to=m1)
    c.message("2024-05-10 21:30", "Dan", "late news")  # 00:30 MSK on 05-11
    c.message("2024-05-11 00:00", "Fay", "morning, anyone?")  # exactly at the end of UTC 05-10
    c.message("2024-05-12 22:30", "Gus", "sunday night")  # Sunday UTC, Monday 01:30 MSK
    return c


@pytest.fixture(scope="module")
def activity_dw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return warehouse_of(tmp_path_factory, activity_chat())


@pytest.fixture
def activity(activity_dw: Path, use_warehouse: Callable[[Path], None]) -> None:
    use_warehouse(activity_dw)


# UTC day 05-10 = [05-10 00:00, 05-11 00:00):
# in: Ann's question at exactly 00:00 (start included), Cat's reaction 08:00, Eve's join 10:00,
#   team 11:00, Bob's reply 12:00, Dan 21:30; out: Fay's question at exactly 05-11 00:00 (end
#   excluded), Cat 05-09 22:30 and Ann's reaction 22:40.
# growth: at start Ann, Cat -> 2; at end + Eve, Bob, Dan -> 5 (Fay not yet); joined Eve -> 1;
#   net 1; rate 100 * 1 / 2 = 50.
# activity: Ann, Cat (a reaction is activity), Bob, Dan -> 4; messages: question, reply, Dan's -> 3
#   (not the reaction, the join or the team); new: Bob, Dan; returning: Ann (05-01), Cat (05-09).
# reactions: question 1 reaction + 1 reply -> 2 (others 0).
# first reaction: question -> Cat at 08:00 = 480 min; team post and Dan's: none -> 480.
# questions: Ann's -> 1, answered by Bob 12 h later = 720 min, within 7 days -> 100 %.
def test_period_edges_start_included_end_excluded(activity: None) -> None:
    assert kpis(Period(date(2024, 5, 10), date(2024, 5, 11))) == {
        "members_total": 5,
        "members_joined": 1,
        "members_left": 0,
        "net_growth": 1,
        "growth_rate_pct": 50.0,
        "active_members": 4,
        "messages": 3,
        "new_active": 2,
        "returning_active": 2,
        "reactions": 2,
        "first_reaction_median_minutes": 480.0,
        "questions": 1,
        "first_response_median_minutes": 720.0,
        "response_rate_pct": 100.0,
    }


# Moscow day 05-10 = [05-09 21:00, 05-10 21:00) UTC: Cat's 22:30 message and Ann's 22:40
# reaction move in, Dan's 21:30 message moves out.
# growth: at start Ann -> 1; at end Ann, Cat, Eve, Bob -> 4; joined Eve; net 1; rate 100.
# activity: Cat, Ann, Bob -> 3; messages: Cat's, Ann's question, Bob's reply -> 3;
#   new: Cat (first ever at 22:30 >= 21:00), Bob; returning: Ann.
# reactions: Cat's message 1 + question 1 + 1 reply -> 3.
# first reaction: Cat's message -> Ann after 10 min, question -> 480 min: median (10+480)/2 = 245.
# questions: unchanged -> 1, 720, 100 %.
def test_community_time_zone_shifts_the_period(activity: None) -> None:
    assert kpis(Period(date(2024, 5, 10), date(2024, 5, 11), MSK)) == {
        "members_total": 4,
        "members_joined": 1,
        "members_left": 0,
        "net_growth": 1,
        "growth_rate_pct": 100.0,
        "active_members": 3,
        "messages": 3,
        "new_active": 2,
        "returning_active": 1,
        "reactions": 3,
        "first_reaction_median_minutes": 245.0,
        "questions": 1,
        "first_response_median_minutes": 720.0,
        "response_rate_pct": 100.0,
    }


# series_activity, (day, active, messages), [05-09, 05-12):
# UTC: 05-09 Cat's message + Ann's reaction -> (2, 1); 05-10 Ann, Cat, Bob, Dan -> (4, 3);
#   05-11 Fay -> (1, 1).
# MSK: 05-09 nothing -> (0, 0); 05-10 Cat, Ann (reaction 01:40 MSK, question 03:00 MSK), Bob ->
#   (3, 3); 05-11 Dan (00:30 MSK), Fay (03:00 MSK) -> (2, 2). Gus is 05-13 MSK, after the end.
def test_series_activity_per_local_day(activity: None) -> None:
    days = [date(2024, 5, d) for d in (9, 10, 11)]
    utc = Period(date(2024, 5, 9), date(2024, 5, 12))
    msk = Period(date(2024, 5, 9), date(2024, 5, 12), MSK)
    assert series("series_activity", utc) == [(days[0], 2, 1), (days[1], 4, 3), (days[2], 1, 1)]
    assert series("series_activity", msk) == [(days[0], 0, 0), (days[1], 3, 3), (days[2], 2, 2)]


# series_active_weekly (weeks start on Monday): 04-29 and 05-06 and 05-13 are Mondays.
# UTC [04-29, 05-13): week 04-29 Ann (05-01) -> 1; week 05-06 Cat, Ann, Bob, Dan, Fay and Gus
#   (Sunday 05-12 22:30) -> 6.
# MSK [04-29, 05-20): week 04-29 Ann -> 1; week 05-06 Cat, Ann, Bob, Dan, Fay -> 5;
#   week 05-13 Gus (Monday 01:30 MSK) -> 1.
def test_series_active_weekly(activity: None) -> None:
    utc = Period(date(2024, 4, 29), date(2024, 5, 13))
    msk = Period(date(2024, 4, 29), date(2024, 5, 20), MSK)
    assert series("series_active_weekly", utc) == [(date(2024, 4, 29), 1), (date(2024, 5, 6), 6)]
    assert series("series_active_weekly", msk) == [
        (date(2024, 4, 29), 1),
        (date(2024, 5, 6), 5),
        (date(2024, 5, 13), 1),
    ]


# series_members, [05-09, 05-12):
# UTC: Ann before -> 1; 05-09 + Cat -> 2; 05-10 + Eve, Bob, Dan -> 5; 05-11 + Fay -> 6.
# MSK: Ann before -> 1; 05-09 nothing -> 1; 05-10 + Cat, Eve, Bob -> 4; 05-11 + Dan, Fay -> 6.
def test_series_members_per_local_day(activity: None) -> None:
    days = [date(2024, 5, d) for d in (9, 10, 11)]
    utc = Period(date(2024, 5, 9), date(2024, 5, 12))
    msk = Period(date(2024, 5, 9), date(2024, 5, 12), MSK)
    assert series("series_members", utc) == list(zip(days, [2, 5, 6], strict=True))
    assert series("series_members", msk) == list(zip(days, [1, 4, 6], strict=True))


# ---------------------------------------------------------------- RESPONSES: chat + channel


def responses_chats() -> tuple[ChatBuilder, ChatBuilder]:
    c = ChatBuilder("Chat A", chat_id=1001)
    c.message("2024-05-20 12:00", "Cat", "Hi all")
    e1 = c.message("2024-06-02 10:00", "Eve", "Hello?")  # a question before the period
    c.message("2024-06-03 09:30", "Ann", "Hi Eve", reply_to=e1)
    q1 = c.message(
        "2024-06-03 10:00",
        "Ann",
        "How do I join?",
        # the author's own reaction (10:01) does not count; Bob's at 10:10 does
        reactions=[("👍", "Ann", "2024-06-03 10:01"), ("❤", "Bob", "2024-06-03 10:10")],
    )
    team_says(c, "2024-06-03 10:45", "Via the link", reply_to=q1)
    c.message("2024-06-03 11:00", "Cat", "Same question", reply_to=q1)
    q2 = c.message("2024-06-04 09:00", "Bob", "Is there a meetup?")
    c.message("2024-06-04 09:05", "Bob", "anyone?", reply_to=q2)  # a self-reply
    c.message(
        "2024-06-05 12:00",
        "Cat",
        "Anyone tried it?",
        reactions=[("🔥", "Dan", "2024-06-05 12:30")],
        extra_reactions=2,
    )
    team_says(
        c, "2024-06-06 10:00", "Meetup on Friday?", reactions=[("👍", "Ann", "2024-06-06 10:05")]
    )
    q4 = c.message("2024-06-10 08:00", "Dan", "What time?")
    c.message(
        "2024-06-10 08:30",
        "Ann",
        "At 7",
        reply_to=q4,
        reactions=[("👍", "Bob", "2024-06-10 08:31")],  # a reaction to a reply
    )
    c.message("2024-06-11 14:00", "Ann", "Thanks all")
    c.message("2024-06-12 09:00", "Dan", "Yes, Friday", reply_to=q2)  # 8 days after q2

    news = ChatBuilder(TEAM, chat_id=2002, kind="public_channel")
    team_says(
        news,
        "2024-06-03 09:00",
        "New release",
        reactions=[("🔥", "Ann", "2024-06-03 09:10"), ("🔥", "Bob", "2024-06-03 09:40")],
        extra_reactions=3,
    )
    team_says(news, "2024-06-07 09:00", "Poll?", reactions=[("👍", "Cat", "2024-06-07 10:00")])
    return c, news


@pytest.fixture(scope="module")
def responses_dw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return warehouse_of(tmp_path_factory, *responses_chats())


@pytest.fixture
def responses(responses_dw: Path, use_warehouse: Callable[[Path], None]) -> None:
    use_warehouse(responses_dw)


# Two weeks: Monday 06-03 to Monday 06-17.
JUNE = Period(date(2024, 6, 3), date(2024, 6, 17))

# Per top-level post published in JUNE, minutes to the first reaction or reply by someone else:
#   q1 "How do I join?"   Ann's own 10:01 reaction ignored; Bob's reaction 10:10 -> 10
#   q2 "Is there a meetup?" Bob's self-reply ignored; Dan's reply 8 days later -> 11520
#   q3 "Anyone tried it?" Dan's reaction -> 30
#   team "Meetup on Friday?" Ann's reaction -> 5
#   q4 "What time?"       Ann's reply -> 30
#   "Thanks all"          nothing -> left out of the median
#   news "New release"    Ann's reaction 09:10 -> 10
#   news "Poll?"          Cat's reaction 10:00 -> 60
# (Ann's reply "At 7" got a reaction after 1 min, but replies are not posts: if counted, the
#  medians below would become 20.)
# Questions asked in JUNE (members, not replies, with "?"): q1, q2, q3, q4. Not: Eve's (asked
# 06-02), the team's "Meetup on Friday?" and "Poll?", Bob's "anyone?" (a reply).
#   q1 -> the team's reply at 10:45 = 45 min (a team reply is a response)
#   q2 -> Dan's reply = 11520 min (answered, but not within 7 days; the self-reply is no answer)
#   q3 -> unanswered (a reaction is not a response)
#   q4 -> Ann's reply = 30 min
#   median(30, 45, 11520) = 45; within 7 days: q1, q4 -> 100 * 2 / 4 = 50.


# Community-wide, JUNE:
# growth: present at start: Cat (05-20), Eve (06-02) -> 2; at end + Ann, Bob, Dan (messages and
#   reactions show presence; Ann, Bob, Cat are in both the chat and the channel: counted once;
#   the team is not a member) -> 5; no joins or leaves -> net 0, rate 0.
# activity: Ann, Bob, Cat, Dan -> 4 (Eve did nothing in JUNE); messages by members in the chat:
#   Ann "Hi Eve", q1, Cat "Same question", q2, Bob "anyone?", q3, q4, "At 7", "Thanks all",
#   "Yes, Friday" -> 10; new: Ann, Bob, Dan; returning: Cat -> 3 / 1.
# reactions (platform count + replies) of content published in JUNE:
#   chat: q1 2 + 2 replies, q2 0 + 2, q3 3 (1 named + 2 more), team 1, q4 0 + 1, "At 7" 1 -> 12;
#   news: "New release" 5, "Poll?" 1 -> 6; total 18 (Eve's question and its reply: published
#   before JUNE).
# first reaction: 5, 10, 10, 30, 30, 60, 11520 -> median 30.
def test_engagement_community_wide(responses: None) -> None:
    values = kpis(JUNE)
    assert tuple(values) == CHANNEL_KPI_IDS  # every KPI, in the reported order
    assert values == {
        "members_total": 5,
        "members_joined": 0,
        "members_left": 0,
        "net_growth": 0,
        "growth_rate_pct": 0.0,
        "active_members": 4,
        "messages": 10,
        "new_active": 3,
        "returning_active": 1,
        "reactions": 18,
        "first_reaction_median_minutes": 30.0,
        "questions": 4,
        "first_response_median_minutes": 45.0,
        "response_rate_pct": 50.0,
    }


# The group chat, JUNE: the same people as community-wide (everyone was in the chat);
# reactions 12; first reaction: 5, 10, 30, 30, 11520 -> 30; the same four questions.
def test_engagement_group_chat(responses: None) -> None:
    assert kpis(JUNE, CHAT_A) == {
        "members_total": 5,
        "members_joined": 0,
        "members_left": 0,
        "net_growth": 0,
        "growth_rate_pct": 0.0,
        "active_members": 4,
        "messages": 10,
        "new_active": 3,
        "returning_active": 1,
        "reactions": 12,
        "first_reaction_median_minutes": 30.0,
        "questions": 4,
        "first_response_median_minutes": 45.0,
        "response_rate_pct": 50.0,
    }


# The broadcast channel, JUNE: only the team posts (team: not members, not questions).
# growth: reactors Ann, Bob (06-03), Cat (06-07) are its audience -> 3; nobody before -> rate null.
# activity: Ann, Bob, Cat reacted -> 3; new are Ann and Bob, whose first activity ever is in
#   JUNE; Cat is returning: "first activity ever" is community-wide even in one channel's view,
#   and she wrote in the chat on 05-20;
#   messages 0 (reactions are not messages, posts are the team's).
# reactions 5 + 1 = 6; first reaction: 10 and 60 -> median interpolates to 35.
def test_engagement_broadcast_channel(responses: None) -> None:
    assert kpis(JUNE, NEWS) == {
        "members_total": 3,
        "members_joined": 0,
        "members_left": 0,
        "net_growth": 0,
        "growth_rate_pct": None,
        "active_members": 3,
        "messages": 0,
        "new_active": 2,
        "returning_active": 1,
        "reactions": 6,
        "first_reaction_median_minutes": 35.0,
        "questions": 0,
        "first_response_median_minutes": None,
        "response_rate_pct": None,
    }


# Reactor times are written as the exporting computer's local time (UTC+3) in the export.
# On 06-03 the channel has one post (09:00), first reacted to at 09:10 -> 10.0 minutes (read as
# UTC it would be 190).
# The chat on 06-03: q1 -> Bob's reaction 10 min (not Ann's own after 1 min) -> 10.0.
def test_reaction_times_are_read_back_as_utc(responses: None) -> None:
    day = Period(date(2024, 6, 3), date(2024, 6, 4))
    assert kpis(day, NEWS)["first_reaction_median_minutes"] == 10.0
    assert kpis(day, CHAT_A)["first_reaction_median_minutes"] == 10.0


class KyivChatBuilder(ChatBuilder):
    """An export made on a computer in Kyiv: local `date`s follow Europe/Kyiv, DST included."""

    def _stamp(self, at: datetime) -> dict[str, str]:
        local = at.astimezone(ZoneInfo("Europe/Kyiv")).replace(tzinfo=None)
        return {
            "date": local.isoformat(timespec="seconds"),
            "date_unixtime": str(int(at.timestamp())),
        }


# Kyiv moves from UTC+2 to UTC+3 on 2024-03-31 01:00 UTC. A post at 03-30 12:00 UTC (local 14:00)
# gets a reaction at 03-31 12:00 UTC, which the export writes as local 15:00 (UTC+3): the first
# reaction came after exactly 24 h = 1440 minutes. Reactions carry no UTC time; the offset comes
# from the message closest in time, here Bob's at 03-31 12:30 (converting with the post's own
# offset would give 1500).
def test_reaction_time_across_a_dst_change(tmp_path: Path) -> None:
    chat = KyivChatBuilder()
    chat.message("2024-03-30 12:00", "Ann", "spring", reactions=[("👍", "Bob", "2024-03-31 12:00")])
    chat.message("2024-03-31 12:30", "Bob", "summer time")
    load(tmp_path, chat)
    day = Period(date(2024, 3, 30), date(2024, 3, 31))
    assert kpis(day)["first_reaction_median_minutes"] == 1440.0


# First week [06-03, 06-10): questions q1, q2, q3; answered q1 (45), q2 (11520): median
# (45 + 11520) / 2 = 5782.5; within 7 days q1 only: 100 * 1 / 3 = 33.33 (rounded to 2 decimals).
# First reaction: q1 10, q2 11520, q3 30, team 5, news 10 and 60 -> median (10 + 30) / 2 = 20.
def test_first_week_rounding_and_interpolated_medians(responses: None) -> None:
    week = Period(date(2024, 6, 3), date(2024, 6, 10))
    assert only(
        kpis(week),
        "questions",
        "first_response_median_minutes",
        "response_rate_pct",
        "first_reaction_median_minutes",
    ) == {
        "questions": 3,
        "first_response_median_minutes": 5782.5,
        "response_rate_pct": 33.33,
        "first_reaction_median_minutes": 20.0,
    }


# series_first_response_weekly, (week, questions, answered, median minutes):
# week 06-03: q1 (45), q2 (11520), q3 (unanswered) -> (3, 2, 5782.5); week 06-10: q4 -> (1, 1, 30).
# The broadcast channel has no questions: no rows.
def test_series_first_response_weekly(responses: None) -> None:
    assert series("series_first_response_weekly", JUNE) == [
        (date(2024, 6, 3), 3, 2, 5782.5),
        (date(2024, 6, 10), 1, 1, 30.0),
    ]
    assert series("series_first_response_weekly", JUNE, NEWS) == []


# series_activity on the broadcast channel, [06-03, 06-08): members only react there ->
# 06-03 Ann and Bob -> 2 active; 06-07 Cat -> 1; other days 0; never any messages.
def test_series_activity_per_channel(responses: None) -> None:
    period = Period(date(2024, 6, 3), date(2024, 6, 8))
    assert series("series_activity", period, NEWS) == [
        (date(2024, 6, 3), 2, 0),
        (date(2024, 6, 4), 0, 0),
        (date(2024, 6, 5), 0, 0),
        (date(2024, 6, 6), 0, 0),
        (date(2024, 6, 7), 1, 0),
    ]


# ---------------------------------------------------------------- idempotence


def every_kpi() -> dict[tuple[Period, str | None], dict[str, Any]]:
    periods = (JUNE, Period(date(2024, 6, 3), date(2024, 6, 10), MSK))
    return {(p, ch): kpis(p, ch) for p in periods for ch in (None, CHAT_A, NEWS)}


def test_reingesting_the_same_files_changes_no_kpi(tmp_path: Path) -> None:
    chats = responses_chats()
    load(tmp_path, *chats)
    before = every_kpi()
    load(tmp_path, *chats)  # the very same files again
    assert every_kpi() == before
    assert before[(JUNE, None)]["reactions"] == 18  # and they are the hand-checked ones
