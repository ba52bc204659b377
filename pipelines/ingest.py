"""Loading files into the warehouse: one file at a time, so a bad file never blocks the others."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipelines import telegram_export
from pipelines.errors import SourceError
from pipelines.load import load_arrow_tables
from warehouse.connection import WarehouseBusy
from warehouse.models import BuildResult, build_models
from warehouse.runs import SourceRun, file_fingerprint, record_run

log = logging.getLogger("pipelines")

# Every source's raw tables, so models build even before a source has loaded anything.
RAW_TABLES = {**telegram_export.RAW_TABLES}
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


def ingest_telegram_export(path: Path, progress: Progress | None = None) -> IngestResult:
    """Parse and merge one Telegram Desktop export; on any problem nothing from it is kept."""
    path = Path(path)
    started = datetime.now(UTC)
    report = telegram_export.ParseReport(path)

    def parsed(fraction: float) -> None:
        if progress:
            progress("parse", fraction)

    try:
        if not path.is_file():
            raise SourceError(path.name, f"no such file: {path}")
        rows = load_arrow_tables(
            "telegram_export",
            telegram_export.DATASET,
            telegram_export.parse_export(path, report, progress=parsed),
            telegram_export.PRIMARY_KEYS,
        )
        warnings = report.warnings
        result = IngestResult(
            telegram_export.SOURCE,
            str(path),
            "warning" if warnings else "ok",
            rows.get("messages", 0),
            warnings
            or [f"{path.name}: {report.messages} messages in {report.chats} chats loaded."],
        )
    except (SourceError, WarehouseBusy) as exc:
        result = IngestResult(telegram_export.SOURCE, str(path), "failed", 0, [str(exc)])
    except Exception as exc:  # an unexpected failure still must not stop the other files
        log.exception("loading %s failed", path)
        message = f"{path.name}: loading failed ({type(exc).__name__}: {exc})"
        result = IngestResult(telegram_export.SOURCE, str(path), "failed", 0, [message])
    for message in result.messages:
        (log.error if result.failed else log.warning if result.status == "warning" else log.info)(
            message
        )
    record_run(
        SourceRun(
            result.source,
            telegram_export.DATASET,
            result.target,
            started,
            result.status,
            result.rows,
            "\n".join(result.messages),
            file_fingerprint(path) if not result.failed else None,
        )
    )
    return result


def build(progress: Progress | None = None) -> BuildResult:
    if progress:
        progress("build", 0.0)
    result = build_models(RAW_TABLES)
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
