"""`make bench`: time ingesting a 1,000,000-message Telegram export, model build included.

Run from the repository root: `python -m tests.benchmarks.ingest [--messages N] [--keep]`.

Steps, each timed in its own child process so its peak memory (RSS) is its own:

1. write (or reuse) a deterministic export in `bench-data/` (git-ignored), keyed by message
   count, seed and end date;
2. the floor: stream-parse the same file with ijson and do nothing else;
3. the real ingest, `python -m pipelines ingest telegram-export PATH --progress-json`, into an
   empty data folder; its progress lines split parse + load from the model build;
4. a one-month KPI query on the result, for information.

Prints a Markdown table with the machine's details and records it in BENCHMARKS.md (between the
`bench:start`/`bench:end` markers, so the notes around it survive re-runs). Targets are recorded,
never asserted: the exit code is non-zero only when a step fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = REPO_ROOT / "bench-data"
BENCHMARKS_MD = REPO_ROOT / "BENCHMARKS.md"
DEFAULT_MESSAGES = 1_000_000
SEED = 7
END = date(2026, 6, 30)  # fixed, so the cached export stays valid from one day to the next
KPI_START, KPI_END = "2026-06-01", "2026-07-01"
TARGET_SECONDS = 30.0
TARGET_RSS_BYTES = 1_000_000_000  # 1 GB
SAMPLE_EVERY_S = 0.05
MD_START = "<!-- bench:start (written by `make bench`; edit outside these markers) -->"
MD_END = "<!-- bench:end -->"
_BUILT = re.compile(r"built (\d+) models and ran (\d+) SQL tests in ([\d.]+) s")


class StepFailed(RuntimeError):
    pass


# ----------------------------------------------------------------------------- measuring children


@dataclass
class ChildRun:
    command: list[str]
    returncode: int = 0
    seconds: float = 0.0
    max_rss: int = 0  # bytes: kernel's peak RSS of the child or any descendant it waited for
    tree_rss: int = 0  # bytes: peak of the sampled sum of RSS over the child's process tree
    processes: int = 1  # most processes seen at once in the tree
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds, tree RSS bytes)
    stdout: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, line)
    stderr: str = ""

    @property
    def peak_rss(self) -> int:
        return max(self.max_rss, self.tree_rss)

    def sampled_peak(self, start: float, end: float) -> int:
        """Peak of the sampled tree RSS between two moments (seconds since the child started)."""
        return max((rss for at, rss in self.samples if start <= at <= end), default=0)


class _TreeSampler(threading.Thread):
    """Polls the summed RSS of a process and its descendants until stopped."""

    def __init__(self, pid: int, started: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.started = started
        self.peak = 0
        self.samples: list[tuple[float, int]] = []
        self.processes = 1
        self._halt = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._halt.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for proc in tree:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self.samples.append((time.perf_counter() - self.started, total))
            self.processes = max(self.processes, len(tree))
            self._halt.wait(SAMPLE_EVERY_S)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def run_child(command: list[str], env: dict[str, str] | None = None) -> ChildRun:
    """Run `command` from the repo root; keep its timed stdout lines, stderr and peak RSS."""
    run = ChildRun(command)
    with open(os.devnull, "rb") as devnull, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=devnull,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            bufsize=1,
        )
        sampler = _TreeSampler(child.pid, started)
        sampler.start()
        assert child.stdout is not None
        for line in child.stdout:
            run.stdout.append((time.perf_counter() - started, line.rstrip("\n")))
        child.stdout.close()
        # wait4 rather than Popen.wait: it hands back the child's own resource usage.
        _, status, usage = os.wait4(child.pid, 0)
        run.seconds = time.perf_counter() - started
        child.returncode = run.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
        err.seek(0)
        run.stderr = err.read().decode("utf-8", "replace")
    run.max_rss = usage.ru_maxrss * 1024  # Linux reports KiB
    run.tree_rss = sampler.peak
    run.processes = sampler.processes
    run.samples = sampler.samples
    return run


def _check(run: ChildRun, step: str) -> None:
    if run.returncode != 0:
        tail = "\n".join(run.stderr.strip().splitlines()[-15:])
        raise StepFailed(f"{step} failed (exit {run.returncode}): {' '.join(run.command)}\n{tail}")


# ----------------------------------------------------------------------------- the steps


def export_path(messages: int) -> Path:
    return BENCH_DIR / f"telegram-chat-{messages}msg-seed{SEED}-end{END.isoformat()}.json"


def ensure_export(messages: int) -> tuple[Path, float | None]:
    """The cached export for `messages`, written first when missing; (path, seconds written)."""
    path = export_path(messages)
    if path.is_file():
        return path, None
    from pipelines.demo import write_chat_export

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    started = time.perf_counter()
    write_chat_export(partial, messages=messages, end=END, seed=SEED)
    partial.replace(path)  # a crash mid-write never leaves a truncated file under the real name
    return path, time.perf_counter() - started


def warm_page_cache(path: Path) -> float:
    """Read the file once so the floor and the ingest both start from a warm page cache."""
    started = time.perf_counter()
    with path.open("rb") as f:
        while f.read(8 << 20):
            pass
    return time.perf_counter() - started


def floor_child(path: str) -> int:
    """Runs in the child: stream-parse every message and do nothing else; JSON summary out."""
    import ijson

    started = time.perf_counter()
    rows = 0
    with open(path, "rb") as f:
        for _ in ijson.items(f, "messages.item", use_float=True):
            rows += 1
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": rows, "parse_seconds": seconds, "backend": ijson.backend}))
    return 0


@dataclass
class Floor:
    run: ChildRun
    rows: int
    parse_seconds: float
    backend: str


def measure_floor(path: Path) -> Floor:
    command = [sys.executable, "-m", "tests.benchmarks.ingest", "--floor-child", str(path)]
    run = run_child(command)
    _check(run, "the floor (stream-parse only)")
    summary = json.loads(run.stdout[-1][1])
    return Floor(run, summary["rows"], summary["parse_seconds"], summary["backend"])


@dataclass
class Ingest:
    run: ChildRun
    data_dir: Path
    first_parse: float  # seconds since start: the first progress line (imports done)
    parse_done: float  # the parse reached 100 % (= dlt extract finished)
    build_start: float  # the first "build" line: parse + load done
    build_end: float  # the last "build" line
    models: int
    sql_tests: int
    runner_seconds: float | None  # the model runner's own figure, from its log line
    rows_loaded: int


def measure_ingest(path: Path, data_dir: Path) -> Ingest:
    env = {**os.environ, "PULSE_DATA_DIR": str(data_dir)}
    env.pop("PULSE_CONFIG", None)
    command = [
        sys.executable,
        "-m",
        "pipelines",
        "ingest",
        "telegram-export",
        str(path),
        "--progress-json",
    ]
    run = run_child(command, env)
    _check(run, "the ingest")
    first_parse = parse_done = build_start = build_end = None
    done: dict[str, Any] | None = None
    for at, line in run.stdout:
        try:
            update = json.loads(line)
        except json.JSONDecodeError:
            continue
        if update.get("done"):
            done = update
        elif update.get("stage") == "parse":
            first_parse = at if first_parse is None else first_parse
            if update.get("fraction", 0) >= 1 and parse_done is None:
                parse_done = at
        elif update.get("stage") == "build":
            build_start = at if build_start is None else build_start
            build_end = at
    if done is None or done.get("exit_code") != 0 or build_start is None:
        raise StepFailed(f"the ingest did not report a successful build: {done}\n{run.stderr}")
    built = _BUILT.search(run.stderr)
    rows_loaded = sum(r.get("rows", 0) for r in done.get("results", []))
    return Ingest(
        run,
        data_dir,
        first_parse if first_parse is not None else build_start,
        parse_done if parse_done is not None else build_start,
        build_start,
        build_end if build_end is not None else run.seconds,
        int(built.group(1)) if built else 0,
        int(built.group(2)) if built else 0,
        float(built.group(3)) if built else None,
        rows_loaded,
    )


def warehouse_facts(data_dir: Path) -> dict[str, int]:
    import duckdb

    database = data_dir / "pulse.duckdb"
    facts = {"duckdb_bytes": database.stat().st_size}
    wal = database.with_name(database.name + ".wal")
    if wal.exists():
        facts["duckdb_bytes"] += wal.stat().st_size
    con = duckdb.connect(str(database), read_only=True)
    try:
        for table in ("raw_telegram.messages", "core.activities", "core.content"):
            facts[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()
    return facts


def measure_kpis(data_dir: Path) -> ChildRun:
    env = {**os.environ, "PULSE_DATA_DIR": str(data_dir)}
    env.pop("PULSE_CONFIG", None)
    command = [sys.executable, "-m", "pipelines", "kpis", "--start", KPI_START, "--end", KPI_END]
    run = run_child(command, env)
    _check(run, "the KPI query")
    return run


# ----------------------------------------------------------------------------- reporting


def code_version() -> str:
    """The commit measured, and whether the working tree differed from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"commit {commit}" + (" with uncommitted changes" if dirty else "")


