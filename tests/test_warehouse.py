"""The warehouse: locking across real processes, and the model runner's all-or-nothing builds."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT, ChatBuilder
from warehouse.connection import (
    WarehouseBusy,
    WarehouseEmpty,
    one_read_connection,
    read_connection,
    write_connection,
)
from warehouse.models import (
    ModelBuildError,
    build_order,
    data_version,
    discover_models,
    run_models,
    strip_comments_and_strings,
)


def write_models(root: Path, models: dict[str, str], tests: dict[str, str] | None = None) -> Path:
    for name, sql in models.items():
        layer, table = name.split(".")
        (root / layer).mkdir(parents=True, exist_ok=True)
        (root / layer / f"{table}.sql").write_text(sql)
    (root / "tests").mkdir(parents=True, exist_ok=True)
    for name, sql in (tests or {}).items():
        (root / "tests" / f"{name}.sql").write_text(sql)
    return root


def test_dependencies_are_inferred_from_the_sql_ignoring_comments_and_strings(
    tmp_path: Path,
) -> None:
    sql = write_models(
        tmp_path,
        {
            "marts.c": "select n from core.b -- not staging.zzz\n",
            "core.b": "select n, 'staging.nope' as s from staging.a /* marts.c */",
            "staging.a": "select 1 as n",
        },
    )
    models = discover_models(sql)
    assert models["marts.c"].depends_on == {"core.b"}
    assert models["core.b"].depends_on == {"staging.a"}
    assert [m.name for m in build_order(models)] == ["staging.a", "core.b", "marts.c"]


def test_unknown_reference_and_cycles_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ModelBuildError, match="reads \\['core.missing'\\]"):
        discover_models(write_models(tmp_path / "a", {"marts.x": "select * from core.missing"}))
    cyclic = write_models(
        tmp_path / "b", {"core.x": "select * from core.y", "core.y": "select * from core.x"}
    )
    with pytest.raises(ModelBuildError, match="cycle"):
        build_order(discover_models(cyclic))


def test_a_failing_model_leaves_the_previous_tables_untouched(tmp_path: Path) -> None:
    good = write_models(
        tmp_path / "good",
        {"staging.a": "select 1 as n", "core.b": "select n * 10 as n from staging.a"},
    )
    bad = write_models(
        tmp_path / "bad",
        {"staging.a": "select 2 as n", "core.b": "select no_such_column from staging.a"},
    )
    con = duckdb.connect()
    run_models(con, sql_dir=good)
    with pytest.raises(ModelBuildError, match=r"model core\.b \(b\.sql\) failed: .*no_such_column"):
        run_models(con, sql_dir=bad)
    # staging.a was rebuilt inside the failed transaction, but rolled back with it
    assert con.execute("select n from staging.a").fetchall() == [(1,)]
    assert con.execute("select n from core.b").fetchall() == [(10,)]


def test_sql_tests_run_after_the_build_and_a_failure_rolls_it_back(tmp_path: Path) -> None:
    con = duckdb.connect()
    run_models(con, sql_dir=write_models(tmp_path / "v1", {"core.t": "select 1 as n"}))
    broken = write_models(
        tmp_path / "v2",
        {"core.t": "select * from (values (1), (1)) v(n)"},
        {"t_unique": "select n from core.t group by n having count(*) > 1"},
    )
    with pytest.raises(ModelBuildError, match="SQL test t_unique failed"):
        run_models(con, sql_dir=broken)
    assert con.execute("select n from core.t").fetchall() == [(1,)]


def test_the_real_models_build_on_an_empty_warehouse() -> None:
    from pipelines.ingest import build

    result = build()
    assert "core.activities" in result.models and result.tests
    with read_connection() as con:
        assert con.execute("select count(*) from core.members").fetchone() == (0,)
    assert data_version() != "none"


def test_reading_before_any_data_says_so() -> None:
    with pytest.raises(WarehouseEmpty, match="No data yet"), read_connection():
        pass


HOLD_WRITER = textwrap.dedent(
    """
    import sys, time
    from warehouse.connection import write_connection
    with write_connection() as con:
        con.execute("create or replace table t as select 42 as n")
        print("locked", flush=True)
        time.sleep(float(sys.argv[1]))
        con.execute("update t set n = 43")
    """
)


def start_writer(seconds: float) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(seconds)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "locked"
    return child


def test_a_reader_in_another_process_waits_for_the_writer_instead_of_failing() -> None:
    writer = start_writer(1.5)
    try:
        # DuckDB alone would fail here with "Could not set lock on file"
        with read_connection(timeout=20) as con:
            value = con.execute("select n from t").fetchone()[0]
    finally:
        writer.wait(timeout=30)
    assert value == 43  # we read after the writer finished, never a half-written state


def test_a_reader_gives_up_with_a_clear_message_when_the_writer_takes_too_long() -> None:
    writer = start_writer(5)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="busy"), read_connection(timeout=0.5):
            pass
        assert time.monotonic() - started < 4
    finally:
        writer.wait(timeout=30)


def test_one_read_connection_serves_every_read_inside_it_and_closes_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with write_connection() as con:
        con.execute("create table t as select 42 as n")
    opened = []
    connect = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(a) or connect(*a, **k))
    with one_read_connection():
        with read_connection() as first:
            assert first.execute("select n from t").fetchone() == (42,)
        with read_connection() as second, read_connection() as nested:
            assert second is first and nested is first
    assert len(opened) == 1
    with pytest.raises(duckdb.ConnectionException):
        first.execute("select 1")  # closed with the block
    with read_connection() as alone:
        assert alone is not first  # outside the block: a connection of its own again


def test_a_write_inside_one_read_connection_fails_at_once_instead_of_waiting_for_itself() -> None:
    with write_connection() as con:
        con.execute("create table t as select 42 as n")
    started = time.monotonic()
    with one_read_connection():
        with read_connection() as con:
            con.execute("select n from t").fetchone()
        with pytest.raises(RuntimeError, match="wait for itself"), write_connection(timeout=5):
            pass
    assert time.monotonic() - started < 2
    with write_connection() as con:  # after the block, writing works again
        con.execute("update t set n = 43")


def test_one_read_connection_opens_nothing_until_a_read_so_cached_pages_never_wait() -> None:
    """A page whose answers all come from the cache must not wait for a running refresh."""
    with write_connection() as con:
        con.execute("create table t as select 42 as n")
    writer = start_writer(5)
    try:
        started = time.monotonic()
        with one_read_connection():
            pass  # every answer cached: no read asked for
        assert time.monotonic() - started < 1
        with pytest.raises(WarehouseBusy), one_read_connection(), read_connection(timeout=0.3):
            pass  # the first real read waits for the writer, as any reader does
    finally:
        writer.wait(timeout=30)


def test_an_ingest_in_one_process_and_kpi_reads_in_another_never_collide(tmp_path: Path) -> None:
    chat = ChatBuilder()
    for i in range(3000):
        chat.message(f"2024-01-{1 + i % 28:02d} 10:00", f"u{i % 40}", f"m{i}?")
    path = chat.write(tmp_path / "result.json")
    with write_connection() as con:  # the warehouse exists before the reader starts
        con.execute("create table if not exists marker as select 1 as n")

    ingest = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "ingest", "telegram-export", str(path)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import time
                from warehouse.connection import read_connection
                reads, deadline = 0, time.monotonic() + 6
                while time.monotonic() < deadline:
                    with read_connection(timeout=30) as con:
                        con.execute("select count(*) from marker").fetchone()
                    reads += 1
                print(reads)
                """
            ),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    _, ingest_errors = ingest.communicate(timeout=120)
    assert reader.returncode == 0, reader.stderr
    assert int(reader.stdout) > 10
    assert ingest.returncode == 0, ingest_errors
    with read_connection() as con:
        assert con.execute("select count(*) from core.content").fetchone() == (3000,)


