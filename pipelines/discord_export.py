"""DiscordChatExporter JSON (one channel or thread per file) → raw_discord.* tables.

The file is streamed with ijson, as the Telegram source does, and handed to dlt as Arrow batches.
What the export holds (see ../shared/samples/FORMATS.md and the exporter's JsonMessageWriter):

- a root object: `guild{id,name}`, `channel{id,type,categoryId,category,name,topic}` (for a thread,
  `category` is the parent channel), then `messages[]`, then `messageCount`;
- message ids are snowflake strings; `timestamp` is ISO 8601 with the exporting computer's UTC
  offset (or +00:00 with --utc), converted here to epoch microseconds UTC;
- `type` is a MessageKind name (`Default`, `Reply`, `GuildMemberJoin`, `ThreadCreated`, …) or, for
  kinds the exporter has no name for, the number (`"20"` = a slash-command response);
- `reference{type,messageId,channelId,guildId}` points at the replied-to message; newer exporters
  add `type: "Forward"` for forwarded messages, which are not replies;
- `reactions[].users[]` lists the reactors (each a user object), but carries no reaction time.

Direct-message exports are private conversations, not community data: skipped with a warning.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ijson
import pyarrow as pa

from pipelines.batches import ProgressReader, RowBatches, key, primary_keys
from pipelines.errors import SourceError, first_line
from pipelines.sources import FileSource

SOURCE = "discord-export"
DATASET = "raw_discord"
BATCH_ROWS = 50_000
DIRECT_CHANNEL_TYPES = {"DirectTextChat", "DirectGroupTextChat"}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)
IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "gif", "webp", "bmp", "heic"}
VIDEO_EXTENSIONS = {"mp4", "mov", "webm", "mkv", "avi"}
AUDIO_EXTENSIONS = {"mp3", "ogg", "wav", "m4a", "flac", "opus"}


TABLES: dict[str, pa.Schema] = {
    "channels": pa.schema(
        [
            key("channel_id", pa.string()),
            ("guild_id", pa.string()),
            ("guild_name", pa.string()),
            ("channel_type", pa.string()),
            ("category_id", pa.string()),
            ("category", pa.string()),
            ("name", pa.string()),
            ("topic", pa.string()),
            ("source_file", pa.string()),
        ]
    ),
    "messages": pa.schema(
        [
            key("channel_id", pa.string()),
            key("message_id", pa.string()),
            ("message_type", pa.string()),
            ("sent_us", pa.int64()),  # epoch microseconds, UTC
            ("edited_us", pa.int64()),
            ("author_id", pa.string()),
            ("author_name", pa.string()),
            ("author_discriminator", pa.string()),
            ("author_nickname", pa.string()),
            ("author_is_bot", pa.bool_()),
            ("author_roles_json", pa.string()),  # role names, kept for a future team-role setting
            ("content", pa.string()),
            ("reference_type", pa.string()),
            ("reference_message_id", pa.string()),
            ("reference_channel_id", pa.string()),
            ("is_pinned", pa.bool_()),
            ("media_type", pa.string()),
            ("attachment_count", pa.int64()),
            ("reaction_count", pa.int64()),
        ]
    ),
    "reactions": pa.schema(
        [
            key("channel_id", pa.string()),
            key("message_id", pa.string()),
            key("emoji", pa.string()),  # custom emoji id, or the unicode emoji itself
            ("emoji_name", pa.string()),
            ("count", pa.int64()),
        ]
    ),
    "reactors": pa.schema(
        [
            key("channel_id", pa.string()),
            key("message_id", pa.string()),
            key("emoji", pa.string()),
            key("user_id", pa.string()),
            ("user_name", pa.string()),
            ("user_discriminator", pa.string()),
            ("user_nickname", pa.string()),
            ("user_is_bot", pa.bool_()),
        ]
    ),
}
PRIMARY_KEYS = primary_keys(TABLES)
RAW_TABLES = {f"{DATASET}.{name}": schema for name, schema in TABLES.items()}
Progress = Callable[[float], None] | None


class ExportError(SourceError):
    """The file is not a readable DiscordChatExporter JSON export; nothing from it is loaded."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(path.name, reason)
        self.path = path


