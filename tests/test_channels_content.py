"""Channels & content: top posts, content per day, reaction speed per week, the weekday × hour
heatmap — on a tiny hand-built community, every number worked out by hand — and the page.

Times are UTC unless marked MSK (Europe/Moscow, UTC+3).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import ChatBuilder, app_test
from warehouse.accounts import OPERATOR
from warehouse.channels_content import activity_heatmap, channels_content, top_posts
from warehouse.community import set_setting
from warehouse.periods import Period

MAY = Period.from_inclusive("2024-05-06", "2024-05-19")  # two whole weeks, Monday to Sunday


@pytest.fixture
def community(tmp_path: Path) -> None:
    chat = ChatBuilder("Чат", chat_id=1)
    # Monday 6 May
    q = chat.message("2024-05-06 10:00", "Аня", "Где собираемся?")
    chat.message("2024-05-06 10:30", "Борис", "У входа", reply_to=q)
    # Tuesday 7 May 22:30 UTC = Wednesday 01:30 MSK
    chat.message("2024-05-07 22:30", "Аня", "Спасибо всем")
    # before the period: not counted anywhere
    chat.message("2024-05-05 09:00", "Борис", "Раньше")

    news = ChatBuilder("Новости", chat_id=2, kind="public_channel")
    # Monday 6 May 12:00: two reactions, first after 20 minutes
    news.message(
        "2024-05-06 12:00",
        "Новости",
        "Анонс   субботника\nв субботу",
        from_id="channel2",
        reactions=[("👍", "Аня", "2024-05-06 12:20"), ("🔥", "Борис", "2024-05-06 13:00")],
    )
    # Monday 13 May 09:00: one reaction after 60 minutes
    news.message(
        "2024-05-13 09:00",
        "Новости",
        "Итоги",
        from_id="channel2",
        reactions=[("👍", "Аня", "2024-05-13 10:00")],
    )
    # Tuesday 14 May: no reaction at all
    news.message("2024-05-14 09:00", "Новости", "Тишина", from_id="channel2")
    for builder, name in ((chat, "chat.json"), (news, "news.json")):
        assert not ingest_telegram_export(builder.write(tmp_path / name / "result.json")).failed
    build()


@pytest.mark.usefixtures("community")
def test_top_posts_rank_by_response_with_the_text_on_one_line() -> None:
    posts = top_posts(MAY)
    # posts = top-level content: Анонс (2 reactions), Итоги (1 reaction), the question (1 reply),
    # Тишина and Спасибо всем (nothing); equal responses put the newest first (no views here)
    assert posts["excerpt"].to_list() == [
        "Анонс субботника в субботу",
        "Итоги",
        "Где собираемся?",
        "Тишина",
        "Спасибо всем",
    ]
    assert posts["reactions"].to_list()[:2] == [2, 1]
    assert "author" not in "".join(posts.columns)  # what works, not who wrote it
    assert top_posts(MAY, limit=2).height == 2
    assert top_posts(MAY, channel="telegram:1")["excerpt"].to_list() == [
        "Где собираемся?",
        "Спасибо всем",
    ]


@pytest.mark.usefixtures("community")
def test_content_per_day_and_reaction_speed_per_week() -> None:
    data = channels_content(MAY)
    daily = {row["day"].isoformat(): row for row in data.daily_content.iter_rows(named=True)}
    assert len(daily) == 14  # every day of the period, empty ones too
    # 6 May: the question, the reply (not a post), Анонс → 2 posts; reactions 2 (Анонс) + 1
    # reply to the question
    assert (daily["2024-05-06"]["posts"], daily["2024-05-06"]["reactions"]) == (2, 3)
    assert (daily["2024-05-13"]["posts"], daily["2024-05-13"]["reactions"]) == (1, 1)
    assert daily["2024-05-10"]["posts"] == 0

    speed = {row["week"].isoformat(): row for row in data.reaction_speed.iter_rows(named=True)}
    # week of 6 May: Анонс 20 min, the question 30 min (Борис's reply), Спасибо всем none
    assert speed["2024-05-06"]["posts"] == 3 and speed["2024-05-06"]["reacted"] == 2
    assert speed["2024-05-06"]["first_reaction_median_minutes"] == 25.0
    # week of 13 May: Итоги 60 min, Тишина none
    assert speed["2024-05-13"]["first_reaction_median_minutes"] == 60.0
    response = data.response_speed.row(0, named=True)
    assert response["first_response_median_minutes"] == 30.0


@pytest.mark.usefixtures("community")
def test_activity_heatmap_is_in_the_community_time_zone() -> None:
    utc = {
        (r["weekday"], r["hour"]): r["activities"]
        for r in activity_heatmap(MAY).iter_rows(named=True)
    }
    assert len(utc) == 7 * 24
    # members' activities in the period (the channel posting as itself is not a member):
    # Mon 10h question, Mon 10h reply, Mon 12h + 13h reactions, Tue 22h message,
    # Mon 13 May 10h reaction → Mon 10h = 3
    assert utc[(1, 10)] == 3 and utc[(1, 12)] == 1 and utc[(1, 13)] == 1
    assert utc[(2, 22)] == 1
    assert sum(utc.values()) == 6

    set_setting("timezone", "Europe/Moscow", OPERATOR)
    moscow = Period.from_inclusive("2024-05-06", "2024-05-19", "Europe/Moscow")
    msk = {
        (r["weekday"], r["hour"]): r["activities"]
        for r in activity_heatmap(moscow).iter_rows(named=True)
    }
    assert msk[(3, 1)] == 1 and msk[(2, 22)] == 0  # Tuesday 22:30 UTC is Wednesday 01:30 MSK
    assert msk[(1, 13)] == 3  # Monday 10:00 UTC is 13:00 MSK


@pytest.mark.usefixtures("community")
def test_channels_and_content_page_draws_every_chart_with_its_data() -> None:
    at = app_test()
    at.query_params.update({"period": "custom", "from": "2024-05-06", "to": "2024-05-19"})
    at.run()
    at.switch_page("pages/channels.py").run()
    assert not at.exception
    assert at.title[0].value == "Channels & content"
    channels, posts = at.dataframe[0].value, at.dataframe[1].value
    assert sorted(channels["name"]) == ["Новости", "Чат"]
    assert posts["excerpt"].iloc[0] == "Анонс субботника в субботу"
    # channels, views and reactions, messages, response speed, heatmap
    assert len(at.get("vega_lite_chart")) == 5
    downloads = {b.proto.label for b in at.get("download_button")}
    # one download per chart and one for the top posts table
    assert downloads == {"Download CSV"} and len(at.get("download_button")) == 6

    at.segmented_control(key="channels_measure").set_value("messages").run()
    assert not at.exception


def test_channels_and_content_page_without_data_explains_what_to_do() -> None:
    at = app_test().run()
    at.switch_page("pages/channels.py").run()
    assert not at.exception
    assert any("No data yet" in info.value for info in at.info)
