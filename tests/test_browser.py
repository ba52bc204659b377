"""Real-browser tests: Streamlit served on 127.0.0.1, driven by Playwright in Debian's chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import REPO_ROOT, ChatBuilder

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(data_dir: Path, tmp_path: Path) -> Iterator[str]:
    chat = ChatBuilder("Волонтёры — чат", chat_id=1)
    chat.join("2024-05-01 09:00", "Аня")
    q = chat.message("2024-05-02 10:00", "Аня", "Во сколько сбор?")
    chat.message("2024-05-02 10:30", "Борис", "В десять", reply_to=q)
    ingest_telegram_export(chat.write(tmp_path / "seed.json"))
    build()

    port = free_port()
    log = (tmp_path / "streamlit.log").open("w")
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "PULSE_DATA_DIR": str(data_dir)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        child.kill()
        pytest.fail("streamlit did not start: " + (tmp_path / "streamlit.log").read_text())
    yield url
    child.terminate()
    child.wait(timeout=20)
    log.close()


@pytest.fixture
def page() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.set_default_timeout(60_000)
        yield tab
        browser.close()


def metric(page, label: str) -> str:  # noqa: ANN001
    card = page.locator("[data-testid='stMetric']", has_text=label).first
    return card.locator("[data-testid='stMetricValue']").inner_text()


def wait_idle(page) -> None:  # noqa: ANN001
    page.wait_for_selector(IDLE)
    page.wait_for_timeout(300)  # a rerun may start right after the first one
    page.wait_for_selector(IDLE)


def test_overview_shows_kpis_and_keeps_the_filters_in_the_url(server: str, page) -> None:  # noqa: ANN001
    page.goto(f"{server}/?period=custom&from=2024-05-01&to=2024-05-31")
    wait_idle(page)
    page.get_by_text("Members over time").wait_for()

    assert metric(page, "Members") == "2"
    assert metric(page, "Messages") == "2"
    assert metric(page, "First response") == "30 min"

    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="Last 7 days").click()
    wait_idle(page)
    page.wait_for_url("**period=last_7**")
    assert "from=" not in page.url


def test_a_manager_uploads_a_telegram_export_and_sees_it_counted(
    server: str,
    page,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    more = ChatBuilder("Волонтёры — второй чат", chat_id=2)
    for minute in range(5):
        more.message(f"2024-05-10 12:0{minute}", "Вера", f"Сообщение {minute}")
    export = more.write(tmp_path / "result.json")

    page.goto(f"{server}/data")  # a fresh server's first visitor, straight to a page's URL
    wait_idle(page)
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert "Filters" in sidebar and "common" not in sidebar  # app.py ran: not legacy pages/ mode
    page.locator("input[type='file']").set_input_files(str(export))
    page.get_by_role("button", name="Load export").click()
    page.get_by_text("result.json loaded").wait_for()
    assert page.get_by_text("5 messages in 1 chats loaded").is_visible()

    page.goto(f"{server}/?period=custom&from=2024-05-01&to=2024-05-31")
    wait_idle(page)
    page.get_by_text("Members over time").wait_for()
    assert metric(page, "Messages") == "7"
