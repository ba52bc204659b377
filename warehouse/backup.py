"""Backup of the whole install, and restoring it into an empty data folder.

A backup is a folder: every table of every warehouse schema (raw_* with dlt's own tables, app,
privacy, core, marts) as one Parquet file, every table of the control store (accounts with their
password hashes, shared links, refresh runs, preferences) likewise, the few files the data needs
(the links' secret key, the privacy key, pulse.toml, form entries still waiting in the inbox),
and `manifest.json`, which lists each file with its rows, SHA-256 and exact column types. It is
written into a hidden folder beside the target and renamed into place only when complete, so a
backup folder that exists is a whole backup.

Views are not restored from their SQL: every view is a model (staging, core.activities…), and the
model runner rebuilds all views and derived tables from the restored sources after a restore, so
the warehouse matches the code that restores it. Their SQL is still listed in the manifest (for
a person reading it); a view no model makes is re-created from that SQL.

Restore goes only into an empty data folder (no warehouse, no accounts). It checks every file's
SHA-256 and row count before loading anything, loads into a temporary DuckDB file and renames it
into place only when everything, the model build included, succeeded: a bad backup leaves the
folder exactly as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tomllib
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.accounts import require_role
from warehouse.app_data import apply_pending, inbox_dir
from warehouse.connection import WarehouseBusy, WarehouseEmpty, read_connection, write_lock
from warehouse.control import control_connection, control_path
from warehouse.models import discover_models, mark_data_changed, run_models
from warehouse.settings import REPO_ROOT, data_dir, warehouse_path

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# files beside the warehouse that a restored install needs: shared links are signed with
# secret.key, forgotten people are recognised with privacy.key, pulse.toml lists the sources
KEPT_FILES = ("secret.key", "privacy.key", "pulse.toml")
# a backup waits this long for a running refresh to finish before giving up
BACKUP_WAIT_S = float(os.environ.get("PULSE_BACKUP_WAIT", "600"))
_BATCH_ROWS = 100_000
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")

Progress = Callable[[float, str], None]


class BackupError(RuntimeError):
    """The backup could not be written; nothing was left behind."""


class RestoreRefused(RuntimeError):
    """The restore did not start or was undone: the data folder is as it was."""


@dataclass(frozen=True)
class TableFile:
    """One table saved as Parquet: where it came from, what it holds, how to make it again."""

    schema: str  # DuckDB schema; "control" for the control store's tables
    name: str
    file: str  # path inside the backup folder
    rows: int
    sha256: str
    columns: list[dict[str, str]]  # [{"name", "type"}], in table order, exact declared types
    create_sql: str

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class ViewDef:
    schema: str
    name: str
    sql: str


@dataclass(frozen=True)
class SequenceDef:
    schema: str
    name: str
    next_value: int
    increment: int
    min_value: int
    max_value: int
    cycle: bool


@dataclass(frozen=True)
class KeptFile:
    path: str  # relative to the data folder
    file: str  # path inside the backup folder
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    format_version: int
    created_at: str  # ISO 8601, UTC
    app_version: str
    duckdb_version: str
    tables: list[TableFile] = field(default_factory=list)
    views: list[ViewDef] = field(default_factory=list)
    sequences: list[SequenceDef] = field(default_factory=list)
    control: list[TableFile] = field(default_factory=list)
    files: list[KeptFile] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)
        return cls(
            format_version=int(raw["format_version"]),
            created_at=str(raw["created_at"]),
            app_version=str(raw.get("app_version", "")),
            duckdb_version=str(raw.get("duckdb_version", "")),
            tables=[TableFile(**t) for t in raw.get("tables", [])],
            views=[ViewDef(**v) for v in raw.get("views", [])],
            sequences=[SequenceDef(**s) for s in raw.get("sequences", [])],
            control=[TableFile(**t) for t in raw.get("control", [])],
            files=[KeptFile(**f) for f in raw.get("files", [])],
        )


@dataclass(frozen=True)
class BackupFolder:
    """A finished backup in the data folder's backups/ (for the Admin page's list)."""

    path: Path
    created_at: str
    bytes: int
    rows: int


def app_version() -> str:
    try:
        with open(REPO_ROOT / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def backups_dir() -> Path:
    return data_dir() / "backups"


def default_backup_dir() -> Path:
    """`<data>/backups/<UTC timestamp>/`."""
    return backups_dir() / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _q(identifier: str) -> str:
    """A quoted SQL identifier (names come from the catalogue, never from a person)."""
    return '"' + identifier.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_name(number: int, *parts: str) -> str:
    return f"{number:04d}-" + _SAFE_NAME.sub("_", ".".join(parts)) + ".parquet"


# --- backup ---------------------------------------------------------------------------------


def backup(target_dir: Path | str | None, actor: str, progress: Progress | None = None) -> Manifest:
    """Write the whole install to `target_dir` (default `<data>/backups/<UTC timestamp>/`).

    Admins (and the operator) only. Form entries waiting in the inbox are applied first when the
    warehouse is free; otherwise they are saved with the backup and applied after a restore.
    Raises NotAllowed, WarehouseEmpty (nothing to back up), WarehouseBusy (a refresh kept the
    warehouse longer than BACKUP_WAIT_S) and BackupError (the target is taken).
    """
    require_role(actor, "admin")
    target = Path(target_dir) if target_dir else default_backup_dir()
    target = target.expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty folder: choose a new one.")
    if not warehouse_path().exists():
        raise WarehouseEmpty("Nothing to back up: this data folder has no warehouse yet.")
    with contextlib.suppress(WarehouseBusy):
        apply_pending(0.0)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    partial.mkdir()
    report = progress or (lambda fraction, what: None)
    try:
        with read_connection(timeout=BACKUP_WAIT_S) as con:
            tables, views, sequences = _export_warehouse(con, partial, report)
        report(0.95, "control")
        control = _export_control(partial, start=len(tables))
        files = _copy_kept_files(partial)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            app_version=app_version(),
            duckdb_version=duckdb.__version__,
            tables=tables,
            views=views,
            sequences=sequences,
            control=control,
            files=files,
        )
        _write_synced(partial / MANIFEST, manifest.to_json())
        if target.exists():
            target.rmdir()  # empty, checked above; rename needs the name free
        os.replace(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    report(1.0, "done")
    return manifest


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _all_columns(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[dict[str, str]]]:
    """(schema, table) → its columns with their declared types, in table order (one catalogue
    read: asking table by table costs a tenth of a second each)."""
    found: dict[tuple[str, str], list[dict[str, str]]] = {}
    for schema, table, name, kind in con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns()"
        " where database_name = current_database() and not internal"
        " order by schema_name, table_name, column_index"
    ).fetchall():
        found.setdefault((schema, table), []).append({"name": name, "type": kind})
    return found


def _export_warehouse(
    con: duckdb.DuckDBPyConnection, folder: Path, report: Progress
) -> tuple[list[TableFile], list[ViewDef], list[SequenceDef]]:
    # one transaction: every table is read at the same moment
    con.execute("BEGIN TRANSACTION")
    listed = con.execute(
        "select schema_name, table_name, sql from duckdb_tables()"
        " where database_name = current_database() and not temporary"
        " order by schema_name, table_name"
    ).fetchall()
    (folder / "warehouse").mkdir()
    all_columns = _all_columns(con)
    tables = []
    for number, (schema, name, create_sql) in enumerate(listed, start=1):
        report(0.9 * (number - 1) / max(len(listed), 1), f"{schema}.{name}")
        columns = all_columns[(schema, name)]
        relative = f"warehouse/{_file_name(number, schema, name)}"
        select = ", ".join(_q(c["name"]) for c in columns)
        reader = con.execute(f"select {select} from {_q(schema)}.{_q(name)}").to_arrow_reader(
            _BATCH_ROWS
        )
        rows = _write_parquet(reader, folder / relative)
        counted = con.execute(f"select count(*) from {_q(schema)}.{_q(name)}").fetchone()[0]
        if rows != counted:
            raise BackupError(f"{schema}.{name}: wrote {rows} rows of {counted}")
        tables.append(
            TableFile(schema, name, relative, rows, _sha256(folder / relative), columns, create_sql)
        )
    views = [
        ViewDef(schema, name, sql)
        for schema, name, sql in con.execute(
            "select schema_name, view_name, sql from duckdb_views()"
            " where database_name = current_database() and not internal and not temporary"
            " order by schema_name, view_name"
        ).fetchall()
    ]
    sequences = [
        SequenceDef(schema, name, _next_value(sql, start), increment, low, high, bool(cycle))
        for schema, name, start, increment, low, high, cycle, sql in con.execute(
            "select schema_name, sequence_name, start_value, increment_by, min_value,"
            " max_value, cycle, sql from duckdb_sequences()"
            " where database_name = current_database() and not temporary"
        ).fetchall()
    ]
    con.execute("COMMIT")
    return tables, views, sequences


def _next_value(sql: str, start: int) -> int:
    """The value nextval() gives next. DuckDB's own CREATE statement says it (its START moves
    on as values are used); last_value does not survive a restart reliably."""
    found = re.search(r"\bSTART (?:WITH )?(-?\d+)", sql or "")
    return int(found.group(1)) if found else start


def _write_parquet(reader: pa.RecordBatchReader, path: Path) -> int:
    rows = 0
    with pq.ParquetWriter(path, reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def _sqlite_type(declared: str) -> pa.DataType:
    """Arrow type for a SQLite column, by SQLite's own affinity rules."""
    kind = declared.upper()
    if "INT" in kind:
        return pa.int64()
    if any(word in kind for word in ("CHAR", "CLOB", "TEXT")):
        return pa.string()
    if any(word in kind for word in ("REAL", "FLOA", "DOUB")):
        return pa.float64()
    if "BLOB" in kind:
        return pa.binary()
    return pa.string()


