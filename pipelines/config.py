"""The sources a community uses, listed in one TOML file that `refresh` reads.

# $PULSE_DATA_DIR/pulse.toml (or the file named by PULSE_CONFIG)
[[sources]]
kind = "telegram-export"
path = "exports/telegram/*.json"   # a file or glob; relative to the config file's folder
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.settings import data_dir


class ConfigError(ValueError):
    pass


def known_kinds() -> list[str]:
    from pipelines.sources import api_sources, file_sources

    return [*file_sources(), *api_sources()]


@dataclass(frozen=True)
class SourceConfig:
    kind: str
    path: str  # files to load, for file sources ("" for APIs)
    base: Path
    name: str = ""  # tells two sources of one kind apart (also their dlt state)
    options: dict = field(default_factory=dict)  # everything else in the source's table

    @property
    def is_file_source(self) -> bool:
        from pipelines.sources import file_sources

        return self.kind in file_sources()

    def files(self) -> list[Path]:
        pattern = Path(self.path).expanduser()
        if not pattern.is_absolute():
            pattern = self.base / pattern
        if any(ch in str(pattern) for ch in "*?["):
            return sorted(Path(pattern.anchor).glob(str(pattern.relative_to(pattern.anchor))))
        return [pattern]


def config_path() -> Path:
    configured = os.environ.get("PULSE_CONFIG")
    return Path(configured).expanduser().resolve() if configured else data_dir() / "pulse.toml"


def load_sources(path: Path | None = None) -> list[SourceConfig]:
    path = path or config_path()
    if not path.exists():
        return []
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    sources = []
    kinds = known_kinds()
    for number, entry in enumerate(document.get("sources", []), start=1):
        entry = dict(entry)
        kind, file = entry.pop("kind", None), entry.pop("path", "")
        name = str(entry.pop("name", "") or f"{kind}-{number}")
        if kind not in kinds:
            known = ", ".join(kinds)
            raise ConfigError(
                f"{path}: source #{number} has unknown kind {kind!r} (known: {known})"
            )
        source = SourceConfig(kind, str(file), path.parent, name, entry)
        if source.is_file_source and not file:
            raise ConfigError(f"{path}: source #{number} ({kind}) needs a `path`")
        sources.append(source)
    return sources


def add_source(
    kind: str, file: str, path: Path | None = None, options: Mapping[str, str] | None = None
) -> None:
    """Append a source to the config file (creating it), unless one of that kind already lists
    that path. `options` become more `key = "value"` lines of its [[sources]] table, which
    `refresh` hands to the loader (e.g. event_id, timezone)."""
    path = path or config_path()
    if any(s.kind == kind and s.path == file for s in load_sources(path)):
        return
    lines = ["", "[[sources]]", f"kind = {_toml_string(kind)}", f"path = {_toml_string(file)}"]
    for key, value in (options or {}).items():
        if key in ("kind", "path") or not _BARE_KEY.match(key):
            raise ValueError(f"cannot write the source option {key!r}")
        lines.append(f"{key} = {_toml_string(str(value))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escaping of quotes, backslashes and control characters is
    valid TOML; TOML also wants DEL escaped."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
