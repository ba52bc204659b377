"""Backup of the whole install and restore into an empty data folder (warehouse/backup.py).

One small community is built once for the module (a Telegram chat, an event entered in the app
with a budget and a co-host, accounts and a shared link) and copied into each test's data folder.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.cli import main
from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import TEST_PASSWORD, ChatBuilder, admin_part, make_account
from warehouse import accounts, links
from warehouse.accounts import NotAllowed
from warehouse.app_data import Change, pending_entries, submit
from warehouse.backup import (
    MANIFEST,
    BackupError,
    Manifest,
    RestoreRefused,
    backup,
    list_backups,
    restore,
)
from warehouse.connection import read_connection, write_lock
from warehouse.control import control_connection

MAY = ("--start", "2024-05-01", "--end", "2024-06-01")


def community_chat() -> ChatBuilder:
    chat = ChatBuilder("Волонтёры", chat_id=77)
    chat.join("2024-05-01 09:00", "Аня")
    question = chat.message(
        "2024-05-02 10:00", "Аня", "Когда сбор?", reactions=[("👍", "Борис", "2024-05-02 10:05")]
    )
    chat.message("2024-05-02 10:30", "Борис", "В субботу", reply_to=question)
    return chat


@pytest.fixture(scope="module")
def community(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with a loaded chat, an app event, two accounts and a shared link."""
    folder = tmp_path_factory.mktemp("community")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PULSE_DATA_DIR", str(folder / "data"))
        result = ingest_telegram_export(community_chat().write(folder / "export" / "result.json"))
        assert not result.failed, result.messages
        build()
        accounts.create_first_admin("admin", TEST_PASSWORD)
        accounts.create_account("admin", "vera", "viewer", TEST_PASSWORD)
        accounts.create_account("admin", "max", "manager", TEST_PASSWORD)
        link, token = links.create_link("admin", days=30, label="board")
        (folder / "token").write_text(token)
        event = {
            "title": "Субботник",
            "starts_at": datetime(2024, 5, 18, 7),
            "budget": Decimal("15000.50"),
            "status": "planned",
        }
        submit(
            [
                Change("app.events", {"event_id": "app:e1"}, event),
                Change("app.event_partners", {"event_id": "app:e1"}, {"partner_ids": ["p1"]}),
            ],
            "admin",
        )
    return folder


@pytest.fixture
def installed(community: Path, data_dir: Path) -> Path:
    """This test's data folder: a copy of the community's."""
    shutil.copytree(community / "data", data_dir, dirs_exist_ok=True)
    return data_dir


def cli_json(*args: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(args)) == 0
    return json.loads(out.getvalue())


def count(sql: str) -> int:
    with read_connection() as con:
        return con.execute(sql).fetchone()[0]