def _export_control(folder: Path, start: int) -> list[TableFile]:
    (folder / "control").mkdir()
    saved = []
    with control_connection() as con:
        con.execute("BEGIN")  # one snapshot of every control table
        listed = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        for number, (name, create_sql) in enumerate(listed, start=start + 1):
            info = con.execute(f"PRAGMA table_info({_q(name)})").fetchall()
            schema = pa.schema([(row["name"], _sqlite_type(row["type"] or "")) for row in info])
            select = ", ".join(_q(row["name"]) for row in info)
            rows = [tuple(r) for r in con.execute(f"SELECT {select} FROM {_q(name)}").fetchall()]
            columns = {column.name: [row[i] for row in rows] for i, column in enumerate(schema)}
            relative = f"control/{_file_name(number, 'control', name)}"
            pq.write_table(pa.table(columns, schema=schema), folder / relative)
            saved.append(
                TableFile(
                    "control",
                    name,
                    relative,
                    len(rows),
                    _sha256(folder / relative),
                    [{"name": row["name"], "type": row["type"] or ""} for row in info],
                    create_sql,
                )
            )
    return saved


def _kept_paths() -> list[Path]:
    """The files beside the warehouse that go into a backup."""
    folder = data_dir()
    paths = [folder / name for name in KEPT_FILES if (folder / name).is_file()]
    return paths + sorted(inbox_dir().glob("*.json"))


