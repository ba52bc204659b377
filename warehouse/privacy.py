"""Forgetting a person on request: their personal data goes, their counts stay.

`forget_member` removes a member's names, handles, e-mails, phones, message texts, profile notes,
tags, feedback texts, role notes and walk-in details from every raw source table (and dlt's
staging copies) and from the app's tables, then rebuilds the models. What they did still counts:
each of their accounts is rewritten to a pseudonymous account with a random id (not derived from
anything they had), shown as "Forgotten member <random>", and the accounts stay one member (a
merge ties them), so messages, active members, registrations, attendance… are unchanged. What is
left of a message is "?" when it asked something and the partner tracking codes it carried, so
questions and project reach count as before.

Loading the same export again must not bring the person back: privacy.forgotten_identities keeps,
for each forgotten account, only a keyed hash (HMAC-SHA256 with `<data>/privacy.key`) of its
identity id (platform + platform id) and its pseudonym; `scrub_after_load` runs after every load
(pipelines/load.py) and rewrites whatever matches, the same way.

Not everything can be reached: backups taken earlier, export files outside the data folder, and
other people's messages that mention the person by name. The report says which.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import shutil
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.accounts import require_role
from warehouse.app_data import apply_entries, inbox_dir
from warehouse.connection import (
    WRITE_MEMORY_LIMIT,
    WarehouseEmpty,
    read_connection,
    write_lock,
)
from warehouse.models import ModelBuildError, mark_data_changed, run_models
from warehouse.settings import data_dir, warehouse_path

log = logging.getLogger("pulse.privacy")

LABEL = "Forgotten member {token}"
# pseudonymous numeric ids start here: far above any platform's own ids, so never one of them
_NUMBER_BASE = 2**62
_DDL = """
CREATE SCHEMA IF NOT EXISTS privacy;
CREATE TABLE IF NOT EXISTS privacy.forgotten_identities (
    identity_hash VARCHAR PRIMARY KEY,   -- HMAC-SHA256(privacy.key, identity id)
    pseudonym_id VARCHAR NOT NULL,       -- the identity id the account's rows carry now
    pseudonym_key VARCHAR NOT NULL,      -- its platform part, e.g. user4611686018427387913
    pseudonym_number BIGINT NOT NULL,    -- the same for columns holding numeric ids
    label VARCHAR NOT NULL,              -- the name shown instead of theirs
    member_pseudonym VARCHAR NOT NULL,   -- the member id their counts carry
    forgotten_at TIMESTAMP NOT NULL
);
"""


class UnknownMember(LookupError):
    pass


class AlreadyForgotten(ValueError):
    pass


class ForgetIncomplete(RuntimeError):
    """The person's data left the sources, but the model build after it failed."""


class PrivacyKeyMissing(RuntimeError):
    """People were forgotten but the key that recognises them is gone."""


# --- where a person appears -------------------------------------------------------------------


@dataclass(frozen=True)
class PersonColumns:
    """Where one table names a person, and what to write there once they are forgotten.

    `identity` is SQL giving the identity id (as core.identities has it) of the person a row
    names. `assign` maps columns to SQL for their new values, using $id (the pseudonymous
    identity id), $key (its platform part), $number (the same as a number), $label (the name
    shown instead) and $codes (partner tracking codes); after it, `identity` gives $id.
    """

    table: str  # "<schema>.<table>"; a raw schema's dlt staging copy is scrubbed alike
    identity: str
    assign: Mapping[str, str] = field(default_factory=dict)
    unique: tuple[str, ...] = ()  # the primary key, when rewriting can make two rows one
    delete: bool = False  # remove the row instead (tags, private chats with the bot)

    @property
    def schema(self) -> str:
        return self.table.split(".")[0]

    @property
    def name(self) -> str:
        return self.table.split(".")[1]


def _text(column: str) -> str:
    """What is left of a forgotten person's message: "?" if it asked something (questions are
    counted) and the partner tracking codes it carried (project reach counts them)."""
    return (
        f"case when {column} is null then null else trim("
        f"case when contains({column}, '?') then '? ' else '' end || array_to_string("
        f"list_filter($codes::varchar[], lambda c: contains(lower({column}), c)), ' ')) end"
    )


def _kept_null(column: str, value: str) -> str:
    """`value`, where the column had one (a NULL there means something, e.g. "not a user")."""
    return f"case when {column} is null then null else {value} end"


_TIMEPAD_PERSON = (
    # as sql/staging/stg_timepad__registrations.sql keys a ticket's holder
    "'timepad:' || coalesce(tickets.email, (select o.mail from {schema}.orders as o"
    " where o.event_id = tickets.event_id and o.order_id = tickets.order_id), tickets.phone,"
    " lower(nullif(trim(concat_ws(' ', tickets.first_name, tickets.last_name)), '')),"
    " 'ticket-' || tickets.ticket_id)"
)

