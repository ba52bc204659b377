"""Accounts and what each role may do.

Three roles: an admin runs the install (accounts, sources, settings, backups, deleting a person's
data), a manager does everything else, a viewer reads the KPI pages only. Local accounts sign in
with a password hashed by argon2; with OpenID Connect configured, people sign in through their
provider and are matched to an account by e-mail. There is no default password: the first start
asks for the first admin.

Every write checks the role of who makes it (`require_role`), whatever page or form it came
from. `OPERATOR` is the person at the server's command line (the CLI, the demo, the scheduler):
they own the files already, so the CLI writes as the operator.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from warehouse.control import control_connection, set_preference
from warehouse.i18n import LANGUAGES, N_, _

ROLES: tuple[str, ...] = ("admin", "manager", "viewer")
ROLE_LABELS = {"admin": N_("Admin"), "manager": N_("Manager"), "viewer": N_("Viewer")}
_RANK = {"viewer": 1, "manager": 2, "admin": 3}
OPERATOR = "operator"  # the command line; not an account, never signs in
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


@cache
def _unknown_account_hash() -> str:
    """Verified against when the name is unknown, so a wrong name takes as long as a wrong
    password. Made at the first sign-in, not at import: every CLI run imports this module."""
    return _hasher.hash("no account has this password")


class NotAllowed(PermissionError):
    """The account (or nobody) may not do this."""


class InvalidAccount(ValueError):
    """A form value was wrong; `errors` maps each field to what was wrong with it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    email: str | None
    role: str
    language: str | None
    active: bool
    has_password: bool

    @property
    def name(self) -> str:
        return self.display_name or self.username


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _account(row: sqlite3.Row | None) -> Account | None:
    if row is None:
        return None
    return Account(
        row["username"],
        row["display_name"],
        row["email"],
        row["role"],
        row["language"],
        bool(row["active"]),
        row["password_hash"] is not None,
    )


def account(username: str) -> Account | None:
    with control_connection() as con:
        row = con.execute("SELECT * FROM users WHERE username = ?", [username]).fetchone()
    return _account(row)


def account_by_email(email: str) -> Account | None:
    with control_connection() as con:
        row = con.execute(
            "SELECT * FROM users WHERE lower(email) = lower(?)", [email.strip()]
        ).fetchone()
    return _account(row)


def accounts() -> list[Account]:
    with control_connection() as con:
        rows = con.execute("SELECT * FROM users ORDER BY role, username").fetchall()
    return [a for a in map(_account, rows) if a is not None]


def needs_first_admin() -> bool:
    """True until an active admin exists: the app then asks for one and nothing else."""
    with control_connection() as con:
        row = con.execute("SELECT 1 FROM users WHERE role = 'admin' AND active = 1").fetchone()
    return row is None


def allows(role: str | None, needed: str) -> bool:
    return role is not None and _RANK.get(role, 0) >= _RANK[needed]


def require_role(actor: str, needed: str) -> None:
    """Refuse unless `actor` is the operator or an active account with at least `needed`."""
    if actor == OPERATOR:
        return
    who = account(actor)
    if who is None or not who.active or not allows(who.role, needed):
        raise NotAllowed(
            _("Not allowed: this needs the {role} role.", role=_(ROLE_LABELS[needed]).lower())
        )


# sign-in

SIGN_IN_TRIES = 5  # wrong passwords for one user name within SIGN_IN_PAUSE_S pause its sign-in
SIGN_IN_PAUSE_S = 15 * 60
_clock = time.time  # tests move it


class SignInPaused(Exception):
    """Too many wrong passwords for this user name lately; the message says when to try again."""