def use_folder(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("PULSE_DATA_DIR", str(folder))


def test_restore_into_an_empty_folder_gives_the_same_kpis_accounts_and_links(
    installed: Path, community: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = cli_json("kpis", *MAY)
    # Аня joined and asked, Борис answered: 2 active members, 2 messages, 1 question
    # answered after 30 minutes, 1 reaction (Борис's 👍)
    assert before["kpis"]["active_members"] == 2 and before["kpis"]["messages"] == 2
    assert before["kpis"]["first_response_median_minutes"] == 30.0
    messages = count("select count(*) from raw_telegram.messages")
    assert messages == 3  # the join and two messages

    manifest = backup(tmp_path / "backup", "admin")

    listed = {t.qualified: t for t in manifest.tables}
    assert listed["raw_telegram.messages"].rows == messages
    assert {"raw_telegram._dlt_loads", "app.audit_log", "core.members"} <= listed.keys()
    types = {c["name"]: c["type"] for c in listed["app.events"].columns}
    assert types["budget"] == "DECIMAL(14,2)" and types["starts_at"] == "TIMESTAMP"
    partner_types = {c["name"]: c["type"] for c in listed["app.event_partners"].columns}
    assert partner_types["partner_ids"] == "VARCHAR[]"
    assert "core.activities" in {f"{v.schema}.{v.name}" for v in manifest.views}
    control = {t.name: t.rows for t in manifest.control}
    assert control["users"] == 3 and control["share_links"] == 1
    assert "secret.key" in {f.path for f in manifest.files}
    on_disk = Manifest.from_json((tmp_path / "backup" / MANIFEST).read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert not list(tmp_path.glob(".backup.partial-*"))  # renamed into place whole

    use_folder(monkeypatch, tmp_path / "restored")
    restored = restore(tmp_path / "backup")

    assert restored.created_at == manifest.created_at
    assert cli_json("kpis", *MAY) == before
    assert accounts.authenticate("vera", TEST_PASSWORD).role == "viewer"
    assert links.open_link((community / "token").read_text()).label == "board"
    with read_connection() as con:
        budget, partners = con.execute(
            "select e.budget, p.partner_ids from app.events as e"
            " join app.event_partners as p using (event_id)"
        ).fetchone()
        column_type = con.execute(
            "select data_type from information_schema.columns"
            " where table_schema = 'app' and table_name = 'events' and column_name = 'budget'"
        ).fetchone()[0]
    assert (budget, partners, column_type) == (Decimal("15000.50"), ["p1"], "DECIMAL(14,2)")

    # loading the same export again adds nothing: the merge finds the restored rows
    runs_before = count("select max(run_id) from app.source_runs")
    again = ingest_telegram_export(community_chat().write(tmp_path / "again" / "result.json"))
    assert not again.failed, again.messages
    build()
    assert count("select count(*) from raw_telegram.messages") == messages
    assert cli_json("kpis", *MAY) == before
    # the run log's sequence went on from where the backup left it
    assert count("select max(run_id) from app.source_runs") == runs_before + 1


def test_form_entries_waiting_in_the_inbox_are_applied_before_the_backup(
    installed: Path, tmp_path: Path
) -> None:
    with write_lock():  # a refresh holds the warehouse: the entry waits in the inbox
        queued = submit([Change("app.settings", {"key": "note"}, {"value": "x"})], "admin", 0.0)
    assert not queued.applied and pending_entries()

    backup(tmp_path / "backup", "admin")

    assert not pending_entries()
    assert count("select count(*) from app.settings where key = 'note'") == 1


@pytest.mark.parametrize("role", ["viewer", "manager"])
def test_only_an_admin_may_make_a_backup(installed: Path, tmp_path: Path, role: str) -> None:
    with pytest.raises(NotAllowed):
        backup(tmp_path / "backup", make_account(role))
    assert not (tmp_path / "backup").exists()


def test_restore_refuses_a_folder_that_has_a_warehouse_or_accounts(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup(tmp_path / "backup", "operator")
    stamp = (installed / "pulse.duckdb").stat().st_mtime_ns

    with pytest.raises(RestoreRefused, match="already has a warehouse"):
        restore(tmp_path / "backup")
    assert (installed / "pulse.duckdb").stat().st_mtime_ns == stamp

    # a folder where the app made its first admin, but no data
    use_folder(monkeypatch, tmp_path / "fresh")
    accounts.create_first_admin("someone", TEST_PASSWORD)
    with pytest.raises(RestoreRefused, match="already has accounts"):
        restore(tmp_path / "backup")
    assert not (tmp_path / "fresh" / "pulse.duckdb").exists()
    assert [a.username for a in accounts.accounts()] == ["someone"]


def _leftovers(folder: Path) -> list[str]:
    """What a failed restore might leave: a warehouse, a scratch file, accounts."""
    found = [p.name for p in folder.glob("*.duckdb*")] + [p.name for p in folder.glob(".*")]
    if (folder / "control.sqlite").exists():
        with control_connection() as con:
            found += [row[0] for row in con.execute("SELECT username FROM users")]
    return found


def test_a_damaged_backup_is_refused_and_the_folder_stays_empty(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = backup(tmp_path / "backup", "admin")
    messages = next(t for t in manifest.tables if t.qualified == "raw_telegram.messages")
    damaged = tmp_path / "backup" / messages.file
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))

    use_folder(monkeypatch, tmp_path / "empty")
    with pytest.raises(RestoreRefused, match=r"raw_telegram\.messages.*damaged"):
        restore(tmp_path / "backup")
    assert _leftovers(tmp_path / "empty") == []

    assert main(["restore", str(tmp_path / "backup")]) == 1
    assert _leftovers(tmp_path / "empty") == []


def test_a_backup_that_fails_while_loading_leaves_the_folder_empty(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup(tmp_path / "backup", "admin")
    # the files are intact, but the manifest promises a column type the data can't have
    path = tmp_path / "backup" / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    events = next(t for t in manifest["tables"] if t["schema"] == "app" and t["name"] == "events")
    events["create_sql"] = events["create_sql"].replace("DECIMAL(14,2)", "DATE")
    path.write_text(json.dumps(manifest), encoding="utf-8")

    use_folder(monkeypatch, tmp_path / "empty")
    with pytest.raises(RestoreRefused):
        restore(tmp_path / "backup")
    assert _leftovers(tmp_path / "empty") == []


def test_backup_into_a_folder_that_is_not_empty_is_refused(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(BackupError, match="not an empty folder"):
        backup(tmp_path / "taken", "admin")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]


def test_cli_backup_goes_to_the_data_folder_by_default_and_restore_says_why_not(
    installed: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert main(["backup"]) == 0
    made = list_backups()
    assert len(made) == 1 and made[0].path.parent == installed / "backups"
    assert "password hashes" in capsys.readouterr().out

    assert main(["restore", str(made[0].path)]) == 1  # this folder has a warehouse
    assert "already has a warehouse" in caplog.text

    use_folder(monkeypatch, tmp_path / "new")
    assert main(["restore", str(tmp_path / "nowhere")]) == 1
    assert "no manifest.json" in caplog.text
    assert main(["restore", str(made[0].path)]) == 0
    assert "restored the backup" in capsys.readouterr().out


# --- the Administration page's backup part ----------------------------------------------------


def backup_page(language: str = "en") -> AppTest:
    return admin_part("draw_backup", language)


def test_the_admin_page_makes_and_lists_backups_and_tells_how_to_restore(installed: Path) -> None:
    at = backup_page()
    assert not at.exception
    assert at.info[0].value == "No backups in the data folder yet."

    at.button(key="admin_backup_now").click().run()

    assert not at.exception
    assert at.success[0].value.startswith("Backup made:")
    [made] = list_backups()
    assert any(made.path.name in m.value for m in at.markdown)
    assert at.get("download_button")[0].proto.label == "Download as zip"
    assert f"pipelines restore {made.path}" in at.code[0].value


@pytest.mark.parametrize(
    ("language", "title", "button"),
    [
        ("ru", "Резервные копии", "Сделать копию сейчас"),
        ("uk", "Резервні копії", "Зробити копію зараз"),
    ],
)
def test_the_backup_part_speaks_russian_and_ukrainian(
    installed: Path, language: str, title: str, button: str
) -> None:
    at = backup_page(language)
    assert not at.exception
    assert at.subheader[0].value == title
    assert at.button(key="admin_backup_now").label == button
    assert "Backups" not in [s.value for s in at.subheader]