# Every raw table that names a person, source by source (pipelines/*.py make them; the staging
# models say how each becomes an identity id). Order matters within a schema only where a
# later entry's identity reads an earlier one's columns: Timepad tickets before orders.
RAW_COLUMNS: tuple[PersonColumns, ...] = (
    # Telegram Desktop exports: senders (a deleted account is known by name only), service
    # messages' actors, recent reactors
    PersonColumns(
        "raw_telegram.messages",
        "'telegram:' || coalesce(from_id, 'name:' || from_name)",
        {
            "from_id": _kept_null("from_id", "$key"),
            "from_name": "$label",
            "text": _text("text"),
            "author": "null",
            "forwarded_from": "null",
        },
    ),
    PersonColumns(
        "raw_telegram.messages",
        "'telegram:' || coalesce(actor_id, 'name:' || actor)",
        {"actor_id": _kept_null("actor_id", "$key"), "actor": "$label"},
    ),
    PersonColumns(
        "raw_telegram.reactors",
        "'telegram:' || reactor_key",
        {
            "reactor_key": "$key",
            "reactor_id": _kept_null("reactor_id", "$key"),
            "reactor_name": "$label",
        },
        unique=("chat_id", "message_key", "reaction", "reactor_key"),
    ),
    # the Telegram bot: accounts, messages, reactions, membership changes, private chats
    PersonColumns(
        "raw_tgbot.senders",
        "'telegram:' || sender_key",
        {
            "sender_key": "$key",
            "user_id": _kept_null("user_id", "$number"),
            "first_name": "$label",
            "last_name": "null",
            "title": _kept_null("title", "$label"),
            "username": "null",
        },
        unique=("sender_key",),
    ),
    PersonColumns(
        "raw_tgbot.messages",
        "'telegram:' || sender_key",
        {
            "sender_key": "$key",
            "author_signature": "null",
            "text": _text("text"),
            "forward_origin": "null",
        },
    ),
    PersonColumns(
        "raw_tgbot.messages",
        "case when chat_type = 'private' then 'telegram:user' || chat_id end",
        delete=True,
    ),
    PersonColumns(
        "raw_tgbot.chats",
        "case when chat_type = 'private' then 'telegram:user' || chat_id end",
        delete=True,
    ),
    PersonColumns("raw_tgbot.reactions", "'telegram:' || reactor_key", {"reactor_key": "$key"}),
    PersonColumns("raw_tgbot.member_changes", "'telegram:' || member_key", {"member_key": "$key"}),
    PersonColumns(
        "raw_tgbot.member_changes",
        "'telegram:user' || actor_user_id",
        {"actor_user_id": "$number"},
    ),
    # Discord exports
    PersonColumns(
        "raw_discord.messages",
        "'discord:' || author_id",
        {
            "author_id": "$key",
            "author_name": "$label",
            "author_discriminator": "null",
            "author_nickname": "null",
            "author_roles_json": "null",
            "content": _text("content"),
        },
    ),
    PersonColumns(
        "raw_discord.reactors",
        "'discord:' || user_id",
        {
            "user_id": "$key",
            "user_name": "$label",
            "user_discriminator": "null",
            "user_nickname": "null",
        },
        unique=("channel_id", "message_id", "emoji", "user_id"),
    ),
    # Slack exports
    PersonColumns(
        "raw_slack.users",
        "'slack:' || user_id",
        {
            "user_id": "$key",
            "name": "null",
            "real_name": "null",
            "display_name": "$label",
            "email": "null",
            "phone": "null",
            "tz": "null",
        },
        unique=("user_id",),
    ),
    PersonColumns(
        "raw_slack.messages",
        "'slack:' || coalesce(user_id, bot_id)",
        {
            "user_id": _kept_null("user_id", "$key"),
            "bot_id": "case when user_id is null then $key else bot_id end",
            "username": "null",
            "text": _text("text"),
        },
    ),
    PersonColumns(
        "raw_slack.reactors",
        "'slack:' || user_id",
        {"user_id": "$key"},
        unique=("channel_id", "ts", "reaction", "user_id"),
    ),
    PersonColumns("raw_slack.channels", "'slack:' || creator", {"creator": "$key"}),
    # VK
    PersonColumns(
        "raw_vk.profiles",
        "'vk:' || profile_id",
        {
            "profile_id": "$number",
            "first_name": "$label",
            "last_name": "null",
            "name": "$label",
            "screen_name": "null",
        },
        unique=("profile_id",),
    ),
    PersonColumns(
        "raw_vk.posts", "'vk:' || from_id", {"from_id": "$number", "text": _text("text")}
    ),
    PersonColumns("raw_vk.posts", "'vk:' || signer_id", {"signer_id": "$number"}),
    PersonColumns("raw_vk.posts", "'vk:' || created_by", {"created_by": "$number"}),
    PersonColumns(
        "raw_vk.comments", "'vk:' || from_id", {"from_id": "$number", "text": _text("text")}
    ),
    PersonColumns("raw_vk.comments", "'vk:' || reply_to_user", {"reply_to_user": "$number"}),
    PersonColumns(
        "raw_vk.post_likers",
        "'vk:' || liker_id",
        {"liker_id": "$number"},
        unique=("owner_id", "post_id", "liker_id"),
    ),
    PersonColumns(
        "raw_vk.membership_changes",
        "'vk:' || user_id",
        {"user_id": "$number"},
        unique=("group_id", "user_id", "changed_unixtime"),
    ),
    # CSV lists (identity ids are made by the loader)
    PersonColumns(
        "raw_csv.identities",
        "identity_id",
        {
            "identity_id": "$id",
            "external_user_id": "$key",
            "handle": "null",
            "display_name": "$label",
            "email": "null",
            "phone": "null",
            "tags_json": "null",
        },
        unique=("identity_id", "source_file"),
    ),
    PersonColumns("raw_csv.activities", "identity_id", {"identity_id": "$id"}),
    PersonColumns(
        "raw_csv.content",
        "author_identity_id",
        {"author_identity_id": "$id", "text": _text("text")},
    ),
    PersonColumns(
        "raw_csv.registrations",
        "identity_id",
        {"identity_id": "$id", "person_key": "$key"},
        unique=("event_id", "person_key", "source_file"),
    ),
    # event sources: Zoom reports, Google Forms, Timepad
    PersonColumns(
        "raw_zoom.participants",
        "'zoom:' || person_key",
        {"person_key": "$key", "display_name": "$label", "original_name": "null", "email": "null"},
        unique=("event_id", "person_key"),
    ),
    PersonColumns(
        "raw_zoom.meetings",
        "'zoom:' || lower(host_email)",
        {"host_email": "null", "host_name": "null"},
    ),
    PersonColumns(
        "raw_gforms.registrations",
        "'gforms:' || person_key",
        {
            "person_key": "$key",
            "display_name": "$label",
            "email": "null",
            "phone": "null",
            "handle": "null",
            "answers_json": "null",
        },
        unique=("event_id", "person_key"),
    ),
    PersonColumns(
        "raw_timepad.tickets",
        _TIMEPAD_PERSON,
        {
            # the key takes the e-mail's place: the holder stays the same (pseudonymous) person
            "email": "$key",
            "phone": "null",
            "first_name": "$label",
            "last_name": "null",
            "handle": "null",
            "answers": "null",
        },
    ),
    PersonColumns("raw_timepad.orders", "'timepad:' || mail", {"mail": "$key"}),
)

