"""The Growth & retention page through Streamlit's AppTest: with data, with no data, with a
warehouse never built; its charts, its downloads, and no member named anywhere.

Two chats (UTC). Клуб: Аня joins 2 May 2024 and writes on 3 May; Борис joins 10 May and replies
to her the same day; Вера joins 20 May and leaves 25 May without a word. Новости: Вера joins on
21 May and stays. Default thresholds: Аня scores 2 and Борис 3 in May, both Exploring, so there
are no core members.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import ChatBuilder, app_test
from warehouse.accounts import OPERATOR
from warehouse.community import set_setting

NAMES = ("Аня", "Борис", "Вера")
MAY_2024 = {"period": "custom", "from": "2024-05-01", "to": "2024-05-31"}


def growth_page(**params: str) -> AppTest:
    at = app_test()
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page("pages/growth.py").run()


@pytest.fixture
def community(tmp_path: Path) -> None:
    chat = ChatBuilder("Клуб", chat_id=7)
    chat.join("2024-05-02 10:00", "Аня")
    hello = chat.message("2024-05-03 10:00", "Аня", "Привет")
    chat.join("2024-05-10 10:00", "Борис")
    chat.message("2024-05-10 11:00", "Борис", "Привет!", reply_to=hello)
    chat.join("2024-05-20 10:00", "Вера")
    chat.leave("2024-05-25 10:00", "Вера")
    news = ChatBuilder("Новости", chat_id=8)
    news.join("2024-05-21 10:00", "Вера")
    for builder in (chat, news):
        path = tmp_path / str(builder.chat["id"]) / "result.json"
        assert not ingest_telegram_export(builder.write(path)).failed
    build()


@pytest.mark.usefixtures("community")
def test_the_page_shows_growth_cohorts_levels_and_the_core() -> None:
    at = growth_page(**MAY_2024)

    assert not at.exception
    assert at.title[0].value == "Growth & retention"
    cards = {m.label: m.value for m in at.metric}
    # present at the end of May: Аня, Борис, Вера (still in Новости); joined 3, left 1
    assert cards["Members"] == "3" and cards["Joined"] == "3" and cards["Left"] == "1"
    assert cards["Net growth"] == "2" and cards["Core members"] == "0"
    # members over time, joins and leaves, the cohort heatmap, levels, the core by month
    assert len(at.get("vega_lite_chart")) == 5
    downloads = at.get("download_button")
    assert {b.proto.label for b in downloads} == {"Download CSV"} and len(downloads) == 5
    levels = at.dataframe[0].value
    # May: Аня and Борис both Exploring, both new to a level
    assert levels.set_index("level").loc["Exploring", ["members", "moved_up"]].tolist() == [2, 2]
    assert levels["members"].sum() == 2
    shown = " ".join(
        [str(e.value) for e in (*at.markdown, *at.caption, *at.metric, *at.subheader)]
        + [df.value.to_csv() for df in at.dataframe]
    )
    for name in NAMES:
        assert name not in shown
    assert "Engagement levels, May 2024" in shown


@pytest.mark.usefixtures("community")
def test_the_page_follows_the_channel_filter() -> None:
    at = growth_page(**MAY_2024, channel="telegram:8")
    assert not at.exception
    cards = {m.label: m.value for m in at.metric}
    assert cards["Members"] == "1" and cards["Joined"] == "1" and cards["Left"] == "0"  # Вера
    assert at.dataframe[0].value["members"].sum() == 0  # a join gives no level


def test_without_data_the_page_explains_what_to_do() -> None:
    at = growth_page()
    assert not at.exception
    assert any("No data yet" in info.value for info in at.info)
    assert not at.get("vega_lite_chart")


def test_a_warehouse_with_settings_but_no_build_is_empty_too() -> None:
    set_setting("level_leading", "300", OPERATOR)  # creates the warehouse file, builds nothing
    at = growth_page()
    assert not at.exception
    assert any("No data yet" in info.value for info in at.info)
