"""Any CSV/TSV export of members, activities or event registrations → raw_csv.*, with a mapping.

A manager has a spreadsheet (saved as CSV or TSV from Excel or Google Sheets) listing either
**members** (one row per person), **activities** (one row per thing someone did) or
**registrations** (one row per person registered for, or present at, an event) and says which
column means what: `mapping` is canonical field → the file's column header, e.g.
`{"name": "ФИО", "email": "Почта", "joined_at": "Дата вступления"}`. `suggest_mapping` guesses it
from English, Russian and Ukrainian headers; `preview` shows the first rows for the upload page.

Reading rules:

- encoding: UTF-8 with or without BOM (UTF-16 with a BOM too: Excel's "Unicode text"), else
  Windows-1251 (Russian Excel's "CSV"); anything else is refused. The delimiter (`,` `;` tab) is
  the one that splits the first rows into the same, largest number of columns.
- the header is the first non-empty line; if the mapped columns are not all there, the first line
  within the next few that holds them (exports such as Zoom's put a summary block above).
- dates: ISO (`2024-01-02`, `2024-01-02 12:30`, `T`, seconds, fractions, `Z` or an offset),
  `2024/01/02` (Excel), `02.01.2024[ 12:30[:00]]` (always day first), `2/1/2024 12:30:00` (with
  optional AM/PM). Slashed dates are read month first (Google Forms / Zoom in English) unless some
  value of the column has a first part above 12; a column with no such telling value borrows the
  order of another date column of the file that has one. Times without a zone are the community's
  time zone (the warehouse setting, else UTC) and are stored as UTC.
- e-mails are trimmed and lower-cased (`mailto:` dropped); handles lose a leading `@` or a profile
  URL and are lower-cased (Telegram, VK, Discord… handles ignore case); phones keep only digits,
  with a leading `+` when the value had one, and Russian 11-digit numbers starting with 7 or 8
  become `+7…` (`8 (916) 123-45-67` → `+79161234567`); Ukrainian 12-digit `380…` numbers get
  their `+`. Excel's `123.0` artefact is undone; a phone Excel turned into `7,9E+10` is refused.
- the cells `-`, `–`, `—` count as empty. Empty lines are skipped.
- one unreadable row (bad date, nobody to attribute it to, unknown activity type, bad e-mail…)
  rejects the whole file with its line number (header = line 1), column and value: nothing is
  loaded, the manager fixes the file and loads it again.

Ids (stable, so reloading a file or loading an overlapping re-export changes nothing):

- identity: `<platform>:<key>` where key is the first non-empty of external_id, e-mail, phone,
  handle, name (normalised as above). Rows naming the same key are one person; the last non-empty
  value of each field wins.
- channel: `<platform>:<channel column or the `channel` option or the file's stem>`.
- content (messages, replies, posts, comments): `<channel_id>:<content_id>` when the file has a
  content id column, else `<platform>:csv-content:<hash>` of the row's person, channel, type,
  time, parent and text; the activity that created it is `<content_id>:activity`.
- other activities: `<platform>:csv-activity:<hash>` of the same values (a join or leave from a
  members file: of person, channel, type and time). Columns that are not part of it (an extra
  column, a changed phone, a fixed display name) do not change the id, so such a re-export
  merges instead of adding rows.
- rows repeating an earlier row in every mapped column load once; the report says so.

A members file yields a `join` activity at joined_at and a `leave` at left_at in the channel; the
identity carries e-mail, phone and handle, which is how people get linked across platforms.

A registrations file yields one raw_csv.registrations row per event and person (the event from
an `event_id` column, else the `event_id` option for the whole file; every event must already be
in core.events, else the file is refused naming the unknown ids) and the person as an identity
of platform `csv-registrations`, keyed like Google Forms: the lower-cased e-mail, else the phone,
else `@handle`, else the lower-cased name. `attended` reads yes/no words in the three languages
(empty: not known, counted as not attended); a check-in time means attended; participant_role is
guest, speaker, host or volunteer (default guest). A person on two rows of one file for one event
is one registration (earliest times; present if any row says so). Each file keeps its own rows;
staging takes each field from the latest load that says something.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import timezone as fixed_zone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from pipelines.errors import SourceError
from pipelines.sources import FileSource

SOURCE = "csv"
DATASET = "raw_csv"
BATCH_ROWS = 50_000
MEMBERS, ACTIVITIES, REGISTRATIONS = "members", "activities", "registrations"
WHAT = (MEMBERS, ACTIVITIES, REGISTRATIONS)
# Registrants are people at events, not channel members: their own platform keeps their identity
# ids apart from a members file's `csv:<key>` ones (and lets core.identities tell them apart).
REGISTRANT_PLATFORM = "csv-registrations"

# Person fields in the order that picks the identity key.
IDENTIFYING_FIELDS = ("external_id", "email", "phone", "handle", "name")
# A name may also come in parts (Фамилия / Имя / Отчество columns); they are joined "first middle
# last" when the row has no full name.
NAME_PARTS = ("first_name", "middle_name", "last_name")
_PERSON = ("name", *NAME_PARTS, "email", "phone", "handle", "external_id")
# registrants are keyed like Google Forms (e-mail, phone, handle, name): no external id
_REGISTRANT = ("name", *NAME_PARTS, "email", "phone", "handle")
FIELDS: dict[str, tuple[str, ...]] = {
    MEMBERS: (*_PERSON, "joined_at", "left_at", "tags", "channel"),
    ACTIVITIES: (
        *_PERSON,
        "activity_type",
        "occurred_at",
        "channel",
        "text",
        "content_id",
        "parent_content_id",
    ),
    REGISTRATIONS: (
        *_REGISTRANT,
        "event_id",
        "registered_at",
        "attended",
        "checked_in_at",
        "participant_role",
        "source_channel",
    ),
}
DATE_FIELDS = ("joined_at", "left_at", "occurred_at", "registered_at", "checked_in_at")
PARTICIPANT_ROLES = ("guest", "speaker", "host", "volunteer")
# '<platform>:<id>', as every event source names its events ('app:12', 'timepad:123', 'zoom:…')
EVENT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*:\S+$")
# The canonical model's activity types (DESIGN.md); those that create content come first.
CONTENT_TYPES = ("message", "reply", "post", "comment")
ACTIVITY_TYPES = (
    *CONTENT_TYPES,
    "reaction",
    "join",
    "leave",
    "registration",
    "attendance",
    "feedback",
)
CHANNEL_KINDS = ("chat", "broadcast", "forum", "newsletter", "events", "offline")
EMPTY_MARKERS = {"", "-", "–", "—"}
MAX_LISTED_BAD_ROWS = 5
HEADER_SEARCH_LINES = 30
PREVIEW_BYTES = 1 << 20


def _key(name: str) -> pa.Field:
    return pa.field(name, pa.string(), nullable=False)


TABLES: dict[str, pa.Schema] = {
    "channels": pa.schema(
        [
            _key("channel_id"),
            ("platform", pa.string()),
            ("external_id", pa.string()),
            ("name", pa.string()),
            ("kind", pa.string()),
            ("source_file", pa.string()),
            ("loaded_at_us", pa.int64()),
        ]
    ),
    # One row per person and file: a later file without an e-mail column must not erase the
    # e-mail an earlier file gave; staging keeps the latest non-empty value of each field.
    "identities": pa.schema(
        [
            _key("identity_id"),
            _key("source_file"),
            ("platform", pa.string()),
            ("external_user_id", pa.string()),
            ("handle", pa.string()),
            ("display_name", pa.string()),
            ("email", pa.string()),
            ("phone", pa.string()),
            ("tags_json", pa.string()),
            ("first_line", pa.int64()),
            ("loaded_at_us", pa.int64()),
        ]
    ),
    "activities": pa.schema(
        [
            _key("activity_id"),
            ("identity_id", pa.string()),
            ("channel_id", pa.string()),
            ("activity_type", pa.string()),
            ("occurred_us", pa.int64()),  # UTC, microseconds since the epoch
            ("content_id", pa.string()),
            ("parent_content_id", pa.string()),
            ("line", pa.int64()),  # the row's first line in its file
            ("source_file", pa.string()),
            ("loaded_at_us", pa.int64()),
        ]
    ),
    "content": pa.schema(
        [
            _key("content_id"),
            ("channel_id", pa.string()),
            ("author_identity_id", pa.string()),
            ("published_us", pa.int64()),  # UTC, microseconds since the epoch
            ("parent_content_id", pa.string()),
            ("text", pa.string()),
            ("line", pa.int64()),  # the row's first line in its file
            ("source_file", pa.string()),
            ("loaded_at_us", pa.int64()),
        ]
    ),
    # One row per event, person and file, like identities: an attendance sheet loaded after the
    # registrations must not erase their dates; staging keeps the latest non-empty value of each.
    "registrations": pa.schema(
        [
            _key("event_id"),
            _key("person_key"),
            _key("source_file"),
            ("identity_id", pa.string()),
            ("registered_us", pa.int64()),  # UTC, microseconds since the epoch
            ("attended", pa.bool_()),  # null: the file does not say
            ("checked_in_us", pa.int64()),
            ("participant_role", pa.string()),  # null: the file does not say (guest)
            ("source_channel", pa.string()),
            ("line", pa.int64()),  # the row's first line in its file
            ("loaded_at_us", pa.int64()),
        ]
    ),
}
PRIMARY_KEYS = {name: [f.name for f in schema if not f.nullable] for name, schema in TABLES.items()}
RAW_TABLES = {f"{DATASET}.{name}": schema for name, schema in TABLES.items()}
Progress = Callable[[float], None] | None


class CsvError(SourceError):
    """The file cannot be read as the mapping says; nothing from it may be loaded."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(Path(path).name, reason)
        self.path = Path(path)


