"""`python -m pipelines refresh` as cron, a systemd timer or `--every` runs it: exit codes, the
log file, the run list in the control store, one refresh at a time, a clean stop on SIGTERM;
and the pages while a refresh holds the warehouse."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.cli import _RedactingFormatter
from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import REPO_ROOT, ChatBuilder, app_test
from tests.test_cli import cli, small_export
from warehouse import refresh_runs
from warehouse.connection import read_connection, write_lock
from warehouse.kpis import compute_kpis
from warehouse.periods import Period

# small_export: one chat and three messages (a join, a question, its answer) = 4 raw rows
SMALL_EXPORT_ROWS = 4


def configure(data_dir: Path, *sources: tuple[str, Path]) -> None:
    """pulse.toml with one telegram-export source per (name, file)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    text = "".join(
        f'[[sources]]\nkind = "telegram-export"\nname = "{name}"\npath = "{path}"\n\n'
        for name, path in sources
    )
    (data_dir / "pulse.toml").write_text(text, "utf-8")


def runs() -> list[dict]:
    return refresh_runs.recent_runs().to_dicts()


def log_text(data_dir: Path) -> str:
    return (data_dir / "logs" / "refresh.log").read_text("utf-8")


def wait_for(condition: Callable[[], bool], what: str, limit_s: float = 120) -> None:
    """Poll until `condition()`; the limit only stops a hung test, it measures nothing."""
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def start_refresh(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines", "refresh", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_refresh_exits_0_and_records_its_run_with_rows_per_source(
    tmp_path: Path, data_dir: Path
) -> None:
    configure(data_dir, ("main", small_export(tmp_path / "good.json")))

    out = cli("refresh")

    assert out.returncode == 0, out.stderr
    [run] = runs()
    assert run["status"] == "ok" and run["trigger"] == "once" and run["errors"] is None
    # one source of its kind: named by the kind alone
    assert run["rows_by_source"] == [{"source": "telegram-export", "rows": SMALL_EXPORT_ROWS}]
    assert run["started_at"] <= run["finished_at"]
    # the log file has the lines stderr had, with timestamps
    logged = log_text(data_dir)
    assert "good.json: 3 messages in 1 chats loaded" in logged
    assert "refresh ok" in logged and "refresh ok" in out.stderr
    assert logged[:4].isdigit()  # "2026-…" : every line starts with its time


