"""Zoom participants report (CSV) → raw_zoom.* tables: who attended an online event, for how long.

Zoom's "Usage reports → Meeting → Participants" export comes in two layouts (see
../shared/samples/FORMATS.md and samples/zoom_csv/):

- with the meeting preamble: `Meeting ID,Topic,Start Time,End Time,User Email,…` and its values,
  a blank row, then the participants table;
- without it: only `Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest`.

One row per join: a person who dropped out and came back has several rows. They become one
participant: checked in at the first join, left at the last leave, minutes attended = the sum of
Zoom's per-join durations, but never more than the span from first join to last leave (a person
joined from two devices at once has overlapping rows; their sum would double-count).

The event: the option `event_id` attaches the attendance to an event another source knows
('app:12', 'timepad:123'); otherwise the meeting itself is the event 'zoom:<meeting id>', which
needs the preamble. Times have no zone: they are the community's time zone (or the `timezone`
option) and are stored as UTC epoch microseconds.

The person key (identity 'zoom:<key>') is the lower-cased e-mail, else the name as Zoom first knew
it (the original name in brackets, else the name shown). Zoom does not reliably mark the host: a
row is the host only when its e-mail or name matches the preamble's host column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from pipelines.batches import ProgressReader, RowBatches, key, primary_keys
from pipelines.csv_import import (
    BadRow,
    BadRowsError,
    BadValue,
    _is_blank,
    _records,
    community_zone_name,
    date_order,
    decode,
    normalize_email,
    normalize_name,
    parse_datetime,
    sniff_delimiter,
)
from pipelines.errors import SourceError
from pipelines.sources import FileSource

SOURCE = "zoom-participants"
DATASET = "raw_zoom"
PLATFORM = "zoom"
EVENT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*:\S+$")
_EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
MAX_LISTED_BAD_ROWS = 5

TABLES: dict[str, pa.Schema] = {
    # one row per meeting report loaded; `is_event` says whether the meeting is the event itself
    "meetings": pa.schema(
        [
            key("event_id", pa.string()),
            ("meeting_id", pa.string()),
            ("topic", pa.string()),
            ("start_us", pa.int64()),  # UTC, microseconds since the epoch
            ("end_us", pa.int64()),
            ("host_email", pa.string()),
            ("host_name", pa.string()),
            ("is_event", pa.bool_()),
            ("source_file", pa.string()),
        ]
    ),
    # one row per person and event: their joins merged
    "participants": pa.schema(
        [
            key("event_id", pa.string()),
            key("person_key", pa.string()),
            ("display_name", pa.string()),
            ("original_name", pa.string()),
            ("email", pa.string()),
            ("first_join_us", pa.int64()),
            ("last_leave_us", pa.int64()),
            ("joins", pa.int64()),
            ("minutes_summed", pa.float64()),  # Zoom's durations added up, overlaps and all
            ("minutes_attended", pa.float64()),
            ("is_host", pa.bool_()),
            ("guest", pa.bool_()),  # Zoom's Guest column: No = a user of the meeting's account
            ("source_file", pa.string()),
        ]
    ),
}
PRIMARY_KEYS = primary_keys(TABLES)
Progress = Callable[[float], None] | None


class ZoomReportError(SourceError):
    """The file is not a readable Zoom participants report; nothing from it may be loaded."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(Path(path).name, reason)
        self.path = Path(path)


@dataclass
class ZoomReport:
    path: Path
    event_id: str = ""
    joins: int = 0
    participants: int = 0
    keyed_by_name: list[str] = field(default_factory=list)
    host_found: bool | None = None  # None: the file names no host

    def summary(self) -> str:
        return (
            f"{self.path.name}: {self.participants} participants ({self.joins} joins) "
            f"of event {self.event_id} loaded."
        )

    @property
    def warnings(self) -> list[str]:
        notes = []
        if self.keyed_by_name:
            shown = ", ".join(self.keyed_by_name[:5]) + ("…" if len(self.keyed_by_name) > 5 else "")
            notes.append(
                f"{self.path.name}: {len(self.keyed_by_name)} participants have no e-mail "
                f"({shown}); they are told apart by name only and cannot be matched to "
                "members elsewhere."
            )
        if self.host_found is False:
            notes.append(
                f"{self.path.name}: the meeting's host is not among the participants; "
                "everyone was loaded as a guest."
            )
        return notes