@dataclass(frozen=True)
class BadRow:
    line: int  # file line, the header being line 1
    column: str  # the file's column header (or the mapped columns, for a row naming nobody)
    value: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column «{self.column}» = {self.value!r}: {self.reason}"


class BadRowsError(CsvError):
    """Some rows cannot be read; `bad_rows` lists the first few."""

    def __init__(self, path: Path, bad_rows: list[BadRow], total: int) -> None:
        listed = "; ".join(str(b) for b in bad_rows)
        more = f" (and {total - len(bad_rows)} more)" if total > len(bad_rows) else ""
        noun = "row cannot" if total == 1 else "rows cannot"
        super().__init__(
            path,
            f"{total} {noun} be read, so nothing was loaded; fix the file and load it again. "
            f"{listed}{more}",
        )
        self.bad_rows = bad_rows
        self.total = total


@dataclass
class CsvReport:
    path: Path
    what: str = ""
    encoding: str = ""
    delimiter: str = ""
    timezone: str = ""
    rows: int = 0
    people: int = 0
    activities: int = 0
    content: int = 0
    channels: list[str] = field(default_factory=list)
    channel_from_file_name: bool = False
    identical_rows: list[int] = field(default_factory=list)  # lines repeating an earlier row
    repeated_activities: list[int] = field(default_factory=list)  # same activity, other details
    conflicts: dict[str, int] = field(default_factory=dict)  # field → people with two values
    undated_members: int = 0
    join_column_missing: bool = False
    assumed_orders: dict[str, str] = field(default_factory=dict)  # column → order assumed
    guessed_mapping: dict[str, str] | None = None
    duplicate_headers: list[str] = field(default_factory=list)
    registrations: int = 0
    attended: int = 0
    events: list[str] = field(default_factory=list)
    undated_registrations: int = 0
    registration_column_missing: bool = False
    repeated_registrations: list[int] = field(default_factory=list)  # same person and event

    def summary(self) -> str:
        if self.what == REGISTRATIONS:
            return (
                f"{self.path.name}: {self.registrations} registrations of {self.people} people "
                f"({self.attended} attended) loaded for event {', '.join(self.events)}; times "
                f"without a zone read as {self.timezone or 'UTC'}."
            )
        where = ", ".join(self.channels) or "no channel"
        if self.channel_from_file_name:
            where += " (named after the file; give a channel to name it)"
        return (
            f"{self.path.name}: {self.people} people, {self.activities} activities and "
            f"{self.content} messages/posts loaded into {where}; "
            f"times without a zone read as {self.timezone or 'UTC'}."
        )

    @property
    def warnings(self) -> list[str]:
        name = self.path.name
        notes = []
        if self.guessed_mapping is not None:
            pairs = ", ".join(f"{k} ← «{v}»" for k, v in self.guessed_mapping.items())
            notes.append(f"{name}: no column mapping was given; guessed from the headers: {pairs}.")
        if self.identical_rows:
            repeats = _count(len(self.identical_rows), "row repeats", "rows repeat")
            notes.append(
                f"{name}: {repeats} an earlier row in every mapped column (lines "
                f"{_lines(self.identical_rows)}); each was loaded once."
            )
        if self.repeated_activities:
            repeats = _count(len(self.repeated_activities), "row describes", "rows describe")
            notes.append(
                f"{name}: {repeats} an activity already on an earlier row (same person, type, "
                f"time, place and text; lines {_lines(self.repeated_activities)}); each was "
                "loaded once."
            )
        if self.repeated_registrations:
            repeats = _count(len(self.repeated_registrations), "row names", "rows name")
            notes.append(
                f"{name}: {repeats} a person already registered for the same event on an "
                f"earlier row (line{'s' if len(self.repeated_registrations) > 1 else ''} "
                f"{_lines(self.repeated_registrations)}); each person counts "
                "once per event, at their earliest time."
            )
        if self.registration_column_missing:
            notes.append(
                f"{name}: no registered_at column is mapped, so these rows count as attendance "
                "only, not as registrations (a registration counts by its date)."
            )
        elif self.undated_registrations:
            notes.append(
                f"{name}: {_count(self.undated_registrations, 'row has', 'rows have')} no "
                "registration date; those count as attendance only, not as registrations."
            )
        for what, people in sorted(self.conflicts.items()):
            notes.append(
                f"{name}: {_count(people, 'person has', 'people have')} different values of "
                f"`{what}` on different rows; the last row's value was kept."
            )
        if self.join_column_missing:
            notes.append(
                f"{name}: no joined_at column is mapped, so the people in it are listed but have "
                "no join date and do not count as joined members."
            )
        elif self.undated_members:
            notes.append(
                f"{name}: {_count(self.undated_members, 'row has', 'rows have')} no join date; "
                "those people are listed but do not count as joined members."
            )
        for column, order in sorted(self.assumed_orders.items()):
            notes.append(
                f"{name}: no date in column «{column}» shows whether it is day/month or "
                f"month/day; read as {order} (US and English Google Forms style)."
            )
        if self.duplicate_headers:
            notes.append(
                f"{name}: the header repeats {', '.join(map(repr, self.duplicate_headers))}; "
                "the first column of each name was used."
            )
        return notes


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _lines(lines: list[int], shown: int = 5) -> str:
    text = ", ".join(map(str, lines[:shown]))
    return text + ("…" if len(lines) > shown else "")


# ---------------------------------------------------------------------------------------------
# Decoding and splitting


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def decode(data: bytes, path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding it was read with (UTF-8 [BOM], UTF-16 BOM, cp1251)."""
    if data.startswith(_WORKBOOK_MAGIC):
        raise CsvError(
            path,
            "this is an Excel workbook, not a CSV file: save it as «CSV UTF-8» (Excel: File → "
            "Save As; Google Sheets: File → Download → CSV) and load that",
        )
    if encoding:
        return _decode_as(data, path, encoding), encoding
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(data, path, "utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_as(data, path, "utf-16"), "utf-16"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x00" not in text:
            return text, "utf-8"
        raise CsvError(path, "not a text file (it holds NUL bytes); save it as «CSV UTF-8»")
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        text = ""
    if text and not _CONTROL.search(text):
        return text, "cp1251"
    raise CsvError(
        path,
        "the file is neither UTF-8 nor Windows-1251 text; save it as «CSV UTF-8» and load it again",
    )


def _decode_as(data: bytes, path: Path, encoding: str) -> str:
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8") and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except LookupError:
        raise CsvError(path, f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        raise CsvError(
            path, f"not {encoding} text (byte {exc.start} cannot be read as {encoding})"
        ) from None
    if "\x00" in text:
        raise CsvError(path, f"not {encoding} text (it holds NUL characters)")
    return text


def sniff_delimiter(text: str) -> str:
    """`,`, `;` or tab: the one splitting the first rows into the same, largest number of columns.

    csv.Sniffer guesses from character frequencies and is thrown by commas inside the text of a
    `;` file; counting columns per row is what actually tells them apart.
    """
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ",", (-1.0, 0)
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            rows = [r for r in reader if any(c.strip() for c in r)][:20]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(len(r) == width for r in rows) / len(rows)
        score = (round(consistent, 1), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _records(text: str, delimiter: str, path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first file line of the record, cells); a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvError(path, f"line {start}: not valid CSV ({exc})") from None


def _is_blank(row: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in row)


def _clean_header(cell: str) -> str:
    return cell.replace("\ufeff", "").strip()


def preview(
    path: Path, rows: int = 10, *, delimiter: str | None = None, encoding: str | None = None
) -> tuple[list[str], list[list[str]], str, str]:
    """(headers, the first `rows` data rows padded to the headers, delimiter, encoding).

    Reads only the beginning of a large file. Raises CsvError for a file that is not CSV text.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = f.read(PREVIEW_BYTES + 1)
    except OSError as exc:
        raise CsvError(path, f"cannot read the file ({exc.strerror or exc})") from None
    if len(data) > PREVIEW_BYTES:
        data = data[: data.rfind(b"\n", 0, PREVIEW_BYTES) + 1] or data[:PREVIEW_BYTES]
    text, used_encoding = decode(data, path, encoding)
    used_delimiter = delimiter or sniff_delimiter(text)
    headers: list[str] | None = None
    body: list[list[str]] = []
    for _, row in _records(text, used_delimiter, path):
        if _is_blank(row):
            continue
        if headers is None:
            headers = [_clean_header(c) for c in row]
            continue
        if len(body) >= rows:
            break
        body.append((row + [""] * len(headers))[: max(len(headers), len(row))])
    if headers is None:
        raise CsvError(path, "the file is empty")
    return headers, body, used_delimiter, used_encoding


# ---------------------------------------------------------------------------------------------
# Values


class BadValue(ValueError):
    """One cell cannot be read; the message says why, in words for the manager."""


def _blank(value: str | None) -> bool:
    return value is None or value.strip() in EMPTY_MARKERS


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def normalize_email(value: str) -> str:
    email = value.strip().lower()
    email = email.removeprefix("mailto:").strip()
    if not _EMAIL.match(email) or "." not in email.rsplit("@", 1)[1]:
        raise BadValue("not an e-mail address")
    return email


_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE]\+?\d+$")