def authenticate(username: str, password: str) -> Account | None:
    """The active account these credentials belong to, or None (never says which part was wrong).

    After SIGN_IN_TRIES wrong passwords for a user name (known or not) in SIGN_IN_PAUSE_S, its
    sign-in pauses (SignInPaused) until the oldest of them is that old: argon2 alone would let
    a script try a few passwords a second for ever. A new password set by an admin lifts it."""
    name = username.strip().lower()
    _refuse_while_paused(name)
    with control_connection() as con:
        row = con.execute("SELECT * FROM users WHERE username = ?", [name]).fetchone()
    stored = row["password_hash"] if row is not None else None
    try:
        _hasher.verify(stored or _unknown_account_hash(), password)
        wrong = row is None or stored is None or not row["active"]
    except (VerificationError, InvalidHashError):
        wrong = True
    with control_connection() as con:
        if wrong:
            con.execute("INSERT INTO sign_in_failures VALUES (?, ?)", [name, _clock()])
            return None
        con.execute("DELETE FROM sign_in_failures WHERE username = ?", [name])
    if _hasher.check_needs_rehash(stored):
        with control_connection() as con:
            con.execute(
                "UPDATE users SET password_hash = ? WHERE username = ?",
                [_hasher.hash(password), row["username"]],
            )
    return _account(row)


def _refuse_while_paused(name: str) -> None:
    now = _clock()
    with control_connection() as con:
        con.execute("DELETE FROM sign_in_failures WHERE failed_at <= ?", [now - SIGN_IN_PAUSE_S])
        recent = [
            at
            for (at,) in con.execute(
                "SELECT failed_at FROM sign_in_failures WHERE username = ? ORDER BY failed_at",
                [name],
            ).fetchall()
        ]
    if len(recent) >= SIGN_IN_TRIES:
        wait = recent[-SIGN_IN_TRIES] + SIGN_IN_PAUSE_S - now
        raise SignInPaused(
            _(
                "Too many wrong passwords for this user name. Try again in {minutes} min, or ask "
                "an admin to set a new password.",
                minutes=max(1, math.ceil(wait / 60)),
            )
        )


def sign_in_by_email(email: str) -> Account | None:
    """For OpenID Connect: the active account with this e-mail, if an admin created one."""
    found = account_by_email(email) if email else None
    return found if found is not None and found.active else None


# changes


def _check(
    username: str, role: str, password: str | None, email: str | None, *, new: bool
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if new and not _USERNAME.match(username):
        errors["username"] = _(
            "Use 2–40 lower-case letters, digits, dots, dashes or underscores, starting with a "
            "letter or digit."
        )
    elif new and username == OPERATOR:
        errors["username"] = _("This name is reserved; choose another.")
    if role not in ROLES:
        errors["role"] = _("Choose admin, manager or viewer.")
    if password is not None and len(password) < MIN_PASSWORD:
        errors["password"] = _("Use at least {count} characters.", count=MIN_PASSWORD)
    if email and not _EMAIL.match(email):
        errors["email"] = _("This is not an e-mail address.")
    return errors


def create_first_admin(username: str, password: str, display_name: str = "") -> Account:
    """The install's first admin; refused once an admin exists (nobody can sneak in later)."""
    username = username.strip().lower()
    errors = _check(username, "admin", password, None, new=True)
    if errors:
        raise InvalidAccount(errors)
    with control_connection() as con:
        con.execute("BEGIN IMMEDIATE")  # two first visitors at once: only one becomes admin
        if con.execute("SELECT 1 FROM users WHERE role = 'admin' AND active = 1").fetchone():
            raise NotAllowed(_("An admin exists already: sign in instead."))
        _insert(con, username, display_name, None, "admin", password, OPERATOR)
    return account(username)  # type: ignore[return-value]


def create_account(
    actor: str,
    username: str,
    role: str,
    password: str | None,
    *,
    email: str | None = None,
    display_name: str = "",
) -> Account:
    """An admin adds an account: with a password, or with only an e-mail for OpenID Connect."""
    require_role(actor, "admin")
    username, email = username.strip().lower(), (email or "").strip() or None
    errors = _check(username, role, password, email, new=True)
    if password is None and email is None:
        errors["password"] = _("Set a password, or an e-mail to sign in with the provider.")
    if account(username) is not None:
        errors["username"] = _("This name is taken.")
    if email and "email" not in errors and account_by_email(email) is not None:
        errors["email"] = _("Another account has this e-mail.")
    if errors:
        raise InvalidAccount(errors)
    with control_connection() as con:
        _insert(con, username, display_name, email, role, password, actor)
    return account(username)  # type: ignore[return-value]


def _insert(
    con: sqlite3.Connection,
    username: str,
    display_name: str,
    email: str | None,
    role: str,
    password: str | None,
    actor: str,
) -> None:
    con.execute(
        "INSERT INTO users (username, display_name, email, role, password_hash, created_at,"
        " created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            username,
            display_name.strip(),
            email,
            role,
            _hasher.hash(password) if password is not None else None,
            _now(),
            actor,
        ],
    )