# The app's tables (forms): ids are identity ids or member ids (a member id is one).
APP_COLUMNS: tuple[PersonColumns, ...] = (
    PersonColumns(
        "app.people",
        "identity_id",
        {
            "identity_id": "$id",
            "display_name": "$label",
            "email": "null",
            "phone": "null",
            "handle": "null",
        },
    ),
    PersonColumns("app.event_attendance", "identity_id", {"identity_id": "$id"}),
    PersonColumns("app.feedback", "identity_id", {"identity_id": "$id", "text": "null"}),
    PersonColumns(
        "app.member_profiles",
        "member_id",
        {"member_id": "$id", "display_name": "null", "notes": "null"},
    ),
    PersonColumns("app.member_tags", "member_id", delete=True),
    PersonColumns("app.member_roles", "member_id", {"member_id": "$id", "note": "null"}),
    PersonColumns("app.member_merges", "kept_member_id", {"kept_member_id": "$id"}),
    PersonColumns("app.member_merges", "merged_member_id", {"merged_member_id": "$id"}),
)

# Free text the team writes in forms, where someone may be named: their e-mail, phone, handle
# or full name is replaced by the pseudonym's label. A partner's contact line that names them
# is removed whole (the person was that partner's contact).
MENTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "app.events": ("title", "place", "organisers", "co_hosts", "backup_actions"),
    "app.event_followups": ("owner", "note"),
    "app.partners": ("owner", "partner_offers", "our_offer", "note"),
    "app.partner_stage_changes": ("note",),
    "app.partner_interactions": ("summary", "next_step", "owner"),
    "app.partner_agreements": ("title", "our_responsibilities", "partner_responsibilities"),
    "app.joint_projects": ("description",),
    "app.project_outcomes": ("note",),
    "app.member_roles": ("note",),
    "app.feedback": ("text",),
    "app.source_runs": ("message",),
}
CONTACT_COLUMNS = {"app.partners": ("contact",)}
# fields of an audit line that hold what a form said about a person
PERSONAL_FIELDS = frozenset(
    {"display_name", "email", "phone", "handle", "notes", "note", "text", "tag", "name"}
)


# --- pseudonyms and the keyed list ------------------------------------------------------------


@dataclass(frozen=True)
class Pseudonym:
    identity_id: str  # e.g. "telegram:user4611686018427387913"
    key: str  # the platform part: "user4611686018427387913"
    number: int  # the same as a number, for columns of numeric ids
    label: str  # "Forgotten member 3f9c2a61"
    member_id: str  # the member id all the person's accounts carry


def privacy_key_path() -> Path:
    return data_dir() / "privacy.key"


def _key(create: bool = False) -> bytes | None:
    """The key of the forgotten list's hashes (mode 600, beside the data; backups keep it)."""
    path = privacy_key_path()
    if not path.exists():
        if not create:
            return None
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _hash(key: bytes, identity_id: str) -> str:
    return hmac.new(key, identity_id.encode(), hashlib.sha256).hexdigest()


def _new_pseudonym(identity_id: str, label: str) -> tuple[str, str, int]:
    """(pseudonymous identity id, key, number) of the same shape as the account's own id, so the
    models treat it alike (a Telegram `user…` stays a person, a name-only account a name)."""
    platform, _sep, original = identity_id.partition(":")
    number = _NUMBER_BASE + secrets.randbelow(_NUMBER_BASE - 1)
    shaped = re.fullmatch(r"([A-Za-z]+)\d+", original)
    if original.startswith("name:"):
        key = f"name:{label}"
    elif shaped:
        key = f"{shaped.group(1)}{number}"
    elif re.fullmatch(r"-?\d+", original):
        number = -number if original.startswith("-") else number
        key = str(number)
    else:
        key = f"forgotten-{secrets.token_hex(8)}"
    return f"{platform}:{key}", key, number


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)


def _lookup(con: duckdb.DuckDBPyConnection) -> tuple[bytes, dict[str, Pseudonym]]:
    """The key and hash → pseudonym of every forgotten account ({} when nobody was)."""
    if ("privacy", "forgotten_identities") not in _tables(con):
        return b"", {}
    rows = con.execute(
        "select identity_hash, pseudonym_id, pseudonym_key, pseudonym_number, label,"
        " member_pseudonym from privacy.forgotten_identities"
    ).fetchall()
    if not rows:
        return b"", {}
    key = _key()
    if key is None:
        raise PrivacyKeyMissing(
            f"{privacy_key_path()} is missing, so the people forgotten earlier can't be "
            "recognised in new loads. Put it back from a backup of this data folder."
        )
    return key, {row[0]: Pseudonym(*row[1:]) for row in rows}


# --- scrubbing --------------------------------------------------------------------------------