def _copy_kept_files(folder: Path) -> list[KeptFile]:
    kept = []
    for path in _kept_paths():
        relative = path.relative_to(data_dir()).as_posix()
        inside = f"files/{relative}"
        (folder / inside).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, folder / inside)
        kept.append(
            KeptFile(relative, inside, (folder / inside).stat().st_size, _sha256(folder / inside))
        )
    return kept


def list_backups() -> list[BackupFolder]:
    """Finished backups in `<data>/backups/`, newest first."""
    found = []
    folder = backups_dir()
    for path in sorted(folder.iterdir() if folder.is_dir() else (), reverse=True):
        manifest_path = path / MANIFEST
        if path.name.startswith(".") or not manifest_path.is_file():
            continue
        try:
            manifest = Manifest.from_json(manifest_path.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError):
            continue
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        found.append(BackupFolder(path, manifest.created_at, size, manifest.rows))
    return found


def zipped(folder: Path) -> bytes:
    """A backup folder as one zip (Parquet is compressed already: stored, not deflated)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


# --- restore --------------------------------------------------------------------------------


def read_manifest(source_dir: Path | str) -> Manifest:
    path = Path(source_dir) / MANIFEST
    try:
        manifest = Manifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RestoreRefused(f"{source_dir} is not a backup: it has no {MANIFEST}.") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise RestoreRefused(f"{path} is not a readable backup manifest ({exc}).") from None
    if manifest.format_version != FORMAT_VERSION:
        raise RestoreRefused(
            f"{path} has backup format {manifest.format_version}; this version of the app "
            f"restores format {FORMAT_VERSION} only."
        )
    return manifest


def not_empty_because() -> str | None:
    """Why the data folder can't take a restore (it has a warehouse or accounts), or None."""
    folder = data_dir()
    if warehouse_path().exists() or warehouse_path().with_suffix(".duckdb.wal").exists():
        return (
            f"The data folder {folder} already has a warehouse ({warehouse_path().name}). "
            "Restore only into an empty data folder: set PULSE_DATA_DIR to a new folder and "
            "run the restore again."
        )
    if control_path().exists():
        try:
            with contextlib.closing(
                sqlite3.connect(f"file:{control_path()}?mode=ro", uri=True)
            ) as con:
                users = con.execute("SELECT count(*) FROM users").fetchone()[0]
        except sqlite3.OperationalError:
            users = 0  # no users table yet: nobody was ever created
        if users:
            return (
                f"The data folder {folder} already has accounts ({control_path().name}). "
                "Restore only into an empty data folder: set PULSE_DATA_DIR to a new folder and "
                "run the restore again."
            )
    return None


