"""Zoom participants reports (both real layouts) → raw_zoom → the events staging contract."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import pipelines.sources
from pipelines import zoom_participants as zoom
from pipelines.ingest import IngestResult, ingest_file
from tests.conftest import SAMPLES
from warehouse.connection import read_connection, write_connection
from warehouse.models import run_models
from warehouse.settings import SQL_DIR

FULL = SAMPLES / "zoom_csv" / "participants_heroes_full.csv"  # with the meeting preamble
BARE = SAMPLES / "zoom_csv" / "participants_heroes.csv"  # participants only
ORIGINAL_FILE_SOURCES = pipelines.sources.file_sources
MEETING = "zoom:60245167821"

EVENTS = (
    "event_id VARCHAR, title VARCHAR, format VARCHAR, starts_at TIMESTAMP, ends_at TIMESTAMP, "
    "place VARCHAR, channel_id VARCHAR, status VARCHAR, registration_target BIGINT"
)
PARTICIPANTS = (
    "participation_id VARCHAR, event_id VARCHAR, identity_id VARCHAR, display_name VARCHAR, "
    "email VARCHAR, phone VARCHAR, handle VARCHAR, registered_at TIMESTAMP, attended BOOLEAN, "
    "checked_in_at TIMESTAMP, minutes_attended DOUBLE, participant_role VARCHAR, "
    "source_channel VARCHAR"
)
IDENTITIES = (
    "identity_id VARCHAR, platform VARCHAR, external_user_id VARCHAR, handle VARCHAR, "
    "display_name VARCHAR, email VARCHAR, phone VARCHAR, is_team BOOLEAN, is_bot BOOLEAN"
)


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Zoom as a known file source (until pipelines/sources.py lists it)."""
    sources = lambda: {**ORIGINAL_FILE_SOURCES(), zoom.SOURCE: zoom.SPEC}  # noqa: E731
    monkeypatch.setattr("pipelines.sources.file_sources", sources)
    monkeypatch.setattr("pipelines.ingest.file_sources", sources)


def load(path: Path, **options: Any) -> IngestResult:
    return ingest_file(zoom.SOURCE, path, **{"timezone": "UTC", **options})


def build(tmp_path: Path) -> None:
    """Only the Zoom staging models, with the real model runner."""
    sql = tmp_path / "sql"
    shutil.rmtree(sql, ignore_errors=True)
    (sql / "staging").mkdir(parents=True)
    (sql / "tests").mkdir()
    for model in (SQL_DIR / "staging").glob("stg_zoom__*.sql"):
        shutil.copy(model, sql / "staging")
    with write_connection() as con:
        run_models(con, zoom.SPEC.raw_tables, sql_dir=sql)


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def participant(email: str) -> tuple:
    return rows(
        "select event_id, identity_id, display_name, attended, checked_in_at, minutes_attended,"
        " participant_role from staging.stg_zoom__event_participants where email = ?",
        [email],
    )[0]


def assert_contract() -> None:
    for model, columns in (
        ("events", EVENTS),
        ("event_participants", PARTICIPANTS),
        ("identities", IDENTITIES),
    ):
        described = rows(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'staging' and table_name = ? order by ordinal_position",
            [f"stg_zoom__{model}"],
        )
        assert ", ".join(f"{n} {t}" for n, t in described) == columns, model
    for model, unique in (
        ("events", "event_id"),
        ("event_participants", "participation_id"),
        ("event_participants", "event_id, identity_id"),
        ("identities", "identity_id"),
    ):
        copies = rows(
            f"select {unique} from staging.stg_zoom__{model} group by all having count(*) > 1"
        )
        assert copies == [], (model, unique, copies)
    # every participant is a known identity
    assert (
        rows(
            "select identity_id from staging.stg_zoom__event_participants"
            " anti join staging.stg_zoom__identities using (identity_id)"
        )
        == []
    )


