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
    from pipelines import (
        csv_import,
        discord_export,
        google_forms,
        slack_export,
        telegram_export,
        zoom_participants,
    )

    specs = (
        telegram_export.SPEC,
        discord_export.SPEC,
        slack_export.SPEC,
        csv_import.SPEC,
        zoom_participants.SPEC,
        google_forms.SPEC,
    )
    return {spec.kind: spec for spec in specs}


def api_sources() -> dict[str, ApiSource]:
    from pipelines import telegram_bot, timepad, vk

    return {spec.kind: spec for spec in (telegram_bot.SPEC, vk.SPEC, timepad.SPEC)}


def all_raw_tables() -> dict[str, pa.Schema]:
    tables: dict[str, pa.Schema] = {}
    for spec in [*file_sources().values(), *api_sources().values()]:
        tables.update(spec.raw_tables)
    return tables


class MissingSecret(LookupError):
    pass


def secret(options: Mapping[str, Any], key: str = "token") -> str:
    """A source's token, never from pulse.toml itself.

    Looked up, in order: the environment variable named by the source's `<key>_env` option;
    dlt's secrets (`.dlt/secrets.toml` or env) under `sources.<secret_section>.<key>`, where
    `secret_section` is an option defaulting to the source's kind with "_" for "-".
    """
    import os

    env_name = options.get(f"{key}_env")
    if env_name and os.environ.get(env_name):
        return os.environ[env_name]
    section = str(options.get("secret_section") or options["kind"]).replace("-", "_")
    import dlt

    value = dlt.secrets.get(f"sources.{section}.{key}")
    if value:
        return str(value)
    where = f"env {env_name} or " if env_name else ""
    env_default = f"SOURCES__{section.upper()}__{key.upper()}"
    raise MissingSecret(
        f"no {key} for source {options.get('name') or options['kind']}: set {where}{env_default}, "
        f'or [sources.{section}] {key} = "…" in .dlt/secrets.toml'
    )
