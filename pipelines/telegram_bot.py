"""Telegram Bot API (live polling with getUpdates) → raw_tgbot.* tables.

A bot added to a group or channel (as an admin, to receive `chat_member` and reactions) sees
what happens there from then on. Telegram keeps updates only ~24 hours, and asking for the next
offset deletes the earlier ones on its side, so every page is written verbatim to
`<data>/raw/telegram_bot/<name>/<first update_id>.json` before the next page is requested. A page
fetched by a refresh whose load then failed is replayed from that folder by the next refresh
(the offset in dlt's resource state only moves when a load succeeds).

Ids follow the Telegram Desktop export, so a chat loaded by both sources lands in one channel:
the export names a supergroup or channel by its bare id (Bot API -1001234567890 → 1234567890), a
basic group by its id without the minus, and people as `user<id>` / `channel<id>` / `chat<id>`.

The token is part of every request's path; it never appears in a message, an exception or a log.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipelines.errors import SourceError
from pipelines.sources import ApiSource, secret
from warehouse.settings import data_dir

SOURCE = "telegram-bot"
DATASET = "raw_tgbot"
DEFAULT_BASE_URL = "https://api.telegram.org"
PAGE_LIMIT = 100
# chat_member, message_reaction and message_reaction_count are only sent when asked for by name
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "chat_member",
    "message_reaction",
    "message_reaction_count",
]
TIMEOUT_SECONDS = 15.0
ATTEMPTS = 3
BACKOFF_SECONDS = 1.0  # doubled after each failed attempt
MAX_RETRY_AFTER = 60.0
MAX_PAGES = 10_000  # a server that ignores the offset must not keep a refresh busy forever
CHANNEL_ID_SHIFT = 1_000_000_000_000  # Bot API id of a channel or supergroup: -(10^12 + bare id)
PRESENT_STATUSES = {"creator", "administrator", "member"}
TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")

log = logging.getLogger("pipelines")


def _key(name: str, kind: pa.DataType) -> pa.Field:
    return pa.field(name, kind, nullable=False)


TABLES: dict[str, pa.Schema] = {
    # every update as received; update ids are the bot's own, so the bot's source name is in the key
    "updates": pa.schema(
        [
            _key("bot", pa.string()),
            _key("update_id", pa.int64()),
            ("update_type", pa.string()),
            ("chat_id", pa.int64()),
            ("update_unixtime", pa.int64()),
            ("update_json", pa.string()),
        ]
    ),
    # chat_id is the Bot API id; peer_id the export's id for the same chat
    "chats": pa.schema(
        [
            _key("chat_id", pa.int64()),
            ("peer_id", pa.int64()),
            ("chat_type", pa.string()),
            ("title", pa.string()),
            ("username", pa.string()),
            ("is_forum", pa.bool_()),
        ]
    ),
    # people (`user<id>`) and chats that speak as themselves (`channel<id>`, `chat<id>`)
    "senders": pa.schema(
        [
            _key("sender_key", pa.string()),
            ("user_id", pa.int64()),
            ("chat_id", pa.int64()),
            ("is_bot", pa.bool_()),
            ("first_name", pa.string()),
            ("last_name", pa.string()),
            ("title", pa.string()),
            ("username", pa.string()),
        ]
    ),
    # the latest version of each message: an edit replaces the row, it adds none
    "messages": pa.schema(
        [
            _key("chat_id", pa.int64()),
            _key("message_id", pa.int64()),
            ("peer_id", pa.int64()),
            ("chat_type", pa.string()),
            ("update_type", pa.string()),  # message | channel_post
            ("message_kind", pa.string()),  # message | service
            ("service_action", pa.string()),
            ("sent_unixtime", pa.int64()),
            ("edited_unixtime", pa.int64()),
            ("sender_key", pa.string()),
            ("author_signature", pa.string()),
            ("text", pa.string()),
            ("media_type", pa.string()),
            ("reply_to_message_id", pa.int64()),
            ("message_thread_id", pa.int64()),
            ("is_automatic_forward", pa.bool_()),
            ("forward_origin", pa.string()),
        ]
    ),
    # one row per message_reaction update: a person's reactions before and after (JSON arrays)
    "reactions": pa.schema(
        [
            _key("bot", pa.string()),
            _key("update_id", pa.int64()),
            ("chat_id", pa.int64()),
            ("peer_id", pa.int64()),
            ("message_id", pa.int64()),
            ("reactor_key", pa.string()),
            ("reacted_unixtime", pa.int64()),
            ("old_reactions_json", pa.string()),
            ("new_reactions_json", pa.string()),
        ]
    ),
    # anonymous reaction totals (channels): the latest count per message
    "reaction_counts": pa.schema(
        [
            _key("chat_id", pa.int64()),
            _key("message_id", pa.int64()),
            ("peer_id", pa.int64()),
            ("counted_unixtime", pa.int64()),
            ("total", pa.int64()),
            ("reactions_json", pa.string()),
        ]
    ),
    # one row per chat_member update; was_member/is_member say whether it is a join or a leave
    "member_changes": pa.schema(
        [
            _key("bot", pa.string()),
            _key("update_id", pa.int64()),
            ("chat_id", pa.int64()),
            ("peer_id", pa.int64()),
            ("member_key", pa.string()),
            ("actor_user_id", pa.int64()),
            ("changed_unixtime", pa.int64()),
            ("old_status", pa.string()),
            ("new_status", pa.string()),
            ("was_member", pa.bool_()),
            ("is_member", pa.bool_()),
            ("invite_link", pa.string()),
            ("invite_link_name", pa.string()),
            ("via_join_request", pa.bool_()),
        ]
    ),
    # getChatMemberCount, once per chat and UTC day (a later refresh that day replaces it)
    "member_counts": pa.schema(
        [
            _key("chat_id", pa.int64()),
            _key("day", pa.date32()),
            ("peer_id", pa.int64()),
            ("members", pa.int64()),
            ("counted_unixtime", pa.int64()),
        ]
    ),
}
PRIMARY_KEYS = {name: [f.name for f in schema if not f.nullable] for name, schema in TABLES.items()}


class BotApiError(SourceError):
    """Telegram answered with an error (or not at all); nothing from this refresh is kept."""

    def __init__(self, target: str, reason: str, code: int | None = None) -> None:
        super().__init__(target, reason)
        self.code = code


@dataclass
class BotReport:
    name: str
    updates: int = 0
    replayed: int = 0
    messages: int = 0
    edits: int = 0
    reactions: int = 0
    member_changes: int = 0
    chats_counted: int = 0
    private_updates: int = 0
    retries: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        replayed = f", {self.replayed} of them saved by an earlier refresh" if self.replayed else ""
        counted = f"; member counts of {self.chats_counted} chats" if self.chats_counted else ""
        return (
            f"{self.name}: {self.updates} updates loaded{replayed} ({self.messages} messages, "
            f"{self.edits} edits, {self.reactions} reactions, {self.member_changes} member "
            f"changes){counted}."
        )

    @property
    def warnings(self) -> list[str]:
        return list(self.notes)


# --- ids ------------------------------------------------------------------------------------


def export_chat_id(chat_id: int) -> int:
    """The Telegram Desktop export's id of a chat given its Bot API id."""
    if chat_id <= -CHANNEL_ID_SHIFT:
        return -chat_id - CHANNEL_ID_SHIFT
    return -chat_id if chat_id < 0 else chat_id