def test_report_with_preamble_is_its_own_event_and_rejoins_merge(tmp_path: Path) -> None:
    result = load(FULL)
    assert result.status == "ok", result.messages
    assert "27 participants (31 joins)" in result.messages[0]
    build(tmp_path)
    assert_contract()
    assert rows("select * from staging.stg_zoom__events") == [
        (
            MEETING,
            "Heroes meeting",
            "online",
            datetime(2021, 11, 19, 10, 0),
            datetime(2021, 11, 19, 12, 0),
            None,
            None,
            "done",
            None,
        )
    ]
    # 31 join rows, 4 people joined twice (Power Girl, Cyborg Superman, Swarm, Dazzler) → 27
    assert rows("select count(*) from staging.stg_zoom__event_participants") == [(27,)]
    assert rows("select count(*) from staging.stg_zoom__identities") == [(27,)]
    # Swarm: 10:14:30–10:24:26 (10 min) and 10:24:12–12:01:58 (98 min)
    assert participant("swarm_mutant@marvel.com") == (
        MEETING,
        "zoom:swarm_mutant@marvel.com",
        "017_Swarm",
        True,
        datetime(2021, 11, 19, 10, 14, 30),
        108.0,
        "guest",
    )
    # Dazzler: 2 + 27 minutes, first in at 11:01:02
    assert participant("dazzler_mutant@marvel.com")[4:6] == (datetime(2021, 11, 19, 11, 1, 2), 29.0)
    # Cyborg Superman left and came back: 52 + 34
    assert participant("cyborg-superman_cyborg@dc.com")[5] == 86.0
    # Power Girl was in twice at once (114 + 111 overlapping minutes): capped at her span,
    # 10:08:26–12:01:58 = 113.5 min, rounded up as Zoom does
    assert participant("power-girl_kryptonian@dc.com")[5] == 114.0
    # the name shown in the meeting, without Zoom's "(Original Name)"
    assert participant("loki_asgardian@marvel.com")[2] == "015_Loki"
    # the preamble's User Email is the host
    assert rows(
        "select email from staging.stg_zoom__event_participants where participant_role <> 'guest'"
    ) == [("green-goblin_human@marvel.com",)]


def test_times_without_zone_are_the_given_time_zone(tmp_path: Path) -> None:
    assert load(FULL, timezone="Europe/Moscow").status == "ok"
    build(tmp_path)
    assert rows("select starts_at from staging.stg_zoom__events") == [
        (datetime(2021, 11, 19, 7, 0),)
    ]
    assert participant("loki_asgardian@marvel.com")[4] == datetime(2021, 11, 19, 6, 54, 15)


def test_report_without_preamble_needs_the_event(tmp_path: Path) -> None:
    failed = load(BARE)
    assert failed.failed and "participants_heroes.csv" in failed.messages[0]
    assert "event_id" in failed.messages[0]

    assert load(BARE, event_id="app:12").status == "ok"
    build(tmp_path)
    assert_contract()
    assert rows("select count(*) from staging.stg_zoom__events") == [(0,)]
    # per person min(sum of durations, span first join → last leave), worked out by hand with
    # the csv module: only Power Girl's overlapping rows are capped (225 → 114)
    assert rows(
        "select event_id, count(*), sum(minutes_attended) from"
        " staging.stg_zoom__event_participants group by all"
    ) == [("app:12", 27, 2341.0)]
    assert participant("swarm_mutant@marvel.com")[5] == 108.0


def test_event_option_attaches_a_full_report_to_another_event(tmp_path: Path) -> None:
    assert load(FULL, event_id="timepad:123").status == "ok"
    build(tmp_path)
    assert rows("select count(*) from staging.stg_zoom__events") == [(0,)]
    assert participant("dazzler_mutant@marvel.com")[0] == "timepad:123"
    assert load(FULL, event_id="not an id").failed


def test_bad_rows_name_file_line_and_value_and_load_nothing(tmp_path: Path) -> None:
    lines = FULL.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace("10:07:44 AM", "25:07:44 XM")  # Mockingbird's join, line 6
    lines[8] = lines[8].replace(",52,", ",fifty,")  # Cyborg Superman's duration, line 9
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    result = load(bad)
    assert result.failed
    message = result.messages[0]
    assert message.startswith("bad.csv:")
    assert "2 rows cannot be read" in message
    assert "line 6, column «Join Time» = '11/19/2021 25:07:44 XM'" in message
    assert "line 9, column «Duration (Minutes)» = 'fifty'" in message
    build(tmp_path)
    assert rows("select count(*) from staging.stg_zoom__event_participants") == [(0,)]

    not_zoom = tmp_path / "other.csv"
    not_zoom.write_text("a,b\n1,2\n", encoding="utf-8")
    assert "Join Time" in load(not_zoom).messages[0]


def test_loading_the_same_report_twice_changes_nothing(tmp_path: Path) -> None:
    assert load(FULL).status == "ok"
    build(tmp_path)
    first = rows("select * from staging.stg_zoom__event_participants order by all")
    assert load(FULL).status == "ok"
    build(tmp_path)
    assert rows("select * from staging.stg_zoom__event_participants order by all") == first
    assert rows("select count(*) from raw_zoom.participants") == [(27,)]
    assert rows("select count(*) from raw_zoom.meetings") == [(1,)]


def test_models_build_before_anything_is_loaded(tmp_path: Path) -> None:
    build(tmp_path)
    assert_contract()
    assert rows("select count(*) from staging.stg_zoom__identities") == [(0,)]
