"""Telegram Desktop export (`result.json`) → raw_telegram.* tables.

The file is streamed with ijson (C backend) and handed to dlt as Arrow batches, so a
million-message export never sits in memory as Python objects. Quirks handled (see
../shared/samples/FORMATS.md):

- time comes from `date_unixtime` (UTC); `date` is the exporting computer's local time, kept only
  to learn that computer's UTC offset over time, so reactors' local `date`s (they have no
  unixtime) can be turned into UTC across daylight-saving changes;
- `text` is a string or an array of strings and `{type, text}` pieces;
- service messages (joins, leaves, invites) keep their actor and `members[]` display names;
- anonymised exports (every id equal, every `date_unixtime` zero) load with warnings instead of
  collapsing into one row: repeated ids are kept apart by their position in the file.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson
import pyarrow as pa

from pipelines.batches import ProgressReader, RowBatches, key, primary_keys
from pipelines.errors import SourceError, first_line
from pipelines.sources import FileSource

SOURCE = "telegram-export"
DATASET = "raw_telegram"
BATCH_ROWS = 50_000
# Private conversations are not community channels; a whole-account export holds many of them.
PERSONAL_CHAT_TYPES = {"personal_chat", "bot_chat", "saved_messages", "private_chat"}
ACCOUNT_CHAT_LISTS = ("chats.list.item", "left_chats.list.item")


TABLES: dict[str, pa.Schema] = {
    "chats": pa.schema(
        [
            key("chat_id", pa.int64()),
            ("name", pa.string()),
            ("chat_type", pa.string()),
            ("source_file", pa.string()),
        ]
    ),
    "messages": pa.schema(
        [
            key("chat_id", pa.int64()),
            key("message_key", pa.string()),
            ("message_id", pa.int64()),
            ("message_type", pa.string()),
            ("sent_unixtime", pa.int64()),
            # `date` as exported: the exporting computer's local time; its difference to
            # sent_unixtime is that computer's UTC offset at the time (worked out in staging)
            ("date_local", pa.string()),
            ("edited_unixtime", pa.int64()),
            ("from_name", pa.string()),
            ("from_id", pa.string()),
            ("author", pa.string()),
            ("actor", pa.string()),
            ("actor_id", pa.string()),
            ("action", pa.string()),
            ("members_json", pa.string()),
            ("inviter", pa.string()),
            ("text", pa.string()),
            ("reply_to_message_id", pa.int64()),
            ("forwarded_from", pa.string()),
            ("via_bot", pa.string()),
            ("media_type", pa.string()),
            ("reaction_count", pa.int64()),
        ]
    ),
    "reactions": pa.schema(
        [
            key("chat_id", pa.int64()),
            key("message_key", pa.string()),
            key("reaction", pa.string()),
            ("reaction_type", pa.string()),
            ("count", pa.int64()),
        ]
    ),
    "reactors": pa.schema(
        [
            key("chat_id", pa.int64()),
            key("message_key", pa.string()),
            key("reaction", pa.string()),
            key("reactor_key", pa.string()),
            ("reactor_name", pa.string()),
            ("reactor_id", pa.string()),
            # local time only: staging converts it with the chat's UTC offset at that moment
            ("reacted_local", pa.string()),
        ]
    ),
}
PRIMARY_KEYS = primary_keys(TABLES)
RAW_TABLES = {f"{DATASET}.{name}": schema for name, schema in TABLES.items()}
Progress = Callable[[float], None] | None


class ExportError(SourceError):
    """The file is not a readable Telegram Desktop export; nothing from it may be loaded."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(path.name, reason)
        self.path = path


@dataclass
class ParseReport:
    path: Path
    chats: int = 0
    messages: int = 0
    reactions: int = 0
    skipped_chats: list[str] = field(default_factory=list)
    repeated_ids: int = 0
    zero_dates: int = 0

    def summary(self) -> str:
        return f"{self.path.name}: {self.messages} messages in {self.chats} chats loaded."

    @property
    def warnings(self) -> list[str]:
        notes = []
        if self.repeated_ids:
            notes.append(
                f"{self.path.name}: {self.repeated_ids} messages repeat an id used earlier in the "
                "same chat (an anonymised export?); they were kept apart by their position in the "
                "file, so a later re-export cannot be matched to them."
            )
        if self.zero_dates:
            notes.append(
                f"{self.path.name}: {self.zero_dates} messages have no usable date_unixtime; their "
                "local `date` was read as UTC instead, so their times may be off by the exporting "
                "computer's UTC offset."
            )
        if self.skipped_chats:
            notes.append(
                f"{self.path.name}: skipped {len(self.skipped_chats)} personal chats "
                "(only groups and channels are community data)."
            )
        if self.chats and not self.messages:
            notes.append(f"{self.path.name}: the export holds no messages.")
        return notes