def _inside(source: Path, relative: str) -> Path:
    path = (source / relative).resolve()
    if not path.is_relative_to(source):
        raise RestoreRefused(f"the manifest names a file outside the backup: {relative!r}")
    return path


def _safe_destination(relative: str) -> Path:
    """Where a kept file goes: only the names a backup writes, never elsewhere."""
    parts = Path(relative).parts
    allowed = (len(parts) == 1 and parts[0] in KEPT_FILES) or (
        len(parts) == 2
        and parts[0] == "inbox"
        and parts[1].endswith(".json")
        and not parts[1].startswith(".")
    )
    if not allowed:
        raise RestoreRefused(f"the manifest names an unexpected file: {relative!r}")
    return data_dir() / relative


def verify(source_dir: Path | str) -> Manifest:
    """Check every file of a backup (SHA-256, rows) without loading anything."""
    source = Path(source_dir).expanduser().resolve()
    manifest = read_manifest(source)
    problems = []
    for table in [*manifest.tables, *manifest.control]:
        path = _inside(source, table.file)
        if not path.is_file():
            problems.append(f"{table.file} ({table.qualified}) is missing")
            continue
        if _sha256(path) != table.sha256:
            problems.append(f"{table.file} ({table.qualified}) is damaged: its SHA-256 differs")
            continue
        try:
            rows = pq.ParquetFile(path).metadata.num_rows
        except (pa.ArrowException, OSError) as exc:
            problems.append(f"{table.file} ({table.qualified}) is not readable Parquet: {exc}")
            continue
        if rows != table.rows:
            problems.append(f"{table.file} ({table.qualified}) has {rows} rows, not {table.rows}")
    for kept in manifest.files:
        _safe_destination(kept.path)
        path = _inside(source, kept.file)
        if not path.is_file() or _sha256(path) != kept.sha256:
            problems.append(f"{kept.file} is missing or damaged")
    if problems:
        raise RestoreRefused(
            "The backup is incomplete or damaged; nothing was restored:\n- " + "\n- ".join(problems)
        )
    return manifest


def restore(source_dir: Path | str, progress: Progress | None = None) -> Manifest:
    """Restore a backup into this (empty) data folder; refuses, changing nothing, otherwise."""
    source = Path(source_dir).expanduser().resolve()
    reason = not_empty_because()
    if reason:
        raise RestoreRefused(reason)
    manifest = verify(source)
    report = progress or (lambda fraction, what: None)
    with write_lock():
        reason = not_empty_because()  # someone may have started the app meanwhile
        if reason:
            raise RestoreRefused(reason)
        scratch = data_dir() / f".restore-{uuid.uuid4().hex[:8]}.duckdb"
        try:
            _load_warehouse(scratch, source, manifest, report)
            report(0.95, "control")
            _put_in_place(scratch, source, manifest)
        finally:
            scratch.unlink(missing_ok=True)
            scratch.with_suffix(".duckdb.wal").unlink(missing_ok=True)
    mark_data_changed()
    report(1.0, "done")
    return manifest


