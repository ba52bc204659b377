"""`python -m pipelines`: ingest files, refresh configured sources, print KPIs.

Exit codes: 0 success, 1 a source or the build failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sqlite3
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines import config, users
from pipelines.sources import file_sources
from warehouse.accounts import OPERATOR
from warehouse.community import (
    DEFAULT_TIMEZONE,
    LEVEL_DEFAULTS,
    SETTING_KEYS,
    community_timezone,
    level_thresholds,
    set_setting,
)
from warehouse.connection import WarehouseBusy, WarehouseEmpty, read_connection
from warehouse.kpis import compute_kpis, run_kpi_query
from warehouse.models import ModelBuildError
from warehouse.periods import Period
from warehouse.runs import loaded_unchanged
from warehouse.settings import warehouse_path

if TYPE_CHECKING:
    from pipelines.ingest import IngestResult

log = logging.getLogger("pipelines")


def _interval(text: str) -> str:
    from warehouse.refresh_runs import parse_interval

    try:
        parse_interval(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip().lower()


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipelines", description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="load export files, then rebuild the models")
    ingest.add_argument("kind", choices=sorted(file_sources()))
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.add_argument(
        "--progress-json", action="store_true", help="print progress as JSON lines on stdout"
    )
    ingest.add_argument(
        "--event-id",
        help="the event a Zoom report, a form's or a CSV's registrations belong to "
        "(e.g. timepad:123, app:12)",
    )
    csv = ingest.add_argument_group("csv options")
    csv.add_argument(
        "--what", choices=("members", "activities", "registrations"), help="what the rows are"
    )
    csv.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="which column holds a field, e.g. --map email=Почта (default: recognised headers)",
    )
    csv.add_argument("--channel", dest="csv_channel", help="channel the rows belong to")
    csv.add_argument("--platform", help="platform name for the identities (default csv)")
    csv.add_argument("--activity-type", help="the type of every row, when no column says it")
    csv.add_argument("--channel-kind", help="chat, broadcast, forum, newsletter, events, offline")

    refresh = commands.add_parser(
        "refresh", help="load every configured source, then rebuild the models"
    )
    refresh.add_argument(
        "--every",
        type=_interval,
        metavar="INTERVAL",
        help="repeat until stopped: a refresh every 90s, 30m, 2h, 1d… (without cron or systemd)",
    )
    refresh.add_argument(
        "--log-file",
        type=Path,
        metavar="PATH",
        help="also log here (default: <data>/logs/refresh.log; rotated at 5 MB, 5 kept)",
    )
    commands.add_parser("build", help="rebuild the models from what is loaded")

    kpis = commands.add_parser("kpis", help="print the KPIs for [start, end)")
    kpis.add_argument("--start", type=_date, required=True, help="first day, YYYY-MM-DD")
    kpis.add_argument("--end", type=_date, required=True, help="day after the last, YYYY-MM-DD")
    kpis.add_argument("--channel", help="a channel id (see `channels`); default: whole community")
    kpis.add_argument("--format", choices=("json", "table"), default="json")

    commands.add_parser("channels", help="list channel ids")

    listing = commands.add_parser(
        "events", help="print events with their funnel, new vs repeat and return rate"
    )
    listing.add_argument("--start", type=_date, help="first day, YYYY-MM-DD (default: all)")
    listing.add_argument("--end", type=_date, help="day after the last, YYYY-MM-DD")
    listing.add_argument("--event-id", dest="only_event", help="one event (see the Events page)")
    listing.add_argument("--format", choices=("json", "table"), default="json")

    demo = commands.add_parser("demo", help="write the demo community's exports and load them")
    demo.add_argument("--end", type=_date, help="last day of the demo year (default: today)")
    demo.add_argument("--members", type=int, default=300)
    demo.add_argument(
        "--if-empty", action="store_true", help="do nothing when the warehouse already has data"
    )

    settings = commands.add_parser("settings", help="show or change community settings")
    settings.add_argument("key", nargs="?", choices=SETTING_KEYS)
    settings.add_argument("value", nargs="?")

    users.add_parser(commands)
    backup = commands.add_parser("backup", help="write the whole install to a backup folder")
    backup.add_argument(
        "dir", nargs="?", type=Path, help="a new folder (default: <data>/backups/<UTC time>/)"
    )
    restore = commands.add_parser("restore", help="restore a backup into an empty data folder")
    restore.add_argument("dir", type=Path, help="the backup folder (holds manifest.json)")
    forget = commands.add_parser(
        "forget", help="delete a member's personal data everywhere, keeping their counts"
    )
    forget.add_argument("member_id", help="the member id (Members page, or the member's URL)")
    forget.add_argument("--reason", default="", help="why (kept in the audit log; no names)")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return parser


def _print_results(results: list[IngestResult]) -> None:
    for result in results:
        print(f"[{result.status}] {result.target}: {result.rows} rows", file=sys.stderr)
        for message in result.messages:
            print(f"    {message}", file=sys.stderr)


def _csv_options(args: argparse.Namespace) -> dict:
    """--what/--map/--channel/--platform as options for the csv source."""
    options: dict = {}
    if args.kind != "csv":
        csv_only = (
            args.what,
            args.map,
            args.csv_channel,
            args.platform,
            args.activity_type,
            args.channel_kind,
        )
        if any(csv_only):
            raise ValueError(
                "--what, --map, --channel, --platform, --activity-type and "
                "--channel-kind are for `ingest csv` only"
            )
        return options
    if not args.what:
        raise ValueError("ingest csv needs --what members, activities or registrations")
    options["what"] = args.what
    mapping = {}
    for pair in args.map:
        field, _, column = pair.partition("=")
        if not field or not column:
            raise ValueError(f"--map takes FIELD=COLUMN, got {pair!r}")
        mapping[field.strip()] = column.strip()
    if mapping:
        options["mapping"] = mapping
    if args.csv_channel:
        options["channel"] = args.csv_channel
    if args.platform:
        options["platform"] = args.platform
    if args.activity_type:
        options["activity_type"] = args.activity_type
    if args.channel_kind:
        options["channel_kind"] = args.channel_kind
    return options


EVENT_SOURCES = ("zoom-participants", "google-forms")


def _event_options(args: argparse.Namespace) -> dict:
    if args.event_id is None:
        return {}
    # a CSV of registrations names its event like the event sources do
    if args.kind not in EVENT_SOURCES and not (args.kind == "csv" and args.what == "registrations"):
        raise ValueError(
            f"--event-id is for `ingest {' | '.join(EVENT_SOURCES)}` and "
            "`ingest csv --what registrations` only"
        )
    return {"event_id": args.event_id}


def _ingest(kind: str, paths: list[Path], progress_json: bool, **options: object) -> int:
    from pipelines.ingest import ingest_file  # dlt is slow to import: only when loading

    def progress(stage: str, fraction: float) -> None:
        if progress_json:
            print(json.dumps({"stage": stage, "fraction": round(fraction, 3)}), flush=True)

    results = [ingest_file(kind, p, progress if progress_json else None, **options) for p in paths]
    _print_results(results)
    code = 1 if any(r.failed for r in results) else 0
    if any(not r.failed for r in results):
        code = max(code, _build(progress))
    if progress_json:
        summary = [r.__dict__ for r in results]
        print(json.dumps({"done": True, "exit_code": code, "results": summary}), flush=True)
    return code


def _build(progress=None, errors: list[str] | None = None) -> int:  # noqa: ANN001
    from pipelines.ingest import build

    try:
        build(progress)
    except (ModelBuildError, WarehouseBusy) as exc:
        log.error("model build failed: %s", exc)
        if errors is not None:
            errors.append(f"model build failed: {exc}")
        return 1
    return 0


@dataclass
class RefreshOutcome:
    """What a refresh did so far: rows per configured source and what went wrong."""

    rows_by_source: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, source: str, result: IngestResult) -> None:
        self.rows_by_source[source] = self.rows_by_source.get(source, 0) + result.rows
        if result.failed:
            self.errors.extend(result.messages or [f"{result.target}: loading failed"])


def _source_labels(sources: list[config.SourceConfig]) -> list[str]:
    """How the run list names each source: its kind, plus its name when the kind repeats."""
    kinds = Counter(source.kind for source in sources)
    return [s.kind if kinds[s.kind] == 1 else f"{s.kind} {s.name}" for s in sources]


def _refresh(outcome: RefreshOutcome | None = None) -> int:
    from pipelines.ingest import IngestResult, ingest_file, refresh_api

    outcome = outcome if outcome is not None else RefreshOutcome()
    try:
        sources = config.load_sources()
    except config.ConfigError as exc:
        log.error("%s", exc)
        outcome.errors.append(str(exc))
        return 1
    if not sources:
        log.warning("no sources configured in %s; rebuilding models only", config.config_path())
    results: list[IngestResult] = []
    for source, label in zip(sources, _source_labels(sources), strict=True):
        outcome.rows_by_source.setdefault(label, 0)  # listed even when nothing was new
        if not source.is_file_source:
            results.append(refresh_api(source.kind, {**source.options, "name": source.name}))
            outcome.add(label, results[-1])
            continue
        files = source.files()
        if not files:
            message = f"no file matches {source.path}"
            log.error("%s", message)
            results.append(IngestResult(source.kind, source.path, "failed", 0, [message]))
            outcome.add(label, results[-1])
        for path in files:
            if path.is_file() and loaded_unchanged(path):
                log.info("%s is unchanged since it was loaded; skipped", path)
                continue
            results.append(ingest_file(source.kind, path, **source.options))
            outcome.add(label, results[-1])
    for result in results:  # logged, not printed: the log file gets the same lines
        level = logging.ERROR if result.failed else logging.INFO
        log.log(level, "[%s] %s: %d rows", result.status, result.target, result.rows)
    code = _build(errors=outcome.errors)
    return 1 if code or any(r.failed for r in results) else 0


_LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
LOG_BYTES, LOG_BACKUPS = 5 * 1024 * 1024, 5


class _RedactingFormatter(logging.Formatter):
    """Log lines with secrets (tokens, passwords) masked, whatever message carried them."""

    def format(self, record: logging.LogRecord) -> str:
        from warehouse.refresh_runs import redact

        return redact(super().format(record))


def _scheduled_refresh(every: str | None, log_file: Path | None) -> int:
    """`refresh` as a scheduler runs it: logged to a file, recorded in the run list, never two
    at once; with `every`, again and again until SIGTERM or Ctrl-C."""
    from logging.handlers import RotatingFileHandler

    from warehouse.settings import data_dir

    path = log_file or data_dir() / "logs" / "refresh.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        log.error("cannot write the log file %s: %s", path, exc)
        return 2
    root = logging.getLogger()
    root.addHandler(handler)
    formatters = {each: each.formatter for each in root.handlers}
    for each in root.handlers:
        each.setFormatter(_RedactingFormatter(_LOG_FORMAT))
    # SIGTERM (systemd stop, kill) stops like Ctrl-C: the current load is abandoned cleanly
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop) if in_main_thread else None
    try:
        if every is None:
            try:
                return _guarded_refresh("once")
            except KeyboardInterrupt:
                log.warning("refresh stopped before it finished")
                return 1
        return _refresh_every(every)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
        for each, formatter in formatters.items():
            each.setFormatter(formatter)
        root.removeHandler(handler)
        handler.close()


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _refresh_every(every: str) -> int:
    from warehouse.refresh_runs import parse_interval

    seconds = parse_interval(every)
    log.info("refreshing every %s; stop with Ctrl-C or SIGTERM", every)
    next_slot = time.monotonic()
    try:
        while True:
            try:
                _guarded_refresh(f"every {every}")
            except Exception:  # a failing run must not end the schedule
                log.exception("refresh failed")
            next_slot += seconds
            now = time.monotonic()
            while next_slot <= now:  # a run longer than the interval: its missed slots are gone
                next_slot += seconds
            wake = datetime.now() + timedelta(seconds=next_slot - now)
            log.info("next refresh at %s", f"{wake:%Y-%m-%d %H:%M:%S}")
            time.sleep(next_slot - now)
    except KeyboardInterrupt:
        log.info("stopped; no refresh was left half-done")
        return 0


def _guarded_refresh(trigger: str) -> int:
    """One refresh under data/refresh.lock, recorded in the run list; a refresh already running
    makes this one a 'skipped' run with exit code 0 (an overlap is not a failure)."""
    from warehouse import refresh_runs

    try:
        with refresh_runs.refresh_lock():
            return _recorded_refresh(trigger)
    except refresh_runs.RefreshRunning as exc:
        log.info("%s; this refresh is skipped", exc)
        _run_list(refresh_runs.record_skipped, trigger, str(exc))
        return 0


def _recorded_refresh(trigger: str) -> int:
    from warehouse import refresh_runs

    started = time.monotonic()
    outcome = RefreshOutcome()
    run_id = _run_list(refresh_runs.start_run, trigger)
    status = "interrupted"
    try:
        code = _refresh(outcome)
        status = "failed" if code else "ok"
        return code
    except KeyboardInterrupt:
        outcome.errors.append("stopped (SIGTERM or Ctrl-C) before it finished")
        raise
    except Exception as exc:
        log.exception("refresh failed")
        outcome.errors.append(f"refresh failed: {type(exc).__name__}: {exc}")
        status = "failed"
        return 1
    finally:
        if run_id is not None:
            rows, errors = outcome.rows_by_source, outcome.errors
            _run_list(refresh_runs.finish_run, run_id, status, rows, errors)
        loaded = ", ".join(f"{s} {n}" for s, n in outcome.rows_by_source.items()) or "no sources"
        log.info("refresh %s in %.1f s (rows: %s)", status, time.monotonic() - started, loaded)


def _run_list(write, *args):  # noqa: ANN001, ANN002, ANN202
    """Record in the run list; a control store that cannot be written costs the record, not
    the refresh."""
    try:
        return write(*args)
    except sqlite3.Error as exc:
        log.warning("the refresh run list could not be updated: %s", exc)
        return None


def _kpis(start: date, end: date, channel: str | None, fmt: str) -> int:
    try:
        with read_connection() as con:
            timezone = community_timezone(con)
            period = Period(start, end, timezone)
            if channel is not None:
                known = run_kpi_query(con, "channels", {})["channel_id"].to_list()
                if channel not in known:
                    log.error("unknown channel %r; known channels: %s", channel, ", ".join(known))
                    return 2
            values = compute_kpis(con, period, channel)
            per_channel = []
            levels, cohorts = [], []
            if fmt == "json":
                levels = run_kpi_query(con, "level_movement", period.params(channel)).to_dicts()
                cohorts = run_kpi_query(con, "cohorts", period.params(channel)).to_dicts()
                table = run_kpi_query(con, "channel_effectiveness", period.params())
                per_channel = [
                    row for row in table.to_dicts() if channel in (None, row["channel_id"])
                ]
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    except (WarehouseEmpty, WarehouseBusy) as exc:
        log.error("%s", exc)
        return 1
    if fmt == "json":
        document = {
            "period": {"start": start.isoformat(), "end": end.isoformat(), "timezone": timezone},
            "kpis": values,
            "channel_effectiveness": per_channel,
            "levels": levels,
            "cohorts": cohorts,
        }
        print(json.dumps(document, ensure_ascii=False, indent=2, default=_json_value))
    else:
        width = max(len(k) for k in values)
        print(f"{'kpi':<{width}}  value   ({start} – {end}, {timezone})")
        for kpi, value in values.items():
            print(f"{kpi:<{width}}  {'—' if value is None else value}")
    return 0


def _json_value(value: object) -> object:
    """What json cannot write by itself: DuckDB decimals and dates."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _channels() -> int:
    try:
        with read_connection() as con:
            rows = run_kpi_query(con, "channels", {}).select("channel_id", "kind", "name").rows()
    except (WarehouseEmpty, WarehouseBusy) as exc:
        log.error("%s", exc)
        return 1
    for channel_id, kind, name in rows:
        print(f"{channel_id}\t{kind}\t{name}")
    return 0


