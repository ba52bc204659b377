"""A local stand-in for the Telegram Bot API: real-format objects, scripted failures.

`FakeTelegram` serves `/bot<token>/<method>` on 127.0.0.1 (a free port) from a thread. It keeps
updates until an offset confirms them, as Telegram does, and can be told to fail the next calls of
a method: 429 with retry_after, an `{"ok": false}` error, a dropped connection, a slow answer.
Builders make Update objects in the Bot API's shape (Message, Chat, User, ChatMemberUpdated,
MessageReactionUpdated, MessageReactionCountUpdated).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "123456789:AAFakeTokenForTests-only_0123456789ab"


def unixtime(text: str) -> int:
    """'2024-05-01 10:00' (UTC) as epoch seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def user(user_id: int, first_name: str, last_name: str | None = None, **fields: Any) -> dict:
    person = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "ru"}
    if last_name:
        person["last_name"] = last_name
    return {**person, **fields}


def supergroup(chat_id: int, title: str, **fields: Any) -> dict:
    return {"id": chat_id, "title": title, "type": "supergroup", **fields}


def channel(chat_id: int, title: str, **fields: Any) -> dict:
    return {"id": chat_id, "title": title, "type": "channel", **fields}


def member(person: dict, status: str, **fields: Any) -> dict:
    """A ChatMember of `status` (creator, administrator, member, restricted, left, kicked)."""
    return {"user": person, "status": status, **fields}


@dataclass
class Scripted:
    action: str  # "ok" | "429" | "error" | "drop" | "slow" | "html"
    args: dict[str, Any] = field(default_factory=dict)


class FakeTelegram:
    def __init__(self, token: str = TOKEN, page_size: int = 100) -> None:
        self.token = token
        self.page_size = page_size  # Telegram may return fewer updates than `limit`
        self.pending: list[dict] = []
        self.member_counts: dict[int, int] = {}
        self.chats: dict[int, dict] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.arrived: list[float] = []  # time.monotonic() of each request, as `requests`
        self._script: dict[str, list[Scripted]] = {}
        self._ids = itertools.count(700_000_001)
        self._messages: dict[tuple[int, int], dict] = {}
        self._next_message_id: dict[int, int] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- the server ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @contextmanager
    def running(self) -> Iterator[FakeTelegram]:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(5)

    def fail(self, method: str, action: str, times: int = 1, after: int = 0, **args: Any) -> None:
        """Let `after` more calls of `method` answer, then fail the next `times` with `action`."""
        queue = self._script.setdefault(method, [])
        queue.extend(Scripted("ok") for _ in range(after))
        queue.extend(Scripted(action, args) for _ in range(times))

    def calls(self, method: str) -> list[dict[str, str]]:
        return [params for name, params in self.requests if name == method]

    def answer(self, method: str, params: dict[str, str]) -> tuple[int, dict]:
        with self._lock:
            if method == "getUpdates":
                offset = int(params.get("offset", 0))
                self.pending = [u for u in self.pending if u["update_id"] >= offset]
                limit = min(int(params.get("limit", 100)), self.page_size)
                return 200, {"ok": True, "result": self.pending[:limit]}
            chat = self._find_chat(params.get("chat_id", ""))
            if chat is None:
                return 400, _error(400, "Bad Request: chat not found")
            if method == "getChat":
                return 200, {"ok": True, "result": {**chat, "accent_color_id": 0}}
            if method == "getChatMemberCount":
                return 200, {"ok": True, "result": self.member_counts.get(chat["id"], 0)}
        return 404, _error(404, "Not Found")

    def _find_chat(self, wanted: str) -> dict | None:
        if wanted.startswith("@"):
            return next((c for c in self.chats.values() if c.get("username") == wanted[1:]), None)
        chat_id = _chat_id(wanted)
        return self.chats.get(chat_id) if chat_id is not None else None

    def next_failure(self, method: str) -> Scripted | None:
        with self._lock:
            queue = self._script.get(method) or []
            return queue.pop(0) if queue else None

    # --- updates in the Bot API's shape ----------------------------------------------------

    def add_chat(self, chat: dict, members: int | None = None) -> dict:
        self.chats[chat["id"]] = chat
        if members is not None:
            self.member_counts[chat["id"]] = members
        return chat

    def _update(self, kind: str, body: dict) -> dict:
        update = {"update_id": next(self._ids), kind: body}
        with self._lock:
            self.pending.append(update)
        return update

    def message(
        self,
        chat: dict,
        sender: dict | None,
        text: str | None,
        at: str,
        *,
        reply_to: dict | None = None,
        **fields: Any,
    ) -> dict:
        """A new message (a channel post when `chat` is a channel); returns the Message."""
        message_id = self._next_message_id.get(chat["id"], 1)
        self._next_message_id[chat["id"]] = message_id + 1
        m: dict[str, Any] = {"message_id": message_id}
        if chat["type"] == "channel":
            m["sender_chat"] = chat
        elif sender is not None:
            m["from"] = sender
        m.update({"chat": chat, "date": unixtime(at)})
        if text is not None:
            m["text"] = text
        if reply_to is not None:
            m["reply_to_message"] = reply_to
        m.update(fields)
        self._messages[(chat["id"], message_id)] = m
        self._update("channel_post" if chat["type"] == "channel" else "message", m)
        return m

    def edit(self, m: dict, text: str, at: str) -> dict:
        edited = {**m, "text": text, "edit_date": unixtime(at)}
        kind = "edited_channel_post" if m["chat"]["type"] == "channel" else "edited_message"
        self._update(kind, edited)
        return edited

    def react(self, m: dict, person: dict, at: str, new: list[str], old: list[str] = ()) -> dict:
        return self._update(
            "message_reaction",
            {
                "chat": m["chat"],
                "message_id": m["message_id"],
                "user": person,
                "date": unixtime(at),
                "old_reaction": [{"type": "emoji", "emoji": e} for e in old],
                "new_reaction": [{"type": "emoji", "emoji": e} for e in new],
            },
        )

    def reaction_count(self, m: dict, at: str, counts: dict[str, int]) -> dict:
        return self._update(
            "message_reaction_count",
            {
                "chat": m["chat"],
                "message_id": m["message_id"],
                "date": unixtime(at),
                "reactions": [
                    {"type": {"type": "emoji", "emoji": e}, "total_count": n}
                    for e, n in counts.items()
                ],
            },
        )

    def member_change(
        self, chat: dict, person: dict, at: str, old: str, new: str, **fields: Any
    ) -> dict:
        return self._update(
            "chat_member",
            {
                "chat": chat,
                "from": person,
                "date": unixtime(at),
                "old_chat_member": member(person, old),
                "new_chat_member": member(person, new),
                **fields,
            },
        )

    def join(self, chat: dict, person: dict, at: str, **fields: Any) -> dict:
        return self.member_change(chat, person, at, "left", "member", **fields)

    def leave(self, chat: dict, person: dict, at: str) -> dict:
        return self.member_change(chat, person, at, "member", "left")