def test_a_broken_source_fails_the_run_but_the_others_still_load(
    tmp_path: Path, data_dir: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x", "id": 1, "messages": [', "utf-8")
    configure(data_dir, ("good", small_export(tmp_path / "good.json")), ("broken", broken))
    log_file = tmp_path / "elsewhere" / "pulse-refresh.log"

    out = cli("refresh", "--log-file", str(log_file))

    assert out.returncode == 1
    [run] = runs()
    assert run["status"] == "failed"
    # two sources of one kind: told apart by their names
    assert run["rows_by_source"] == [
        {"source": "telegram-export broken", "rows": 0},
        {"source": "telegram-export good", "rows": SMALL_EXPORT_ROWS},
    ]
    assert "broken.json" in run["errors"] and "truncated" in run["errors"]
    logged = log_file.read_text("utf-8")
    assert "broken.json" in logged and "truncated" in logged
    assert not (data_dir / "logs" / "refresh.log").exists()  # --log-file replaces the default
    with read_connection() as con:
        kpis = compute_kpis(con, Period.from_inclusive("2024-05-01", "2024-05-31"))
    assert kpis["messages"] == 2  # the good file's question and answer


def test_a_refresh_while_another_runs_is_skipped_with_exit_0(
    tmp_path: Path, data_dir: Path
) -> None:
    configure(data_dir, ("main", small_export(tmp_path / "good.json")))

    with refresh_runs.refresh_lock():  # this test is "the other refresh"
        out = cli("refresh")

    assert out.returncode == 0, out.stderr
    assert f"another refresh is running (pid {os.getpid()}, since " in out.stderr
    [run] = runs()
    assert run["status"] == "skipped" and run["rows_by_source"] == []
    assert f"pid {os.getpid()}" in run["errors"]
    assert not (data_dir / "pulse.duckdb").exists()  # nothing was loaded
    assert "another refresh is running" in log_text(data_dir)


def test_a_refresh_that_was_killed_shows_as_interrupted(tmp_path: Path, data_dir: Path) -> None:
    configure(data_dir, ("main", small_export(tmp_path / "good.json")))
    refresh = start_refresh()
    try:
        wait_for(lambda: [r["status"] for r in runs()] == ["running"], "the run to start")
        refresh.kill()  # SIGKILL: no chance to record anything
        refresh.wait()
    finally:
        refresh.kill()
        refresh.stderr.close()

    assert [r["status"] for r in runs()] == ["interrupted"]  # the lock died with it
    assert cli("refresh").returncode == 0  # and the next refresh is not blocked
    assert [r["status"] for r in runs()] == ["ok", "interrupted"]


@pytest.mark.parametrize("every", ["0m", "30", "5 minutes", "1.5h", "1w"])
def test_every_with_a_bad_interval_exits_2(every: str, data_dir: Path) -> None:
    out = cli("refresh", "--every", every)
    assert out.returncode == 2
    assert f"not an interval: {every!r}" in out.stderr and "30m" in out.stderr
    assert not (data_dir / "control.sqlite").exists()  # nothing ran


def test_every_refreshes_until_sigterm_then_exits_0(tmp_path: Path, data_dir: Path) -> None:
    configure(data_dir, ("main", small_export(tmp_path / "good.json")))
    refresh = start_refresh("--every", "1s")
    try:
        wait_for(lambda: sum(r["status"] == "ok" for r in runs()) >= 2, "two runs")
        refresh.send_signal(signal.SIGTERM)
        code = refresh.wait(timeout=120)
    finally:
        refresh.kill()
        refresh.stderr.close()

    assert code == 0
    statuses = [r["status"] for r in reversed(runs())]  # oldest first
    assert statuses[:2] == ["ok", "ok"]
    # SIGTERM came in a sleep, or during a third run, which then stopped cleanly
    assert statuses[2:] in ([], ["ok"], ["interrupted"])
    assert {r["trigger"] for r in runs()} == {"every 1s"}
    # the first run loaded the file; the second found it unchanged
    assert [r["rows_by_source"][0]["rows"] for r in reversed(runs())][:2] == [SMALL_EXPORT_ROWS, 0]
    assert "stopped" in log_text(data_dir)


def test_sigterm_during_the_sleep_stops_at_once(data_dir: Path) -> None:
    refresh = start_refresh("--every", "1h")  # no sources: each run only rebuilds
    try:
        wait_for(lambda: "next refresh at" in (log_text(data_dir) if runs() else ""), "a sleep")
        refresh.send_signal(signal.SIGTERM)
        code = refresh.wait(timeout=60)
    finally:
        refresh.kill()
        refresh.stderr.close()
    assert code == 0
    assert [r["status"] for r in runs()] == ["ok"]


def test_secrets_are_masked_in_log_lines_and_in_the_run_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCES__VK__TOKEN", "vk-secret-value-123")
    refresh_runs._known_secrets.cache_clear()
    try:
        record = logging.LogRecord(
            "pipelines",
            logging.ERROR,
            __file__,
            1,
            "GET %s failed",
            ("x?t=vk-secret-value-123",),
            None,
        )
        line = _RedactingFormatter("%(message)s").format(record)
        assert line == "GET x?t=*** failed"
        bot_url = "https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe"
        assert "AAHdq" not in refresh_runs.redact(bot_url)

        with refresh_runs.refresh_lock():
            run_id = refresh_runs.start_run("once")
            refresh_runs.finish_run(run_id, "failed", {}, ["vk: rejected vk-secret-value-123"])
        assert runs()[0]["errors"] == "vk: rejected ***"
    finally:
        refresh_runs._known_secrets.cache_clear()


def test_intervals_in_seconds() -> None:
    assert [refresh_runs.parse_interval(t) for t in ("90s", "30m", "2h", "1d", " 15M ")] == [
        90,
        1800,
        7200,
        86400,
        900,
    ]


def make_runs() -> None:
    """Four runs, oldest first: ok, skipped, failed, and one whose refresh died."""
    with refresh_runs.refresh_lock():
        ok = refresh_runs.start_run("once")
        refresh_runs.finish_run(ok, "ok", {"vk": 80, "telegram-export": 1204}, [])
    refresh_runs.record_skipped("every 30m", "another refresh is running (pid 42, since …)")
    with refresh_runs.refresh_lock():
        failed = refresh_runs.start_run("once")
        refresh_runs.finish_run(failed, "failed", {"telegram-export": 0}, ["zz.json: truncated"])
    with refresh_runs.refresh_lock():
        refresh_runs.start_run("once")  # never finished: its process "died" with the lock


def refresh_run_table(at) -> object:  # noqa: ANN001 - AppTest's element list
    [table] = [d.value for d in at.dataframe if "rows_by_source" in d.value.columns]
    return table


# May 2024: the month the test data is in
MAY = {"period": "custom", "from": "2024-05-01", "to": "2024-05-31"}


def page_app(page: str, **params: str):  # noqa: ANN201 - AppTest
    """`page` through app.py, as a browser opening its URL (AppTest must switch before the
    first run: switching later runs the page without app.py)."""
    at = app_test()
    at.query_params.update(params)
    at.switch_page(page)
    return at.run()


def test_the_data_page_lists_refresh_runs() -> None:
    make_runs()

    at = page_app("pages/data.py")

    assert not at.exception
    assert "Refresh runs" in [s.value for s in at.subheader]
    table = refresh_run_table(at)
    assert list(table["status"]) == ["interrupted", "failed", "skipped", "ok"]
    assert table["rows_by_source"][3] == "telegram-export: 1,204 · vk: 80"
    assert table["errors"][1] == "zz.json: truncated"
    assert "pid 42" in table["errors"][2]
    assert list(table["trigger"]) == ["single run", "single run", "every 30m", "single run"]
    assert not any("A refresh is running" in i.value for i in at.info)


# the pages while a refresh holds the warehouse

PAGES = ("pages/overview.py", "pages/growth.py", "pages/channels.py", "pages/data.py")


@pytest.fixture
def loaded_once(tmp_path: Path) -> None:
    chat = ChatBuilder("Волонтёры", chat_id=7)
    chat.join("2024-05-01 09:00", "Аня")
    question = chat.message("2024-05-02 10:00", "Аня", "Где собираемся?")
    chat.message("2024-05-02 10:45", "Борис", "У входа", reply_to=question)
    assert not ingest_telegram_export(chat.write(tmp_path / "chat.json")).failed
    build()


def render(page: str):  # noqa: ANN201 - AppTest
    at = page_app(page, **MAY)
    assert not at.exception, (page, at.exception)
    assert not at.error, (page, [e.value for e in at.error])
    return at


def shown(at) -> list[str]:  # noqa: ANN001 - AppTest
    """What a page shows, in a comparable form: its metrics, headings and tables' shapes."""
    return [
        *(f"{m.label}={m.value}" for m in at.metric),
        *(h.value for h in (*at.title, *at.header, *at.subheader)),
        *(str(d.value.shape) for d in at.dataframe if "rows_by_source" not in d.value.columns),
    ]


@pytest.mark.usefixtures("loaded_once")
def test_pages_during_a_refresh_show_their_last_results_not_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = {page: shown(render(page)) for page in PAGES}
    assert "Active members=2" in before[PAGES[0]]  # Аня and Борис wrote in May
    monkeypatch.setattr("warehouse.connection.READ_TIMEOUT_S", 0.2)

    with refresh_runs.refresh_lock(), write_lock():  # a refresh, in the middle of a load
        refresh_runs.start_run("once")
        during = {page: render(page) for page in PAGES}

    for page in PAGES:
        assert shown(during[page]) == before[page], page  # the last results, unchanged
    assert any("refresh is running" in c.value for c in during[PAGES[0]].caption)
    data = during["pages/data.py"]
    assert any("A refresh is running" in i.value for i in data.info)
    assert list(refresh_run_table(data)["status"]) == ["running"]


@pytest.mark.usefixtures("loaded_once")
def test_pages_never_seen_before_a_refresh_say_so_calmly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("warehouse.connection.READ_TIMEOUT_S", 0.2)
    with write_lock():  # nothing cached yet: no last result to show
        pages = {page: render(page) for page in PAGES}
    for page, at in pages.items():
        notes = [w.value for w in at.warning]
        assert len(notes) == 1 and "busy" in notes[0], (page, notes)
    # the Data page still lists the refresh runs: they are not in the warehouse
    assert "Refresh runs" in [s.value for s in pages["pages/data.py"].subheader]
