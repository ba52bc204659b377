"""Slack workspace export (a zip) → raw_slack.* tables.

The zip is read member by member with zipfile, never extracted to disk. What it holds (see
../shared/samples/FORMATS.md; the real sample is slack_export/slack-export-viewer_testarchive.zip):

- `users.json`: every account of the workspace, with `profile{display_name,email,phone}` (e-mail and
  phone are what link a Slack account to the same person elsewhere);
- `channels.json` (public channels) and, in exports that include them, `groups.json` (private
  channels), `dms.json` and `mpims.json` (direct messages: private conversations, not community
  data, so they are skipped with a warning);
- one folder per conversation, named after the channel (the DM's id for `dms.json`), holding one
  `YYYY-MM-DD.json` array of messages per day. A message's `ts` ("1452837318.000002", epoch seconds)
  is its id within the channel; a thread reply has `thread_ts` = its root's `ts`.

Some people zip the extracted export folder again: the files then sit under one top folder, which
is accepted. Any other problem (not a zip, a broken member, no users.json or channels.json) rejects
the whole file.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa

from pipelines.batches import RowBatches, key, primary_keys
from pipelines.errors import SourceError
from pipelines.sources import FileSource

SOURCE = "slack-export"
DATASET = "raw_slack"
BATCH_ROWS = 50_000
# Slackbot has an ordinary-looking user record (is_bot false); it is a bot all the same.
SLACKBOT_ID = "USLACKBOT"


TABLES: dict[str, pa.Schema] = {
    "users": pa.schema(
        [
            key("user_id", pa.string()),
            ("team_id", pa.string()),
            ("name", pa.string()),
            ("real_name", pa.string()),
            ("display_name", pa.string()),
            ("email", pa.string()),
            ("phone", pa.string()),
            ("deleted", pa.bool_()),
            ("is_bot", pa.bool_()),
            ("is_app_user", pa.bool_()),
            ("is_admin", pa.bool_()),
            ("is_owner", pa.bool_()),
            ("tz", pa.string()),
            ("source_file", pa.string()),
        ]
    ),
    "channels": pa.schema(
        [
            key("channel_id", pa.string()),
            ("name", pa.string()),
            ("created", pa.int64()),  # epoch seconds
            ("creator", pa.string()),
            ("is_private", pa.bool_()),
            ("is_archived", pa.bool_()),
            ("is_general", pa.bool_()),
            ("topic", pa.string()),
            ("purpose", pa.string()),
            ("source_file", pa.string()),
        ]
    ),
    "messages": pa.schema(
        [
            key("channel_id", pa.string()),
            key("ts", pa.string()),
            ("sent_us", pa.int64()),  # `ts` as epoch microseconds, UTC
            ("subtype", pa.string()),
            ("user_id", pa.string()),
            ("bot_id", pa.string()),
            ("username", pa.string()),  # a bot message's display name
            ("text", pa.string()),
            ("thread_ts", pa.string()),
            ("reply_count", pa.int64()),
            ("edited_ts", pa.string()),
            ("media_type", pa.string()),
            ("reaction_count", pa.int64()),
            ("day_file", pa.string()),
        ]
    ),
    "reactions": pa.schema(
        [
            key("channel_id", pa.string()),
            key("ts", pa.string()),
            key("reaction", pa.string()),
            ("count", pa.int64()),
        ]
    ),
    "reactors": pa.schema(
        [
            key("channel_id", pa.string()),
            key("ts", pa.string()),
            key("reaction", pa.string()),
            key("user_id", pa.string()),
        ]
    ),
}
PRIMARY_KEYS = primary_keys(TABLES)
RAW_TABLES = {f"{DATASET}.{name}": schema for name, schema in TABLES.items()}
Progress = Callable[[float], None] | None


class ExportError(SourceError):
    """The file is not a readable Slack workspace export; nothing from it is loaded."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(path.name, reason)
        self.path = path