@dataclass
class _Join:
    line: int
    name: str
    original_name: str | None
    email: str | None
    joined: datetime
    left: datetime
    minutes: float
    guest: bool | None


@dataclass
class _Preamble:
    meeting_id: str | None = None
    topic: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    host_email: str | None = None
    host_name: str | None = None


# --- reading the file -------------------------------------------------------------------------


def _header_key(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").casefold().split())


def _column(headers: Sequence[str], *candidates: str, prefix: bool = False) -> int | None:
    keys = [_header_key(h) for h in headers]
    for wanted in candidates:
        for i, k in enumerate(keys):
            if k == wanted or (prefix and k.startswith(wanted)):
                return i
    return None


def _cell(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


_NAME_WITH_ORIGINAL = re.compile(r"^(?P<name>.*\S)\s*\((?P<original>[^()]+)\)$")


def split_name(cell: str) -> tuple[str, str | None]:
    """'015_Loki (Loki Laufeyson)' → ('015_Loki', 'Loki Laufeyson'): renamed in the meeting."""
    text = normalize_name(cell)
    match = _NAME_WITH_ORIGINAL.match(text)
    if match:
        return match["name"], normalize_name(match["original"])
    return text, None


class _Reader:
    """Walks the report's records: the optional preamble, then one row per join."""

    def __init__(self, path: Path, zone: ZoneInfo) -> None:
        self.path = path
        self.zone = zone
        self.bad: list[BadRow] = []
        self.bad_total = 0

    def read(self, text: str) -> tuple[_Preamble | None, list[_Join]]:
        records = [(line, row) for line, row in _records(text, sniff_delimiter(text), self.path)]
        rows = [(line, row) for line, row in records if not _is_blank(row)]
        if not rows:
            raise ZoomReportError(self.path, "the file is empty")
        preamble_rows: list[tuple[int, list[str]]] = []
        header_at = next(
            (i for i, (_, row) in enumerate(rows) if _column(row, "join time") is not None), None
        )
        if header_at is None:
            raise ZoomReportError(
                self.path,
                "not a Zoom participants report: no header with «Join Time» (expected "
                "Name (Original Name), User Email, Join Time, Leave Time, Duration (Minutes))",
            )
        preamble_rows = rows[:header_at]
        headers, body = rows[header_at][1], rows[header_at + 1 :]
        if not body:
            raise ZoomReportError(self.path, "the report lists no participants")
        order = date_order(self._date_values(preamble_rows, headers, body))
        preamble = self._preamble(preamble_rows, order)
        joins = self._joins(headers, body, order)
        if self.bad_total:
            raise BadRowsError(self.path, self.bad, self.bad_total)
        return preamble, joins

    def _date_values(self, preamble_rows: list, headers: list[str], body: list) -> list[str]:
        columns = [_column(headers, "join time"), _column(headers, "leave time")]
        values = [_cell(row, i) for _, row in body for i in columns]
        if len(preamble_rows) >= 2:
            head = preamble_rows[0][1]
            for _, row in preamble_rows[1:2]:
                values += [
                    _cell(row, _column(head, "start time")),
                    _cell(row, _column(head, "end time")),
                ]
        return values

    def _when(self, line: int, column: str, value: str, order: str | None) -> datetime | None:
        try:
            return parse_datetime(value, order, self.zone)
        except BadValue as exc:
            self._bad(line, column, value, str(exc))
            return None

    def _bad(self, line: int, column: str, value: str, reason: str) -> None:
        self.bad_total += 1
        if len(self.bad) < MAX_LISTED_BAD_ROWS:
            self.bad.append(BadRow(line, column, value, reason))

    def _preamble(self, rows: list[tuple[int, list[str]]], order: str | None) -> _Preamble | None:
        if not rows:
            return None
        (_, head), values = rows[0], rows[1:2]
        if _column(head, "meeting id") is None or not values:
            raise ZoomReportError(
                self.path,
                f"line {rows[0][0]}: unexpected rows above the participants header (a Zoom "
                "report starts with «Meeting ID,Topic,Start Time,…» or with the participants)",
            )
        line, row = values[0]
        found = _Preamble(
            meeting_id=re.sub(r"\s+", "", _cell(row, _column(head, "meeting id"))) or None,
            topic=normalize_name(_cell(row, _column(head, "topic"))) or None,
            host_name=normalize_name(_cell(row, _column(head, "host name", "host", "user name")))
            or None,
        )
        host_email = _cell(row, _column(head, "host email", "user email", "email"))
        if host_email:
            try:
                found.host_email = normalize_email(host_email)
            except BadValue as exc:
                self._bad(line, "User Email", host_email, str(exc))
        for attr, column in (("start", "start time"), ("end", "end time")):
            index = _column(head, column)
            if _cell(row, index):
                when = self._when(line, head[index], _cell(row, index), order)  # type: ignore[index]
                setattr(found, attr, when)
        return found

    def _joins(self, headers: list[str], body: list, order: str | None) -> list[_Join]:
        name_at = _column(headers, "name", "user name", "participant", prefix=True)
        email_at = _column(headers, "user email", "email")
        join_at = _column(headers, "join time")
        leave_at = _column(headers, "leave time")
        duration_at = _column(headers, "duration", prefix=True)
        guest_at = _column(headers, "guest")
        if name_at is None or leave_at is None:
            raise ZoomReportError(
                self.path, "the participants header needs «Name (Original Name)» and «Leave Time»"
            )
        joins = []
        for line, row in body:
            join = self._join(line, row, headers, order, name_at, email_at, join_at, leave_at)
            if join is None:
                continue
            join.minutes = self._minutes(line, row, headers, duration_at, join)
            guest = _cell(row, guest_at).casefold()
            join.guest = {"yes": True, "no": False}.get(guest)
            joins.append(join)
        return joins

    def _join(
        self,
        line: int,
        row: list[str],
        headers: list[str],
        order: str | None,
        name_at: int,
        email_at: int | None,
        join_at: int | None,
        leave_at: int,
    ) -> _Join | None:
        name, original = split_name(_cell(row, name_at))
        email = None
        if _cell(row, email_at):
            try:
                email = normalize_email(_cell(row, email_at))
            except BadValue as exc:
                self._bad(line, headers[email_at], _cell(row, email_at), str(exc))  # type: ignore[index]
        if not name and not email:
            self._bad(line, headers[name_at], "", "no name and no e-mail: nobody to count")
            return None
        joined = self._when(line, headers[join_at], _cell(row, join_at), order)  # type: ignore[index]
        left = self._when(line, headers[leave_at], _cell(row, leave_at), order)
        if joined is None or left is None:
            return None
        if left < joined:
            self._bad(line, headers[leave_at], _cell(row, leave_at), "leave time before join time")
            return None
        return _Join(line, name, original, email, joined, left, 0.0, None)

    def _minutes(
        self, line: int, row: list[str], headers: list[str], at: int | None, join: _Join
    ) -> float:
        text = _cell(row, at)
        if not text:  # no duration column: Zoom rounds the time in the meeting up to a minute
            return float(math.ceil((join.left - join.joined) / timedelta(minutes=1)))
        try:
            minutes = float(text.replace(",", "."))
        except ValueError:
            minutes = -1.0
        if minutes < 0 or not math.isfinite(minutes):
            self._bad(line, headers[at], text, "not a number of minutes")  # type: ignore[index]
            return 0.0
        return minutes


# --- joins → participants ---------------------------------------------------------------------


def person_key(join: _Join) -> str:
    """The lower-cased e-mail, else the name Zoom first knew (the original name, else the shown)."""
    if join.email:
        return join.email
    return (join.original_name or join.name).casefold()


def _is_host(join: _Join, preamble: _Preamble | None) -> bool:
    if preamble is None:
        return False
    if preamble.host_email and join.email == preamble.host_email:
        return True
    host = (preamble.host_name or "").casefold()
    return bool(host) and host in (join.name.casefold(), (join.original_name or "").casefold())


def _epoch_us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _participant_row(
    event_id: str, key_: str, joins: list[_Join], host: bool, source: str
) -> tuple:
    first_join = min(j.joined for j in joins)
    last_leave = max(j.left for j in joins)
    summed = sum(j.minutes for j in joins)
    span = math.ceil((last_leave - first_join) / timedelta(minutes=1))
    first = min(joins, key=lambda j: j.joined)
    guests = [j.guest for j in joins if j.guest is not None]
    # participants: in TABLES["participants"] order
    return (
        event_id,
        key_,
        first.name,
        next((j.original_name for j in joins if j.original_name), None),
        first.email,
        _epoch_us(first_join),
        _epoch_us(last_leave),
        len(joins),
        float(summed),
        float(min(summed, span)),
        host,
        all(guests) if guests else None,
        source,
    )


def _zone(path: Path, name: str | None) -> ZoneInfo:
    name = name or community_zone_name()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ZoomReportError(path, f"unknown time zone {name!r}") from None


def check_event_id(path: Path, event_id: Any) -> str | None:
    if event_id is None or str(event_id).strip() == "":
        return None
    text = str(event_id).strip()
    if not EVENT_ID.match(text):
        raise ZoomReportError(
            path, f"event_id {text!r} must look like '<platform>:<id>', e.g. 'app:12'"
        )
    return text


def parse(
    path: Path,
    report: ZoomReport | None = None,
    progress: Progress = None,
    *,
    event_id: str | None = None,
    timezone: str | None = None,
    encoding: str | None = None,
    **unknown: Any,
) -> Iterator[tuple[str, pa.Table]]:
    """Read one participants report as (raw table, Arrow batch) pairs.

    event_id: the event this attendance belongs to (default: the meeting, 'zoom:<meeting id>').
    timezone: the zone of the report's times (default: the community's). The whole file is checked
    before anything is yielded; a bad row raises a SourceError naming its line and value.
    """
    path = Path(path)
    report = report or ZoomReport(path)
    if unknown:
        raise ZoomReportError(path, f"unknown option(s): {', '.join(sorted(unknown))}")
    given_event = check_event_id(path, event_id)
    zone = _zone(path, timezone)
    try:
        with ProgressReader(path, progress) as f:
            data = f.read()
    except OSError as exc:
        raise ZoomReportError(path, f"cannot read the file ({exc.strerror or exc})") from None
    text, _ = decode(data, path, encoding)
    preamble, joins = _Reader(path, zone).read(text)

    if given_event is None and (preamble is None or not preamble.meeting_id):
        raise ZoomReportError(
            path,
            "this report has no meeting summary (Meeting ID, Topic, Start Time) above the "
            "participants, so it does not say which event it is: pass the event, e.g. "
            "event_id='app:12' (an event entered in the app) or 'timepad:123'",
        )
    meeting_event = (
        f"{PLATFORM}:{preamble.meeting_id}" if preamble and preamble.meeting_id else None
    )
    report.event_id = the_event = given_event or str(meeting_event)

    by_person: dict[str, list[_Join]] = {}
    for join in joins:
        by_person.setdefault(person_key(join), []).append(join)
    out = RowBatches(TABLES)
    host_seen = False
    for key_, person_joins in by_person.items():
        host = any(_is_host(j, preamble) for j in person_joins)
        host_seen = host_seen or host
        out.rows["participants"].append(
            _participant_row(the_event, key_, person_joins, host, path.name)
        )
        if not person_joins[0].email:
            report.keyed_by_name.append(person_joins[0].name)
    if preamble is not None:
        # meetings: in TABLES["meetings"] order
        out.rows["meetings"].append(
            (
                the_event,
                preamble.meeting_id,
                preamble.topic,
                _epoch_us(preamble.start) if preamble.start else None,
                _epoch_us(preamble.end) if preamble.end else None,
                preamble.host_email,
                preamble.host_name,
                given_event is None,
                path.name,
            )
        )
        if preamble.host_email or preamble.host_name:
            report.host_found = host_seen
    report.joins, report.participants = len(joins), len(by_person)
    yield from out.flush()


SPEC = FileSource(
    kind=SOURCE,
    dataset=DATASET,
    tables=TABLES,
    primary_keys=PRIMARY_KEYS,
    new_report=ZoomReport,
    parse=parse,
)