def _events(start: date | None, end: date | None, event_id: str | None, fmt: str) -> int:
    """The Events page's numbers: sql/kpis/event_list.sql, for a period or one event."""
    from warehouse.events import OUTCOME_COLUMNS  # the pages' module: only this command needs it

    fields = ("event_id", "title", "starts_at", "status", *OUTCOME_COLUMNS)
    try:
        with read_connection() as con:
            timezone = community_timezone(con)
            period = Period(start or date(1970, 1, 1), end or date(2100, 1, 1), timezone)
            lower, upper = period.utc_bounds()
            params = {"start": lower, "end": upper, "event_id": event_id}
            listed = run_kpi_query(con, "event_list", params).select(fields)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    except (WarehouseEmpty, WarehouseBusy) as exc:
        log.error("%s", exc)
        return 1
    if event_id is not None and listed.is_empty():
        log.error("unknown event %r (see `python -m pipelines events`)", event_id)
        return 2
    rows = [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        for row in listed.iter_rows(named=True)
    ]
    if fmt == "json":
        print(json.dumps({"timezone": timezone, "events": rows}, ensure_ascii=False, indent=2))
    else:
        print("\t".join(fields))
        for row in rows:
            print("\t".join("—" if v is None else str(v) for v in row.values()))
    return 0