def plain_text(text: Any) -> str:
    """Telegram's `text`: a string, or an array of strings and {type, text} pieces."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in text)
    return str(text)


def _local_seconds(local: str) -> int:
    """'2024-01-02T10:30:00' read as if it were UTC, in epoch seconds."""
    return int(datetime.fromisoformat(local).replace(tzinfo=UTC).timestamp())


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _media_type(m: dict[str, Any]) -> str | None:
    if m.get("media_type"):
        return m["media_type"]
    for kind in ("photo", "file", "poll", "location_information", "contact_information"):
        if kind in m:
            return kind
    return None


class _ChatParser:
    """Turns one chat's message dicts into raw rows."""

    def __init__(self, path: Path, header: dict[str, Any], report: ParseReport) -> None:
        self.path = path
        self.report = report
        try:
            self.chat_id = int(header["id"])
        except (KeyError, TypeError, ValueError):
            raise ExportError(path, "a chat has no numeric `id` before its messages") from None
        self.header = header
        self.seen_ids: dict[int, int] = {}
        self.position = 0

    def add(self, m: dict[str, Any], out: RowBatches) -> None:
        self.position += 1
        if not isinstance(m, dict) or "id" not in m:
            raise ExportError(self.path, f"message #{self.position} has no `id`")
        local = m.get("date")
        try:
            message_id = int(m["id"])
            sent = _int_or_none(m.get("date_unixtime"))
            if not sent:  # missing or zeroed (anonymised): fall back to the local date
                if not local:
                    raise ExportError(self.path, f"message #{self.position} has no date")
                self.report.zero_dates += 1
                sent = _local_seconds(local)
        except (TypeError, ValueError) as exc:
            reason = f"message #{self.position}: unreadable id or date ({exc})"
            raise ExportError(self.path, reason) from None

        seen = self.seen_ids.get(message_id, 0)
        self.seen_ids[message_id] = seen + 1
        key = str(message_id) if not seen else f"{message_id}#{seen + 1}"
        self.report.repeated_ids += 1 if seen else 0

        chat_id = self.chat_id
        total_reactions = 0
        for r in m.get("reactions") or ():
            kind = r.get("type", "emoji")
            reaction = str(r.get("emoji") or r.get("document_id") or kind)
            count = int(r.get("count") or 0)
            total_reactions += count
            # reactions: chat_id, message_key, reaction, reaction_type, count
            out.rows["reactions"].append((chat_id, key, reaction, kind, count))
            listed: set[str] = set()  # a reactor counts once per reaction, as its key says
            for who in r.get("recent") or ():
                reacted, reactor_id, name = who.get("date"), who.get("from_id"), who.get("from")
                reactor_key = reactor_id or f"name:{name}"
                if reactor_key in listed:
                    continue
                listed.add(reactor_key)
                # reactors: chat_id, message_key, reaction, reactor_key, reactor_name, reactor_id,
                # reacted_local
                out.rows["reactors"].append(
                    (
                        chat_id,
                        key,
                        reaction,
                        reactor_key,
                        name,
                        reactor_id,
                        reacted,
                    )
                )
        self.report.reactions += total_reactions

        members = m.get("members")
        get = m.get
        # messages: in TABLES["messages"] order
        out.rows["messages"].append(
            (
                chat_id,
                key,
                message_id,
                get("type"),
                sent,
                local,
                _int_or_none(get("edited_unixtime")),
                get("from"),
                get("from_id"),
                get("author"),
                get("actor"),
                get("actor_id"),
                get("action"),
                json.dumps(members, ensure_ascii=False) if members else None,
                get("inviter"),
                plain_text(get("text")),
                _int_or_none(get("reply_to_message_id")),
                get("forwarded_from"),
                get("via_bot"),
                _media_type(m),
                total_reactions,
            )
        )
        self.report.messages += 1

    def chat_row(self) -> tuple:
        # chats: chat_id, name, chat_type, source_file
        return (self.chat_id, self.header.get("name"), self.header.get("type"), self.path.name)