def machine_info(load_before: tuple[float, float, float]) -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    import ijson

    return {
        "CPU": f"{cpu} — {usable} usable cores (nproc), {os.cpu_count()} online",
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "load": f"1-min load average {load_before[0]:.2f} before the run, "
        f"{os.getloadavg()[0]:.2f} after (other work on the machine slows every figure)",
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dlt": version("dlt"),
        "ijson": f"{version('ijson')} ({ijson.backend} backend)",
        "pyarrow": version("pyarrow"),
    }


def _s(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 10 else f"{seconds:.2f} s"


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "—"


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


def results_table(
    messages: int, export_bytes: int, floor: Floor, ingest: Ingest, facts: dict, kpis: ChildRun
) -> str:
    run = ingest.run
    total = run.seconds
    parse_load = ingest.build_start
    build = total - ingest.build_start
    runner = f"; runner's own figure {_s(ingest.runner_seconds)}" if ingest.runner_seconds else ""
    verdict_t = "meets" if total < TARGET_SECONDS else "misses"
    verdict_m = "meets" if run.peak_rss < TARGET_RSS_BYTES else "misses"
    targets = (
        f"target < {TARGET_SECONDS:.0f} s ({verdict_t}), < 1 GB ({verdict_m}); "
        if messages == DEFAULT_MESSAGES
        else f"(the targets are for {DEFAULT_MESSAGES:,} messages) "
    )

    def phase_rss(start: float, end: float) -> str:
        peak = run.sampled_peak(start, end)
        return _mb(peak) if peak else "—"

    rows = [
        ("Step", "Wall time", "Messages/s", "Peak RSS", "Notes"),
        (
            "**Floor**: stream-parse only",
            _s(floor.run.seconds),
            _rate(floor.rows, floor.run.seconds),
            _mb(floor.run.peak_rss),
            f'`ijson.items(f, "messages.item")`, {floor.backend}; '
            f"{_s(floor.parse_seconds)} in the loop itself",
        ),
        (
            "**Ingest, model build included**",
            f"**{_s(total)}**",
            f"**{_rate(messages, total)}**",
            f"**{_mb(run.peak_rss)}**",
            targets + f"{total / floor.run.seconds:.1f}× the floor",
        ),
        (
            "↳ parse + load",
            _s(parse_load),
            _rate(messages, parse_load),
            phase_rss(0, ingest.build_start),
            "child start to the first `build` progress line",
        ),
        (
            "&emsp;↳ start-up (interpreter, imports)",
            _s(ingest.first_parse),
            "",
            phase_rss(0, ingest.first_parse),
            "until the first `parse` progress line",
        ),
        (
            "&emsp;↳ parse + dlt extract",
            _s(ingest.parse_done - ingest.first_parse),
            _rate(messages, ingest.parse_done - ingest.first_parse),
            phase_rss(ingest.first_parse, ingest.parse_done),
            "until the parse reports 100 %",
        ),
        (
            "&emsp;↳ dlt normalize + load",
            _s(ingest.build_start - ingest.parse_done),
            "",
            phase_rss(ingest.parse_done, ingest.build_start),
            "parquet → DuckDB merge on the primary keys",
        ),
        (
            "↳ model build",
            _s(build),
            _rate(messages, build),
            phase_rss(ingest.build_start, total),
            f"{ingest.models} models + {ingest.sql_tests} SQL tests" + runner,
        ),
        (
            "KPI query, one month",
            _s(kpis.seconds),
            "",
            _mb(kpis.peak_rss),
            f"`python -m pipelines kpis --start {KPI_START} --end {KPI_END}`, for information",
        ),
    ]
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.insert(1, "|---|--:|--:|--:|---|")
    tree_note = (
        f" (the ingest ran as {run.processes} process{'es' if run.processes > 1 else ''} at most; "
        f"sampled tree RSS {_mb(run.tree_rss)}, kernel peak {_mb(run.max_rss)})"
    )
    lines += [
        "",
        f"- Export: {messages:,} messages, {_mb(export_bytes)} "
        f"(`pipelines.demo.write_chat_export`, seed {SEED}, ending {END.isoformat()}).",
        f"- Warehouse after the ingest: DuckDB file {_mb(facts['duckdb_bytes'])}; "
        f"raw_telegram.messages {facts['raw_telegram.messages']:,} rows, "
        f"core.activities {facts['core.activities']:,} rows, "
        f"core.content {facts['core.content']:,} rows.",
        "- Peak RSS is the larger of the kernel's peak for the child (`wait4` → `ru_maxrss`) and "
        f"the summed RSS of its process tree, sampled every {SAMPLE_EVERY_S * 1000:.0f} ms; the "
        "phases' figures are the sampled peaks within each phase" + tree_note + ".",
    ]
    return "\n".join(lines)


def machine_lines(info: dict[str, str]) -> str:
    return "\n".join(f"- {key}: {value}" for key, value in info.items())


def record(table: str, info: dict[str, str], messages: int) -> None:
    section = "\n".join(
        [
            MD_START,
            f"## Latest run: {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
            "",
            f"Ingesting a {messages:,}-message Telegram Desktop export into an empty warehouse.",
            "",
            table,
            "",
            "Machine:",
            "",
            machine_lines(info),
            "",
            "Reproduce: `make bench` (or `.venv/bin/python -m tests.benchmarks.ingest`; "
            "`--messages 20000` for a quick smoke run, `--keep` to keep the warehouse). "
            "The export is cached in `bench-data/`; the first run writes it (~25 s).",
            MD_END,
        ]
    )
    if BENCHMARKS_MD.exists():
        text = BENCHMARKS_MD.read_text(encoding="utf-8")
        if MD_START in text and MD_END in text:
            before = text[: text.index(MD_START)]
            after = text[text.index(MD_END) + len(MD_END) :]
            BENCHMARKS_MD.write_text(before + section + after, encoding="utf-8")
            return
        BENCHMARKS_MD.write_text(text.rstrip("\n") + "\n\n" + section + "\n", encoding="utf-8")
        return
    header = (
        "# Benchmarks\n\n"
        f"Target: ingesting {DEFAULT_MESSAGES:,} messages, model build included, in under "
        f"{TARGET_SECONDS:.0f} s and under 1 GB peak memory on a 2-core machine. The floor is the "
        "time to stream-parse the same file and do nothing else, measured in the same run.\n\n"
    )
    BENCHMARKS_MD.write_text(header + section + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------- main


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.ingest", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES, metavar="N")
    parser.add_argument("--keep", action="store_true", help="keep the warehouse of this run")
    parser.add_argument(
        "--record",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"write BENCHMARKS.md (default: only for {DEFAULT_MESSAGES:,} messages)",
    )
    parser.add_argument("--floor-child", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_child:
        return floor_child(args.floor_child)
    if args.messages < 1:
        parser.error("--messages must be at least 1")
    record_md = args.record if args.record is not None else args.messages == DEFAULT_MESSAGES

    load_before = os.getloadavg()
    code = code_version()
    data_dir = BENCH_DIR / f"run-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
    try:
        _say(f"export: {export_path(args.messages)}")
        path, written = ensure_export(args.messages)
        size = path.stat().st_size
        how = f"written in {_s(written)}" if written is not None else "cached"
        _say(f"export: {args.messages:,} messages, {_mb(size)} ({size:,} bytes), {how}")
        _say(f"page cache warmed in {_s(warm_page_cache(path))}")

        _say("floor: stream-parsing the export and doing nothing else …")
        floor = measure_floor(path)
        _say(f"floor: {floor.rows:,} messages in {_s(floor.run.seconds)}")
        if floor.rows != args.messages:
            raise StepFailed(f"the floor parsed {floor.rows} messages, expected {args.messages}")

        _say(f"ingest: into an empty warehouse in {data_dir} …")
        ingest = measure_ingest(path, data_dir)
        _say(f"ingest: done in {_s(ingest.run.seconds)}")
        facts = warehouse_facts(data_dir)
        if facts["raw_telegram.messages"] != args.messages:
            loaded = facts["raw_telegram.messages"]
            raise StepFailed(f"the ingest loaded {loaded} messages, expected {args.messages}")

        _say("kpis: one month …")
        kpis = measure_kpis(data_dir)

        table = results_table(args.messages, size, floor, ingest, facts, kpis)
        info = {"code": code, **machine_info(load_before)}
        print(f"## Ingest benchmark: {args.messages:,} messages\n")
        print(table)
        print("\nMachine:\n")
        print(machine_lines(info))
        if record_md:
            record(table, info, args.messages)
            _say(f"recorded in {BENCHMARKS_MD}")
    except StepFailed as exc:
        _say(f"bench: {exc}")
        return 1
    finally:
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        _say(f"(the bench driver's own peak RSS, not part of the figures: {_mb(own)})")
        if args.keep and data_dir.exists():
            _say(f"warehouse kept: PULSE_DATA_DIR={data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
