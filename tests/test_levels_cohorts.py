"""Engagement levels (marts.member_levels, sql/kpis/levels.sql, level_movement.sql), the cohort
table (sql/kpis/cohorts.sql), joins and leaves per day, and the level settings; every number is
worked out by hand.

The community (times UTC; thresholds set low so the arithmetic reads: Leading ≥ 10,
Contributing ≥ 5, Participating ≥ 2; weights: message 2, reply 3, reaction 1, join/leave 0):

Chat "Клуб" (telegram:1001)
- 10 Jan 2024 Борис writes a message; Аня replies to it on 10, 11 and 12 Jan (3 replies).
- 15 Jan Гоша joins. 5 Feb Вера joins. 20 Feb Дима leaves (the only thing he ever does).
- 5 and 6 Mar Аня writes two messages; Гоша reacts to the second on 6 Mar.
- 7 Mar the team (the chat posting as itself) writes three messages: never counted.
Channel "Новости" (telegram:2002, broadcast)
- 10 Mar the team posts; Вера reacts to it.

Scores (sum of weight × 0.9^months_ago over the month and the 11 before it):
- Аня: Jan 9 (3×3), Feb 9×0.9 = 8.1, Mar 2×2 + 9×0.81 = 11.29, Dec 2024 9×0.9^11 + 4×0.9^9
  = 2.824295 + 1.549682 = 4.373977, Jan 2025 4×0.9^10 = 1.394748, Feb 2025 4×0.9^11 = 1.255242,
  then nothing (Mar 2025: the March 2024 messages are 12 months old).
- Борис: Jan 2, Feb 1.8, Mar 1.62, ..., Dec 2024 2×0.9^11 = 0.627621, then nothing.
- Гоша, Вера: Mar 2024 1 (a reaction; the joins weigh 0), ..., Feb 2025 0.9^11 = 0.313811.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import ChatBuilder
from warehouse.accounts import OPERATOR
from warehouse.community import LEVEL_DEFAULTS, level_thresholds, set_setting
from warehouse.connection import read_connection
from warehouse.growth import core_trend, joins_leaves
from warehouse.kpis import compute_kpis, run_kpi_query
from warehouse.periods import Period, month_of

CLUB = "telegram:1001"
NEWS = "telegram:2002"
MARCH_2024 = month_of(date(2024, 3, 1), "UTC")
JANUARY_2025 = month_of(date(2025, 1, 1), "UTC")
LOW_THRESHOLDS = {"level_participating": "2", "level_contributing": "5", "level_leading": "10"}


def load(folder: Path, *chats: ChatBuilder) -> None:
    for n, chat in enumerate(chats):
        result = ingest_telegram_export(chat.write(folder / f"export_{n}" / "result.json"))
        assert not result.failed, result.messages
    build()


def community_chats() -> tuple[ChatBuilder, ChatBuilder]:
    club = ChatBuilder("Клуб", chat_id=1001)
    question = club.message("2024-01-10 10:00", "Борис", "Кто идёт?")
    for day in (10, 11, 12):
        club.message(f"2024-01-{day} 11:00", "Аня", "Я", reply_to=question)
    club.join("2024-01-15 09:00", "Гоша")
    club.join("2024-02-05 09:00", "Вера")
    club.leave("2024-02-20 12:00", "Дима")
    club.message("2024-03-05 10:00", "Аня", "Привет")
    club.message("2024-03-06 10:00", "Аня", "Фото", reactions=[("👍", "Гоша", "2024-03-06 12:00")])
    for hour in (9, 10, 11):
        club.message(f"2024-03-07 {hour:02}:00", "Клуб", "Анонс", from_id="channel1001")
    news = ChatBuilder("Новости", chat_id=2002, kind="public_channel")
    news.message(
        "2024-03-10 09:00",
        "Новости",
        "Субботник",
        from_id="channel2002",
        reactions=[("🔥", "Вера", "2024-03-10 12:00")],
    )
    return club, news


@pytest.fixture(scope="module")
def community_dw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("levels")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PULSE_DATA_DIR", str(folder / "data"))
        for key, value in LOW_THRESHOLDS.items():  # in this order each step stays decreasing
            set_setting(key, value, OPERATOR)
        load(folder, *community_chats())
    return folder / "data"


@pytest.fixture
def community(community_dw: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("PULSE_DATA_DIR", str(community_dw))


def query(name: str, period: Period, channel: str | None = None) -> list[dict]:
    with read_connection() as con:
        return run_kpi_query(con, name, period.params(channel)).to_dicts()


def mart() -> dict[tuple[str, date], tuple[float, str]]:
    """(display name, month) → (score, level)."""
    with read_connection() as con:
        rows = con.execute(
            "select m.display_name, l.month, l.score, l.level"
            " from marts.member_levels as l join core.members as m using (member_id)"
        ).fetchall()
    return {(name, month): (score, level) for name, month, score, level in rows}


def movement(period: Period, channel: str | None = None) -> dict[str, tuple]:
    """level → (members, previous_members, moved_up, held, moved_down)."""
    return {
        row["level"]: (
            row["members"],
            row["previous_members"],
            row["moved_up"],
            row["held"],
            row["moved_down"],
        )
        for row in query("level_movement", period, channel)
    }


# ---------------------------------------------------------------- scores and levels


@pytest.mark.usefixtures("community")
def test_decayed_scores_and_levels_per_member_and_month() -> None:
    levels = mart()

    assert levels[("Аня", date(2024, 1, 1))] == (9.0, "Contributing")
    assert levels[("Аня", date(2024, 2, 1))] == (8.1, "Contributing")
    # the brief's example: 2 messages this month, 3 replies two months ago
    assert levels[("Аня", date(2024, 3, 1))] == (pytest.approx(11.29), "Leading")
    assert levels[("Аня", date(2024, 12, 1))] == (pytest.approx(4.374, abs=1e-3), "Participating")
    assert levels[("Аня", date(2025, 1, 1))] == (pytest.approx(1.3947, abs=1e-4), "Exploring")
    assert levels[("Борис", date(2024, 1, 1))] == (2.0, "Participating")  # on the threshold
    assert levels[("Борис", date(2024, 2, 1))] == (1.8, "Exploring")
    assert levels[("Гоша", date(2024, 3, 1))] == (1.0, "Exploring")
    assert levels[("Вера", date(2024, 3, 1))] == (1.0, "Exploring")  # a reaction in the channel
    # a join weighs nothing: Гоша and Вера have no level before March
    assert ("Гоша", date(2024, 1, 1)) not in levels and ("Вера", date(2024, 2, 1)) not in levels
    # only months with a score: Аня Jan 2024 – Feb 2025 (14), the others 12 months each;
    # never the team, never Дима (a leave only)
    assert len(levels) == 14 + 12 + 12 + 12
    assert {name for name, _ in levels} == {"Аня", "Борис", "Гоша", "Вера"}
    assert max(month for name, month in levels if name == "Борис") == date(2024, 12, 1)


@pytest.mark.usefixtures("community")
def test_levels_and_movement_in_march_2024() -> None:
    # February: Аня Contributing (8.1), Борис Exploring (1.8); Гоша and Вера only joined.
    # March: Аня Leading (11.29), Борис held Exploring, Гоша and Вера came up into it.
    assert movement(MARCH_2024) == {
        "Leading": (1, 0, 1, 0, 0),
        "Contributing": (0, 1, 0, 0, 0),
        "Participating": (0, 0, 0, 0, 0),
        "Exploring": (3, 1, 2, 1, 0),
        "Lapsed": (0, None, 0, 0, 0),
    }
    with read_connection() as con:
        assert compute_kpis(con, MARCH_2024)["core_members"] == 1  # Аня
        # a period ending mid-March is read at March too
        assert compute_kpis(con, Period(date(2024, 3, 1), date(2024, 3, 11)))["core_members"] == 1


@pytest.mark.usefixtures("community")
def test_movement_down_and_lapsed_a_year_later() -> None:
    # December 2024: Аня Participating (4.374), Борис, Гоша, Вера Exploring.
    # January 2025: Аня down to Exploring (1.395), Гоша and Вера held, Борис lapsed (his only
    # activity, January 2024, is 12 months old).
    assert movement(JANUARY_2025) == {
        "Leading": (0, 0, 0, 0, 0),
        "Contributing": (0, 0, 0, 0, 0),
        "Participating": (0, 1, 0, 0, 0),
        "Exploring": (3, 3, 0, 2, 1),
        "Lapsed": (1, None, 0, 0, 1),
    }
    with read_connection() as con:
        assert compute_kpis(con, JANUARY_2025)["core_members"] == 0


@pytest.mark.usefixtures("community")
def test_one_channel_counts_the_people_who_were_there() -> None:
    # Новости: only Вера did something there (her reaction), so only she is counted
    assert movement(MARCH_2024, NEWS)["Exploring"] == (1, 0, 1, 0, 0)
    assert movement(MARCH_2024, NEWS)["Leading"] == (0, 0, 0, 0, 0)
    # Клуб: everyone with a level was there (Вера joined it)
    assert movement(MARCH_2024, CLUB) == movement(MARCH_2024)
    with read_connection() as con:
        assert compute_kpis(con, MARCH_2024, NEWS)["core_members"] == 0
        assert compute_kpis(con, MARCH_2024, CLUB)["core_members"] == 1


@pytest.mark.usefixtures("community")
def test_core_members_month_by_month() -> None:
    trend = core_trend(MARCH_2024).rows()
    # 12 months, April 2023 – March 2024; Аня Contributing in Jan and Feb, Leading in March
    assert len(trend) == 12
    assert trend[0] == (date(2023, 4, 1), 0)
    assert trend[-3:] == [(date(2024, 1, 1), 1), (date(2024, 2, 1), 1), (date(2024, 3, 1), 1)]
    assert sum(count for _, count in trend) == 3


# ---------------------------------------------------------------- cohorts


@pytest.mark.usefixtures("community")
def test_cohorts_of_the_twelve_months_up_to_march() -> None:
    # January cohort: Аня, Борис (first activity: writing) and Гоша (first activity: joining).
    #   Jan: Аня, Борис active → 2/3; Feb: nobody → 0; Mar: Аня, Гоша (reaction) → 2/3.
    # February cohort: Вера (joined). Feb: not active → 0; Mar: her reaction → 1/1.
    # Дима only left: no cohort. The team: never.
    assert [tuple(row.values()) for row in query("cohorts", MARCH_2024)] == [
        (date(2024, 1, 1), 3, 0, 2, 66.7),
        (date(2024, 1, 1), 3, 1, 0, 0.0),
        (date(2024, 1, 1), 3, 2, 2, 66.7),
        (date(2024, 2, 1), 1, 0, 0, 0.0),
        (date(2024, 2, 1), 1, 1, 1, 100.0),
    ]


@pytest.mark.usefixtures("community")
def test_cohorts_stop_at_the_period_end_and_look_back_twelve_months() -> None:
    february = month_of(date(2024, 2, 1), "UTC")
    assert [tuple(row.values()) for row in query("cohorts", february)] == [
        (date(2024, 1, 1), 3, 0, 2, 66.7),
        (date(2024, 1, 1), 3, 1, 0, 0.0),
        (date(2024, 2, 1), 1, 0, 0, 0.0),
    ]
    # April 2025 looks back to May 2024: nobody joined since
    assert query("cohorts", month_of(date(2025, 4, 1), "UTC")) == []
    # a period longer than 12 months keeps all its join months
    long = Period(date(2023, 1, 1), date(2024, 4, 1))
    assert [row["cohort_month"] for row in query("cohorts", long)] == [date(2024, 1, 1)] * 3 + [
        date(2024, 2, 1)
    ] * 2


@pytest.mark.usefixtures("community")
def test_cohorts_of_one_channel() -> None:
    # in Новости, Вера's first activity is her March reaction
    assert [tuple(row.values()) for row in query("cohorts", MARCH_2024, NEWS)] == [
        (date(2024, 3, 1), 1, 0, 1, 100.0)
    ]


@pytest.mark.usefixtures("community")
def test_joins_and_leaves_per_day_and_per_week() -> None:
    february = month_of(date(2024, 2, 1), "UTC")
    daily, grain = joins_leaves(february)
    assert grain == "day" and daily.height == 29  # every day of February 2024
    moves = [row for row in daily.rows() if row[1] or row[2]]
    assert moves == [(date(2024, 2, 5), 1, 0, 1), (date(2024, 2, 20), 0, 1, -1)]  # Вера; Дима

    quarter = Period(date(2024, 1, 1), date(2024, 4, 1))  # 91 days: per week
    weekly, grain = joins_leaves(quarter)
    assert grain == "week"
    moves = [row for row in weekly.rows() if row[1] or row[2]]
    # Mondays: 15 Jan (Гоша), 5 Feb (Вера), 19 Feb (Дима)
    assert moves == [
        (date(2024, 1, 15), 1, 0, 1),
        (date(2024, 2, 5), 1, 0, 1),
        (date(2024, 2, 19), 0, 1, -1),
    ]


@pytest.mark.usefixtures("community")
def test_cli_json_has_levels_and_cohorts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kpis", "--start", "2024-03-01", "--end", "2024-04-01"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["kpis"]["core_members"] == 1
    assert document["levels"][0] == {
        "level": "Leading",
        "level_rank": 4,
        "members": 1,
        "previous_members": 0,
        "moved_up": 1,
        "held": 0,
        "moved_down": 0,
    }
    assert len(document["levels"]) == 5
    assert document["cohorts"][-1] == {
        "cohort_month": "2024-02-01",
        "cohort_size": 1,
        "month_offset": 1,
        "active_members": 1,
        "active_pct": 100.0,
    }

    assert main(["settings"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "timezone = UTC",
        "level_leading = 10",
        "level_contributing = 5",
        "level_participating = 2",
    ]


# ---------------------------------------------------------------- settings


def test_threshold_settings_are_validated() -> None:
    for value in ("abc", "0", "-5", "inf", "nan", ""):
        with pytest.raises(ValueError, match="level_leading must be a positive number"):
            set_setting("level_leading", value, OPERATOR)
    # the defaults are 200 / 50 / 10: Participating cannot go above Contributing
    with pytest.raises(ValueError, match="level thresholds must decrease.*got 200 > 50 > 60"):
        set_setting("level_participating", "60", OPERATOR)
    with pytest.raises(ValueError, match="unknown setting 'level_heroic'"):
        set_setting("level_heroic", "5", OPERATOR)

    set_setting("level_participating", "2.5", OPERATOR)
    set_setting("level_leading", "300", OPERATOR)
    with read_connection() as con:
        assert level_thresholds(con) == {
            "level_leading": 300.0,
            "level_contributing": 50.0,
            "level_participating": 2.5,
        }


def test_cli_rejects_bad_thresholds(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["settings", "level_contributing", "500"]) == 2
    assert "must decrease" in caplog.text
    assert main(["settings", "level_contributing", "40"]) == 0
    assert main(["settings", "level_contributing"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "level_contributing = 40",
        "level_contributing = 40",
    ]


def test_a_setting_changed_after_the_build_rebuilds_the_levels(tmp_path: Path) -> None:
    # 31 Jan 2024 22:30 UTC is 1 Feb 01:30 in Moscow; one message scores 2
    chat = ChatBuilder("Клуб", chat_id=1001)
    chat.message("2024-01-31 22:30", "Жанна", "Полночь")
    load(tmp_path, chat)
    assert mart()[("Жанна", date(2024, 1, 1))] == (2.0, "Exploring")  # default Participating: 10

    set_setting("timezone", "Europe/Moscow", OPERATOR)
    set_setting("level_participating", "2", OPERATOR)

    levels = mart()
    assert ("Жанна", date(2024, 1, 1)) not in levels
    assert levels[("Жанна", date(2024, 2, 1))] == (2.0, "Participating")
    assert query("cohorts", month_of(date(2024, 2, 1), "Europe/Moscow")) == [
        {
            "cohort_month": date(2024, 2, 1),
            "cohort_size": 1,
            "month_offset": 0,
            "active_members": 1,
            "active_pct": 100.0,
        }
    ]


def test_the_model_defaults_are_the_documented_ones(tmp_path: Path) -> None:
    # With nothing set, a member scoring exactly a default threshold reaches that level, one
    # point below does not: `n` messages score 2n in their month; a reaction adds 1.
    chat = ChatBuilder("Клуб", chat_id=1001)
    below_level = {
        "level_leading": "Contributing",
        "level_contributing": "Participating",
        "level_participating": "Exploring",
    }
    expected = {}
    for key, threshold in LEVEL_DEFAULTS.items():
        assert threshold % 2 == 0  # reachable with messages alone
        on, below = f"on {key}", f"below {key}"
        for n in range(int(threshold // 2)):
            chat.message(f"2024-05-01 {n // 60:02}:{n % 60:02}", on, "x")
        for n in range(int(threshold // 2) - 1):
            chat.message(f"2024-05-02 {n // 60:02}:{n % 60:02}", below, "x")
        chat.message("2024-05-03 10:00", "Ёж", "x", reactions=[("👍", below, "2024-05-03 11:00")])
        level = key.removeprefix("level_").title()
        expected[on] = (threshold, level)
        expected[below] = (threshold - 1, below_level[key])
    load(tmp_path, chat)

    may = {name: value for (name, month), value in mart().items() if month == date(2024, 5, 1)}
    assert {name: may[name] for name in expected} == expected