def normalize_phone(value: str) -> str:
    """Digits only, `+` kept; Russian 8 or 7 plus 10 digits → +7 plus the 10; 380… → +380…."""
    text = value.strip()
    if _SCIENTIFIC.match(text):
        raise BadValue(
            "Excel turned the phone into a rounded number; format the column as text and "
            "export again"
        )
    text = re.sub(r"^(\d+)\.0$", r"\1", text)  # a phone stored as a number: 79161234567.0
    digits = re.sub(r"\D", "", text)
    if len(digits) < 5:
        raise BadValue("not a phone number")
    if text.startswith("+"):
        return "+" + digits
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 12 and digits.startswith("380"):
        return "+" + digits
    return digits


_PROFILE_URL = re.compile(r"^(?:https?://)?(?:www\.)?[^/\s]+\.[a-z]{2,}/@?([^/?#\s]+)/?$", re.I)


def normalize_handle(value: str) -> str:
    """`@Ivan`, `https://t.me/Ivan`, `vk.com/ivan` → `ivan`."""
    text = value.strip()
    url = _PROFILE_URL.match(text)
    if url:
        text = url.group(1)
    return text.lstrip("@").strip().lower()


def normalize_external_id(value: str) -> str:
    text = value.strip()
    return re.sub(r"^(\d+)\.0$", r"\1", text)  # an id Excel stored as a number: 12345.0


def normalize_name(value: str) -> str:
    return " ".join(value.split())


def split_tags(value: str) -> list[str]:
    tags: list[str] = []
    for tag in re.split(r"[,;|\n]", value):
        tag = " ".join(tag.split())
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _norm_word(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").replace("_", " ").replace("-", " ").split())


_ACTIVITY_SYNONYMS = {
    "message": "message|msg|chat message|сообщение|повідомлення",
    "reply": "reply|answer|response|ответ|відповідь",
    "post": "post|publication|публикация|пост|публікація|допис",
    "comment": "comment|комментарий|коммент|коментар",
    "reaction": "reaction|like|react|реакция|лайк|реакція|вподобайка|вподобання",
    "join": "join|joined|subscribe|subscribed|вступил|вступила|вступление|подписка|подписался|"
    "подписалась|приєднався|приєдналася|вступ|підписка|підписався|підписалася",
    "leave": "leave|left|unsubscribe|unsubscribed|вышел|вышла|выход|отписка|отписался|"
    "отписалась|вийшов|вийшла|вихід|відписка|відписався|відписалася",
    "registration": "registration|register|registered|signup|sign up|регистрация|"
    "зарегистрировался|зарегистрировалась|реєстрація|зареєструвався|зареєструвалася",
    "attendance": "attendance|attended|attend|visit|visited|check in|checkin|checked in|"
    "посещение|пришел|пришла|присутствие|участие|відвідування|прийшов|прийшла|присутність|участь",
    "feedback": "feedback|review|отзыв|обратная связь|відгук|зворотний зв'язок",
}


def _synonym_lookup(synonyms: dict[str, str]) -> dict[str, str]:
    """{"kind": "word|other word"} → {normalised word: kind}."""
    return {
        _norm_word(phrase): kind
        for kind, phrases in synonyms.items()
        for phrase in phrases.split("|")
    }


def _one_of(value: str, lookup: dict[str, str], what: str, allowed: Sequence[str]) -> str:
    found = lookup.get(_norm_word(value))
    if found is None:
        raise BadValue(f"unknown {what}; use one of: {', '.join(allowed)}")
    return found


_ACTIVITY_LOOKUP = _synonym_lookup(_ACTIVITY_SYNONYMS)


def normalize_activity_type(value: str) -> str:
    """`Сообщение`, `reply`, `Реакція`… → one of ACTIVITY_TYPES."""
    return _one_of(value, _ACTIVITY_LOOKUP, "activity type", ACTIVITY_TYPES)


# Yes/no as people type it in a sheet, Excel's booleans in the three languages included.
_YES = (
    "yes|y|true|1|+|✓|✔|☑|✅|attended|present|came|visited|checked in|showed up|was there|"
    "да|д|истина|пришел|пришла|пришел а|пришли|был|была|был а|были|присутствовал|"
    "присутствовала|присутствовал а|присутствует|присутствие|посетил|посетила|посетил а|"
    "отметился|отметилась|участвовал|участвовала|так|т|істина|прийшов|прийшла|прийшов ла|був|"
    "була|був ла|присутній|присутня|був присутній|була присутня|відвідав|відвідала|брав участь|"
    "брала участь"
)
_NO = (
    "no|n|false|0|absent|no show|noshow|did not come|didn't come|not attended|not present|"
    "нет|н|ложь|не пришел|не пришла|не пришел а|не был|не была|отсутствовал|отсутствовала|"
    "отсутствовал а|отсутствует|не явился|не явилась|неявка|ні|хибність|не прийшов|не прийшла|"
    "не був|не була|відсутній|відсутня|не з'явився|не з'явилася|нез'явлення"
)


def _yes_no_key(text: str) -> str:
    """`Пришёл(ла)`, `Да!`, `TRUE` → their lookup form: case, ё, brackets and end marks ignored."""
    text = text.casefold().replace("ё", "е").replace("’", "'").replace("ʼ", "'")
    text = re.sub(r"[()/.!_-]", " ", text)
    return " ".join(text.split())


_ATTENDED_LOOKUP = {
    **{_yes_no_key(w): False for w in _NO.split("|")},
    **{_yes_no_key(w): True for w in _YES.split("|")},
}
_LOOKS_LIKE_A_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")


def normalize_attended(value: str) -> bool:
    """yes/no/true/false/1/0/+/да/нет/так/ні/присутствовал… → True/False.

    A date or time in the column (when they checked in) also means they came.
    """
    found = _ATTENDED_LOOKUP.get(_yes_no_key(value))
    if found is None and _LOOKS_LIKE_A_DATE.match(value.strip()):
        return True
    if found is None:
        raise BadValue("not a yes or no; write yes/no, да/нет, так/ні, 1/0 or + (empty: unknown)")
    return found


_ROLE_SYNONYMS = {
    "guest": "guest|participant|attendee|visitor|listener|member|registrant|гость|участник|"
    "участница|слушатель|слушательница|посетитель|зритель|гість|учасник|учасниця|слухач|"
    "відвідувач|глядач",
    "speaker": "speaker|presenter|lecturer|спикер|спикерка|докладчик|лектор|выступающий|"
    "выступающая|спікер|спікерка|доповідач|доповідачка|лекторка",
    "host": "host|moderator|organizer|organiser|facilitator|mc|co-host|cohost|организатор|"
    "организаторка|ведущий|ведущая|модератор|хост|організатор|організаторка|ведучий|ведуча",
    "volunteer": "volunteer|helper|волонтер|волонтерка|помощник|помощница|помічник|помічниця",
}
_ROLE_LOOKUP = _synonym_lookup(_ROLE_SYNONYMS)


def normalize_role(value: str) -> str:
    """`Спикер`, `Host`, `Волонтер`… → one of PARTICIPANT_ROLES."""
    return _one_of(value, _ROLE_LOOKUP, "role", PARTICIPANT_ROLES)


def normalize_event_id(value: str) -> str:
    """An event id as the events name it: 'app:12', 'timepad:123' (trimmed, prefix lower-cased)."""
    text = normalize_external_id(value)
    platform, sep, rest = text.partition(":")
    text = f"{platform.strip().lower()}{sep}{rest.strip()}"
    if not EVENT_ID.match(text):
        raise BadValue("not an event id; event ids look like app:12 or timepad:123")
    return text


# Dates --------------------------------------------------------------------------------------

_TIME = (
    r"(?:(?:[T ]|,\s*)\s*(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?"
    r"\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
)
_YMD = re.compile(r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})" + _TIME + "$", re.I)
_DOTTED = re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})" + _TIME + "$", re.I)
_SLASHED = re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4}|\d{2})" + _TIME + "$", re.I)
DAY_FIRST, MONTH_FIRST = "day-first", "month-first"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def date_order(values: Sequence[str]) -> str | None:
    """day-first / month-first for a column's a/b/yyyy values; None when nothing tells."""
    month_first_seen = False
    for value in values:
        slashed = _SLASHED.match(value.strip())
        if slashed:
            if int(slashed["a"]) > 12:
                return DAY_FIRST
            if int(slashed["b"]) > 12:
                month_first_seen = True
    return MONTH_FIRST if month_first_seen else None