@dataclass
class ParseReport:
    path: Path
    channels: int = 0
    messages: int = 0
    reactions: int = 0
    listed_reactors: int = 0
    skipped_channels: list[str] = field(default_factory=list)
    repeated_ids: int = 0

    def summary(self) -> str:
        return f"{self.path.name}: {self.messages} messages in {self.channels} channels loaded."

    @property
    def warnings(self) -> list[str]:
        notes = []
        if self.skipped_channels:
            notes.append(
                f"{self.path.name}: skipped {len(self.skipped_channels)} direct-message "
                "conversations (private, not community data)."
            )
        if self.repeated_ids:
            notes.append(
                f"{self.path.name}: {self.repeated_ids} messages repeat an id seen earlier in the "
                "file; only the first copy was loaded."
            )
        if self.reactions > self.listed_reactors:
            notes.append(
                f"{self.path.name}: {self.reactions - self.listed_reactors} of {self.reactions} "
                "reactions do not name who reacted (an older DiscordChatExporter?); they count on "
                "the messages but not as members' activity."
            )
        if self.channels and not self.messages:
            notes.append(f"{self.path.name}: the export holds no messages.")
        return notes


def epoch_us(text: str) -> int:
    """An ISO 8601 time ('2024-01-02T13:00:00.123+03:00') as UTC epoch microseconds.

    A time without an offset is read as UTC (what DiscordChatExporter's --utc writes).
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // ONE_MICROSECOND


def media_type(attachments: list[dict[str, Any]], stickers: list[dict[str, Any]]) -> str | None:
    """The kind of the first attachment, named as the Telegram source names media."""
    if attachments:
        name = str(attachments[0].get("fileName") or attachments[0].get("url") or "")
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension in IMAGE_EXTENSIONS:
            return "photo"
        if extension in VIDEO_EXTENSIONS:
            return "video_file"
        if extension in AUDIO_EXTENSIONS:
            return "audio_file"
        return "file"
    if stickers:
        return "sticker"
    return None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _read_header(path: Path) -> dict[str, dict[str, Any]]:
    """`guild` and `channel`, read up to `messages` (the exporter writes them first)."""
    header: dict[str, dict[str, Any]] = {"guild": {}, "channel": {}}
    with path.open("rb") as f:
        events = ijson.parse(f, use_float=True)
        first = next(events, None)
        if first is None or first[1] != "start_map":
            raise ExportError(path, "not a DiscordChatExporter export (expected a JSON object)")
        for prefix, event, value in events:
            parent, _, name = prefix.partition(".")
            if parent in header and "." not in name and event in ("string", "number"):
                header[parent][name] = value
            elif prefix == "messages" and event == "start_array":
                return header
    raise ExportError(path, "not a DiscordChatExporter export (no `messages` found)")


class _ChannelParser:
    """Turns one exported channel's message dicts into raw rows."""

    def __init__(self, path: Path, channel_id: str, report: ParseReport) -> None:
        self.path = path
        self.channel_id = channel_id
        self.report = report
        self.seen: set[str] = set()
        self.position = 0

    def _fail(self, reason: str) -> ExportError:
        return ExportError(self.path, f"message #{self.position}: {reason}")

    def add(self, m: Any, out: RowBatches) -> None:
        self.position += 1
        try:
            self._add(m, out)
        except ExportError:
            raise
        except (AttributeError, TypeError, ValueError) as exc:
            # a field of an unexpected shape (a string where an object belongs, …)
            raise self._fail(f"unexpected structure ({type(exc).__name__}: {exc})") from None

    def _add(self, m: Any, out: RowBatches) -> None:
        if not isinstance(m, dict) or not m.get("id"):
            raise self._fail("has no `id`")
        message_id = str(m["id"])
        if message_id in self.seen:
            self.report.repeated_ids += 1
            return
        self.seen.add(message_id)
        try:
            sent = epoch_us(m["timestamp"])
            edited = epoch_us(m["timestampEdited"]) if m.get("timestampEdited") else None
        except (KeyError, TypeError, ValueError) as exc:
            raise self._fail(f"missing or unreadable timestamp ({exc})") from None

        author = m.get("author") or {}
        reference = m.get("reference") or {}
        attachments = m.get("attachments") or []
        total = self._add_reactions(message_id, m.get("reactions") or [], out)
        roles = [r.get("name") for r in author.get("roles") or [] if isinstance(r, dict)]
        # messages: in TABLES["messages"] order
        out.rows["messages"].append(
            (
                self.channel_id,
                message_id,
                _text(m.get("type")) or "Default",
                sent,
                edited,
                _text(author.get("id")),
                _text(author.get("name")),
                _text(author.get("discriminator")),
                _text(author.get("nickname")),
                bool(author.get("isBot")),
                json.dumps(roles, ensure_ascii=False) if roles else None,
                str(m.get("content") or ""),
                _text(reference.get("type")),
                _text(reference.get("messageId")),
                _text(reference.get("channelId")),
                bool(m.get("isPinned")),
                media_type(attachments, m.get("stickers") or []),
                len(attachments),
                total,
            )
        )
        self.report.messages += 1

    def _add_reactions(self, message_id: str, reactions: list[Any], out: RowBatches) -> int:
        """Rows for each emoji and each listed reactor; returns the message's reaction count."""
        total = 0
        emojis: set[str] = set()
        for r in reactions:
            emoji_obj = r.get("emoji") or {}
            emoji = _text(emoji_obj.get("id")) or _text(emoji_obj.get("name"))
            if emoji is None:
                raise self._fail("a reaction has no emoji id or name")
            if emoji in emojis:  # listed twice: once is enough (rows must be unique on their key)
                continue
            emojis.add(emoji)
            count = int(r.get("count") or 0)
            total += count
            # reactions: channel_id, message_id, emoji, emoji_name, count
            out.rows["reactions"].append(
                (self.channel_id, message_id, emoji, _text(emoji_obj.get("name")), count)
            )
            listed: set[str] = set()
            for user in r.get("users") or ():
                user_id = _text(user.get("id")) if isinstance(user, dict) else None
                if user_id is None or user_id in listed:
                    continue
                listed.add(user_id)
                # reactors: channel_id, message_id, emoji, user_id, user_name,
                # user_discriminator, user_nickname, user_is_bot
                out.rows["reactors"].append(
                    (
                        self.channel_id,
                        message_id,
                        emoji,
                        user_id,
                        _text(user.get("name")),
                        _text(user.get("discriminator")),
                        _text(user.get("nickname")),
                        bool(user.get("isBot")),
                    )
                )
            self.report.listed_reactors += min(len(listed), count)
        self.report.reactions += total
        return total


