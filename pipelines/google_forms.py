"""Google Forms responses (CSV from the linked sheet or "Download responses") → raw_gforms.*.

Each response is a registration for one event, named by the required `event_id` option ('app:12',
'timepad:123'): the form itself is not an event. Layout: the first column is the response time
(`Timestamp`, ru `Отметка времени`, uk `Позначка часу`), an optional collected e-mail (`Email
Address`, `Адрес электронной почты`, `Електронна адреса`), then one column per question.

Which question is the name, e-mail, phone or Telegram handle is guessed from the headers in
English, Russian and Ukrainian (csv_import.suggest_mapping), and "how did you hear about us" /
"откуда вы узнали" / "звідки ви дізналися" becomes the source channel; the `mapping` option
(field → header; fields: name, first_name, last_name, email, phone, handle, source_channel,
registered_at) overrides the guess. Dates follow the sheet's locale: `02.01.2024 12:30:00` is day
first, `1/2/2024 12:30:00` month first unless some value of the column says otherwise. Times have
no zone: the community's time zone (or the `timezone` option), stored as UTC epoch microseconds.

A person answering twice (same e-mail, else same phone) is one registration with the first
response's time; later answers fill or update their other fields. The person key (identity
'gforms:<key>') is the lower-cased e-mail, else the phone (+digits), else the Telegram handle
('@handle'), else the name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from pipelines.batches import ProgressReader, RowBatches, key, primary_keys
from pipelines.csv_import import (
    MEMBERS,
    BadRow,
    BadRowsError,
    BadValue,
    _is_blank,
    _records,
    community_zone_name,
    date_order,
    decode,
    normalize_email,
    normalize_handle,
    normalize_name,
    normalize_phone,
    parse_datetime,
    sniff_delimiter,
    suggest_mapping,
)
from pipelines.errors import SourceError
from pipelines.sources import FileSource
from pipelines.zoom_participants import check_event_id

SOURCE = "google-forms"
DATASET = "raw_gforms"
PLATFORM = "gforms"
MAX_LISTED_BAD_ROWS = 5
TIMESTAMP_HEADERS = {"timestamp", "отметка времени", "позначка часу"}
PERSON_FIELDS = ("name", "first_name", "last_name", "email", "phone", "handle")
FIELDS = (*PERSON_FIELDS, "source_channel", "registered_at")
# "How did you hear about us?" in the three languages, and the usual short forms of it
_SOURCE_QUESTION = re.compile(
    r"how did you (hear|find|learn|know)|where did you (hear|find|learn)|hear about us|"
    r"откуда.*узна|как.*узнали|источник|звідки.*(дізна|знає)|як.*дізнал|джерело"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))

TABLES: dict[str, pa.Schema] = {
    # one row per person and event: their responses merged
    "registrations": pa.schema(
        [
            key("event_id", pa.string()),
            key("person_key", pa.string()),
            ("display_name", pa.string()),
            ("email", pa.string()),
            ("phone", pa.string()),
            ("handle", pa.string()),
            ("source_channel", pa.string()),
            ("registered_us", pa.int64()),  # the first response, UTC microseconds since the epoch
            ("last_response_us", pa.int64()),
            ("responses", pa.int64()),
            ("answers_json", pa.string()),  # the latest response: question → answer
            ("source_file", pa.string()),
        ]
    ),
}
PRIMARY_KEYS = primary_keys(TABLES)
Progress = Callable[[float], None] | None


class FormsError(SourceError):
    """The file is not a readable Google Forms responses export; nothing from it is loaded."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(Path(path).name, reason)
        self.path = Path(path)


@dataclass
class FormsReport:
    path: Path
    event_id: str = ""
    responses: int = 0
    people: int = 0
    mapping: dict[str, str] = field(default_factory=dict)
    repeated: int = 0  # responses merged into an earlier one of the same person

    def summary(self) -> str:
        return (
            f"{self.path.name}: {self.people} registrations ({self.responses} responses) for "
            f"event {self.event_id} loaded."
        )

    @property
    def warnings(self) -> list[str]:
        notes = []
        if not any(f in self.mapping for f in ("email", "phone")):
            notes.append(
                f"{self.path.name}: no e-mail or phone question was recognised, so "
                "registrations cannot be matched to members; pass "
                "mapping={'email': '<question>'} if there is one."
            )
        if self.repeated:
            notes.append(
                f"{self.path.name}: {self.repeated} responses repeat a person who answered before; "
                "each person counts once, registered at their first response."
            )
        return notes