def _demo(end: date | None, members: int, if_empty: bool) -> int:
    from pipelines.demo import load_demo

    if if_empty and warehouse_path().exists():
        log.info("the warehouse already has data (%s); demo not loaded", warehouse_path())
        return 0

    # Telegram exports, Zoom reports, registration forms and two events entered in the app
    try:
        results = load_demo(config.config_path().parent / "demo", end=end, members=members)
    except (ModelBuildError, WarehouseBusy) as exc:
        log.error("loading the demo failed: %s", exc)
        return 1
    _print_results(results)
    return 1 if any(r.failed for r in results) else 0


def _settings(key: str | None, value: str | None) -> int:
    if key and value:
        try:
            set_setting(key, value, OPERATOR)
        except ValueError as exc:
            log.error("%s", exc)
            return 2
        except (ModelBuildError, WarehouseBusy) as exc:  # saved, but the levels were not rebuilt
            log.error("%s", exc)
            return 1
        print(f"{key} = {value}")
        return 0
    try:
        with read_connection() as con:
            current = {"timezone": community_timezone(con), **level_thresholds(con)}
    except WarehouseEmpty:
        current = {"timezone": DEFAULT_TIMEZONE, **LEVEL_DEFAULTS}
    for name, setting in current.items():
        if key in (None, name):
            print(f"{name} = {setting if name == 'timezone' else format(setting, 'g')}")
    return 0