def _load_warehouse(scratch: Path, source: Path, manifest: Manifest, report: Progress) -> None:
    from pipelines.sources import all_raw_tables  # the build needs every source's raw tables

    con = duckdb.connect(str(scratch))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        schemas = {t.schema for t in manifest.tables} | {s.schema for s in manifest.sequences}
        for schema in sorted(schemas - {"main"}):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(schema)}")
        for seq in manifest.sequences:
            con.execute(
                f"CREATE SEQUENCE {_q(seq.schema)}.{_q(seq.name)} START WITH {int(seq.next_value)}"
                f" INCREMENT BY {int(seq.increment)} MINVALUE {int(seq.min_value)}"
                f" MAXVALUE {int(seq.max_value)} {'CYCLE' if seq.cycle else 'NO CYCLE'}"
            )
        for number, table in enumerate(manifest.tables, start=1):
            report(0.8 * (number - 1) / max(len(manifest.tables), 1), table.qualified)
            _load_table(con, source, table)
        loaded = _all_columns(con)
        for table in manifest.tables:  # the exact types, DECIMAL(14,2) or VARCHAR[] included
            if loaded.get((table.schema, table.name)) != table.columns:
                raise RestoreRefused(f"{table.qualified}: its columns came back different")
        _recreate_other_views(con, manifest.views)
        report(0.85, "build")
        try:
            run_models(con, all_raw_tables())
        except Exception as exc:
            raise RestoreRefused(f"the models did not build from the backup: {exc}") from exc
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise RestoreRefused(f"loading the backup failed; nothing was restored: {exc}") from exc
    finally:
        con.close()


def _load_table(con: duckdb.DuckDBPyConnection, source: Path, table: TableFile) -> None:
    if not table.create_sql.upper().startswith("CREATE TABLE"):
        raise RestoreRefused(f"{table.qualified}: the manifest's DDL is not a CREATE TABLE")
    con.execute(table.create_sql)
    names = ", ".join(_q(c["name"]) for c in table.columns)
    con.execute(
        f"INSERT INTO {_q(table.schema)}.{_q(table.name)} ({names})"
        f" SELECT {names} FROM read_parquet(?)",
        [str(_inside(source, table.file))],
    )
    rows = con.execute(f"select count(*) from {_q(table.schema)}.{_q(table.name)}").fetchone()[0]
    if rows != table.rows:
        raise RestoreRefused(f"{table.qualified}: loaded {rows} rows, the backup has {table.rows}")


def _recreate_other_views(con: duckdb.DuckDBPyConnection, views: Iterable[ViewDef]) -> None:
    """Views no model makes, from their SQL; views may read views, so retry until all stand."""
    models = discover_models()
    waiting = [v for v in views if f"{v.schema}.{v.name}" not in models]
    for view in waiting:
        if not view.sql.upper().startswith("CREATE VIEW"):
            raise RestoreRefused(f"{view.schema}.{view.name}: the manifest's DDL is not a view")
    while waiting:
        failed = []
        for view in waiting:
            try:
                con.execute(view.sql)
            except duckdb.CatalogException:
                failed.append(view)
        if len(failed) == len(waiting):
            names = ", ".join(f"{v.schema}.{v.name}" for v in failed)
            raise RestoreRefused(f"views that read something missing: {names}")
        waiting = failed


def _put_in_place(scratch: Path, source: Path, manifest: Manifest) -> None:
    """Control store, kept files and the warehouse: the warehouse file is renamed last, and the
    control store's transaction commits only after it, so a failure leaves neither."""
    placed: list[Path] = []
    try:
        with control_connection() as con:
            con.execute("BEGIN IMMEDIATE")
            for table in manifest.control:
                _restore_control_table(con, source, table)
            for kept in manifest.files:
                destination = _safe_destination(kept.path)
                if kept.path == "pulse.toml" and destination.exists():
                    continue  # the operator's own configuration of the new folder wins
                destination.parent.mkdir(parents=True, exist_ok=True)
                temporary = destination.with_name(f".{destination.name}.restoring")
                shutil.copy2(_inside(source, kept.file), temporary)
                if kept.path in ("secret.key", "privacy.key"):
                    temporary.chmod(0o600)
                os.replace(temporary, destination)
                placed.append(destination)
            os.replace(scratch, warehouse_path())
            placed.append(warehouse_path())
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise


def _restore_control_table(con: sqlite3.Connection, source: Path, table: TableFile) -> None:
    exists = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table.name]
    ).fetchone()
    if not exists:
        con.execute(table.create_sql)
    current = {row["name"] for row in con.execute(f"PRAGMA table_info({_q(table.name)})")}
    names = [c["name"] for c in table.columns if c["name"] in current]
    data = pq.read_table(_inside(source, table.file), columns=names)
    con.execute(f"DELETE FROM {_q(table.name)}")
    con.executemany(
        f"INSERT INTO {_q(table.name)} ({', '.join(_q(n) for n in names)})"
        f" VALUES ({', '.join('?' * len(names))})",
        [tuple(row[n] for n in names) for row in data.to_pylist()],
    )