def _params(sql: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Only the named parameters `sql` uses (DuckDB refuses extra ones)."""
    used = set(re.findall(r"\$([a-z_]+)", sql))
    return {name: value for name, value in values.items() if name in used}


def _tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return {
        (schema, name)
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables()"
            " where database_name = current_database()"
        ).fetchall()
    }


def _tracking_codes(con: duckdb.DuckDBPyConnection, existing: set[tuple[str, str]]) -> list[str]:
    if ("core", "project_tracking_codes") not in existing:
        return []
    rows = con.execute(
        "select distinct match_key from core.project_tracking_codes where match_key <> ''"
    ).fetchall()
    return [r[0] for r in rows]


class _Scrubber:
    """One pass over some schemas: finds the rows naming forgotten accounts and rewrites them."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, key: bytes, lookup: Mapping[str, Pseudonym]
    ) -> None:
        self.con = con
        self.key = key
        self.lookup = lookup
        self.existing = _tables(con)
        self.codes = _tracking_codes(con, self.existing)
        self.changed: dict[str, int] = {}

    def _count(self, table: str, rows: int) -> None:
        if rows:
            self.changed[table] = self.changed.get(table, 0) + rows

    def _identity(self, schema: str, spec: PersonColumns) -> str:
        """The spec's identity SQL for `schema`; a staging copy lacking a table it reads (the
        Timepad orders) reads the main schema's."""
        base = schema.removesuffix("_staging")
        orders_here = (schema, "orders") in self.existing
        return spec.identity.format(schema=schema if orders_here else base)

    def _matches(self, schema: str, spec: PersonColumns) -> dict[str, Pseudonym]:
        identity = self._identity(schema, spec)
        found = self.con.execute(
            f"select distinct {identity} as identity_id from {schema}.{spec.name} as {spec.name}"
            f" where {identity} is not null"
        ).fetchall()
        matched = {}
        for (identity_id,) in found:
            pseudonym = self.lookup.get(_hash(self.key, identity_id))
            if pseudonym is not None and identity_id != pseudonym.identity_id:
                matched[identity_id] = pseudonym
        return matched

    def run(self, specs: Iterable[PersonColumns], schemas: Iterable[str]) -> None:
        for schema in schemas:
            base = schema.removesuffix("_staging")
            present = [s for s in specs if s.schema == base and (schema, s.name) in self.existing]
            planned = [(spec, self._matches(schema, spec)) for spec in present]
            if base == "raw_telegram":
                self._telegram_names(schema, planned)
            if base == "raw_tgbot":
                self._bot_updates(schema, planned)
            if base == "raw_slack":
                self._slack_mentions(schema, planned)
            for spec, matched in planned:
                for original, pseudonym in matched.items():
                    self._apply(schema, spec, original, pseudonym)

    def _apply(self, schema: str, spec: PersonColumns, original: str, p: Pseudonym) -> None:
        table = f"{schema}.{spec.name}"
        identity = self._identity(schema, spec)
        values = {
            "old": original,
            "id": p.identity_id,
            "key": p.key,
            "number": p.number,
            "label": p.label,
            "codes": self.codes,
        }
        target = f"{table} as {spec.name}"
        if spec.delete:
            sql = f"delete from {target} where {identity} = $old"
        else:
            sets = ", ".join(f"{column} = {value}" for column, value in spec.assign.items())
            sql = f"update {target} set {sets} where {identity} = $old"
        rows = self.con.execute(sql, _params(sql, values)).fetchone()[0]
        self._count(table, rows)
        if spec.unique and not spec.delete:
            # a re-loaded row and the row rewritten before are one row now: keep the newer
            key_columns = ", ".join(spec.unique)
            sql = (
                f"delete from {table} where {identity} = $id and rowid not in ("
                f"select max(rowid) from {table} where {identity} = $id group by {key_columns})"
            )
            self.con.execute(sql, _params(sql, values))

    def _telegram_names(self, schema: str, planned: list) -> None:
        """Service messages list people by name (invited, removed) and channel posts carry a
        signature: the names only forgotten accounts went by become their label, so the models
        still match those lists to the (pseudonymous) account."""
        matched = {o: p for _spec, found in planned for o, p in found.items()}
        if not matched or (schema, "messages") not in self.existing:
            return
        users: dict[str, set[str]] = {}
        for name, identity_id in self.con.execute(
            f"select from_name, 'telegram:' || coalesce(from_id, 'name:' || from_name)"
            f" from {schema}.messages where from_name is not null"
            f" union select actor, 'telegram:' || coalesce(actor_id, 'name:' || actor)"
            f" from {schema}.messages where actor is not null"
            + (
                f" union select reactor_name, 'telegram:' || reactor_key from {schema}.reactors"
                f" where reactor_name is not null"
                if (schema, "reactors") in self.existing
                else ""
            )
        ).fetchall():
            users.setdefault(name, set()).add(identity_id)
        labels: dict[str, str] = {}
        for name, identities in users.items():
            owners = {matched[i].label for i in identities if i in matched}
            if len(owners) == 1 and identities <= matched.keys():
                labels[name] = owners.pop()
        # people known only from such lists (no id, never wrote): 'telegram:name:<name>'
        for (name,) in self.con.execute(
            f"select distinct unnest(from_json(members_json, '[\"VARCHAR\"]'))"
            f" from {schema}.messages where members_json is not null"
        ).fetchall():
            if name is None or name in labels:
                continue
            pseudonym = self.lookup.get(_hash(self.key, f"telegram:name:{name}"))
            if pseudonym is not None:
                labels[name] = pseudonym.label
        if not labels:
            return
        names = list(labels)
        listed = self.con.execute(
            f"select rowid, members_json from {schema}.messages where members_json is not null"
            " and list_has_any(from_json(members_json, '[\"VARCHAR\"]'), $names::varchar[])",
            {"names": names},
        ).fetchall()
        for rowid, members_json in listed:
            members = [labels.get(m, m) for m in json.loads(members_json)]
            self.con.execute(
                f"update {schema}.messages set members_json = ? where rowid = ?",
                [json.dumps(members, ensure_ascii=False), rowid],
            )
        self._count(f"{schema}.messages", len(listed))
        for column in ("author", "forwarded_from", "inviter"):
            for name, label in labels.items():
                rows = self.con.execute(
                    f"update {schema}.messages set {column} = ? where {column} = ?", [label, name]
                ).fetchone()[0]
                self._count(f"{schema}.messages", rows)

    def _bot_updates(self, schema: str, planned: list) -> None:
        """The bot keeps each update as received (JSON): those naming a forgotten account's
        Telegram id are emptied (no model reads them; the parsed tables hold what counts)."""
        if (schema, "updates") not in self.existing:
            return
        ids = {
            digits.group(1)
            for _spec, found in planned
            for original in found
            if (digits := re.fullmatch(r"telegram:[a-z]+(\d+)", original))
        }
        for telegram_id in ids:
            rows = self.con.execute(
                f"update {schema}.updates set update_json = null"
                " where regexp_matches(update_json, ?)",
                [rf'"id":\s*-?{telegram_id}\b'],
            ).fetchone()[0]
            self._count(f"{schema}.updates", rows)

    def _slack_mentions(self, schema: str, planned: list) -> None:
        """Slack writes a mention as <@U123>: point those at the pseudonym too."""
        if (schema, "messages") not in self.existing:
            return
        for _spec, found in planned:
            for original, pseudonym in found.items():
                user = original.removeprefix("slack:")
                rows = self.con.execute(
                    f"update {schema}.messages set text = regexp_replace(text, ?, ?, 'g')"
                    " where contains(text, ?)",
                    [rf"<@{re.escape(user)}(\|[^>]*)?>", f"<@{pseudonym.key}>", f"<@{user}"],
                ).fetchone()[0]
                self._count(f"{schema}.messages", rows)