def test_staging_models_are_views_unless_a_model_asks_for_a_table(tmp_path: Path) -> None:
    sql = write_models(
        tmp_path,
        {
            "staging.cheap": "select 1 as n",
            "staging.costly": "-- materialized: table\nselect n from staging.cheap",
            "core.t": "select n from staging.costly",
        },
    )
    con = duckdb.connect()
    run_models(con, sql_dir=sql)
    run_models(con, sql_dir=sql)  # rebuilding replaces views and tables alike
    kinds = dict(
        con.execute(
            "select table_schema || '.' || table_name, table_type from information_schema.tables"
        ).fetchall()
    )
    assert kinds == {
        "staging.cheap": "VIEW",
        "staging.costly": "BASE TABLE",
        "core.t": "BASE TABLE",
    }


def test_no_model_joins_row_by_row() -> None:
    """A join condition DuckDB cannot hash (an OR across both sides, say) turns a 1-second model
    into a many-minute one at a million rows; catch it on the plan, not on the clock."""
    from pipelines.ingest import build

    build()
    with read_connection() as con:
        for model in discover_models().values():
            if re.search(r"\basof\b", strip_comments_and_strings(model.sql), re.IGNORECASE):
                continue  # DuckDB plans an ASOF join over tiny tables as a loop, by design
            plan = "\n".join(row[1] for row in con.execute("EXPLAIN " + model.sql).fetchall())
            assert "NESTED_LOOP_JOIN" not in plan and "BLOCKWISE_NL_JOIN" not in plan, model.name
