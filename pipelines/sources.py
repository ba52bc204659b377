"""What a source is, and the registry of every source the CLI, refresh and the app know.

A file source turns one file into (raw table, Arrow batch) pairs; an API source pulls from an
endpoint a user configured. Both declare their raw dataset and tables, so the models build even
before a source has loaded anything, and both report warnings in words a manager can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

Batches = Iterator[tuple[str, pa.Table]]
Fraction = Callable[[float], None] | None


class Report(Protocol):
    """What a source tells about one load, besides the rows."""

    @property
    def warnings(self) -> list[str]: ...

    def summary(self) -> str: ...


@dataclass(frozen=True)
class FileSource:
    kind: str  # the name on the command line and in pulse.toml, e.g. "telegram-export"
    dataset: str  # raw schema, e.g. "raw_telegram"
    tables: Mapping[str, pa.Schema]
    primary_keys: Mapping[str, list[str]]
    new_report: Callable[[Path], Report]
    # parse(path, report, progress, **options): raises SourceError for an unreadable file
    parse: Callable[..., Batches]

    @property
    def raw_tables(self) -> dict[str, pa.Schema]:
        return {f"{self.dataset}.{name}": schema for name, schema in self.tables.items()}


@dataclass(frozen=True)
class ApiSource:
    kind: str
    dataset: str
    tables: Mapping[str, pa.Schema]
    primary_keys: Mapping[str, list[str]]
    new_report: Callable[[str], Report]
    # fetch(options, report): options are the source's table in pulse.toml; runs inside a dlt
    # resource, so dlt.current.resource_state() keeps cursors between refreshes
    fetch: Callable[[Mapping[str, Any], Report], Batches]

    @property
    def raw_tables(self) -> dict[str, pa.Schema]:
        return {f"{self.dataset}.{name}": schema for name, schema in self.tables.items()}


def file_sources() -> dict[str, FileSource]:
    from pipelines import telegram_export

    return {spec.kind: spec for spec in (telegram_export.SPEC,)}


def api_sources() -> dict[str, ApiSource]:
    return {}


def all_raw_tables() -> dict[str, pa.Schema]:
    tables: dict[str, pa.Schema] = {}
    for spec in [*file_sources().values(), *api_sources().values()]:
        tables.update(spec.raw_tables)
    return tables
