"""Shared fixtures: a fresh data folder per test, and a builder for real-format exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from warehouse import queries

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT.parent / "shared" / "samples"
TELEGRAM_SAMPLE = SAMPLES / "telegram_export" / "tele_dashboard_sample.result.json"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh PULSE_DATA_DIR per test, and no cached results leaking between tests."""
    folder = tmp_path / "data"
    monkeypatch.setenv("PULSE_DATA_DIR", str(folder))
    monkeypatch.delenv("PULSE_CONFIG", raising=False)
    queries.clear_cache()
    yield folder
    queries.clear_cache()


def ts(text: str) -> datetime:
    """'2024-01-02 10:00' as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class ChatBuilder:
    """Builds a Telegram Desktop single-chat export message by message.

    Times are given in UTC; `date` is written as the exporting computer's local time (UTC+3), as
    Telegram Desktop does, so tests also prove that `date_unixtime` is what counts.
    """

    LOCAL_OFFSET = timedelta(hours=3)

    def __init__(
        self, name: str = "Test chat", chat_id: int = 1001, kind: str = "private_supergroup"
    ):
        self.chat: dict[str, Any] = {"name": name, "type": kind, "id": chat_id, "messages": []}
        self.next_id = 1

    def _stamp(self, at: datetime) -> dict[str, str]:
        return {
            "date": (at + self.LOCAL_OFFSET).replace(tzinfo=None).isoformat(timespec="seconds"),
            "date_unixtime": str(int(at.timestamp())),
        }

    def message(
        self,
        at: str,
        user: str,
        text: Any = "hello",
        *,
        reply_to: int | None = None,
        reactions: list[tuple[str, str, str]] | None = None,
        extra_reactions: int = 0,
        **fields: Any,
    ) -> int:
        """Add a message by `user` (display name; id derived). reactions: (emoji, user, at)."""
        message_id = self.next_id
        self.next_id += 1
        msg: dict[str, Any] = {
            "id": message_id,
            "type": "message",
            **self._stamp(ts(at)),
            "from": user,
            "from_id": user_id(user),
            "text": text,
            "text_entities": [{"type": "plain", "text": text}] if isinstance(text, str) else [],
        }
        if reply_to is not None:
            msg["reply_to_message_id"] = reply_to
        if reactions:
            by_emoji: dict[str, list[dict[str, str]]] = {}
            for emoji, who, when in reactions:
                by_emoji.setdefault(emoji, []).append(
                    {"from": who, "from_id": user_id(who), "date": self._stamp(ts(when))["date"]}
                )
            msg["reactions"] = [
                {
                    "type": "emoji",
                    "count": len(recent) + extra_reactions,
                    "emoji": emoji,
                    "recent": recent,
                }
                for emoji, recent in by_emoji.items()
            ]
        msg.update(fields)
        self.chat["messages"].append(msg)
        return message_id

    def service(self, at: str, actor: str, action: str, **fields: Any) -> int:
        message_id = self.next_id
        self.next_id += 1
        self.chat["messages"].append(
            {
                "id": message_id,
                "type": "service",
                **self._stamp(ts(at)),
                "actor": actor,
                "actor_id": user_id(actor),
                "action": action,
                "text": "",
                "text_entities": [],
                **fields,
            }
        )
        return message_id

    def join(self, at: str, user: str) -> int:
        return self.service(at, user, "join_group_by_link", inviter="Group")

    def leave(self, at: str, user: str) -> int:
        return self.service(at, user, "remove_members", members=[user])

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.chat, ensure_ascii=False, indent=1), encoding="utf-8")
        return path


def user_id(name: str) -> str:
    """A stable Telegram-style id for a test user's display name."""
    return "user" + str(sum(ord(c) * 31**i for i, c in enumerate(name)) % 10**9)


@pytest.fixture
def chat() -> ChatBuilder:
    return ChatBuilder()


# Signed-in app sessions for page tests. Accounts are made once per test (fresh data folder);
# argon2 is slow on purpose, so tests use cheap hashing parameters.
TEST_PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    from warehouse import accounts

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def make_account(role: str, username: str | None = None) -> str:
    """An active account with `role` (the first admin is made first when needed)."""
    from warehouse import accounts

    username = username or role
    if accounts.needs_first_admin():
        accounts.create_first_admin("admin", TEST_PASSWORD)
    if accounts.account(username) is None:
        accounts.create_account("admin", username, role, TEST_PASSWORD)
    return username


def app_test(role: str | None = "manager", language: str | None = None):  # noqa: ANN201
    """AppTest of app.py with a signed-in `role` account (None: nobody signed in)."""

    from streamlit.testing.v1 import AppTest

    from pages._access import USER_KEY

    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    if role is not None:
        at.session_state[USER_KEY] = make_account(role)
    if language is not None:
        at.session_state["language"] = language
    return at


def speak(language: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every thread speaks `language` for this test. AppTest needs it twice over: from its second
    run on it runs the page alone (app.py, which sets the session's language, is skipped), and
    it formats dropdown options again in the test's own thread. A real session always goes
    through app.py."""
    from contextvars import ContextVar

    from warehouse import i18n

    monkeypatch.setattr(i18n, "_language", ContextVar("pulse_language", default=language))


def admin_part(draw: str, language: str = "en"):  # noqa: ANN201
    """One part of the Administration page (a function of pages/_admin_data.py) drawn on its
    own for a signed-in admin, in `language`."""
    from streamlit.testing.v1 import AppTest

    from pages._access import USER_KEY

    script = (
        "import streamlit as st\n"
        "from warehouse.i18n import set_language\n"
        "set_language(st.session_state.get('language', 'en'))\n"
        f"from pages._admin_data import {draw}\n"
        f"{draw}()\n"
    )
    at = AppTest.from_string(script, default_timeout=180)
    at.session_state[USER_KEY] = make_account("admin")
    at.session_state["language"] = language
    return at.run()


def community_zone(timezone: str) -> None:
    """Make `timezone` the community's (KPIs count their days there), rebuilding if it changes."""
    from warehouse.accounts import OPERATOR
    from warehouse.community import community_timezone, set_setting
    from warehouse.connection import read_connection

    with read_connection() as con:
        current = community_timezone(con)
    if current != timezone:
        set_setting("timezone", timezone, OPERATOR)