def peer_key(chat_id: int) -> str:
    """How the export names a chat speaking as itself (`channel<id>`, `chat<id>`, `user<id>`)."""
    if chat_id <= -CHANNEL_ID_SHIFT:
        return f"channel{export_chat_id(chat_id)}"
    return f"chat{-chat_id}" if chat_id < 0 else f"user{chat_id}"


def reaction_key(reaction: Mapping[str, Any]) -> str:
    """A ReactionType as the export names it: the emoji, the custom emoji's id, or its type."""
    kind = str(reaction.get("type") or "emoji")
    return str(reaction.get("emoji") or reaction.get("custom_emoji_id") or kind)


def is_present(member: Mapping[str, Any]) -> bool:
    """Whether a ChatMember is in the chat (a restricted member may or may not be)."""
    status = member.get("status")
    return status in PRESENT_STATUSES or (status == "restricted" and bool(member.get("is_member")))


# Bot API message fields → the export's media_type names (animation before document: a GIF has both)
MEDIA_TYPES = (
    ("photo", "photo"),
    ("sticker", "sticker"),
    ("video_note", "video_message"),
    ("voice", "voice_message"),
    ("animation", "animation"),
    ("video", "video_file"),
    ("audio", "audio_file"),
    ("document", "file"),
    ("poll", "poll"),
    ("venue", "location_information"),
    ("location", "location_information"),
    ("contact", "contact_information"),
    ("dice", "dice"),
    ("game", "game"),
    ("story", "story"),
    ("invoice", "invoice"),
    ("paid_media", "paid_media"),
)
# Message fields that make a message a service message (anything not text or media is one)
SERVICE_ACTIONS = (
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "channel_chat_created",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "video_chat_scheduled",
    "video_chat_started",
    "video_chat_ended",
    "video_chat_participants_invited",
    "message_auto_delete_timer_changed",
    "boost_added",
)


