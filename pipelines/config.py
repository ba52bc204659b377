"""The sources a community uses, listed in one TOML file that `refresh` reads.

# $PULSE_DATA_DIR/pulse.toml (or the file named by PULSE_CONFIG)
[[sources]]
kind = "telegram-export"
path = "exports/telegram/*.json"   # a file or glob; relative to the config file's folder
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from warehouse.settings import data_dir

KNOWN_KINDS = ("telegram-export",)


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class SourceConfig:
    kind: str
    path: str
    base: Path

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
    for number, entry in enumerate(document.get("sources", []), start=1):
        kind, file = entry.get("kind"), entry.get("path")
        if kind not in KNOWN_KINDS:
            raise ConfigError(f"{path}: source #{number} has unknown kind {kind!r}")
        if not file:
            raise ConfigError(f"{path}: source #{number} ({kind}) needs a `path`")
        sources.append(SourceConfig(kind, str(file), path.parent))
    return sources


def add_source(kind: str, file: str, path: Path | None = None) -> None:
    """Append a source to the config file (creating it), unless it is listed already."""
    path = path or config_path()
    if any(s.kind == kind and s.path == file for s in load_sources(path)):
        return
    entry = f'\n[[sources]]\nkind = "{kind}"\npath = "{file}"\n'
    with path.open("a", encoding="utf-8") as f:
        f.write(entry)