def _error(code: int, description: str, **parameters: Any) -> dict:
    error: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        error["parameters"] = parameters
    return error


def _chat_id(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _handler(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep tests quiet
            pass

        def send_json(self, status: int, payload: dict) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlsplit(self.path)
            parts = url.path.split("/")
            token = parts[1].removeprefix("bot") if len(parts) > 2 else ""
            method = parts[2] if len(parts) > 2 else ""
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            fake.requests.append((method, params))
            fake.arrived.append(time.monotonic())
            if token != fake.token:
                self.send_json(401, _error(401, "Unauthorized"))
                return
            if method == "getUpdates" and "offset" in params:
                fake.answer(method, {**params, "limit": "0"})  # the offset confirms, even if lost
            failure = fake.next_failure(method)
            if failure is None or failure.action == "ok":
                self.send_json(*fake.answer(method, params))
            elif failure.action == "429":
                retry_after = failure.args.get("retry_after", 1)
                description = f"Too Many Requests: retry after {retry_after}"
                self.send_json(429, _error(429, description, retry_after=retry_after))
            elif failure.action == "error":
                code = failure.args.get("code", 400)
                self.send_json(code, _error(code, failure.args.get("description", "Bad Request")))
            elif failure.action == "drop":
                self.close_connection = True  # no status line: the client sees a dropped socket
            elif failure.action == "slow":
                time.sleep(failure.args.get("seconds", 1.0))
                self.send_json(*fake.answer(method, params))
            elif failure.action == "html":
                body = b"<html><body>502 Bad Gateway</body></html>"
                self.send_response(502)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

    return Handler
