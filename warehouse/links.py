"""Shared KPI links: read-only views of the KPI pages for people without an account.

A link carries a token `<link_id>.<expires>.<signature>`: the signature (HMAC-SHA256 with the
install's secret key) proves the install made it and that nobody moved its expiry; the control
store says whether it was revoked and what it is fixed to (a period, some channels). Opening
one shows aggregates only (the viewer's pages); nothing about a member.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warehouse.accounts import require_role
from warehouse.control import control_connection
from warehouse.i18n import _
from warehouse.settings import data_dir

MAX_DAYS = 366


class LinkInvalid(ValueError):
    """The link can't be opened (malformed, forged, expired or revoked); says which."""


@dataclass(frozen=True)
class ShareLink:
    link_id: str
    label: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    filters: dict[str, str] | None  # the sidebar's period filters, as URL parameters
    channels: list[str] | None  # None: every channel
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > _now()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def secret_key_path() -> Path:
    return data_dir() / "secret.key"


def _secret() -> bytes:
    """`PULSE_SECRET_KEY`, or a random key made once and kept beside the data (mode 600).
    Changing it invalidates every link at once."""
    configured = os.environ.get("PULSE_SECRET_KEY")
    if configured:
        return configured.encode()
    path = secret_key_path()
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _signature(payload: str) -> str:
    digest = hmac.new(_secret(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_for(link: ShareLink) -> str:
    payload = f"{link.link_id}.{int(link.expires_at.replace(tzinfo=UTC).timestamp())}"
    return f"{payload}.{_signature(payload)}"


def create_link(
    actor: str,
    *,
    days: int,
    filters: dict[str, str] | None = None,
    channels: list[str] | None = None,
    label: str = "",
) -> tuple[ShareLink, str]:
    """A new link valid for `days`; returns it and its token (the token is shown once)."""
    require_role(actor, "manager")
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(_("A link lasts from 1 to {count} days.", count=MAX_DAYS))
    link_id = secrets.token_urlsafe(9)
    now = _now()
    with control_connection() as con:
        con.execute(
            "INSERT INTO share_links (link_id, label, created_by, created_at, expires_at, period,"
            " channels) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                link_id,
                label.strip(),
                actor,
                now.isoformat(),
                (now + timedelta(days=days)).isoformat(),
                json.dumps(filters) if filters else None,
                json.dumps(channels) if channels else None,
            ],
        )
    link = _link(link_id)
    assert link is not None
    return link, token_for(link)


def _link(link_id: str) -> ShareLink | None:
    with control_connection() as con:
        row = con.execute("SELECT * FROM share_links WHERE link_id = ?", [link_id]).fetchone()
    if row is None:
        return None
    return ShareLink(
        row["link_id"],
        row["label"],
        row["created_by"],
        datetime.fromisoformat(row["created_at"]),
        datetime.fromisoformat(row["expires_at"]),
        json.loads(row["period"]) if row["period"] else None,
        json.loads(row["channels"]) if row["channels"] else None,
        datetime.fromisoformat(row["revoked_at"]) if row["revoked_at"] else None,
    )


def open_link(token: str) -> ShareLink:
    """The link behind a token, or LinkInvalid saying why it can't be opened."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise LinkInvalid(_("This link is incomplete: copy the whole address again."))
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_signature(payload), parts[2]):
        raise LinkInvalid(_("This link is not valid: it was changed or made by another install."))
    link = _link(parts[0])
    if link is None or int(link.expires_at.replace(tzinfo=UTC).timestamp()) != int(parts[1]):
        raise LinkInvalid(_("This link is not valid any more."))
    if link.revoked_at is not None:
        raise LinkInvalid(_("This link was switched off by the community team."))
    if link.expires_at <= _now():
        raise LinkInvalid(_("This link has expired. Ask the community team for a new one."))
    return link


def revoke(actor: str, link_id: str) -> None:
    require_role(actor, "manager")
    with control_connection() as con:
        con.execute(
            "UPDATE share_links SET revoked_at = ?, revoked_by = ? WHERE link_id = ?"
            " AND revoked_at IS NULL",
            [_now().isoformat(), actor, link_id],
        )


def restore(actor: str, link_id: str) -> None:
    """Undo a revocation (the link works again until it expires)."""
    require_role(actor, "manager")
    with control_connection() as con:
        con.execute(
            "UPDATE share_links SET revoked_at = NULL, revoked_by = NULL WHERE link_id = ?",
            [link_id],
        )


def links() -> list[ShareLink]:
    with control_connection() as con:
        ids = [r[0] for r in con.execute("SELECT link_id FROM share_links ORDER BY created_at")]
    return [link for link in map(_link, reversed(ids)) if link is not None]