def _raw_schemas(con: duckdb.DuckDBPyConnection, only: str | None = None) -> list[str]:
    """Raw schemas with their dlt staging copies, e.g. raw_telegram, raw_telegram_staging."""
    schemas = {schema for schema, _name in _tables(con) if schema.startswith("raw_")}
    if only is not None:
        schemas = {s for s in schemas if s.removesuffix("_staging") == only}
    return sorted(schemas)


def _connect() -> duckdb.DuckDBPyConnection:
    """A read-write connection for a caller that holds the writer's lock already."""
    config = {"memory_limit": WRITE_MEMORY_LIMIT, "preserve_insertion_order": False}
    con = duckdb.connect(str(warehouse_path()), config=config)
    con.execute("SET TimeZone = 'UTC'")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def compact_warehouse() -> None:
    """Rewrite the warehouse file with only what it holds now. DuckDB leaves deleted and
    overwritten rows in the file's free blocks until it reuses them; a copy has none of them.
    The caller holds the writer's lock and no connection is open."""
    path = warehouse_path()
    fresh = path.with_name(f".compact-{uuid.uuid4().hex[:8]}.duckdb")
    spill = path.with_name(f".compact-{uuid.uuid4().hex[:8]}.tmp")
    con = duckdb.connect(config={"memory_limit": WRITE_MEMORY_LIMIT, "temp_directory": str(spill)})
    try:
        # paths come from the settings, not from a person; ATTACH takes no parameters
        con.execute(f"ATTACH {_literal(str(path))} AS worn (READ_ONLY)")
        con.execute(f"ATTACH {_literal(str(fresh))} AS fresh")
        con.execute("COPY FROM DATABASE worn TO fresh")
        con.execute("DETACH fresh")
        con.execute("DETACH worn")
        con.close()
        os.replace(fresh, path)
    finally:
        con.close()
        fresh.unlink(missing_ok=True)
        fresh.with_suffix(".duckdb.wal").unlink(missing_ok=True)
        shutil.rmtree(spill, ignore_errors=True)
    # DuckDB's spill files of earlier queries may hold rows too
    shutil.rmtree(path.with_suffix(".duckdb.tmp"), ignore_errors=True)


def scrub_after_load(pipeline: str, dataset: str) -> int:
    """Rewrite rows of forgotten people a load just brought back into `dataset` (and its staging
    copy), and drop that pipeline's finished load packages, which hold them too.

    Called by pipelines/load.py right after dlt's load, while it holds the writer's lock (so
    this opens DuckDB directly). When it changed anything, the warehouse file is compacted so
    the rows it overwrote are gone from the file too. Returns the rows changed (0 when nobody
    was forgotten).
    """
    con = _connect()
    try:
        key, lookup = _lookup(con)
        if not lookup:
            return 0
        con.execute("BEGIN TRANSACTION")
        try:
            scrubber = _Scrubber(con, key, lookup)
            scrubber.run(RAW_COLUMNS, _raw_schemas(con, dataset))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    changed = sum(scrubber.changed.values())
    if changed:
        log.info("%s: rewrote %d rows of forgotten people", dataset, changed)
        delete_load_packages(pipeline)
        compact_warehouse()
    return changed


def delete_load_packages(pipeline: str | None = None) -> list[Path]:
    """dlt keeps every finished load package (Parquet copies of the rows) under
    `<data>/dlt/<pipeline>/load/loaded/`: nothing reads them again, so they go."""
    root = data_dir() / "dlt"
    folders = [root / pipeline] if pipeline else sorted(p for p in root.glob("*") if p.is_dir())
    removed = []
    for folder in folders:
        for package in sorted((folder / "load" / "loaded").glob("*")):
            shutil.rmtree(package, ignore_errors=True)
            removed.append(package)
        trace = folder / "trace.pickle"  # the last run's trace may quote rows
        if trace.exists():
            trace.unlink()
            removed.append(trace)
    return removed


# --- forgetting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    identity_id: str
    platform: str
    handle: str | None
    display_name: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class ForgetPreview:
    """What forgetting a member removes and what stays counted (for the confirmation)."""

    member_id: str
    display_name: str | None
    accounts: list[Account]
    activities: dict[str, int]  # activity type → count: these stay, pseudonymous
    roles: int
    feedback_items: int
    texts: int  # messages and posts with text: the text goes
    tags: int
    has_notes: bool


@dataclass(frozen=True)
class Leftover:
    """Something that may still hold the person's data and that this could not change."""

    kind: str  # backup | source_file | bot_page | others_texts
    path: str = ""

    def describe(self) -> str:
        return {
            "backup": f"a backup taken earlier still holds them: {self.path}",
            "source_file": (
                f"an export file configured as a source still holds them: {self.path} (they "
                "are rewritten again whenever it loads; replace or delete the file yourself)"
            ),
            "bot_page": f"a saved Telegram bot page not loaded yet holds them: {self.path}",
            "others_texts": (
                "other people's messages and notes that mention them by a single first name "
                "or in their own words are not changed"
            ),
        }.get(self.kind, f"{self.kind}: {self.path}")


