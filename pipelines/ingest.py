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
from pipelines.sources import (
    ApiSource,
    Batches,
    FileSource,
    MissingSecret,
    Report,
    all_raw_tables,
    api_sources,
    file_sources,
)
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


def _load(
    spec: FileSource | ApiSource,
    pipeline_name: str,
    target: str,
    label: str,
    report: Report,
    batches: Callable[[], Batches],
    fingerprint: Callable[[], str] | None = None,
) -> IngestResult:
    """Load one file or feed, log the outcome and record the run; never raises for bad input."""
    started = datetime.now(UTC)
    try:
        rows = load_arrow_tables(pipeline_name, spec.dataset, batches(), spec.primary_keys)
        warnings = report.warnings
        result = IngestResult(
            spec.kind,
            target,
            "warning" if warnings else "ok",
            sum(rows.values()),
            warnings or [report.summary()],
        )
    except (SourceError, MissingSecret, WarehouseBusy) as exc:
        result = IngestResult(spec.kind, target, "failed", 0, [str(exc)])
    except Exception as exc:  # an unexpected failure still must not stop the other sources
        log.exception("loading %s failed", label)
        message = f"{label}: loading failed ({type(exc).__name__}: {exc})"
        result = IngestResult(spec.kind, target, "failed", 0, [message])
    _log(result)
    record_run(
        SourceRun(
            spec.kind,
            spec.dataset,
            target,
            started,
            result.status,
            result.rows,
            "\n".join(result.messages),
            fingerprint() if fingerprint and not result.failed else None,
        )
    )
    return result


def ingest_file(
    kind: str, path: Path, progress: Progress | None = None, **options: Any
) -> IngestResult:
    """Parse and merge one export file; on any problem nothing from it is kept."""
    spec = file_sources()[kind]
    path = Path(path)
    report = spec.new_report(path)

    def parsed(fraction: float) -> None:
        if progress:
            progress("parse", fraction)

    def batches() -> Batches:
        if not path.is_file():
            raise SourceError(path.name, f"no such file: {path}")
        return spec.parse(path, report, parsed, **options)

    return _load(
        spec,
        kind.replace("-", "_"),
        str(path),
        path.name,
        report,
        batches,
        lambda: file_fingerprint(path),
    )


def refresh_api(kind: str, options: Mapping[str, Any]) -> IngestResult:
    """Pull one configured API source (its table in pulse.toml) into the warehouse."""
    spec = api_sources()[kind]
    name = str(options.get("name") or kind)
    report = spec.new_report(name)
    return _load(
        spec,
        f"{kind}_{name}".replace("-", "_"),
        name,
        name,
        report,
        lambda: spec.fetch({**options, "kind": kind, "name": name}, report),
    )


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