def _media_type(message: Mapping[str, Any]) -> str | None:
    return next((name for key, name in MEDIA_TYPES if key in message), None)


def _service_action(message: Mapping[str, Any]) -> str | None:
    found = next((key for key in SERVICE_ACTIONS if key in message), None)
    if found or "text" in message or _media_type(message):
        return found
    return "other"


# --- the HTTP client --------------------------------------------------------------------------


def where_to_set_token(options: Mapping[str, Any]) -> str:
    """Where `sources.secret` looks for this source's token, in words."""
    section = str(options.get("secret_section") or options.get("kind") or SOURCE).replace("-", "_")
    env_name = options.get("token_env")
    first = f"the environment variable {env_name}, or " if env_name else ""
    return (
        f"{first}SOURCES__{section.upper()}__TOKEN, or [sources.{section}] token in "
        ".dlt/secrets.toml"
    )


class BotApi:
    """Calls `<base_url>/bot<token>/<method>` with bounded retries; errors never carry the URL."""

    def __init__(
        self, options: Mapping[str, Any], token: str, report: BotReport, timeout: float
    ) -> None:
        self.name = str(options.get("name") or SOURCE)
        self.base_url = str(options.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        self.where = where_to_set_token(options)
        self.report = report
        self.timeout = timeout
        self._token = token

    def target(self, method: str) -> str:
        return f"{SOURCE} {self.name}, {method}"

    def redact(self, text: str) -> str:
        return text.replace(self._token, "<token>")

    def call(self, method: str, **params: Any) -> tuple[Any, bytes]:
        """The method's `result` and the raw response body."""
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        url = f"{self.base_url}/bot{self._token}/{method}" + (f"?{query}" if query else "")
        problem = ""
        for attempt in range(1, ATTEMPTS + 1):
            wait = BACKOFF_SECONDS * 2 ** (attempt - 1)
            try:
                status, body = self._get(url)
            except (TimeoutError, urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                problem = self._describe(exc)
            else:
                payload = self._decode(method, status, body)
                if payload.get("ok") is True:
                    return payload.get("result"), body
                code = _int(payload.get("error_code")) or status
                description = self.redact(str(payload.get("description") or "no description"))
                if code == 429:
                    asked = _int((payload.get("parameters") or {}).get("retry_after")) or 1
                    wait = min(float(asked), MAX_RETRY_AFTER)
                    problem = f"Telegram asked to slow down (retry after {asked} s)"
                elif code >= 500:
                    problem = f"Telegram server error {code} ({description})"
                else:
                    raise self._refused(method, code, description)
            if attempt < ATTEMPTS:
                self.report.retries += 1
                log.info("%s: %s; retrying in %.1f s", self.target(method), problem, wait)
                time.sleep(wait)
        raise BotApiError(self.target(method), f"{problem}; gave up after {ATTEMPTS} attempts")

    def _get(self, url: str) -> tuple[int, bytes]:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:  # 4xx/5xx still carry the JSON error
            try:
                return exc.code, exc.read()
            finally:
                exc.close()

    def _describe(self, exc: BaseException) -> str:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            return f"no answer within {self.timeout:g} s"
        if isinstance(reason, ConnectionRefusedError):
            return f"cannot connect to {self._host()} (connection refused)"
        if isinstance(reason, http.client.RemoteDisconnected | ConnectionError):
            return "the connection was dropped"
        detail = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
        return f"cannot reach {self._host()} ({self.redact(str(detail))})"

    def _host(self) -> str:
        return urllib.parse.urlsplit(self.base_url).netloc or self.base_url

    def _decode(self, method: str, status: int, body: bytes) -> dict[str, Any]:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or "ok" not in payload:
            if status >= 500:  # a proxy's error page: worth another try
                return {"ok": False, "error_code": status, "description": "no JSON answer"}
            raise BotApiError(self.target(method), f"not a Bot API answer (HTTP {status})", status)
        return payload

    def _refused(self, method: str, code: int, description: str) -> BotApiError:
        if code in (401, 404):
            reason = (
                f"Telegram rejected the bot token ({code} {description}): the token is invalid "
                f"or was revoked. Get it from @BotFather and set it in {self.where}."
            )
        elif code == 409:
            reason = (
                f"Telegram refused getUpdates ({description}); another program is polling this "
                "bot, or a webhook is set (deleteWebhook removes it)."
            )
        else:
            reason = f"Telegram answered {code}: {description}"
        return BotApiError(self.target(method), reason, code)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- turning updates into rows ----------------------------------------------------------------


class _Rows:
    """Rows per raw table keyed by their primary key, so a refresh hands dlt unique rows.

    Updates are added in update_id order: a later sighting of a message, chat or person replaces
    the earlier one (an edit replaces the message; names are the latest seen).
    """

    def __init__(self, bot: str, report: BotReport) -> None:
        self.bot = bot
        self.report = report
        self.rows: dict[str, dict[tuple, dict[str, Any]]] = {table: {} for table in TABLES}
        self.malformed: list[int] = []

    def put(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table][tuple(row[k] for k in PRIMARY_KEYS[table])] = row

    def batches(self) -> Iterator[tuple[str, pa.Table]]:
        for table, rows in self.rows.items():
            if rows:
                yield table, pa.Table.from_pylist(list(rows.values()), schema=TABLES[table])

    def add_update(self, update: Mapping[str, Any]) -> None:
        update_id = int(update["update_id"])
        kind = next((k for k in update if k != "update_id"), None)
        body = update.get(kind) if kind else None
        chat = body.get("chat") if isinstance(body, dict) else None
        chat_id = _int(chat.get("id")) if isinstance(chat, dict) else None
        self.put(
            "updates",
            {
                "bot": self.bot,
                "update_id": update_id,
                "update_type": kind,
                "chat_id": chat_id,
                "update_unixtime": _int(body.get("date")) if isinstance(body, dict) else None,
                "update_json": json.dumps(update, ensure_ascii=False),
            },
        )
        self.report.updates += 1
        handler = self.HANDLERS.get(kind or "")
        if handler is None:
            return
        if isinstance(chat, dict) and chat.get("type") == "private":
            self.report.private_updates += 1  # a person writing to the bot: not community data
            return
        try:
            handler(self, kind, body, update_id)
        except (KeyError, TypeError, ValueError, AttributeError):
            self.malformed.append(update_id)  # kept raw; the rest of the refresh goes on

    def chat(self, chat: Mapping[str, Any]) -> tuple[int, int]:
        chat_id = int(chat["id"])
        self.put(
            "chats",
            {
                "chat_id": chat_id,
                "peer_id": export_chat_id(chat_id),
                "chat_type": chat.get("type"),
                "title": chat.get("title"),
                "username": chat.get("username"),
                "is_forum": bool(chat.get("is_forum")),
            },
        )
        return chat_id, export_chat_id(chat_id)

    def user(self, user: Mapping[str, Any]) -> str:
        key = f"user{int(user['id'])}"
        self.put(
            "senders",
            {
                "sender_key": key,
                "user_id": int(user["id"]),
                "chat_id": None,
                "is_bot": bool(user.get("is_bot")),
                "first_name": user.get("first_name"),
                "last_name": user.get("last_name"),
                "title": None,
                "username": user.get("username"),
            },
        )
        return key

    def sender_chat(self, chat: Mapping[str, Any]) -> str:
        key = peer_key(int(chat["id"]))
        self.put(
            "senders",
            {
                "sender_key": key,
                "user_id": None,
                "chat_id": int(chat["id"]),
                "is_bot": False,
                "first_name": None,
                "last_name": None,
                "title": chat.get("title"),
                "username": chat.get("username"),
            },
        )
        return key

    def message(self, kind: str, m: Mapping[str, Any], update_id: int) -> None:
        chat_id, peer_id = self.chat(m["chat"])
        # a chat posting as itself (channel posts, anonymous admins, linked-channel forwards)
        if m.get("sender_chat"):
            sender = self.sender_chat(m["sender_chat"])
        elif m.get("from"):
            sender = self.user(m["from"])
        else:
            sender = None
        reply = m.get("reply_to_message")
        # in a forum every topic message "replies" to the topic's first message: not a reply
        topic_root = bool(reply) and (
            "forum_topic_created" in reply
            or (m.get("is_topic_message") and reply.get("message_id") == m.get("message_thread_id"))
        )
        action = _service_action(m)
        edited = kind.startswith("edited_")
        self.put(
            "messages",
            {
                "chat_id": chat_id,
                "message_id": int(m["message_id"]),
                "peer_id": peer_id,
                "chat_type": m["chat"].get("type"),
                "update_type": kind.removeprefix("edited_"),
                "message_kind": "service" if action else "message",
                "service_action": action,
                "sent_unixtime": int(m["date"]),
                "edited_unixtime": _int(m.get("edit_date")),
                "sender_key": sender,
                "author_signature": m.get("author_signature"),
                "text": m.get("text") if "text" in m else m.get("caption"),
                "media_type": _media_type(m),
                "reply_to_message_id": _int(reply.get("message_id"))
                if reply and not topic_root
                else None,
                "message_thread_id": _int(m.get("message_thread_id")),
                "is_automatic_forward": bool(m.get("is_automatic_forward")),
                "forward_origin": (m.get("forward_origin") or {}).get("type"),
            },
        )
        if edited:
            self.report.edits += 1
        else:
            self.report.messages += 1

    def chat_member(self, kind: str, change: Mapping[str, Any], update_id: int) -> None:
        chat_id, peer_id = self.chat(change["chat"])
        old, new = change["old_chat_member"], change["new_chat_member"]
        link = change.get("invite_link") or {}
        self.put(
            "member_changes",
            {
                "bot": self.bot,
                "update_id": update_id,
                "chat_id": chat_id,
                "peer_id": peer_id,
                "member_key": self.user(new["user"]),
                "actor_user_id": _int((change.get("from") or {}).get("id")),
                "changed_unixtime": int(change["date"]),
                "old_status": old.get("status"),
                "new_status": new.get("status"),
                "was_member": is_present(old),
                "is_member": is_present(new),
                "invite_link": link.get("invite_link"),
                "invite_link_name": link.get("name"),
                "via_join_request": bool(change.get("via_join_request")),
            },
        )
        self.report.member_changes += 1

    def message_reaction(self, kind: str, r: Mapping[str, Any], update_id: int) -> None:
        chat_id, peer_id = self.chat(r["chat"])
        reactor = self.user(r["user"]) if r.get("user") else self.sender_chat(r["actor_chat"])
        old = [reaction_key(x) for x in r.get("old_reaction") or ()]
        new = [reaction_key(x) for x in r.get("new_reaction") or ()]
        self.put(
            "reactions",
            {
                "bot": self.bot,
                "update_id": update_id,
                "chat_id": chat_id,
                "peer_id": peer_id,
                "message_id": int(r["message_id"]),
                "reactor_key": reactor,
                "reacted_unixtime": int(r["date"]),
                "old_reactions_json": json.dumps(old, ensure_ascii=False),
                "new_reactions_json": json.dumps(new, ensure_ascii=False),
            },
        )
        self.report.reactions += len(set(new) - set(old))

    def message_reaction_count(self, kind: str, r: Mapping[str, Any], update_id: int) -> None:
        chat_id, peer_id = self.chat(r["chat"])
        counts = {reaction_key(x["type"]): int(x["total_count"]) for x in r.get("reactions") or ()}
        self.put(
            "reaction_counts",
            {
                "chat_id": chat_id,
                "message_id": int(r["message_id"]),
                "peer_id": peer_id,
                "counted_unixtime": int(r["date"]),
                "total": sum(counts.values()),
                "reactions_json": json.dumps(counts, ensure_ascii=False),
            },
        )

    HANDLERS = {
        "message": message,
        "edited_message": message,
        "channel_post": message,
        "edited_channel_post": message,
        "chat_member": chat_member,
        "message_reaction": message_reaction,
        "message_reaction_count": message_reaction_count,
    }


# --- raw pages on disk ------------------------------------------------------------------------


def raw_folder(name: str) -> Path:
    safe = re.sub(r"[^\w.-]", "_", name) or SOURCE
    return data_dir() / "raw" / "telegram_bot" / safe


def save_page(folder: Path, first_update_id: int, body: bytes) -> Path:
    """Write a getUpdates answer as received; atomically, so a crash leaves no half file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{first_update_id}.json"
    tmp = folder / f".{first_update_id}.json.tmp"
    tmp.write_bytes(body)
    os.replace(tmp, path)
    return path


def saved_updates(folder: Path, offset: int | None, report: BotReport) -> list[dict[str, Any]]:
    """Updates of pages saved but never loaded: their first update_id is at or past the offset."""
    pages = []
    for path in folder.glob("*.json") if folder.is_dir() else ():
        first = _int(path.stem)
        if first is not None and (offset is None or first >= offset):
            pages.append((first, path))
    updates = []
    for _, path in sorted(pages):
        try:
            result = json.loads(path.read_bytes())["result"]
            updates.extend(u for u in result if int(u["update_id"]) >= (offset or 0))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            report.notes.append(
                f"{report.name}: saved page {path.name} is unreadable ({type(exc).__name__}) and "
                "was skipped."
            )
    return updates


# --- the source -------------------------------------------------------------------------------


def _chat_ids(options: Mapping[str, Any], name: str) -> list[int | str]:
    raw = options.get("chat_ids") or []
    raw = raw if isinstance(raw, list) else [raw]
    chats: list[int | str] = []
    for chat in raw:
        if isinstance(chat, int) and not isinstance(chat, bool):
            chats.append(chat)
        elif isinstance(chat, str) and re.fullmatch(r"-?\d+", chat.strip()):
            chats.append(int(chat))
        elif isinstance(chat, str) and re.fullmatch(r"@\w{4,}", chat.strip()):
            chats.append(chat.strip())
        else:
            raise SourceError(
                f"{SOURCE} {name}",
                f"chat_ids: {chat!r} is not a chat id (e.g. -1001234567890) or @channelname",
            )
    return chats


def fetch_updates(options: Mapping[str, Any], report: BotReport) -> Iterator[tuple[str, pa.Table]]:
    """Check the options and find the token now; the returned generator does the polling.

    Raises MissingSecret or SourceError straight away (not inside dlt), so the message the user
    sees is ours.
    """
    name = str(options.get("name") or SOURCE)
    chats = _chat_ids(options, name)
    token = secret(options).strip()
    if not TOKEN_SHAPE.fullmatch(token):
        raise SourceError(
            f"{SOURCE} {name}",
            "the bot token does not look like one from @BotFather (digits, a colon, then "
            f"letters); set it in {where_to_set_token(options)}.",
        )
    try:
        timeout = float(options.get("timeout") or TIMEOUT_SECONDS)
    except (TypeError, ValueError):
        raise SourceError(
            f"{SOURCE} {name}", f"timeout: {options.get('timeout')!r} is not a number of seconds"
        ) from None
    allowed = options.get("allowed_updates") or ALLOWED_UPDATES
    if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
        raise SourceError(f"{SOURCE} {name}", "allowed_updates: expected a list of update types")
    return _poll(BotApi(options, token, report, timeout), name, chats, list(allowed), report)


def _poll(
    api: BotApi, name: str, chats: list[int | str], allowed: list[str], report: BotReport
) -> Iterator[tuple[str, pa.Table]]:
    import dlt

    state = dlt.current.resource_state()
    offset = _int(state.get("offset"))
    folder = raw_folder(name)
    updates = {int(u["update_id"]): u for u in saved_updates(folder, offset, report)}
    report.replayed = len(updates)
    if updates:  # Telegram already deleted these: ask only for what came after
        offset = max(offset or 0, max(updates) + 1)

    for _ in range(MAX_PAGES):
        page, body = api.call(
            "getUpdates",
            offset=offset,
            limit=PAGE_LIMIT,
            timeout=0,
            allowed_updates=json.dumps(allowed),
        )
        if not isinstance(page, list):
            raise BotApiError(api.target("getUpdates"), "the answer holds no list of updates")
        if not page:
            break
        ids = [_int(u.get("update_id")) if isinstance(u, dict) else None for u in page]
        if None in ids:
            raise BotApiError(api.target("getUpdates"), "an update has no update_id")
        if offset is not None and max(ids) < offset:
            raise BotApiError(
                api.target("getUpdates"), f"Telegram ignored offset {offset}; stopped polling"
            )
        save_page(folder, min(ids), body)  # before the next request confirms (deletes) them
        updates.update((i, u) for i, u in zip(ids, page, strict=True) if i >= (offset or 0))
        offset = max(ids) + 1
        log.debug("%s: getUpdates gave %d updates", api.target("getUpdates"), len(page))
    else:
        raise BotApiError(api.target("getUpdates"), f"more than {MAX_PAGES} pages; stopped")
    if offset is not None:
        state["offset"] = offset  # committed by dlt only if this load succeeds

    rows = _Rows(name, report)
    for update_id in sorted(updates):
        rows.add_update(updates[update_id])
    if rows.malformed:
        shown = ", ".join(str(i) for i in rows.malformed[:5])
        report.notes.append(
            f"{name}: {len(rows.malformed)} updates were not in the Bot API's shape and were kept "
            f"only as raw updates (update_id {shown}{'…' if len(rows.malformed) > 5 else ''})."
        )
    _count_members(api, chats, rows, report)
    yield from rows.batches()


def _count_members(api: BotApi, chats: list[int | str], rows: _Rows, report: BotReport) -> None:
    """getChat (its name and type) and getChatMemberCount for each configured chat."""
    now = datetime.now(UTC)
    for chat in chats:
        try:
            info, _ = api.call("getChat", chat_id=chat)
            members, _ = api.call("getChatMemberCount", chat_id=chat)
            chat_id, peer_id = rows.chat(info)
            count = int(members)
        except BotApiError as exc:
            if exc.code not in (400, 403):  # a wrong chat must not block the others
                raise
            report.notes.append(f"{exc.target}: chat {chat}: {exc.reason}")
            continue
        except (KeyError, TypeError, ValueError, AttributeError):
            report.notes.append(f"{api.name}: chat {chat}: unexpected getChat answer; skipped.")
            continue
        rows.put(
            "member_counts",
            {
                "chat_id": chat_id,
                "day": now.date(),
                "peer_id": peer_id,
                "members": count,
                "counted_unixtime": int(now.timestamp()),
            },
        )
        report.chats_counted += 1


SPEC = ApiSource(
    kind=SOURCE,
    dataset=DATASET,
    tables=TABLES,
    primary_keys=PRIMARY_KEYS,
    new_report=BotReport,
    fetch=fetch_updates,
)