@dataclass(frozen=True)
class ForgetReport:
    pseudonym_id: str  # the member id their counts carry now
    label: str  # the name shown instead of theirs
    accounts: int
    rows_changed: dict[str, int]  # table → rows rewritten or removed
    audit_lines: int  # audit lines whose personal values were removed
    files_deleted: list[str]  # relative to the data folder
    files_cleaned: list[str]  # logs and the refresh runs' list, their mentions replaced
    left_behind: list[Leftover]

    def lines(self) -> list[str]:
        """The report in words, for the command line."""
        lines = [
            f"forgot a member with {self.accounts} account(s); their activity now counts as "
            f"{self.label} ({self.pseudonym_id})",
            f"rows rewritten or removed: {sum(self.rows_changed.values())}"
            + "".join(f"\n  {table}: {rows}" for table, rows in sorted(self.rows_changed.items())),
            f"audit lines cleaned: {self.audit_lines}",
            f"files deleted: {len(self.files_deleted)}"
            + "".join(f"\n  {path}" for path in self.files_deleted),
            f"files cleaned: {len(self.files_cleaned)}"
            + "".join(f"\n  {path}" for path in self.files_cleaned),
        ]
        lines += [f"not removed: {leftover.describe()}" for leftover in self.left_behind]
        return lines


_MEMBER_SQL = """
select i.identity_id, i.platform, i.handle, i.display_name, i.email, i.phone
from core.identities as i
where i.member_id = (select member_id from core.member_aliases where alias_id = $member_id)
order by i.identity_id
"""


def _accounts(con: duckdb.DuckDBPyConnection, member_id: str) -> list[Account]:
    if ("core", "identities") not in _tables(con):
        return []
    return [Account(*row) for row in con.execute(_MEMBER_SQL, {"member_id": member_id}).fetchall()]


def _current_member(con: duckdb.DuckDBPyConnection, member_id: str) -> str | None:
    found = con.execute(
        "select member_id from core.member_aliases where alias_id = ?", [member_id]
    ).fetchone()
    return found[0] if found else None


def forget_preview(member_id: str) -> ForgetPreview:
    """What `forget_member(member_id)` would remove and keep; UnknownMember if nobody."""
    with read_connection() as con:
        accounts = _accounts(con, member_id)
        current = _current_member(con, member_id) if accounts else None
        if current is None:
            raise UnknownMember(member_id)
        name, tags, notes = con.execute(
            "select display_name, len(tags), notes is not null from core.members"
            " where member_id = ?",
            [current],
        ).fetchone()
        activities = dict(
            con.execute(
                "select activity_type, count(*) from core.activities where member_id = ?"
                " group by activity_type order by activity_type",
                [current],
            ).fetchall()
        )
        roles = con.execute(
            "select count(*) from core.member_roles where member_id = ?", [current]
        ).fetchone()[0]
        texts = con.execute(
            "select count(*) from core.content where author_member_id = ? and text <> ''",
            [current],
        ).fetchone()[0]
        feedback = con.execute(
            "select count(*) from app.feedback as f"
            " join core.member_aliases as a on a.alias_id = f.identity_id where a.member_id = ?",
            [current],
        ).fetchone()[0]
    return ForgetPreview(current, name, accounts, activities, roles, feedback, texts, tags, notes)


def _searchable(accounts: Iterable[Account], names: Iterable[str | None]) -> list[str]:
    """Strings that surely mean this person in free text: e-mails, phones, handles, full names
    (a single first name would hit other people too)."""
    found: set[str] = set()
    full_names = list(names)
    for account in accounts:
        for value in (account.email, account.phone):
            if value and len(value.strip()) >= 5:
                found.add(value.strip())
        if account.handle and len(account.handle.strip().lstrip("@")) >= 3:
            found.add("@" + account.handle.strip().lstrip("@"))
        full_names.append(account.display_name)
    for name in full_names:
        if name and len(name.split()) >= 2 and len(name.strip()) >= 5:
            found.add(name.strip())
    return sorted(found, key=len, reverse=True)


def _replace_mentions(text: str, strings: Iterable[str], label: str) -> str:
    for value in strings:
        text = re.sub(re.escape(value), label, text, flags=re.IGNORECASE)
    return text