def update_account(actor: str, username: str, *, role: str, active: bool) -> None:
    """Change an account's role or switch it off; the last active admin always stays."""
    require_role(actor, "admin")
    if role not in ROLES:
        raise InvalidAccount({"role": _("Choose admin, manager or viewer.")})
    with control_connection() as con:
        con.execute("BEGIN IMMEDIATE")
        current = con.execute("SELECT * FROM users WHERE username = ?", [username]).fetchone()
        if current is None:
            raise InvalidAccount({"username": _("No such account.")})
        con.execute(
            "UPDATE users SET role = ?, active = ? WHERE username = ?",
            [role, int(active), username],
        )
        admins = con.execute(
            "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1"
        ).fetchone()[0]
        if admins == 0:
            con.rollback()
            raise InvalidAccount({"role": _("The last admin can't be removed or switched off.")})


def set_password(actor: str, username: str, password: str) -> None:
    """Admins reset anyone's password; everyone may change their own."""
    if actor != username:
        require_role(actor, "admin")
    if len(password) < MIN_PASSWORD:
        raise InvalidAccount(
            {"password": _("Use at least {count} characters.", count=MIN_PASSWORD)}
        )
    with control_connection() as con:
        con.execute(
            "UPDATE users SET password_hash = ? WHERE username = ?",
            [_hasher.hash(password), username],
        )
        con.execute("DELETE FROM sign_in_failures WHERE username = ?", [username])  # unpaused


def set_own_language(username: str, language: str | None) -> None:
    if language is not None and language not in LANGUAGES:
        raise InvalidAccount({"language": _("Choose a language from the list.")})
    with control_connection() as con:
        con.execute("UPDATE users SET language = ? WHERE username = ?", [language, username])


def set_default_language(actor: str, language: str) -> None:
    """The language of everyone who hasn't picked one (and of shared links)."""
    require_role(actor, "admin")
    if language not in LANGUAGES:
        raise InvalidAccount({"language": _("Choose a language from the list.")})
    set_preference("default_language", language)


# remembered sign-ins: a browser keeps a random session id in a cookie, the store keeps its hash

SESSION_DAYS = 14


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(username: str) -> str:
    """A new remembered sign-in for `username`; returns the id the browser keeps."""
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(UTC).replace(tzinfo=None)
    with control_connection() as con:
        con.execute(
            "INSERT INTO sessions (session_hash, username, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            [
                _session_hash(session_id),
                username,
                now.isoformat(timespec="seconds"),
                (now + timedelta(days=SESSION_DAYS)).isoformat(timespec="seconds"),
            ],
        )
    return session_id


def session_account(session_id: str) -> Account | None:
    """The active account a remembered sign-in belongs to, unless it ended or expired."""
    with control_connection() as con:
        row = con.execute(
            "SELECT u.* FROM sessions AS s JOIN users AS u ON u.username = s.username"
            " WHERE s.session_hash = ? AND s.ended_at IS NULL AND s.expires_at > ?",
            [_session_hash(session_id), _now()],
        ).fetchone()
    found = _account(row)
    return found if found is not None and found.active else None


def end_session(session_id: str) -> None:
    with control_connection() as con:
        con.execute(
            "UPDATE sessions SET ended_at = ? WHERE session_hash = ?",
            [_now(), _session_hash(session_id)],
        )