def _channel_row(path: Path, header: dict[str, dict[str, Any]]) -> tuple:
    guild, channel = header["guild"], header["channel"]
    # channels: in TABLES["channels"] order
    return (
        str(channel["id"]),
        _text(guild.get("id")),
        _text(guild.get("name")),
        _text(channel.get("type")),
        _text(channel.get("categoryId")),
        _text(channel.get("category")),
        _text(channel.get("name")),
        _text(channel.get("topic")),
        path.name,
    )


def parse_export(
    path: Path, report: ParseReport | None = None, progress: Progress = None
) -> Iterator[tuple[str, pa.Table]]:
    """Stream one DiscordChatExporter JSON file as (raw table name, Arrow batch) pairs.

    Raises ExportError (naming the file) for anything that is not a complete, readable export;
    callers must then discard everything already yielded for this file.
    """
    path = Path(path)
    report = report or ParseReport(path)
    try:
        header = _read_header(path)
        channel = header["channel"]
        if not _text(channel.get("id")):
            raise ExportError(path, "the export names no `channel.id` before its messages")
        if channel.get("type") in DIRECT_CHANNEL_TYPES:
            report.skipped_channels.append(str(channel.get("name")))
            return
        parser = _ChannelParser(path, str(channel["id"]), report)
        out = RowBatches(TABLES)
        pending = 0
        with ProgressReader(path, progress) as f:
            for m in ijson.items(f, "messages.item", use_float=True):
                parser.add(m, out)
                pending += 1
                if pending >= BATCH_ROWS:
                    yield from out.flush()
                    pending = 0
        out.rows["channels"].append(_channel_row(path, header))
        report.channels += 1
        yield from out.flush()
    except ijson.JSONError as exc:
        raise ExportError(path, f"broken or truncated JSON ({first_line(exc)})") from None
    except OSError as exc:
        raise ExportError(path, f"cannot read the file ({exc.strerror or exc})") from None


SPEC = FileSource(
    kind=SOURCE,
    dataset=DATASET,
    tables=TABLES,
    primary_keys=PRIMARY_KEYS,
    new_report=ParseReport,
    parse=parse_export,
)
