"""The model runner: builds `sql/` models in dependency order inside one transaction.

A model is `sql/<layer>/<name>.sql` holding one SELECT; it becomes `<layer>.<name>`: a view in
staging (renames and casts are cheap to recompute, expensive to copy), a table in core and marts.
A `-- materialized: table` (or `view`) line in the file overrides that.
Dependencies are the `<layer>.<name>` references in the SQL (comments and string literals
ignored). If any model or SQL test fails, the transaction rolls back and the previous tables
stay exactly as they were.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.app_tables import ensure_app_tables
from warehouse.connection import write_connection
from warehouse.settings import SQL_DIR, build_stamp_path, unbuilt_loads_path

LAYERS = ("staging", "core", "marts")
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_STRINGS = re.compile(r"'(?:[^']|'')*'")
_MATERIALIZED = re.compile(r"^--\s*materialized:\s*(table|view)\s*$", re.M | re.I)
_REFERENCE = re.compile(r"\b(" + "|".join(LAYERS) + r")\.([a-z_][a-z0-9_]*)\b", re.I)


class ModelBuildError(RuntimeError):
    """A model or SQL test failed; nothing from the build was kept."""


@dataclass(frozen=True)
class Model:
    name: str  # "<layer>.<table>"
    path: Path
    sql: str
    depends_on: frozenset[str] = field(default_factory=frozenset)

    @property
    def materialized(self) -> str:
        declared = _MATERIALIZED.search(self.sql)
        if declared:
            return declared.group(1).lower()
        return "view" if self.name.startswith("staging.") else "table"


@dataclass(frozen=True)
class BuildResult:
    models: list[str]
    tests: list[str]
    seconds: float
    model_seconds: dict[str, float] = field(default_factory=dict)

    def slowest(self, count: int = 3) -> list[tuple[str, float]]:
        return sorted(self.model_seconds.items(), key=lambda item: -item[1])[:count]


def strip_comments_and_strings(sql: str) -> str:
    return _STRINGS.sub("''", _COMMENTS.sub(" ", sql))


def discover_models(sql_dir: Path = SQL_DIR) -> dict[str, Model]:
    paths = {
        f"{layer}.{path.stem}": path
        for layer in LAYERS
        for path in sorted((sql_dir / layer).glob("*.sql"))
    }
    models = {}
    for name, path in paths.items():
        sql = path.read_text(encoding="utf-8")
        refs = {f"{a}.{b}".lower() for a, b in _REFERENCE.findall(strip_comments_and_strings(sql))}
        unknown = refs - paths.keys()
        if unknown:
            raise ModelBuildError(f"model {name} reads {sorted(unknown)}, which no model defines")
        models[name] = Model(name, path, sql, frozenset(refs - {name}))
    return models


def build_order(models: Mapping[str, Model]) -> list[Model]:
    sorter = TopologicalSorter({name: m.depends_on for name, m in models.items()})
    try:
        return [models[name] for name in sorter.static_order()]
    except CycleError as exc:
        raise ModelBuildError(f"models depend on each other in a cycle: {exc.args[1]}") from None


def discover_tests(sql_dir: Path = SQL_DIR) -> list[Path]:
    return sorted((sql_dir / "tests").glob("*.sql"))


def _ensure_raw_tables(con: duckdb.DuckDBPyConnection, raw_tables: Mapping[str, pa.Schema]) -> None:
    """Create empty raw tables for sources never loaded, so staging models always bind."""
    for qualified, schema in raw_tables.items():
        raw_schema, _ = qualified.split(".")
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{raw_schema}"')
        con.register("_pulse_empty_raw", schema.empty_table())
        con.execute(f"CREATE TABLE IF NOT EXISTS {qualified} AS SELECT * FROM _pulse_empty_raw")
        con.unregister("_pulse_empty_raw")


def _drop_existing(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop `name` whether it is a view or a table now (a model may change kind)."""
    schema, table = name.split(".")
    found = con.execute(
        "select table_type from information_schema.tables"
        " where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    if found:
        con.execute(f"DROP {'VIEW' if found[0] == 'VIEW' else 'TABLE'} {name}")


_APP_TABLE = re.compile(r"\bapp\.([a-z_][a-z0-9_]*)\b", re.I)


def app_tables_read(model: Model) -> set[str]:
    """The app tables (forms' data) a model reads, e.g. {"app.events"}."""
    return {f"app.{t}".lower() for t in _APP_TABLE.findall(strip_comments_and_strings(model.sql))}


def downstream_of(models: Mapping[str, Model], app_tables: set[str]) -> set[str]:
    """The models that read any of `app_tables`, and every model built from those."""
    affected = {name for name, m in models.items() if app_tables_read(m) & app_tables}
    grown = True
    while grown:
        more = {name for name, m in models.items() if m.depends_on & affected} - affected
        affected |= more
        grown = bool(more)
    return affected


def _built_before(con: duckdb.DuckDBPyConnection, models: Mapping[str, Model]) -> bool:
    built = {
        f"{schema}.{table}"
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }
    return models.keys() <= built


def run_models(
    con: duckdb.DuckDBPyConnection,
    raw_tables: Mapping[str, pa.Schema] | None = None,
    sql_dir: Path = SQL_DIR,
    changed_app_tables: set[str] | None = None,
) -> BuildResult:
    """Build the models and run every SQL test on `con`, all in one transaction.

    changed_app_tables: only what a form changed; then only the models reading those tables and
    the models built from them are rebuilt (everything, if some model was never built or a
    source loaded rows since the last full build).
    """
    started = time.perf_counter()
    models = discover_models(sql_dir)
    ordered = build_order(models)
    full = not (
        changed_app_tables is not None
        and _built_before(con, models)
        and not unbuilt_loads_path().exists()
    )
    if not full:
        affected = downstream_of(models, changed_app_tables)
        ordered = [m for m in ordered if m.name in affected]
    tests = discover_tests(sql_dir)
    timings: dict[str, float] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        _ensure_raw_tables(con, raw_tables or {})
        ensure_app_tables(con, sql_dir)
        for layer in LAYERS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
        for model in ordered:
            model_started = time.perf_counter()
            try:
                _drop_existing(con, model.name)
                kind = model.materialized.upper()
                con.execute(f"CREATE {kind} {model.name} AS\n{model.sql}")
            except duckdb.Error as exc:
                raise ModelBuildError(
                    f"model {model.name} ({model.path.name}) failed: {exc}"
                ) from exc
            timings[model.name] = time.perf_counter() - model_started
        for test in tests:
            rows = con.execute(test.read_text(encoding="utf-8")).fetchmany(3)
            if rows:
                raise ModelBuildError(f"SQL test {test.stem} failed; first offending rows: {rows}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if full:
        unbuilt_loads_path().unlink(missing_ok=True)
    return BuildResult(
        [m.name for m in ordered], [t.stem for t in tests], time.perf_counter() - started, timings
    )


def build_models(raw_tables: Mapping[str, pa.Schema] | None = None) -> BuildResult:
    """Rebuild all models under the writer's lock, then tell caches that the data changed."""
    from warehouse.app_data import apply_entries  # it builds with run_models below

    with write_connection() as con:
        apply_entries(con)  # form entries a running refresh kept waiting land in this build
        result = run_models(con, raw_tables)
    mark_data_changed()
    return result


def mark_loaded_since_build() -> None:
    """A source is loading rows: until a full build, form entries must not build partially."""
    unbuilt_loads_path().touch()


def mark_data_changed() -> None:
    stamp = build_stamp_path()
    tmp = stamp.with_suffix(".tmp")
    tmp.write_text(f"{time.time_ns()}-{uuid.uuid4().hex[:8]}", encoding="utf-8")
    tmp.replace(stamp)


def data_version() -> str:
    """Changes whenever a build (or an app write) lands; cheap, needs no database lock."""
    try:
        return build_stamp_path().read_text(encoding="utf-8")
    except FileNotFoundError:
        return "none"