@dataclass
class ParseReport:
    path: Path
    users: int = 0
    channels: int = 0
    messages: int = 0
    skipped_conversations: int = 0
    unknown_folders: list[str] = field(default_factory=list)
    repeated_ts: int = 0
    stray_files: int = 0

    def summary(self) -> str:
        return (
            f"{self.path.name}: {self.messages} messages in {self.channels} channels and "
            f"{self.users} users loaded."
        )

    @property
    def warnings(self) -> list[str]:
        notes = []
        if self.skipped_conversations:
            notes.append(
                f"{self.path.name}: skipped {self.skipped_conversations} direct-message "
                "conversations (private, not community data)."
            )
        if self.unknown_folders:
            names = ", ".join(sorted(self.unknown_folders)[:5])
            notes.append(
                f"{self.path.name}: skipped {len(self.unknown_folders)} folders that no channel "
                f"list names ({names})."
            )
        if self.repeated_ts:
            notes.append(
                f"{self.path.name}: {self.repeated_ts} messages repeat the `ts` of another "
                "message in the same channel; only the first was loaded."
            )
        if self.stray_files:
            notes.append(
                f"{self.path.name}: ignored {self.stray_files} files in channel folders that are "
                "not YYYY-MM-DD.json day files."
            )
        if self.channels and not self.messages:
            notes.append(f"{self.path.name}: the export holds no messages.")
        return notes


def ts_to_us(ts: str) -> int:
    """Slack's `ts` ("1452837318.000002") as epoch microseconds, without float rounding."""
    seconds, _, fraction = ts.strip().partition(".")
    if not seconds.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(f"not a Slack timestamp: {ts!r}")
    return int(seconds) * 1_000_000 + int((fraction + "000000")[:6])


def media_type(m: dict[str, Any]) -> str | None:
    """The kind of the first shared file, named as the Telegram source names media."""
    if m.get("subtype") == "file_comment":  # a comment on a file shared earlier, not a file
        return None
    files = m.get("files") or ([m["file"]] if isinstance(m.get("file"), dict) else [])
    if not files:
        return None
    mimetype = str(files[0].get("mimetype") or "")
    if mimetype.startswith("image/"):
        return "photo"
    if mimetype.startswith("video/"):
        return "video_file"
    if mimetype.startswith("audio/"):
        return "audio_file"
    return "file"


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(float(value))


def _nested_value(value: Any) -> str | None:
    """`topic` and `purpose` are {value, creator, last_set} objects."""
    return _text(value.get("value")) if isinstance(value, dict) else _text(value)


class _Export:
    """The zip, with member names relative to the export's root folder."""

    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.path = path
        self.archive = archive
        infos = [
            i
            for i in archive.infolist()
            if not i.is_dir() and not i.filename.startswith("__MACOSX/")
        ]
        users = [i.filename for i in infos if PurePosixPath(i.filename).name == "users.json"]
        if not users:
            raise ExportError(path, "no users.json in the zip: not a Slack workspace export")
        # the export's root: where the shallowest users.json is (a re-zipped folder adds one level)
        self.root = str(PurePosixPath(min(users, key=lambda n: n.count("/"))).parent)
        self.root = "" if self.root == "." else self.root + "/"
        self.members = {
            i.filename[len(self.root) :]: i for i in infos if i.filename.startswith(self.root)
        }

    def read_json(self, name: str) -> Any:
        """A member parsed as JSON; a broken member rejects the whole export."""
        info = self.members[name]
        try:
            with self.archive.open(info) as f:
                return json.load(f)
        except json.JSONDecodeError as exc:
            raise ExportError(self.path, f"{name}: broken or truncated JSON ({exc})") from None
        except UnicodeDecodeError:
            raise ExportError(self.path, f"{name}: not UTF-8 text") from None
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ExportError(self.path, f"{name}: damaged in the zip ({exc})") from None

    def read_list(self, name: str, required: bool) -> list[dict[str, Any]]:
        if name not in self.members:
            if required:
                raise ExportError(self.path, f"no {name} in the zip: not a Slack workspace export")
            return []
        items = self.read_json(name)
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and i.get("id") for i in items
        ):
            raise ExportError(self.path, f"{name}: expected an array of objects with an `id`")
        return items

    def day_files(self) -> dict[str, list[str]]:
        """Folder → its members, in date order (day files, and anything else found there)."""
        folders: dict[str, list[str]] = {}
        for name in self.members:
            folder, slash, _ = name.partition("/")
            if slash:
                folders.setdefault(folder, []).append(name)
        return {folder: sorted(names) for folder, names in folders.items()}


