"""Run an ingest in a child process and follow its progress (used by the Data page).

The import runs as `python -m pipelines ingest … --progress-json`, exactly what the CLI runs, so
the app never holds dlt or a writing DuckDB connection itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warehouse.settings import REPO_ROOT, data_dir


def run_ingest(
    kind: str, path: Path, extra_args: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Yield {"stage", "fraction"} updates, then one {"done": True, "exit_code", "results"}."""
    env = {**os.environ, "PULSE_DATA_DIR": str(data_dir())}
    command = [sys.executable, "-m", "pipelines", "ingest", kind, str(path), "--progress-json"]
    command += extra_args or []
    with subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        done = None
        for line in child.stdout:
            try:
                update = json.loads(line)
            except json.JSONDecodeError:
                continue
            if update.get("done"):
                done = update
            else:
                yield update
        errors = child.stderr.read()
        child.wait()
    if done is None:
        tail = errors.strip().splitlines()[-3:]
        message = "the import stopped unexpectedly: " + (
            " ".join(tail) or f"exit {child.returncode}"
        )
        done = {"done": True, "exit_code": child.returncode or 1, "results": [], "error": message}
    yield done