def _without_names(text: str, names: Iterable[str | None], strings: list[str], label: str) -> str:
    """The reason an admin typed, without the person's names, even a single first name: it is
    about them, so any of their names in it means them."""
    text = _replace_mentions(text.strip(), strings, label)
    names = {name.strip() for name in names if name and name.strip()}
    words = {word for name in names for word in name.split() if len(word) >= 2}
    for name in sorted(names | words, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", label, text, flags=re.IGNORECASE)
    return text


def _mentions(
    con: duckdb.DuckDBPyConnection, strings: list[str], label: str, changed: dict[str, int]
) -> None:
    """Free text of the team's forms naming the person: the name becomes the label; a partner's
    contact line naming them goes whole."""
    if not strings:
        return
    pattern = "|".join(re.escape(s) for s in strings)
    existing = _tables(con)
    for table, columns in [*MENTION_COLUMNS.items(), *CONTACT_COLUMNS.items()]:
        schema, name = table.split(".")
        if (schema, name) not in existing:
            continue
        whole = table in CONTACT_COLUMNS
        for column in columns:
            rows = con.execute(
                f"select rowid, {column} from {table} where regexp_matches({column}, ?, 'i')",
                [pattern],
            ).fetchall()
            for rowid, text in rows:
                value = None if whole else _replace_mentions(text, strings, label)
                con.execute(f"update {table} set {column} = ? where rowid = ?", [value, rowid])
            if rows:
                changed[table] = changed.get(table, 0) + len(rows)


def _clean_value(value: Any, ids: Mapping[str, str], strings: list[str], label: str) -> Any:
    if isinstance(value, str):
        value = ids.get(value, value)
        return _replace_mentions(value, strings, label) if strings else value
    if isinstance(value, list):
        return [_clean_value(v, ids, strings, label) for v in value]
    if isinstance(value, dict):
        return {k: _clean_value(v, ids, strings, label) for k, v in value.items()}
    return value


def _clean_audit(
    con: duckdb.DuckDBPyConnection, ids: Mapping[str, str], strings: list[str], label: str
) -> int:
    """Audit lines keep who changed what and when, but not what a form said about the person:
    their ids become the pseudonym's, their personal fields are emptied, their name replaced."""
    needles = [*ids, *strings]
    if not needles or ("app", "audit_log") not in _tables(con):
        return 0
    pattern = "|".join(re.escape(json.dumps(n, ensure_ascii=False)[1:-1]) for n in needles)
    rows = con.execute(
        "select rowid, row_key, changed_values from app.audit_log"
        " where regexp_matches(row_key, $p, 'i')"
        " or regexp_matches(coalesce(changed_values, ''), $p, 'i')",
        {"p": pattern},
    ).fetchall()
    pseudonyms = set(ids.values())
    for rowid, row_key, changed_values in rows:
        key = _clean_value(json.loads(row_key), ids, strings, label)
        values = _clean_value(json.loads(changed_values or "{}"), ids, strings, label)
        # a line about them: their id is in its key (a check-in) or its values (a feedback)
        about_them = any(
            isinstance(fields, dict) and bool(pseudonyms & set(map(str, fields.values())))
            for fields in (key, values)
        )
        if about_them:
            for fields in (key, values):
                if isinstance(fields, dict):
                    for name in PERSONAL_FIELDS & fields.keys():
                        fields[name] = None
        con.execute(
            "update app.audit_log set row_key = ?, changed_values = ? where rowid = ?",
            [
                json.dumps(key, ensure_ascii=False, sort_keys=True),
                None if changed_values is None else json.dumps(values, ensure_ascii=False),
                rowid,
            ],
        )
    return len(rows)


def forget_member(member_id: str, actor: str, reason: str = "") -> ForgetReport:
    """Delete a member's personal data everywhere, keeping their counts pseudonymously.

    Admins only (and the operator). Raises UnknownMember, AlreadyForgotten, NotAllowed, and
    ForgetIncomplete when the model build after it fails.
    """
    require_role(actor, "admin")
    from pipelines.sources import all_raw_tables  # the build needs every source's raw tables

    with write_lock():
        con = _connect()
        try:
            forgotten = _forget(con, member_id, actor, reason)
            build_error = None
            try:
                run_models(con, all_raw_tables())
            except ModelBuildError as exc:
                build_error = exc
        finally:
            con.close()
        compact_warehouse()  # what was overwritten leaves the file too
    mark_data_changed()
    if build_error is not None:
        raise ForgetIncomplete(
            "Their data was removed from the sources and the app's tables, but the models did "
            f"not rebuild ({build_error}); the pages show them until a build succeeds: run "
            "`python -m pipelines build`."
        ) from build_error
    accounts, strings, report = forgotten
    return replace(
        report,
        files_deleted=_delete_files(accounts, strings),
        files_cleaned=_clean_logs(accounts, strings, report.label),
        left_behind=_left_behind(accounts, strings),
    )


def _forget(
    con: duckdb.DuckDBPyConnection, member_id: str, actor: str, reason: str
) -> tuple[list[Account], list[str], ForgetReport]:
    """Everything in the warehouse, in one transaction: the keyed list, the rewritten rows, the
    merges tying the accounts, the cleaned audit lines and the audit line of this."""
    apply_entries(con)  # entries typed before this land first, and are cleaned with the rest
    accounts = _accounts(con, member_id)
    current = _current_member(con, member_id) if accounts else None
    if current is None:
        raise UnknownMember(member_id)
    _ensure_table(con)
    if con.execute(
        "select 1 from privacy.forgotten_identities where member_pseudonym = ?", [current]
    ).fetchone():
        raise AlreadyForgotten(member_id)
    profile_name = con.execute(
        "select display_name from core.members where member_id = ?", [current]
    ).fetchone()
    names = [profile_name[0] if profile_name else None, *(a.display_name for a in accounts)]
    strings = _searchable(accounts, names)
    plan = _plan(accounts, current)
    member, label = plan[current].member_id, plan[current].label
    key = _key(create=True)
    assert key is not None
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    try:
        con.executemany(
            "insert or replace into privacy.forgotten_identities values (?, ?, ?, ?, ?, ?, ?)",
            [
                [_hash(key, o), p.identity_id, p.key, p.number, p.label, p.member_id, now]
                for o, p in plan.items()
            ],
        )
        scrubber = _Scrubber(con, key, {_hash(key, o): p for o, p in plan.items()})
        scrubber.run(RAW_COLUMNS, _raw_schemas(con))
        scrubber.run(APP_COLUMNS, ["app"])
        changed = scrubber.changed
        _mentions(con, strings, label, changed)
        _tie_accounts(con, plan, member, actor, now)
        ids = {original: p.identity_id for original, p in plan.items()}
        audit_lines = _clean_audit(con, ids, strings, label)
        note = {
            "note": "forgot a member",
            "accounts": len(plan),
            "reason": _without_names(reason, names, strings, label) or None,
        }
        con.execute(
            "insert into app.audit_log values (?, ?, ?, 'members', 'forget', ?, ?)",
            [
                uuid.uuid4().hex,
                now,
                actor,
                json.dumps({"member_id": member}),
                json.dumps(note, ensure_ascii=False),
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    report = ForgetReport(member, label, len(plan), changed, audit_lines, [], [], [])
    return accounts, strings, report


def _plan(accounts: list[Account], current: str) -> dict[str, Pseudonym]:
    """A pseudonym per account; all carry the pseudonym of the member's own account as member."""
    label = LABEL.format(token=secrets.token_hex(4))
    shaped = {a.identity_id: _new_pseudonym(a.identity_id, label) for a in accounts}
    member = shaped[current][0] if current in shaped else next(iter(shaped.values()))[0]
    return {
        original: Pseudonym(identity_id, key, number, label, member)
        for original, (identity_id, key, number) in shaped.items()
    }


def _tie_accounts(
    con: duckdb.DuckDBPyConnection,
    plan: Mapping[str, Pseudonym],
    member: str,
    actor: str,
    now: datetime,
) -> None:
    """Their accounts were one member through e-mails, phones and handles, which are gone now:
    a merge per account keeps them one member, so distinct-member counts stay the same."""
    merged = [p.identity_id for p in plan.values() if p.identity_id != member]
    if not merged:
        return
    con.executemany(
        "insert into app.member_merges (merge_id, kept_member_id, merged_member_id, merged_by,"
        " merged_at) values (?, ?, ?, ?, ?)",
        [[uuid.uuid4().hex, member, identity_id, actor, now] for identity_id in merged],
    )


# --- files --------------------------------------------------------------------------------------


def _file_needles(accounts: Iterable[Account], strings: Iterable[str]) -> list[bytes]:
    """What marks a file as holding the person: their platform ids and the searchable strings."""
    needles = set(strings)
    for account in accounts:
        platform_id = account.identity_id.partition(":")[2].removeprefix("name:")
        # a short number would be found in unrelated files
        if len(platform_id) >= (6 if platform_id.lstrip("-").isdigit() else 4):
            needles.add(platform_id)
    return sorted({n.lower().encode() for n in needles if n}, key=len, reverse=True)


def mentions_file(path: Path, needles: list[bytes]) -> bool:
    """Whether a file holds any needle (case-insensitive), read in chunks."""
    if not needles:
        return False
    overlap = max(len(n) for n in needles)
    tail = b""
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 22), b""):
                window = (tail + chunk).lower()
                if any(n in window for n in needles):
                    return True
                tail = window[-overlap:]
    except OSError:
        return False
    return False


def _delete_files(accounts: list[Account], strings: list[str]) -> list[str]:
    """Copies under the data folder: dlt's load packages, saved uploads, rejected form entries,
    saved bot pages already loaded."""
    root = data_dir()
    needles = _file_needles(accounts, strings)
    deleted = delete_load_packages()
    candidates = [
        *sorted((root / "uploads").glob("*")),
        *sorted(inbox_dir().glob("*.rejected")),
        *sorted(inbox_dir().glob("*.bad")),
        *sorted((root / "raw").rglob("*.json")),
    ]
    for path in candidates:
        if not path.is_file() or not mentions_file(path, needles):
            continue
        if path.is_relative_to(root / "raw") and not _page_loaded(path):
            continue  # a bot page not loaded yet is the only copy of others' updates: reported
        path.unlink()
        deleted.append(path)
    return [p.relative_to(root).as_posix() for p in deleted]


def _clean_logs(accounts: list[Account], strings: list[str], label: str) -> list[str]:
    """The refresh log (and its rotated files) and the control store's list of refresh runs may
    quote a source's message naming them: those mentions become the label."""
    from warehouse.control import control_connection

    root = data_dir()
    needles = sorted(
        {n.decode() for n in _file_needles(accounts, strings)} | set(strings), key=len, reverse=True
    )
    cleaned = []
    for path in sorted((root / "logs").glob("*")):
        if not path.is_file() or not mentions_file(path, [n.lower().encode() for n in needles]):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        temporary = path.with_name(f".{path.name}.cleaning")
        temporary.write_text(_replace_mentions(text, needles, label), encoding="utf-8")
        os.replace(temporary, path)
        cleaned.append(path.relative_to(root).as_posix())
    with control_connection() as con:
        runs = con.execute("SELECT run_id, errors, rows_by_source FROM refresh_runs").fetchall()
        changed = 0
        for run_id, errors, by_source in runs:
            new = [_replace_mentions(v, needles, label) if v else v for v in (errors, by_source)]
            if new != [errors, by_source]:
                con.execute(
                    "UPDATE refresh_runs SET errors = ?, rows_by_source = ? WHERE run_id = ?",
                    [*new, run_id],
                )
                changed += 1
    if changed:
        with control_connection() as con:
            # SQLite keeps overwritten rows in free pages (and its WAL) until these
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.execute("VACUUM")
        cleaned.append("control.sqlite (refresh runs)")
    return cleaned


def _page_loaded(page: Path) -> bool:
    """A saved Telegram bot page whose every update is in raw_tgbot.updates."""
    try:
        updates = json.loads(page.read_bytes()).get("result", [])
        ids = [int(u["update_id"]) for u in updates]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    if not ids:
        return True
    try:
        with read_connection() as con:
            if ("raw_tgbot", "updates") not in _tables(con):
                return False
            found = con.execute(
                "select count(distinct update_id) from raw_tgbot.updates"
                " where update_id in (select unnest($ids::bigint[]))",
                {"ids": ids},
            ).fetchone()[0]
    except (duckdb.Error, WarehouseEmpty):
        return False
    return found == len(set(ids))


def _left_behind(accounts: list[Account], strings: list[str]) -> list[Leftover]:
    from pipelines import config

    root = data_dir()
    needles = _file_needles(accounts, strings)
    left = [
        Leftover("backup", str(path))
        for path in sorted((root / "backups").glob("*"))
        if path.is_dir() and not path.name.startswith(".")
    ]
    try:
        sources = config.load_sources()
    except config.ConfigError:
        sources = []
    for source in sources:
        if not source.is_file_source:
            continue
        for path in source.files():
            if path.is_file() and mentions_file(path, needles):
                left.append(Leftover("source_file", str(path)))
    left += [
        Leftover("bot_page", str(page))
        for page in sorted((root / "raw").rglob("*.json"))
        if mentions_file(page, needles)
    ]
    left.append(Leftover("others_texts"))
    return left