def _is_day_file(name: str) -> bool:
    stem = PurePosixPath(name).name.removesuffix(".json")
    return name.endswith(".json") and len(stem) == 10 and stem[4] == "-" and stem[7] == "-"


def _user_row(u: dict[str, Any], source: str) -> tuple:
    profile = u.get("profile") if isinstance(u.get("profile"), dict) else {}
    # users: in TABLES["users"] order
    return (
        str(u["id"]),
        _text(u.get("team_id")),
        _text(u.get("name")),
        _text(u.get("real_name") or profile.get("real_name")),
        _text(profile.get("display_name")),
        _text(profile.get("email")),
        _text(profile.get("phone")),
        bool(u.get("deleted")),
        bool(u.get("is_bot")) or u["id"] == SLACKBOT_ID,
        bool(u.get("is_app_user")),
        bool(u.get("is_admin")),
        bool(u.get("is_owner")) or bool(u.get("is_primary_owner")),
        _text(u.get("tz")),
        source,
    )


def _channel_row(c: dict[str, Any], is_private: bool, source: str) -> tuple:
    # channels: in TABLES["channels"] order
    return (
        str(c["id"]),
        _text(c.get("name")),
        _int_or_none(c.get("created")),
        _text(c.get("creator")),
        is_private,
        bool(c.get("is_archived")),
        bool(c.get("is_general")),
        _nested_value(c.get("topic")),
        _nested_value(c.get("purpose")),
        source,
    )


class _ChannelParser:
    """Turns one channel's day files into raw rows."""

    def __init__(self, path: Path, channel_id: str, report: ParseReport) -> None:
        self.path = path
        self.channel_id = channel_id
        self.report = report
        self.seen: set[str] = set()

    def add_day(self, name: str, messages: Any, out: RowBatches) -> int:
        if not isinstance(messages, list):
            raise ExportError(self.path, f"{name}: expected an array of messages")
        for position, m in enumerate(messages, start=1):
            try:
                self._add(m, name, out)
            except ExportError:
                raise
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                reason = f"{name}: message #{position}: unexpected structure ({exc})"
                raise ExportError(self.path, reason) from None
        return len(messages)

    def _add(self, m: dict[str, Any], day_file: str, out: RowBatches) -> None:
        ts = _text(m.get("ts"))
        if ts is None:
            raise ValueError("no `ts`")
        sent = ts_to_us(ts)
        if ts in self.seen:
            self.report.repeated_ts += 1
            return
        self.seen.add(ts)
        channel = self.channel_id
        total = 0
        names: set[str] = set()
        for r in m.get("reactions") or ():
            reaction = str(r["name"])
            if reaction in names:  # listed twice: once is enough (rows must be unique on their key)
                continue
            names.add(reaction)
            users = [str(u) for u in r.get("users") or ()]
            count = int(r.get("count") or len(users))
            total += count
            # reactions: channel_id, ts, reaction, count
            out.rows["reactions"].append((channel, ts, reaction, count))
            for user in dict.fromkeys(users):  # a reactor counts once per reaction
                # reactors: channel_id, ts, reaction, user_id
                out.rows["reactors"].append((channel, ts, reaction, user))
        edited = m.get("edited")
        # old-style file comments name their author inside `comment`
        comment = m.get("comment") if isinstance(m.get("comment"), dict) else {}
        bot_profile = m.get("bot_profile") if isinstance(m.get("bot_profile"), dict) else {}
        # messages: in TABLES["messages"] order
        out.rows["messages"].append(
            (
                channel,
                ts,
                sent,
                _text(m.get("subtype")),
                _text(m.get("user")) or _text(comment.get("user")),
                _text(m.get("bot_id")),
                _text(m.get("username")) or _text(bot_profile.get("name")),
                str(m.get("text") or ""),
                _text(m.get("thread_ts")),
                _int_or_none(m.get("reply_count")),
                _text(edited.get("ts")) if isinstance(edited, dict) else None,
                media_type(m),
                total,
                PurePosixPath(day_file).name,
            )
        )
        self.report.messages += 1


