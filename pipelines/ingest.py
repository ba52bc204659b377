"""Loading into the warehouse: one file (or one configured API) at a time, so a bad input never
blocks the others, then one model build."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.errors import SourceError
from pipelines.load import load_arrow_tables
from pipelines.sources import MissingSecret, all_raw_tables, api_sources, file_sources
from warehouse.connection import WarehouseBusy
from warehouse.models import BuildResult, build_models
from warehouse.runs import SourceRun, file_fingerprint, record_run

log = logging.getLogger("pipelines")
Progress = Callable[[str, float], None]


@dataclass
class IngestResult:
    source: str
    target: str
    status: str  # ok | warning | failed
    rows: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def _log(result: IngestResult) -> None:
    level = {"failed": logging.ERROR, "warning": logging.WARNING}.get(result.status, logging.INFO)
    for message in result.messages:
        log.log(level, message)


def ingest_file(
    kind: str, path: Path, progress: Progress | None = None, **options: Any
) -> IngestResult:
    """Parse and merge one export file; on any problem nothing from it is kept."""
    spec = file_sources()[kind]
    path = Path(path)
    started = datetime.now(UTC)
    report = spec.new_report(path)

    def parsed(fraction: float) -> None:
        if progress:
            progress("parse", fraction)

    try:
        if not path.is_file():
            raise SourceError(path.name, f"no such file: {path}")
        rows = load_arrow_tables(
            kind.replace("-", "_"),
            spec.dataset,
            spec.parse(path, report, parsed, **options),
            spec.primary_keys,
        )
        warnings = report.warnings
        result = IngestResult(
            kind,
            str(path),
            "warning" if warnings else "ok",
            sum(rows.values()),
            warnings or [report.summary()],
        )
    except (SourceError, WarehouseBusy) as exc:
        result = IngestResult(kind, str(path), "failed", 0, [str(exc)])
    except Exception as exc:  # an unexpected failure still must not stop the other files
        log.exception("loading %s failed", path)
        message = f"{path.name}: loading failed ({type(exc).__name__}: {exc})"
        result = IngestResult(kind, str(path), "failed", 0, [message])
    _log(result)
    record_run(
        SourceRun(
            kind,
            spec.dataset,
            str(path),
            started,
            result.status,
            result.rows,
            "\n".join(result.messages),
            file_fingerprint(path) if not result.failed else None,
        )
    )
    return result


def refresh_api(kind: str, options: Mapping[str, Any]) -> IngestResult:
    """Pull one configured API source (its table in pulse.toml) into the warehouse."""
    spec = api_sources()[kind]
    name = str(options.get("name") or kind)
    started = datetime.now(UTC)
    report = spec.new_report(name)
    try:
        rows = load_arrow_tables(
            f"{kind}_{name}".replace("-", "_"),
            spec.dataset,
            spec.fetch({**options, "kind": kind, "name": name}, report),
            spec.primary_keys,
        )
        warnings = report.warnings
        result = IngestResult(
            kind,
            name,
            "warning" if warnings else "ok",
            sum(rows.values()),
            warnings or [report.summary()],
        )
    except (SourceError, MissingSecret, WarehouseBusy) as exc:
        result = IngestResult(kind, name, "failed", 0, [str(exc)])
    except Exception as exc:  # one broken source must not stop the others
        log.exception("refreshing %s failed", name)
        result = IngestResult(kind, name, "failed", 0, [f"{name}: {type(exc).__name__}: {exc}"])
    _log(result)
    record_run(
        SourceRun(
            kind,
            spec.dataset,
            name,
            started,
            result.status,
            result.rows,
            "\n".join(result.messages),
        )
    )
    return result


def ingest_telegram_export(path: Path, progress: Progress | None = None) -> IngestResult:
    return ingest_file("telegram-export", path, progress)


def build(progress: Progress | None = None) -> BuildResult:
    if progress:
        progress("build", 0.0)
    result = build_models(all_raw_tables())
    if progress:
        progress("build", 1.0)
    log.info(
        "built %d models and ran %d SQL tests in %.2f s",
        len(result.models),
        len(result.tests),
        result.seconds,
    )
    log.debug("slowest models: %s", ", ".join(f"{n} {s:.2f} s" for n, s in result.slowest(6)))
    return result