def _backup(target: Path | None) -> int:
    from warehouse.backup import BackupError, backup

    try:
        manifest = backup(target, OPERATOR)
    except (BackupError, WarehouseEmpty, WarehouseBusy) as exc:
        log.error("%s", exc)
        return 1
    where = target.expanduser().resolve() if target else "the data folder's backups/"
    print(
        f"backup written to {where}: {len(manifest.tables)} tables ({manifest.rows} rows), "
        f"{len(manifest.control)} control tables, {len(manifest.files)} files. It holds "
        "password hashes and personal data: keep it safe."
    )
    return 0


def _restore(source: Path) -> int:
    from warehouse.backup import RestoreRefused, restore

    try:
        manifest = restore(source)
    except (RestoreRefused, WarehouseBusy) as exc:
        log.error("%s", exc)
        return 1
    print(
        f"restored the backup of {manifest.created_at} (app {manifest.app_version}): "
        f"{len(manifest.tables)} tables, {manifest.rows} rows; the models were rebuilt."
    )
    return 0


def _forget(member_id: str, reason: str, yes: bool) -> int:
    from warehouse import privacy

    try:
        preview = privacy.forget_preview(member_id)
    except privacy.UnknownMember:
        log.error("unknown member %r (see the Members page)", member_id)
        return 2
    except (WarehouseEmpty, WarehouseBusy) as exc:
        log.error("%s", exc)
        return 1
    if not yes and sys.stdin.isatty():
        accounts = ", ".join(a.identity_id for a in preview.accounts)
        kept = ", ".join(f"{kind} {count}" for kind, count in preview.activities.items())
        print(
            f"{preview.display_name or preview.member_id}: accounts {accounts}\n"
            f"removed: names, handles, e-mails, phones, {preview.texts} message texts, "
            f"{preview.tags} tags, notes, feedback texts, role notes\n"
            f"kept, pseudonymously: {kept or 'no activity'}, {preview.roles} roles, "
            f"{preview.feedback_items} feedback scores"
        )
        if input("Forget this person? This can't be undone. Type yes: ").strip() != "yes":
            print("Nothing changed.")
            return 1
    try:
        report = privacy.forget_member(preview.member_id, OPERATOR, reason)
    except privacy.AlreadyForgotten:
        log.error("%s was forgotten already", member_id)
        return 1
    except (privacy.ForgetIncomplete, ModelBuildError, WarehouseBusy) as exc:
        log.error("%s", exc)
        return 1
    print("\n".join(report.lines()))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("dlt",):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    if args.command == "ingest":
        try:
            options = {**_csv_options(args), **_event_options(args)}
        except ValueError as exc:
            log.error("%s", exc)
            return 2
        return _ingest(args.kind, args.paths, args.progress_json, **options)
    if args.command == "refresh":
        return _scheduled_refresh(args.every, args.log_file)
    if args.command == "build":
        return _build()
    if args.command == "events":
        return _events(args.start, args.end, args.only_event, args.format)
    if args.command == "kpis":
        return _kpis(args.start, args.end, args.channel, args.format)
    if args.command == "channels":
        return _channels()
    if args.command == "demo":
        return _demo(args.end, args.members, args.if_empty)
    if args.command == "users":
        return users.run(args)
    if args.command == "backup":
        return _backup(args.dir)
    if args.command == "restore":
        return _restore(args.dir)
    if args.command == "forget":
        return _forget(args.member_id, args.reason, args.yes)
    return _settings(args.key, args.value)
