"""`python -m pipelines` exactly as a user or a scheduler runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT, ChatBuilder


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def small_export(path: Path) -> Path:
    chat = ChatBuilder("Волонтёры", chat_id=77)
    chat.join("2024-05-01 09:00", "Аня")
    q = chat.message("2024-05-02 10:00", "Аня", "Когда сбор?")
    chat.message("2024-05-02 10:30", "Борис", "В субботу", reply_to=q)
    return chat.write(path)


def test_ingest_then_kpis_json_has_the_documented_shape(tmp_path: Path, data_dir: Path) -> None:
    ingest = cli("ingest", "telegram-export", str(small_export(tmp_path / "result.json")))
    assert ingest.returncode == 0, ingest.stderr

    out = cli("kpis", "--start", "2024-05-01", "--end", "2024-06-01")

    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    assert document["period"] == {"start": "2024-05-01", "end": "2024-06-01", "timezone": "UTC"}
    kpis = document["kpis"]
    assert kpis["members_joined"] == 1
    assert kpis["members_total"] == 2  # Аня joined, Борис is present because he wrote
    assert kpis["questions"] == 1 and kpis["first_response_median_minutes"] == 30.0
    assert kpis["growth_rate_pct"] is None  # nobody was present at the start
    assert set(kpis) >= {
        "members_total",
        "members_joined",
        "members_left",
        "net_growth",
        "growth_rate_pct",
        "active_members",
        "messages",
        "new_active",
        "returning_active",
        "reactions",
        "first_reaction_median_minutes",
        "questions",
        "first_response_median_minutes",
        "response_rate_pct",
    }


def test_kpis_per_channel_as_a_table_and_in_the_community_time_zone(tmp_path: Path) -> None:
    assert cli("ingest", "telegram-export", str(small_export(tmp_path / "r.json"))).returncode == 0
    assert cli("settings", "timezone", "Europe/Moscow").returncode == 0

    table = cli(
        "kpis",
        "--start",
        "2024-05-01",
        "--end",
        "2024-06-01",
        "--channel",
        "telegram:77",
        "--format",
        "table",
    )
    as_json = json.loads(cli("kpis", "--start", "2024-05-01", "--end", "2024-06-01").stdout)

    assert table.returncode == 0, table.stderr
    assert "Europe/Moscow" in table.stdout
    assert any(line.split() == ["messages", "2"] for line in table.stdout.splitlines())
    assert as_json["period"]["timezone"] == "Europe/Moscow"


def test_usage_errors_exit_2_with_a_message(tmp_path: Path) -> None:
    assert cli("ingest", "telegram-export", str(small_export(tmp_path / "r.json"))).returncode == 0
    unknown = cli("kpis", "--start", "2024-05-01", "--end", "2024-06-01", "--channel", "nope")
    assert unknown.returncode == 2 and "unknown channel 'nope'" in unknown.stderr
    assert "telegram:77" in unknown.stderr
    backwards = cli("kpis", "--start", "2024-06-01", "--end", "2024-05-01")
    assert backwards.returncode == 2 and "ends" in backwards.stderr
    bad_date = cli("kpis", "--start", "01.05.2024", "--end", "2024-06-01")
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr
    bad_zone = cli("settings", "timezone", "Mars/Olympus")
    assert bad_zone.returncode == 2 and "unknown time zone" in bad_zone.stderr


def test_kpis_before_any_data_fail_cleanly() -> None:
    out = cli("kpis", "--start", "2024-05-01", "--end", "2024-06-01")
    assert out.returncode == 1
    assert "No data yet" in out.stderr and "Traceback" not in out.stderr


def test_refresh_loads_configured_sources_and_a_broken_one_fails_the_exit_code(
    tmp_path: Path, data_dir: Path
) -> None:
    exports = tmp_path / "exports"
    small_export(exports / "good.json")
    (exports / "zz_broken.json").write_text('{"name": "x", "id": 1, "messages": [', "utf-8")
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "pulse.toml").write_text(
        f'[[sources]]\nkind = "telegram-export"\npath = "{exports}/*.json"\n', "utf-8"
    )

    first = cli("refresh")

    assert first.returncode == 1
    assert "zz_broken.json" in first.stderr and "truncated" in first.stderr
    kpis = json.loads(cli("kpis", "--start", "2024-05-01", "--end", "2024-06-01").stdout)
    assert kpis["kpis"]["messages"] == 2  # the good file still loaded

    (exports / "zz_broken.json").unlink()
    second = cli("refresh")
    assert second.returncode == 0, second.stderr
    assert "unchanged since it was loaded; skipped" in second.stderr


def test_refresh_with_a_bad_config_names_the_file(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "pulse.toml").write_text('[[sources]]\nkind = "fax"\npath = "x"\n', "utf-8")
    out = cli("refresh")
    assert out.returncode == 1 and "pulse.toml" in out.stderr and "unknown kind 'fax'" in out.stderr


def test_ingest_reports_progress_as_json_lines(tmp_path: Path) -> None:
    out = cli(
        "ingest", "telegram-export", str(small_export(tmp_path / "r.json")), "--progress-json"
    )
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert lines[-1]["done"] is True and lines[-1]["exit_code"] == 0
    assert lines[-1]["results"][0]["status"] == "ok"
    stages = [line["stage"] for line in lines[:-1]]
    assert "parse" in stages and stages[-1] == "build"


def test_event_sources_take_the_event_from_the_command_line(tmp_path: Path) -> None:
    form = tmp_path / "form.csv"
    form.write_text(
        "Отметка времени,Адрес электронной почты,Имя\n01.05.2024 09:00:00,anna@example.org,Анна\n",
        encoding="utf-8",
    )
    without = cli("ingest", "google-forms", str(form))
    assert without.returncode == 1 and "which event" in without.stderr
    assert cli("ingest", "google-forms", str(form), "--event-id", "timepad:1").returncode == 0
    misplaced = cli("ingest", "telegram-export", str(form), "--event-id", "timepad:1")
    assert misplaced.returncode == 2 and "--event-id is for" in misplaced.stderr