def parse_datetime(value: str, order: str | None, zone: ZoneInfo | fixed_zone) -> datetime:
    """An aware UTC datetime. `order` decides a/b/yyyy values (None: month first)."""
    text = value.strip()
    match = _YMD.match(text) or _DOTTED.match(text)
    if match:
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    else:
        match = _SLASHED.match(text)
        if not match:
            raise BadValue("not a date; write it like 2024-01-31, 31.01.2024 or 31.01.2024 12:30")
        a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
        day, month = (a, b) if order == DAY_FIRST else (b, a)
    if year < 100:
        year += 2000
    hour, minute = int(match["h"] or 0), int(match["mi"] or 0)
    second = int(match["s"] or 0)
    micro = int((match["f"] or "0").ljust(6, "0"))
    if match["ampm"]:
        pm = match["ampm"][0] in "Pp"
        if not 1 <= hour <= 12:
            raise BadValue("not a time: an hour with AM/PM must be 1 to 12")
        hour = hour % 12 + (12 if pm else 0)
    try:
        naive = datetime(year, month, day, hour, minute, second, micro)
    except ValueError as exc:
        raise BadValue(f"not a real date or time ({exc})") from None
    offset = match["tz"]
    if offset and offset.upper() not in ("Z", "UTC", "GMT"):
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return naive.replace(tzinfo=fixed_zone(sign * delta)).astimezone(UTC)
    if offset:
        return naive.replace(tzinfo=UTC)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _epoch_us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


# ---------------------------------------------------------------------------------------------
# Mapping


def fields(what: str) -> tuple[str, ...]:
    """The canonical fields a members, activities or registrations file may map."""
    return FIELDS[_check_what(what)]


def _check_what(what: str) -> str:
    if what not in WHAT:
        raise ValueError(f"`what` must be one of {', '.join(map(repr, WHAT))}, not {what!r}")
    return what


