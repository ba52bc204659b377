"""Where the warehouse lives on disk. Every path the app and the CLI use comes from here."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = REPO_ROOT / "sql"


def data_dir() -> Path:
    """The data folder: `PULSE_DATA_DIR`, or `./data` beside the code."""
    configured = os.environ.get("PULSE_DATA_DIR")
    folder = Path(configured).expanduser().resolve() if configured else REPO_ROOT / "data"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def warehouse_path() -> Path:
    return data_dir() / "pulse.duckdb"


def lock_path() -> Path:
    return data_dir() / "pulse.lock"


def build_stamp_path() -> Path:
    """Rewritten after every successful model build; caches key on its content."""
    return data_dir() / "build.stamp"


def unbuilt_loads_path() -> Path:
    """Present while a source has loaded rows no full model build has seen yet."""
    return data_dir() / "loaded-since-build"
