"""Every page through Streamlit's AppTest: data, no data, filters in the URL, a busy warehouse."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import REPO_ROOT, ChatBuilder, app_test
from warehouse.connection import read_connection
from warehouse.kpis import compute_kpis
from warehouse.periods import Period

APP = str(REPO_ROOT / "app.py")


def app(**params: str) -> AppTest:
    at = app_test()
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def two_channels(tmp_path: Path) -> None:
    chat = ChatBuilder("Волонтёры — чат", chat_id=1)
    chat.join("2024-05-01 09:00", "Аня")
    chat.join("2024-05-01 09:30", "Борис")
    q = chat.message("2024-05-02 10:00", "Аня", "Где собираемся?")
    chat.message("2024-05-02 10:45", "Борис", "У входа в парк", reply_to=q)
    chat.leave("2024-05-03 10:00", "Борис")
    news = ChatBuilder("Волонтёры — новости", chat_id=2, kind="public_channel")
    news.message(
        "2024-05-04 12:00",
        "Волонтёры — новости",
        "Анонс субботника",
        from_id="channel2",
        reactions=[("👍", "Аня", "2024-05-04 12:20")],
    )
    for builder, name in ((chat, "chat.json"), (news, "news.json")):
        assert not ingest_telegram_export(builder.write(tmp_path / name)).failed
    build()


def test_overview_without_data_explains_what_to_do() -> None:
    at = app()
    assert not at.exception
    assert any("No data yet" in info.value for info in at.info)


def test_data_page_without_data_does_not_crash() -> None:
    at = app()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.title[0].value == "Data"


@pytest.mark.usefixtures("two_channels")
def test_overview_shows_the_same_kpis_as_the_warehouse_for_the_period_in_the_url() -> None:
    at = app(period="custom", **{"from": "2024-05-01", "to": "2024-05-31"})

    assert not at.exception
    shown = metrics(at)
    with read_connection() as con:
        expected = compute_kpis(con, Period.from_inclusive("2024-05-01", "2024-05-31"))
    assert shown["Members"] == str(expected["members_total"]) == "1"
    assert shown["Net growth"] == "1"  # Аня and Борис joined, Борис left
    assert shown["Active members"] == "2"
    assert shown["First response"] == "45 min"
    # every KPI of the catalogue, in the full table, formatted from the same numbers
    every = at.dataframe[-1].value.set_index("id")
    assert every.loc["messages", "value"] == "2" and every.loc["questions", "value"] == "1"
    # median of 45 (the question) and 20 (the post)
    assert every.loc["first_reaction_median_minutes", "value"] == "32 min"
    table = at.dataframe[0].value
    assert sorted(table["name"]) == ["Волонтёры — новости", "Волонтёры — чат"]


@pytest.mark.usefixtures("two_channels")
def test_channel_filter_in_the_url_narrows_every_kpi() -> None:
    at = app(period="custom", channel="telegram:2", **{"from": "2024-05-01", "to": "2024-05-31"})
    assert not at.exception
    every = at.dataframe[-1].value.set_index("id")
    assert every.loc["messages", "value"] == "0" and every.loc["reactions", "value"] == "1"
    assert every.loc["first_reaction_median_minutes", "value"] == "20 min"
    assert at.selectbox(key="filter_channel").value == "telegram:2"
    # the side-by-side table is for "all channels": only the full KPI table is left
    assert len(at.dataframe) == 1


@pytest.mark.usefixtures("two_channels")
def test_data_page_lists_sources_and_loads() -> None:
    at = app()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    sources, runs = at.dataframe[0].value, at.dataframe[1].value
    assert list(sources["source"]) == ["telegram-export"]
    assert int(sources["files_loaded"][0]) == 2 and int(sources["rows"][0]) > 0
    assert set(runs["status"]) == {"ok"}


@pytest.mark.usefixtures("two_channels")
def test_a_refresh_holding_the_warehouse_shows_the_last_numbers_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params = {"period": "custom", "from": "2024-05-01", "to": "2024-05-31"}
    before = metrics(app(**params))
    monkeypatch.setattr("warehouse.connection.READ_TIMEOUT_S", 0.3)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
            import time
            from warehouse.connection import write_lock
            with write_lock():
                print("locked", flush=True)
                time.sleep(8)
        """),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "locked"
        during = app(**params)
        assert not during.exception
        assert metrics(during) == before
        assert any("refresh is running" in c.value for c in during.caption)
        # a question never asked before has no previous answer: a friendly message instead
        other = app(period="custom", **{"from": "2023-01-01", "to": "2023-01-31"})
        assert not other.exception
        assert any("busy" in w.value for w in other.warning)
    finally:
        writer.kill()
        writer.wait()


def test_loaded_but_unbuilt_data_says_how_to_build_instead_of_crashing(tmp_path: Path) -> None:
    """A build that failed, or new code whose models nothing has built yet (an upgrade)."""
    chat = ChatBuilder("Чат", chat_id=1)
    chat.message("2024-05-02 10:00", "Аня", "Привет")
    assert not ingest_telegram_export(chat.write(tmp_path / "chat.json")).failed  # no build
    at = app()
    assert not at.exception
    assert any("python -m pipelines build" in w.value for w in at.warning)