def mapping_from_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """`["name=ФИО", "email=Почта"]` (the CLI's --map) → {"name": "ФИО", "email": "Почта"}."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        canonical, sep, column = pair.partition("=")
        if not sep or not canonical.strip() or not column.strip():
            raise ValueError(f"expected field=Column, got {pair!r}")
        mapping[canonical.strip().lower()] = column.strip()
    return mapping


def _header_key(text: str) -> str:
    """A header as suggest_mapping compares it: case, ё, apostrophes, brackets and * ignored."""
    text = text.casefold().replace("ё", "е")
    text = re.sub(r"[’ʼ`´]", "'", text)
    text = re.sub(r"\([^)]*\)", " ", text)  # "Name (Original Name)", "Телефон (для связи)"
    text = re.sub(r"[*:?!\"«»_]", " ", text)
    text = re.sub(r"\.(?=\s|$)", " ", text)  # "эл. почта", "тел."
    return " ".join(text.split())


# Exact header matches, most specific first. "when" is joined_at in a members file and
# occurred_at in an activities file.
_EXACT: list[tuple[str, str]] = [
    (
        "email",
        "email|e-mail|e mail|mail|email address|e-mail address|user email|your email|"
        "почта|эл почта|эл.почта|электронная почта|адрес электронной почты|емейл|имейл|е-мейл|"
        "email адрес|ваш email|ваш e-mail|пошта|ел пошта|ел.пошта|електронна пошта|"
        "адреса електронної пошти|електронна адреса",
    ),
    (
        "phone",
        "phone|phone number|mobile|mobile phone|tel|telephone|телефон|номер телефона|"
        "мобильный|мобильный телефон|тел|номер телефону|мобільний|мобільний телефон",
    ),
    (
        "handle",
        "handle|username|user name|login|nickname|nick|telegram|telegram username|tg|"
        "ник|никнейм|логин|юзернейм|телеграм|ник в телеграм|нік|нікнейм|логін",
    ),
    (
        "external_id",
        "user id|userid|member id|participant id|uid|external id|id пользователя|"
        "id участника|id користувача|id учасника|идентификатор пользователя",
    ),
    ("last_name", "last name|lastname|surname|family name|фамилия|прізвище"),
    ("first_name", "first name|firstname|given name"),
    ("middle_name", "middle name|отчество|по батькові|по-батькові"),
    (
        "name",
        "name|full name|fullname|display name|participant|member|user|your name|"
        "имя|фио|ф.и.о|ф и о|полное имя|имя и фамилия|фамилия и имя|фамилия имя|"
        "фамилия имя отчество|участник|пользователь|ваше имя|как вас зовут|"
        "ім'я|імя|піб|п.і.б|ім'я та прізвище|прізвище та ім'я|прізвище ім'я|"
        "прізвище ім'я по батькові|учасник|користувач|ваше ім'я|як вас звати",
    ),
    (
        "left_at",
        "left|left at|date left|leave date|unsubscribed|unsubscribed at|дата выхода|"
        "дата отписки|вышел|дата виходу|дата відписки|вийшов",
    ),
    (
        "joined_at",
        "joined|joined at|join date|date joined|member since|registered|registration date|"
        "signup date|subscribed|subscribed at|дата вступления|дата регистрации|"
        "дата подписки|вступил|зарегистрирован|дата вступу|дата реєстрації|дата приєднання|"
        "дата підписки|приєднався",
    ),
    ("tags", "tags|tag|labels|label|теги|тег|тэги|метки|мітки|теги"),
    (
        "event_id",
        "event id|event code|id мероприятия|id события|код мероприятия|id заходу|id події|"
        "код заходу|код події",
    ),
    (
        "registered_at",
        "registered|registered at|registration date|registration time|date registered|"
        "signup date|sign up date|sign-up date|signed up|signed up at|order date|"
        "дата регистрации|время регистрации|дата и время регистрации|зарегистрирован|"
        "зарегистрировался|"
        "дата заявки|дата реєстрації|час реєстрації|дата і час реєстрації|зареєстрований|"
        "зареєструвався",
    ),
    (
        "checked_in_at",
        "checked in at|check in time|checkin time|check in at|check in date|check-in time|"
        "check-in at|check-in date|checked-in at|arrival time|arrived at|время прихода|"
        "время отметки|время чекина|дата прихода|час приходу|час відмітки|час чекіну|"
        "дата приходу",
    ),
    (
        "attended",
        "attended|attendance|present|came|visited|checked in|check in|checkin|check-in|"
        "checked-in|showed up|пришел|пришла|пришли|был|была|были|присутствовал|"
        "присутствовала|присутствие|посетил|посещение|явка|отметка о присутствии|участвовал|"
        "прийшов|прийшла|був|була|"
        "був присутній|була присутня|присутній|присутність|відвідав|відвідування|"
        "відмітка про присутність",
    ),
    (
        "participant_role",
        "role|participant role|participant type|роль|роль участника|тип участника|"
        "роль учасника|тип учасника",
    ),
    (
        "source_channel",
        "source|source channel|channel|utm source|referrer|referral|how did you hear about us|"
        "источник|канал|канал привлечения|откуда узнали|джерело|звідки дізналися",
    ),
    (
        "activity_type",
        "type|activity|activity type|action|event type|тип|действие|тип активности|"
        "активность|событие|дія|тип активності|активність|подія",
    ),
    ("channel", "channel|chat|канал|чат|channel name|название канала|назва каналу"),
    (
        "content_id",
        "message id|post id|content id|comment id|id сообщения|id поста|id публикации|"
        "id повідомлення|id допису|id публікації",
    ),
    (
        "parent_content_id",
        "reply to|in reply to|parent id|reply to id|ответ на|в ответ на|відповідь на",
    ),
    (
        "text",
        "text|message|content|body|comment|feedback|текст|сообщение|комментарий|отзыв|"
        "повідомлення|коментар|відгук|текст сообщения|текст повідомлення",
    ),
    (
        "when",
        "timestamp|date|time|datetime|date time|date and time|created|created at|when|"
        "join time|отметка времени|дата|время|дата и время|дата/время|когда|"
        "позначка часу|час|дата і час|дата та час|коли",
    ),
]
# Then headers containing a telling word, for Google Forms questions like "Ваш email для связи".
_CONTAINS: list[tuple[str, str]] = [
    # "How did you hear about us" may name Telegram or e-mail as answers: it goes first
    (
        "source_channel",
        r"how did you (hear|find|learn)|hear about|utm.?source|\bsource\b|referr|источник|"
        r"откуда.*узна|как.*узнал|джерел|звідки.*(дізна|знає)|як.*дізнал",
    ),
    ("email", r"e-?mail|почт|пошт"),
    ("phone", r"телефон|phone|mobile|\bтел\b|мобильн|мобільн"),
    ("handle", r"user ?name|\bник|\bнік|telegram|телеграм|\btg\b|логин|логін|login"),
    ("last_name", r"фамили|прізвищ|surname|last ?name|family ?name"),
    ("first_name", r"first ?name|given ?name"),
    ("middle_name", r"отчеств|по.батьков|middle ?name"),
    ("name", r"\bфио\b|\bпіб\b|\bимя\b|\bім'?я\b|\bname\b|как вас зовут|як вас звати"),
    ("left_at", r"выход|вийш|виход|отпис|відпис|\bleft\b|\bleave|unsubscri"),
    (
        "joined_at",
        r"вступ|регистрац|реєстрац|\bjoin|registr|sign ?up|subscri|подпис|підпис|приєдна",
    ),
    ("tags", r"\bтег|\bтэг|\bметк|мітк|\btag|label"),
    ("event_id", r"event.?id|\bid (мероприят|событ|заход|поді)"),
    (
        "checked_in_at",
        r"check.?in.*(time|date|\bat\b)|(time|date).*check.?in|(время|дата) (прихода|отметки|"
        r"чекин)|(час|дата) (приходу|відмітки|чекін)",
    ),
    ("registered_at", r"регистрац|реєстрац|registr|sign.?up|заявк"),
    (
        "attended",
        r"присутств|пришел|пришла|посети|посещ|\bявк|attend|present|check.?in|прийш|присутн|"
        r"відвід",
    ),
    ("participant_role", r"\bроль\b|\brole\b"),
    ("activity_type", r"\bтип\b|\btype\b|действи|\bдія|activity|активн|action"),
    ("channel", r"канал|channel|\bчат\b|\bchat\b"),
    ("text", r"текст|\btext\b|message|сообщени|повідомлен|коммент|комент|comment|отзыв|відгук"),
    ("when", r"дата|\bdate\b|time|время|\bчас\b|timestamp"),
]
_NOT_A_WHEN = re.compile(r"рожд|народж|birth")  # a birthday is not when someone joined
# nor is the event's own date when someone registered for it
_NOT_REGISTERED = re.compile(r"мероприят|событи|заход|поді|\bevent|начал|початк|\bstart")
_BARE_FIRST_NAMES = {"имя", "ім'я", "імя", "name"}
_EXACT_SETS = [(f, {_header_key(s) for s in words.split("|")}) for f, words in _EXACT]
_CONTAINS_RES = [(f, re.compile(pattern)) for f, pattern in _CONTAINS]


def suggest_mapping(headers: Sequence[str], what: str) -> dict[str, str]:
    """Canonical field → header, guessed from English, Russian and Ukrainian headers.

    Only sure guesses: a header is used once, unrecognised headers are left out. Exact names
    win over headers that merely contain a telling word. In a members file the generic
    date ("Дата", "Timestamp", "Отметка времени") is joined_at; in an activities file it is
    occurred_at, in a registrations file registered_at. With a surname column, a bare
    "Имя"/"Ім'я"/"Name" is the first name.
    """
    allowed = set(fields(what))
    when = {MEMBERS: "joined_at", ACTIVITIES: "occurred_at", REGISTRATIONS: "registered_at"}[what]
    keys = [_header_key(h) for h in headers]
    found: dict[str, str] = {}
    used: set[int] = set()

    def take(canonical: str, matches: Callable[[str], bool]) -> None:
        target = when if canonical == "when" else canonical
        if target not in allowed or target in found:
            return
        for i, key in enumerate(keys):
            if i in used or not key or not matches(key):
                continue
            if target in DATE_FIELDS and _NOT_A_WHEN.search(key):
                continue
            if canonical == "when" and target == "registered_at" and _NOT_REGISTERED.search(key):
                continue
            found[target] = headers[i]
            used.add(i)
            return

    for canonical, names in _EXACT_SETS:
        take(canonical, names.__contains__)
    for canonical, pattern in _CONTAINS_RES:
        take(canonical, lambda key, p=pattern: p.search(key) is not None)
    if (
        "last_name" in found
        and "name" in found
        and "first_name" not in found
        and _header_key(found["name"]) in _BARE_FIRST_NAMES
    ):
        found["first_name"] = found.pop("name")
    return {f: found[f] for f in fields(what) if f in found}


def _clean_mapping(mapping: Mapping[str, str | None], what: str, path: Path) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for canonical, column in mapping.items():
        if column is None or not str(column).strip():
            continue  # "not in this file", as a form's empty choice sends it
        canonical = str(canonical).strip().lower()
        if canonical not in FIELDS[what]:
            raise CsvError(
                path,
                f"`{canonical}` is not a field of a {what} file; map some of: "
                f"{', '.join(FIELDS[what])}",
            )
        cleaned[canonical] = str(column)
    if not any(f in cleaned for f in (*IDENTIFYING_FIELDS, *NAME_PARTS)):
        raise CsvError(
            path,
            "map at least one column that says who the row is about: "
            f"{', '.join(IDENTIFYING_FIELDS)}",
        )
    if what == ACTIVITIES and "occurred_at" not in cleaned:
        raise CsvError(path, "map the column holding when each activity happened (occurred_at)")
    if what == REGISTRATIONS and not any(
        f in cleaned for f in ("registered_at", "attended", "checked_in_at")
    ):
        raise CsvError(
            path,
            "map when each person registered (registered_at), whether they came (attended) or "
            "when they checked in (checked_in_at): without any of them a row says nothing "
            "about the event",
        )
    return cleaned


def _column_index(headers: list[str], column: str) -> int | None:
    wanted = column.strip()
    for i, header in enumerate(headers):
        if header == wanted:
            return i
    folded = wanted.casefold()
    for i, header in enumerate(headers):
        if header.casefold() == folded:
            return i
    return None


# ---------------------------------------------------------------------------------------------
# Rows → raw rows


@dataclass
class _Options:
    what: str
    platform: str
    channel: str | None
    channel_kind: str
    activity_type: str | None
    zone: ZoneInfo
    source_file: str
    loaded_at_us: int
    event_id: str | None = None  # a registrations file's event, unless a column names it


@dataclass
class _Identity:
    identity_id: str
    external_user_id: str
    first_line: int
    values: dict[str, str] = field(default_factory=dict)  # handle, display_name, email, phone
    tags: list[str] = field(default_factory=list)
    conflicts: set[str] = field(default_factory=set)

    def update(self, values: Mapping[str, str | None]) -> None:
        for name, value in values.items():
            if not value:
                continue
            old = self.values.get(name)
            if old and old != value:
                self.conflicts.add(name)
            self.values[name] = value


@dataclass
class _Registration:
    identity_id: str
    registered: int | None  # UTC epoch microseconds
    attended: bool | None
    checked_in: int | None
    role: str | None
    source_channel: str | None
    line: int

    def merge(self, other: _Registration) -> None:
        """The same person for the same event on a later row: earliest times, came if any says."""
        self.registered = _earliest(self.registered, other.registered)
        self.checked_in = _earliest(self.checked_in, other.checked_in)
        if other.attended is not None:
            self.attended = bool(self.attended) or other.attended
        # a speaker or host who is also listed as a guest is a speaker or host
        if other.role and (self.role in (None, "guest")):
            self.role = other.role
        self.source_channel = self.source_channel or other.source_channel


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


_UNSEEN = object()


def _hash(*parts: object) -> str:
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=10).hexdigest()


class _Converter:
    """Turns the mapped cells of each row into channel, identity, activity and content rows."""

    def __init__(self, options: _Options, columns: dict[str, str]) -> None:
        self.o = options
        self.columns = columns  # canonical field → header, for messages
        self.orders: dict[str, str | None] = {}
        self.cache: dict[str, dict[str, Any]] = {}
        self.bad: list[BadRow] = []
        self.bad_total = 0
        self.channels: dict[str, str] = {}  # channel_id → name
        self.identities: dict[str, _Identity] = {}
        self.activities: dict[str, tuple] = {}
        self.content: dict[str, tuple] = {}
        self.content_lines: dict[str, tuple[int, str]] = {}  # content_id → (line, details hash)
        self.undated = 0
        self.repeated: list[int] = []
        self.registrations: dict[tuple[str, str], _Registration] = {}  # (event, person key) →
        self.events: set[str] = set()
        self.cell_events: dict[str, int] = {}  # event id from a cell → the first line naming it

    # -- cells

    def _fail(self, line: int, canonical: str, value: str, reason: str) -> None:
        self.bad_total += 1
        if len(self.bad) < MAX_LISTED_BAD_ROWS:
            self.bad.append(BadRow(line, self.columns.get(canonical, canonical), value, reason))

    def _cell(
        self, line: int, row: Mapping[str, str], canonical: str, read: Callable[[str], Any]
    ) -> Any:
        value = row.get(canonical)
        if value is None:
            return None
        # names, e-mails, types and dates repeat row after row: read each distinct value once
        cache = self.cache.setdefault(canonical, {})
        found = cache.get(value, _UNSEEN)
        if found is _UNSEEN:
            try:
                found = None if _blank(value) else read(value)
            except BadValue as exc:
                found = exc
            cache[value] = found
        if isinstance(found, BadValue):
            self._fail(line, canonical, value, str(found))
            raise found
        return found

    def _when(self, line: int, row: Mapping[str, str], canonical: str) -> int | None:
        order = self.orders.get(canonical)
        moment = self._cell(line, row, canonical, lambda v: parse_datetime(v, order, self.o.zone))
        return None if moment is None else _epoch_us(moment)

    # -- the person

    def _person(
        self, line: int, row: Mapping[str, str]
    ) -> tuple[str | None, str | None, str | None, str | None]:
        """(email, phone, handle, name) of a row; the name from its parts when not whole."""
        email = self._cell(line, row, "email", normalize_email)
        phone = self._cell(line, row, "phone", normalize_phone)
        handle = self._cell(line, row, "handle", normalize_handle)
        name = self._cell(line, row, "name", normalize_name)
        if not name:
            parts = [self._cell(line, row, p, normalize_name) for p in NAME_PARTS]
            name = " ".join(p for p in parts if p) or None
        return email, phone, handle, name

    def _identity(self, line: int, row: Mapping[str, str]) -> str:
        external_id = self._cell(line, row, "external_id", normalize_external_id)
        email, phone, handle, name = self._person(line, row)
        key = next((k for k in (external_id, email, phone, handle, name) if k), None)
        if key is None:
            mapped = [
                self.columns[f] for f in (*IDENTIFYING_FIELDS, *NAME_PARTS) if f in self.columns
            ]
            self._fail(line, " / ".join(mapped), "", "nobody to attribute the row to: all empty")
            raise BadValue("nobody")
        identity_id = f"{self.o.platform}:{key}"
        person = self.identities.get(identity_id)
        if person is None:
            person = self.identities[identity_id] = _Identity(identity_id, key, line)
        person.update({"handle": handle, "display_name": name, "email": email, "phone": phone})
        return identity_id

    def _registrant(self, line: int, row: Mapping[str, str]) -> tuple[str, str]:
        """(identity id, person key) of a registrations row; the key as Google Forms makes it."""
        email, phone, handle, name = self._person(line, row)
        key = email or phone or (f"@{handle}" if handle else None) or (name or "").casefold()
        if not key:
            mapped = [self.columns[f] for f in _REGISTRANT if f in self.columns]
            self._fail(line, " / ".join(mapped), "", "nobody to attribute the row to: all empty")
            raise BadValue("nobody")
        identity_id = f"{REGISTRANT_PLATFORM}:{key}"
        person = self.identities.get(identity_id)
        if person is None:
            person = self.identities[identity_id] = _Identity(identity_id, key, line)
        person.update({"handle": handle, "display_name": name, "email": email, "phone": phone})
        return identity_id, key

    def _channel_id(self, line: int, row: Mapping[str, str]) -> str:
        name = self._cell(line, row, "channel", normalize_name) or self.o.channel
        channel_id = f"{self.o.platform}:{name}"
        self.channels.setdefault(channel_id, name)
        return channel_id

    # -- rows

    def member(self, line: int, row: Mapping[str, str]) -> None:
        identity_id = self._identity(line, row)
        joined = self._when(line, row, "joined_at")
        left = self._when(line, row, "left_at")
        tags = self._cell(line, row, "tags", split_tags)
        channel_id = self._channel_id(line, row)
        if joined is not None and left is not None and left < joined:
            self._fail(line, "left_at", row["left_at"], "left before joining (joined_at is later)")
            raise BadValue("left before joined")
        person = self.identities[identity_id]
        for tag in tags or ():
            if tag not in person.tags:
                person.tags.append(tag)
        if joined is None:
            self.undated += 1
        for kind, at in (("join", joined), ("leave", left)):
            if at is not None:
                activity_id = f"{self.o.platform}:csv-activity:" + _hash(
                    identity_id, channel_id, kind, at
                )
                self._add_activity(
                    line, activity_id, (identity_id, channel_id, kind, at, None, None)
                )

    def activity(self, line: int, row: Mapping[str, str]) -> None:
        identity_id = self._identity(line, row)
        kind = self._cell(line, row, "activity_type", normalize_activity_type)
        kind = kind or self.o.activity_type
        if kind is None:
            self._fail(line, "activity_type", "", "no activity type")
            raise BadValue("no type")
        at = self._when(line, row, "occurred_at")
        if at is None:
            self._fail(line, "occurred_at", "", "no date")
            raise BadValue("no date")
        channel_id = self._channel_id(line, row)
        text = None if _blank(row.get("text")) else row["text"].strip()
        own = self._cell(line, row, "content_id", normalize_external_id)
        parent = self._cell(line, row, "parent_content_id", normalize_external_id)
        if kind not in CONTENT_TYPES:
            # only messages, replies, posts and comments are content; for a reaction (or a
            # registration, feedback…) the content id is what it is about
            own, parent = None, parent or own
        parent_id = f"{channel_id}:{parent}" if parent else None
        details = _hash(identity_id, channel_id, kind, at, own, parent, text)
        if kind not in CONTENT_TYPES:
            activity_id = f"{self.o.platform}:csv-activity:{details}"
            self._add_activity(
                line, activity_id, (identity_id, channel_id, kind, at, None, parent_id)
            )
            return
        content_id = f"{channel_id}:{own}" if own else f"{self.o.platform}:csv-content:{details}"
        earlier = self.content_lines.get(content_id)
        if earlier is not None and earlier[1] != details:
            reason = f"this content id is already used on line {earlier[0]} for another message"
            self._fail(line, "content_id", row.get("content_id", ""), reason)
            raise BadValue("content id reused")
        self.content_lines.setdefault(content_id, (line, details))
        # named after its content: a re-export with an edited text updates the message and its
        # activity instead of adding a second one
        activity_id = f"{content_id}:activity"
        if self._add_activity(
            line, activity_id, (identity_id, channel_id, kind, at, content_id, parent_id)
        ):
            # content: channel_id, author_identity_id, published_us, parent_content_id, text
            self.content[content_id] = (channel_id, identity_id, at, parent_id, text or "", line)

    def registration(self, line: int, row: Mapping[str, str]) -> None:
        event_id = self._cell(line, row, "event_id", normalize_event_id)
        if event_id is not None:
            self.cell_events.setdefault(event_id, line)
        event_id = event_id or self.o.event_id
        if event_id is None:
            self._fail(line, "event_id", "", "no event: the cell is empty")
            raise BadValue("no event")
        identity_id, key = self._registrant(line, row)
        registered = self._when(line, row, "registered_at")
        checked_in = self._when(line, row, "checked_in_at")
        attended = self._cell(line, row, "attended", normalize_attended)
        if checked_in is not None and attended is False:
            value = row.get("attended", "")
            self._fail(line, "attended", value, "says they did not come, yet has a check-in time")
            raise BadValue("contradiction")
        if checked_in is not None:
            attended = True  # a check-in time is being there
        role = self._cell(line, row, "participant_role", normalize_role)
        source_channel = self._cell(line, row, "source_channel", normalize_name)
        found = _Registration(
            identity_id, registered, attended, checked_in, role, source_channel, line
        )
        earlier = self.registrations.get((event_id, key))
        if earlier is None:
            self.registrations[(event_id, key)] = found
            self.events.add(event_id)
        else:
            earlier.merge(found)
            self.repeated.append(line)

    def _add_activity(self, line: int, activity_id: str, values: tuple) -> bool:
        if activity_id in self.activities:
            self.repeated.append(line)
            return False
        self.activities[activity_id] = (*values, line)
        return True

    # -- output

    def batches(self) -> Iterator[tuple[str, pa.Table]]:
        o = self.o
        yield from _to_batches(
            "channels",
            [
                (cid, o.platform, name, name, o.channel_kind, o.source_file, o.loaded_at_us)
                for cid, name in self.channels.items()
            ],
        )
        yield from _to_batches(
            "identities",
            [
                (
                    p.identity_id,
                    o.source_file,
                    o.platform,
                    p.external_user_id,
                    p.values.get("handle"),
                    p.values.get("display_name"),
                    p.values.get("email"),
                    p.values.get("phone"),
                    json.dumps(p.tags, ensure_ascii=False) if p.tags else None,
                    p.first_line,
                    o.loaded_at_us,
                )
                for p in self.identities.values()
            ],
        )
        yield from _to_batches(
            "activities",
            [
                (aid, *values, o.source_file, o.loaded_at_us)
                for aid, values in self.activities.items()
            ],
        )
        yield from _to_batches(
            "content",
            [(cid, *values, o.source_file, o.loaded_at_us) for cid, values in self.content.items()],
        )
        yield from _to_batches(
            "registrations",
            [
                (
                    event_id,
                    person_key,
                    o.source_file,
                    r.identity_id,
                    r.registered,
                    r.attended,
                    r.checked_in,
                    r.role,
                    r.source_channel,
                    r.line,
                    o.loaded_at_us,
                )
                for (event_id, person_key), r in self.registrations.items()
            ],
        )


def _to_batches(table: str, rows: list[tuple]) -> Iterator[tuple[str, pa.Table]]:
    schema = TABLES[table]
    for start in range(0, len(rows), BATCH_ROWS):
        chunk = rows[start : start + BATCH_ROWS]
        columns = [
            pa.array(values, type=f.type)
            for values, f in zip(zip(*chunk, strict=True), schema, strict=True)
        ]
        yield table, pa.Table.from_arrays(columns, schema=schema)


# ---------------------------------------------------------------------------------------------
# The source


def community_zone_name() -> str:
    """The community's time zone from the warehouse settings; UTC before anything is loaded."""
    from warehouse.community import DEFAULT_TIMEZONE, community_timezone
    from warehouse.connection import WarehouseEmpty, read_connection
    from warehouse.settings import warehouse_path

    if not warehouse_path().exists():
        return DEFAULT_TIMEZONE
    try:
        with read_connection() as con:
            return community_timezone(con)
    except WarehouseEmpty:
        return DEFAULT_TIMEZONE