@dataclass
class _Person:
    key: str
    registered: datetime
    last: datetime
    values: dict[str, str | None]
    answers: dict[str, str]
    responses: int = 1


def _header(cell: str) -> str:
    return normalize_name(cell.replace("\ufeff", ""))


def _question_key(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").replace("’", "'").split())


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Field → header for the person questions and the "how did you hear about us" one."""
    found: dict[str, str] = {}
    source = next((h for h in headers[1:] if _SOURCE_QUESTION.search(_question_key(h))), None)
    if source:
        found["source_channel"] = source
    # the source question may mention "Telegram" or "e-mail" as answers: keep it out of the guess
    rest = [h for h in headers[1:] if h != source]
    guessed = suggest_mapping(rest, MEMBERS)
    found.update({f: c for f, c in guessed.items() if f in PERSON_FIELDS})
    return found


def _check_mapping(path: Path, mapping: Mapping[str, str | None], headers: list[str]) -> dict:
    cleaned: dict[str, str] = {}
    for name, column in mapping.items():
        if column is None or not str(column).strip():
            continue
        if name not in FIELDS:
            raise FormsError(
                path, f"`{name}` is not a field to map; map some of {', '.join(FIELDS)}"
            )
        match = next((h for h in headers if h.casefold() == str(column).strip().casefold()), None)
        if match is None:
            raise FormsError(
                path,
                f"no column «{column}» (mapped to {name}); the columns are: {', '.join(headers)}",
            )
        cleaned[name] = match
    return cleaned


class _Responses:
    """Reads the responses, merging a person's several answers."""

    def __init__(self, path: Path, zone: ZoneInfo, columns: dict[str, int], headers: list[str]):
        self.path, self.zone, self.columns, self.headers = path, zone, columns, headers
        self.people: dict[str, _Person] = {}
        self.by_contact: dict[str, str] = {}  # e-mail or phone → person key
        self.bad: list[BadRow] = []
        self.bad_total = 0
        self.repeated = 0

    def _bad(self, line: int, field_: str, value: str, reason: str) -> None:
        self.bad_total += 1
        if len(self.bad) < MAX_LISTED_BAD_ROWS:
            self.bad.append(BadRow(line, self.headers[self.columns[field_]], value, reason))

    def _cell(self, row: list[str], field_: str) -> str:
        at = self.columns.get(field_)
        return row[at].strip() if at is not None and at < len(row) else ""

    def add(self, line: int, row: list[str], order: str | None) -> None:
        stamp = self._cell(row, "registered_at")
        try:
            when = parse_datetime(stamp, order, self.zone)
        except BadValue as exc:
            self._bad(line, "registered_at", stamp, str(exc))
            return
        values = self._values(line, row)
        if values is None:
            return
        contacts = [v for v in (values["email"], values["phone"]) if v]
        known = next((self.by_contact[c] for c in contacts if c in self.by_contact), None)
        answers = {h: row[i].strip() for i, h in enumerate(self.headers) if i < len(row) and h}
        if known is None:
            person_key = next(
                (v for v in (values["email"], values["phone"]) if v),
                f"@{values['handle']}" if values["handle"] else (values["name"] or "").casefold(),
            )
            if not person_key:
                names = ", ".join(f"«{self.headers[self.columns[f]]}»" for f in self.columns)
                self._bad(line, "registered_at", stamp, f"no answer says who it is ({names})")
                return
            known = person_key
        person = self.people.get(known)
        if person is None:
            self.people[known] = _Person(known, when, when, values, answers)
        else:
            self._merge(person, when, values, answers)
        for contact in contacts:
            self.by_contact.setdefault(contact, known)

    def _merge(self, person: _Person, when: datetime, values: dict, answers: dict) -> None:
        self.repeated += 1
        person.responses += 1
        person.registered = min(person.registered, when)
        if when >= person.last:  # the latest answer wins where it says something
            person.last = when
            person.answers = answers
            person.values.update({k: v for k, v in values.items() if v})
        else:
            person.values.update({k: v for k, v in values.items() if v and not person.values[k]})

    def _values(self, line: int, row: list[str]) -> dict[str, str | None] | None:
        normalizers = {
            "email": normalize_email,
            "phone": normalize_phone,
            "handle": normalize_handle,
        }
        values: dict[str, str | None] = {}
        ok = True
        for name, normalize in normalizers.items():
            text = self._cell(row, name)
            try:
                values[name] = normalize(text) or None if text else None
            except BadValue as exc:
                self._bad(line, name, text, str(exc))
                ok = False
        parts = [self._cell(row, f) for f in ("first_name", "last_name")]
        values["name"] = normalize_name(self._cell(row, "name") or " ".join(parts)) or None
        values["source_channel"] = normalize_name(self._cell(row, "source_channel")) or None
        return values if ok else None


def _epoch_us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _zone(path: Path, name: str | None) -> ZoneInfo:
    name = name or community_zone_name()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FormsError(path, f"unknown time zone {name!r}") from None


def _read(path: Path, progress: Progress, encoding: str | None) -> list[tuple[int, list[str]]]:
    try:
        with ProgressReader(path, progress) as f:
            data = f.read()
    except OSError as exc:
        raise FormsError(path, f"cannot read the file ({exc.strerror or exc})") from None
    text, _ = decode(data, path, encoding)
    rows = [(n, r) for n, r in _records(text, sniff_delimiter(text), path) if not _is_blank(r)]
    if not rows:
        raise FormsError(path, "the file is empty")
    return rows


def parse(
    path: Path,
    report: FormsReport | None = None,
    progress: Progress = None,
    *,
    event_id: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    timezone: str | None = None,
    encoding: str | None = None,
    **unknown: Any,
) -> Iterator[tuple[str, pa.Table]]:
    """Read one responses file as (raw table, Arrow batch) pairs; see the module docstring.

    Raises FormsError (a SourceError naming the file, and for bad rows their lines and values)
    before anything is yielded, so a bad file loads nothing.
    """
    path = Path(path)
    report = report or FormsReport(path)
    if unknown:
        raise FormsError(path, f"unknown option(s): {', '.join(sorted(unknown))}")
    the_event = check_event_id(path, event_id)
    if the_event is None:
        raise FormsError(
            path,
            "say which event the form registers people for: event_id='app:12' (an event "
            "entered in the app) or 'timepad:123'",
        )
    zone = _zone(path, timezone)
    rows = _read(path, progress, encoding)
    headers = [_header(c) for c in rows[0][1]]
    columns_by_name = {**guess_mapping(headers), **_check_mapping(path, mapping or {}, headers)}
    if "registered_at" not in columns_by_name:
        if _question_key(headers[0]) not in TIMESTAMP_HEADERS:
            raise FormsError(
                path,
                f"not a Google Forms responses file: the first column is «{headers[0]}», not "
                "«Timestamp» / «Отметка времени» / «Позначка часу»",
            )
        columns_by_name["registered_at"] = headers[0]
    report.event_id, report.mapping = the_event, dict(columns_by_name)
    columns = {f: headers.index(c) for f, c in columns_by_name.items()}
    body = rows[1:]
    if not body:
        raise FormsError(path, "the file has a header but no responses")

    stamp_at = columns["registered_at"]
    order = date_order([r[stamp_at] for _, r in body if stamp_at < len(r)])
    responses = _Responses(path, zone, columns, headers)
    for line, row in body:
        responses.add(line, row, order)
    if responses.bad_total:
        raise BadRowsError(path, responses.bad, responses.bad_total)

    out = RowBatches(TABLES)
    for person in responses.people.values():
        v = person.values
        # registrations: in TABLES["registrations"] order
        out.rows["registrations"].append(
            (
                the_event,
                person.key,
                v["name"],
                v["email"],
                v["phone"],
                v["handle"],
                v["source_channel"],
                _epoch_us(person.registered),
                _epoch_us(person.last),
                person.responses,
                json.dumps(person.answers, ensure_ascii=False),
                path.name,
            )
        )
    report.responses, report.people = len(body), len(responses.people)
    report.repeated = responses.repeated
    yield from out.flush()


SPEC = FileSource(
    kind=SOURCE,
    dataset=DATASET,
    tables=TABLES,
    primary_keys=PRIMARY_KEYS,
    new_report=FormsReport,
    parse=parse,
)