def _add_users(
    export: _Export, users: list[dict[str, Any]], out: RowBatches, report: ParseReport
) -> None:
    seen: set[str] = set()
    for position, u in enumerate(users, start=1):
        if str(u["id"]) in seen:
            continue
        seen.add(str(u["id"]))
        try:
            out.rows["users"].append(_user_row(u, export.path.name))
        except (AttributeError, TypeError, ValueError) as exc:
            reason = f"users.json: user #{position}: unexpected structure ({exc})"
            raise ExportError(export.path, reason) from None
    report.users = len(seen)


def _add_channels(
    export: _Export,
    public: list[dict[str, Any]],
    private: list[dict[str, Any]],
    out: RowBatches,
    report: ParseReport,
) -> dict[str, str]:
    """Channel rows; returns folder name → channel id (folders are named after the channel)."""
    by_folder: dict[str, str] = {}
    seen: set[str] = set()
    for channels, is_private, source in (
        (public, False, "channels.json"),
        (private, True, "groups.json"),
    ):
        for position, c in enumerate(channels, start=1):
            if str(c["id"]) in seen:
                continue
            seen.add(str(c["id"]))
            by_folder[str(c.get("name") or c["id"])] = str(c["id"])
            try:
                out.rows["channels"].append(_channel_row(c, is_private, export.path.name))
            except (AttributeError, TypeError, ValueError) as exc:
                reason = f"{source}: channel #{position}: unexpected structure ({exc})"
                raise ExportError(export.path, reason) from None
    report.channels = len(seen)
    return by_folder


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ExportError(path, f"not a zip file, or a damaged one ({exc})") from None
    except OSError as exc:
        raise ExportError(path, f"cannot read the file ({exc.strerror or exc})") from None


def parse_export(
    path: Path, report: ParseReport | None = None, progress: Progress = None
) -> Iterator[tuple[str, pa.Table]]:
    """Stream one Slack export zip as (raw table name, Arrow batch) pairs.

    Raises ExportError (naming the file, and the member inside it) for anything that is not a
    complete, readable export; callers must then discard everything already yielded for it.
    """
    path = Path(path)
    report = report or ParseReport(path)
    with _open(path) as archive:
        export = _Export(path, archive)
        users = export.read_list("users.json", required=True)
        public = export.read_list("channels.json", required=True)
        private = export.read_list("groups.json", required=False)
        direct = export.read_list("dms.json", required=False)
        group_direct = export.read_list("mpims.json", required=False)

        out = RowBatches(TABLES)
        _add_users(export, users, out, report)
        by_folder = _add_channels(export, public, private, out, report)
        # a DM's folder is named after its id, a group DM's after its name
        dm_folders = {str(c["id"]) for c in direct} | {
            str(c.get("name") or c["id"]) for c in group_direct
        }
        report.skipped_conversations = len(direct) + len(group_direct)

        folders = export.day_files()
        total_bytes = max(sum(export.members[n].compress_size for n in export.members), 1)
        done_bytes = 0
        pending = 0
        for folder, names in sorted(folders.items()):
            if folder not in by_folder:
                if folder not in dm_folders:
                    report.unknown_folders.append(folder)
                continue
            parser = _ChannelParser(path, by_folder[folder], report)
            for name in names:
                if not _is_day_file(name):
                    report.stray_files += 1
                    continue
                pending += parser.add_day(name, export.read_json(name), out)
                done_bytes += export.members[name].compress_size
                if progress is not None:
                    progress(done_bytes / total_bytes)
                if pending >= BATCH_ROWS:
                    yield from out.flush()
                    pending = 0
        yield from out.flush()
    if progress is not None:
        progress(1.0)


SPEC = FileSource(
    kind=SOURCE,
    dataset=DATASET,
    tables=TABLES,
    primary_keys=PRIMARY_KEYS,
    new_report=ParseReport,
    parse=parse_export,
)