def _zone(path: Path, name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CsvError(path, f"unknown time zone {name!r}") from None


def _find_header(
    records: Iterator[tuple[int, list[str]]], columns: Sequence[str], path: Path
) -> list[str]:
    """The first row naming every mapped column; `records` is left at the row after it.

    Usually the first non-empty line; some exports (Zoom) put a summary block above it.
    """
    first: list[str] | None = None
    for looked, (_, row) in enumerate(records):
        if _is_blank(row):
            continue
        headers = [_clean_header(c) for c in row]
        if first is None:
            first = headers
        if all(_column_index(headers, c) is not None for c in columns):
            return headers
        if looked >= HEADER_SEARCH_LINES:
            break
    if first is None:
        raise CsvError(path, "the file is empty")
    missing = [c for c in columns if _column_index(first, c) is None]
    raise CsvError(
        path,
        f"no column {', '.join(f'«{c}»' for c in missing)} in the header; the columns are: "
        f"{', '.join(f'«{h}»' for h in first if h)}",
    )


def parse(
    path: Path,
    report: CsvReport | None = None,
    progress: Progress = None,
    *,
    mapping: Mapping[str, str | None] | None = None,
    what: str | None = None,
    channel: str | None = None,
    platform: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    channel_kind: str | None = None,
    activity_type: str | None = None,
    timezone: str | None = None,
    event_id: str | None = None,
    **unknown: Any,
) -> Iterator[tuple[str, pa.Table]]:
    """Read one members, activities or registrations file as (raw table name, Arrow batch) pairs.

    mapping: canonical field → column header (see FIELDS); None guesses it with suggest_mapping
    and says so in the report. channel: the channel every row belongs to unless a `channel`
    column says otherwise (default: the file's stem). platform: the prefix of every id (`csv`,
    or e.g. `vk` for a VK member list). channel_kind: chat, broadcast, forum, newsletter, events
    or offline. activity_type: the type of every row of an activities file that has no type
    column. timezone: overrides the community's time zone for times without a zone. event_id:
    the event every row of a registrations file is for, unless an `event_id` column says
    otherwise ('app:12', 'timepad:123'); a registrations file has no channel or platform.

    The whole file is read and checked before anything is yielded: any bad row raises
    BadRowsError (a CsvError naming the first few bad lines), and an event id core.events does
    not know raises CsvError naming it, so nothing is loaded.
    """
    path = Path(path)
    report = report or CsvReport(path)
    if unknown:
        raise CsvError(path, f"unknown option(s): {', '.join(sorted(unknown))}")
    options = _options(
        path, what, platform, channel, channel_kind, activity_type, timezone, event_id
    )
    report.what, report.timezone = options.what, options.zone.key
    columns, rows = _mapped_rows(path, report, options, mapping, delimiter, encoding, progress)

    converter = _Converter(options, columns)
    _detect_date_orders(converter, rows, columns, report)
    convert = {
        MEMBERS: converter.member,
        ACTIVITIES: converter.activity,
        REGISTRATIONS: converter.registration,
    }[options.what]
    for n, (line, row) in enumerate(rows, start=1):
        with suppress(BadValue):  # the converter recorded it; the file is rejected below
            convert(line, row)
        if progress is not None and n % 10_000 == 0:
            progress(0.5 + 0.45 * n / len(rows))
    if converter.bad_total:
        raise BadRowsError(path, converter.bad, converter.bad_total)
    if options.what == REGISTRATIONS:
        given = {options.event_id: None} if options.event_id else {}
        _check_events(path, {**given, **converter.cell_events})

    _fill_report(report, converter, rows, columns, channel_given=channel is not None)
    yield from converter.batches()
    if progress is not None:
        progress(1.0)


def _mapped_rows(
    path: Path,
    report: CsvReport,
    options: _Options,
    mapping: Mapping[str, str | None] | None,
    delimiter: str | None,
    encoding: str | None,
    progress: Progress,
) -> tuple[dict[str, str], list[tuple[int, dict[str, str]]]]:
    """(canonical field → the file's header, [(line, canonical field → cell)]) of the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CsvError(path, f"cannot read the file ({exc.strerror or exc})") from None
    text, report.encoding = decode(data, path, encoding)
    if delimiter is not None and delimiter not in (",", ";", "\t", "|"):
        raise CsvError(path, f"unsupported delimiter {delimiter!r} (use , ; tab or |)")
    report.delimiter = delimiter or sniff_delimiter(text)
    records = _records(text, report.delimiter, path)
    if mapping is None:
        first = next((row for _, row in records if not _is_blank(row)), None)
        if first is None:
            raise CsvError(path, "the file is empty")
        mapping = suggest_mapping([_clean_header(c) for c in first], options.what)
        report.guessed_mapping = dict(mapping)
        records = _records(text, report.delimiter, path)
    columns = _clean_mapping(mapping, options.what, path)
    if (
        options.what == ACTIVITIES
        and "activity_type" not in columns
        and options.activity_type is None
    ):
        raise CsvError(
            path,
            "say what the rows are: map the column holding each activity's type "
            f"(activity_type) or give one type for all rows ({', '.join(ACTIVITY_TYPES)})",
        )
    if options.what == REGISTRATIONS and "event_id" not in columns and options.event_id is None:
        raise CsvError(
            path,
            "say which event the registrations are for: give event_id='app:12' (or "
            "'timepad:123'…) for the whole file, or map the column holding each row's event id "
            "(event_id)",
        )
    headers = _find_header(records, list(columns.values()), path)
    indexes = {f: _column_index(headers, c) for f, c in columns.items()}
    report.duplicate_headers = sorted(
        {h for h in (headers[i] for i in indexes.values()) if headers.count(h) > 1}
    )
    rows, report.identical_rows = _read_rows(records, indexes, progress, max(text.count("\n"), 1))
    if not rows:
        raise CsvError(path, "the file has a header but no rows")
    return {f: headers[i] for f, i in indexes.items()}, rows  # the file's own spelling


def _fill_report(
    report: CsvReport,
    converter: _Converter,
    rows: list[tuple[int, dict[str, str]]],
    columns: Mapping[str, str],
    *,
    channel_given: bool,
) -> None:
    members = report.what == MEMBERS
    report.rows = len(rows)
    report.people = len(converter.identities)
    report.activities = len(converter.activities)
    report.content = len(converter.content)
    report.channels = sorted(converter.channels)
    if report.what == REGISTRATIONS:
        registrations = converter.registrations.values()
        report.registrations = len(converter.registrations)
        report.attended = sum(1 for r in registrations if r.attended)
        report.events = sorted(converter.events)
        report.repeated_registrations = converter.repeated
        report.registration_column_missing = "registered_at" not in columns
        report.undated_registrations = sum(1 for r in registrations if r.registered is None)
        return
    report.channel_from_file_name = not channel_given and "channel" not in columns
    report.repeated_activities = converter.repeated
    report.undated_members = converter.undated if members else 0
    report.join_column_missing = members and "joined_at" not in columns
    for person in converter.identities.values():
        for name in person.conflicts:
            report.conflicts[name] = report.conflicts.get(name, 0) + 1


def _options(
    path: Path,
    what: str | None,
    platform: str | None,
    channel: str | None,
    channel_kind: str | None,
    activity_type: str | None,
    zone_name: str | None,
    event_id: str | None,
) -> _Options:
    if what not in WHAT:
        raise CsvError(
            path,
            f"say what the file lists: what={MEMBERS!r}, {ACTIVITIES!r} or {REGISTRATIONS!r}, "
            f"not {what!r}",
        )
    if what == REGISTRATIONS:
        return _registration_options(
            path, platform, channel, channel_kind, activity_type, zone_name, event_id
        )
    if event_id is not None:
        raise CsvError(path, f"event_id is for registrations files (what={REGISTRATIONS!r})")
    platform = "csv" if platform is None else platform.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", platform):
        raise CsvError(path, f"platform must be a short name like csv or vk, not {platform!r}")
    if platform == REGISTRANT_PLATFORM:
        raise CsvError(path, f"platform {platform!r} is kept for registrations files")
    channel_kind = channel_kind or "chat"
    if channel_kind not in CHANNEL_KINDS:
        raise CsvError(
            path, f"channel_kind must be one of {', '.join(CHANNEL_KINDS)}, not {channel_kind!r}"
        )
    if activity_type is not None:
        try:
            activity_type = normalize_activity_type(activity_type)
        except BadValue as exc:
            raise CsvError(path, f"activity_type {activity_type!r}: {exc}") from None
    channel_name = normalize_name(channel or "") or path.stem
    now = datetime.now(UTC)
    return _Options(
        what=what,
        platform=platform,
        channel=channel_name,
        channel_kind=channel_kind,
        activity_type=activity_type,
        zone=_zone(path, zone_name or community_zone_name()),
        source_file=path.name,
        loaded_at_us=_epoch_us(now),
    )


def _registration_options(
    path: Path,
    platform: str | None,
    channel: str | None,
    channel_kind: str | None,
    activity_type: str | None,
    zone_name: str | None,
    event_id: str | None,
) -> _Options:
    given = {
        "platform": platform,
        "channel": channel,
        "channel_kind": channel_kind,
        "activity_type": activity_type,
    }
    misplaced = [name for name, value in given.items() if value is not None]
    if misplaced:
        # registrants are people at an event, not a channel's audience; the channel a person
        # came through is the source_channel column
        raise CsvError(
            path,
            f"{', '.join(misplaced)} are not options of a registrations file (the channel a "
            "person came through is the source_channel column)",
        )
    the_event = None
    if event_id is not None and str(event_id).strip():
        try:
            the_event = normalize_event_id(str(event_id))
        except BadValue:
            raise CsvError(
                path, f"event_id {event_id!r} must look like '<platform>:<id>', e.g. 'app:12'"
            ) from None
    return _Options(
        what=REGISTRATIONS,
        platform=REGISTRANT_PLATFORM,
        channel=None,
        channel_kind="events",
        activity_type=None,
        zone=_zone(path, zone_name or community_zone_name()),
        source_file=path.name,
        loaded_at_us=_epoch_us(datetime.now(UTC)),
        event_id=the_event,
    )


def known_event_ids() -> set[str]:
    """The ids of core.events; none before the first build (or when it has no events yet)."""
    from warehouse.connection import WarehouseEmpty, has_table, read_connection
    from warehouse.settings import warehouse_path

    if not warehouse_path().exists():
        return set()
    try:
        with read_connection() as con:
            if not has_table(con, "core", "events"):
                return set()
            return {row[0] for row in con.execute("select event_id from core.events").fetchall()}
    except WarehouseEmpty:
        return set()


def _check_events(path: Path, event_lines: Mapping[str, int | None]) -> None:
    """Refuse the file when it names an event the warehouse does not know (a typo, or the event
    is not loaded yet): its registrations would count for no event."""
    if not event_lines:
        return
    known = known_event_ids()
    unknown = [(e, line) for e, line in event_lines.items() if e not in known]
    if not unknown:
        return
    listed = []
    for event_id, line in unknown[:MAX_LISTED_BAD_ROWS]:
        bare = event_id.partition(":")[2]
        # the manager may have typed another platform's prefix, or an id with none
        alike = sorted(k for k in known if k.partition(":")[2] == bare)
        hint = f"; did you mean {' or '.join(alike)}?" if alike else ""
        where = "given for the whole file" if line is None else f"line {line}"
        listed.append(f"{event_id} ({where}){hint}")
    more = f" and {len(unknown) - len(listed)} more" if len(unknown) > len(listed) else ""
    raise CsvError(
        path,
        f"unknown event id{'s' if len(unknown) > 1 else ''}: {', '.join(listed)}{more}. Nothing "
        "was loaded: add the event in the app or load it (Timepad, Zoom) first, or fix the id; "
        "event ids look like app:12, timepad:123 or zoom:85512345678.",
    )


def _read_rows(
    records: Iterator[tuple[int, list[str]]],
    indexes: Mapping[str, int],
    progress: Progress,
    total_lines: int,
) -> tuple[list[tuple[int, dict[str, str]]], list[int]]:
    """The mapped cells of every non-empty row, and the lines that repeat an earlier row."""
    rows: list[tuple[int, dict[str, str]]] = []
    seen: set[tuple[str, ...]] = set()
    identical: list[int] = []
    for line, row in records:
        if _is_blank(row):
            continue
        cells = tuple(row[i].strip() if i < len(row) else "" for i in indexes.values())
        if cells in seen:
            identical.append(line)
            continue
        seen.add(cells)
        rows.append((line, dict(zip(indexes, cells, strict=True))))
        if progress is not None and len(rows) % 10_000 == 0:
            progress(min(0.5, 0.5 * line / total_lines))
    return rows, identical


def _detect_date_orders(
    converter: _Converter,
    rows: list[tuple[int, dict[str, str]]],
    columns: Mapping[str, str],
    report: CsvReport,
) -> None:
    """Day/month order per date column; an undecided column borrows a decided one's order."""
    orders = {
        f: date_order([row.get(f, "") for _, row in rows]) for f in DATE_FIELDS if f in columns
    }
    decided = next((o for o in orders.values() if o is not None), None)
    for canonical, order in orders.items():
        if order is None:
            order = decided
            ambiguous = decided is None and any(
                _SLASHED.match(row.get(canonical, "")) for _, row in rows
            )
            if ambiguous:
                report.assumed_orders[columns[canonical]] = MONTH_FIRST
        converter.orders[canonical] = order


SPEC = FileSource(
    kind=SOURCE,
    dataset=DATASET,
    tables=TABLES,
    primary_keys=PRIMARY_KEYS,
    new_report=CsvReport,
    parse=parse,
)