def _read_top_level(path: Path) -> tuple[str, dict[str, Any]]:
    """Peek at the top level: ("chat", header) for a one-chat export, ("account", {}) otherwise."""
    header: dict[str, Any] = {}
    with path.open("rb") as f:
        events = ijson.parse(f, use_float=True)
        first = next(events, None)
        if first is None or first[1] != "start_map":
            raise ExportError(path, "not a Telegram Desktop export (expected a JSON object)")
        for prefix, event, value in events:
            if prefix in ("name", "type", "id") and event in ("string", "number"):
                header[prefix] = value
            elif prefix == "messages" and event == "start_array":
                return "chat", header
            elif prefix == "chats" and event == "start_map":
                return "account", header
    raise ExportError(path, "not a Telegram Desktop export (no `messages` or `chats` found)")


def _single_chat(path: Path, header: dict[str, Any], progress: Progress) -> Iterator[Any]:
    yield "chat", header
    with ProgressReader(path, progress) as f:
        yield from (("message", m) for m in ijson.items(f, "messages.item", use_float=True))
    yield "end", None


def _account_chats(path: Path, progress: Progress) -> Iterator[Any]:
    """Event walk of a whole-account export: ("chat", header), ("message", m)…, ("end", None)."""
    header: dict[str, Any] = {}
    builder: ijson.ObjectBuilder | None = None
    with ProgressReader(path, progress) as f:
        for prefix, event, value in ijson.parse(f, use_float=True):
            if builder is not None:
                builder.event(event, value)
                if (
                    event == "end_map"
                    and prefix.endswith(".messages.item")
                    and prefix.count(".") == 4
                ):
                    yield "message", builder.value
                    builder = None
                continue
            for chat in ACCOUNT_CHAT_LISTS:
                if prefix == chat:
                    if event == "start_map":
                        header = {}
                    elif event == "end_map":
                        yield "end", None
                elif prefix == f"{chat}.messages" and event == "start_array":
                    yield "chat", header
                elif prefix == f"{chat}.messages.item" and event == "start_map":
                    builder = ijson.ObjectBuilder()
                    builder.event(event, value)
                elif (
                    prefix.startswith(chat + ".")
                    and prefix.count(".") == 3
                    and event in ("string", "number")
                ):
                    header[prefix.rsplit(".", 1)[1]] = value


def parse_export(
    path: Path, report: ParseReport | None = None, progress: Progress = None
) -> Iterator[tuple[str, pa.Table]]:
    """Stream one export file as (raw table name, Arrow batch) pairs.

    Raises ExportError (naming the file) for anything that is not a complete, readable export;
    callers must then discard everything already yielded for this file.
    """
    path = Path(path)
    report = report or ParseReport(path)
    # The parse allocates millions of short-lived, cycle-free objects; the cyclic collector would
    # rescan the live row buffers again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        kind, header = _read_top_level(path)
        if kind == "chat":
            stream = _single_chat(path, header, progress)
        else:
            stream = _account_chats(path, progress)
        out = RowBatches(TABLES)
        chat: _ChatParser | None = None
        pending = 0
        chat_ids: set[int] = set()
        for what, item in stream:
            if what == "chat":
                if item.get("type") in PERSONAL_CHAT_TYPES:
                    report.skipped_chats.append(str(item.get("name")))
                    chat = None
                else:
                    chat = _ChatParser(path, item, report)
                    if (
                        chat.chat_id in chat_ids
                    ):  # listed twice (chats and left_chats): once is enough
                        report.skipped_chats.append(str(item.get("name")))
                        chat = None
                    else:
                        chat_ids.add(chat.chat_id)
            elif what == "message" and chat is not None:
                chat.add(item, out)
                pending += 1
                if pending >= BATCH_ROWS:
                    yield from out.flush()
                    pending = 0
            elif what == "end" and chat is not None:
                out.rows["chats"].append(chat.chat_row())
                report.chats += 1
                chat = None
        yield from out.flush()
    except ijson.JSONError as exc:
        raise ExportError(path, f"broken or truncated JSON ({first_line(exc)})") from None
    except OSError as exc:
        raise ExportError(path, f"cannot read the file ({exc.strerror or exc})") from None
    finally:
        if collecting:
            gc.enable()
    if report.chats == 0 and not report.skipped_chats:
        raise ExportError(path, "no chat found in the export")


SPEC = FileSource(
    kind=SOURCE,
    dataset=DATASET,
    tables=TABLES,
    primary_keys=PRIMARY_KEYS,
    new_report=ParseReport,
    parse=parse_export,
)
