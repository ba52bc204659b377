"""Members: the directory, one member's profile, the manager's edits, merging and undoing it.

A member is one person across platforms (core.members); the accounts behind them are linked by
e-mail and phone automatically (core.identities), and by the manager's merges here. Edits and
merges are app-entered rows (app.member_profiles, app.member_tags, app.member_merges) that the
models apply, so every KPI sees them after the rebuild that follows each entry. Writes validate
first (every problem named by field, nothing saved), then go through the form-entry inbox
(warehouse.app_data) like every other form. Reads are cached results of sql/kpis/member_*.sql.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from warehouse import queries, roles
from warehouse.app_data import Change, Submitted, submit
from warehouse.connection import WarehouseBusy, has_table, read_connection
from warehouse.events import InvalidEntry
from warehouse.i18n import N_, _, number
from warehouse.kpis import run_kpi_query
from warehouse.periods import today_in

LEVELS = ("Leading", "Contributing", "Participating", "Exploring")
NO_LEVEL = "none"  # the directory's filter for members with no level now
# the levels are code words in the data: pages show them as `_(LEVEL_LABELS[level])`
LEVEL_LABELS = {
    "Leading": N_("Leading"),
    "Contributing": N_("Contributing"),
    "Participating": N_("Participating"),
    "Exploring": N_("Exploring"),
    NO_LEVEL: N_("No level"),
}
WHO = ("members", "team", "bots")
MAX_NAME = 200
MAX_NOTES = 2000
MAX_TAG = 40
MAX_TAGS = 30
MAX_SEARCH = 200
PAGE_SIZE = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class UnknownMember(LookupError):
    pass


class UnknownMerge(LookupError):
    pass


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _query(name: str, params: dict[str, Any], key: tuple, needs: tuple[str, ...]) -> pl.DataFrame:
    """A cached sql/kpis query; an empty frame while the tables it needs are not built yet."""

    def compute() -> pl.DataFrame | None:
        with read_connection() as con:
            if not all(has_table(con, *table.split(".")) for table in needs):
                return None
            return run_kpi_query(con, name, params)

    found = queries.cached(key, compute)
    return found if found is not None else pl.DataFrame()


_CORE = ("core.members", "core.member_aliases")


def current_month() -> date:
    """The first day of this month in the community's time zone (the level shown as "now")."""
    return today_in(queries.timezone()).replace(day=1)


# --- the directory -------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryFilter:
    """What the directory is narrowed to; None (or empty text) filters nothing. Days are the
    community's local days, both ends included."""

    query: str = ""
    level: str | None = None  # one of LEVELS, or NO_LEVEL
    role: str | None = None
    channel_id: str | None = None
    tag: str | None = None
    who: str | None = None  # one of WHO
    joined_from: date | None = None
    joined_to: date | None = None
    active_from: date | None = None
    active_to: date | None = None


def validate_filter(wanted: DirectoryFilter) -> dict[str, str]:
    """Field → what is wrong with the directory's filters (empty when they can be used)."""
    errors: dict[str, str] = {}
    if len(wanted.query) > MAX_SEARCH:
        errors["query"] = _("Search for at most {count} characters.", count=number(MAX_SEARCH))
    if wanted.level is not None and wanted.level not in (*LEVELS, NO_LEVEL):
        errors["level"] = _("There is no such level.")
    if wanted.who is not None and wanted.who not in WHO:
        errors["who"] = _("Choose members, team or bots.")
    for first, last, field in (
        (wanted.joined_from, wanted.joined_to, "joined"),
        (wanted.active_from, wanted.active_to, "active"),
    ):
        if first is not None and last is not None and last < first:
            errors[field] = _("The last day is before the first.")
    return errors


def _day_start(day: date | None, zone: str) -> datetime | None:
    """The start of a local day as naive UTC (how the warehouse stores time)."""
    if day is None:
        return None
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def _day_end(day: date | None, zone: str) -> datetime | None:
    return _day_start(day + timedelta(days=1), zone) if day is not None else None


def _role_members(role: str | None) -> list[str] | None:
    """Members holding `role` today (warehouse/roles.py); None: no role asked for."""
    if role is None:
        return None
    held = roles.current_holders()
    if held.is_empty():
        return []
    return held.filter(pl.col("role") == role)["member_id"].unique().to_list()


def directory(
    wanted: DirectoryFilter = DirectoryFilter(), limit: int = PAGE_SIZE, offset: int = 0
) -> pl.DataFrame:
    """One page of members matching `wanted`, most recently active first, with `matches` (how
    many match in all) on every row; raises InvalidEntry for filters that make no sense."""
    errors = validate_filter(wanted)
    if errors:
        raise InvalidEntry(errors)
    zone = queries.timezone()
    params = {
        "query": wanted.query.strip() or None,
        "level": wanted.level,
        "month": current_month(),
        "role_members": _role_members(wanted.role),
        "channel": wanted.channel_id,
        "tag": wanted.tag,
        "who": wanted.who,
        "joined_from": _day_start(wanted.joined_from, zone),
        "joined_to": _day_end(wanted.joined_to, zone),
        "active_from": _day_start(wanted.active_from, zone),
        "active_to": _day_end(wanted.active_to, zone),
        "limit": limit,
        "offset": offset,
    }
    key = ("member_directory", wanted, limit, offset, params["month"], repr(params["role_members"]))
    return _query("member_directory", params, key, (*_CORE, "marts.member_levels"))


def search(text: str, limit: int = 20, exclude: str | None = None) -> pl.DataFrame:
    """Members whose name, handle or e-mail contains `text` (for picking whom to merge)."""
    if not text.strip():
        return pl.DataFrame()
    found = directory(DirectoryFilter(query=text[:MAX_SEARCH]), limit=limit + 1)
    if not found.is_empty() and exclude is not None:
        found = found.filter(pl.col("member_id") != exclude)
    return found.head(limit)


def tag_choices() -> list[str]:
    """Every tag some member has, the most used first."""
    found = _query("member_tag_choices", {}, ("member_tag_choices",), ("core.members",))
    return found["tag"].to_list() if not found.is_empty() else []


# --- one member ----------------------------------------------------------------------------


def member(member_id: str) -> dict[str, Any] | None:
    """The member behind an id (also one merged since: then member_id is the kept member's),
    with the platforms' name and flags, tags by origin and the level now; None if unknown."""
    month = current_month()
    found = _query(
        "member_profile",
        {"member_id": member_id, "month": month},
        ("member_profile", member_id, month),
        (*_CORE, "marts.member_levels", "core.events"),
    )
    return None if found.is_empty() else found.row(0, named=True)


def accounts(member_id: str) -> pl.DataFrame:
    """The accounts behind a member: platform, handle, name, e-mail, phone."""
    return _query(
        "member_accounts", {"member_id": member_id}, ("member_accounts", member_id), _CORE
    )


def timeline(member_id: str, limit: int = PAGE_SIZE, offset: int = 0) -> pl.DataFrame:
    """What the member did, newest first, one page: when, what, where (channel or event), the
    message's text; `total` on every row."""
    return _query(
        "member_timeline",
        {"member_id": member_id, "limit": limit, "offset": offset},
        ("member_timeline", member_id, limit, offset),
        (*_CORE, "core.events", "core.content", "core.channels"),
    )


def level_history(member_id: str) -> pl.DataFrame:
    """The member's score and level month by month."""
    return _query(
        "member_level_history",
        {"member_id": member_id},
        ("member_level_history", member_id),
        ("core.member_aliases", "marts.member_levels"),
    )


def roles_of(member_id: str) -> pl.DataFrame:
    """The member's roles, past, current and upcoming (warehouse/roles.py)."""
    return roles.roles_of(member_id)


def merges(member_id: str | None = None, limit: int = 20) -> pl.DataFrame:
    """Merges, newest change first: all (undone ones too), or the live ones into a member."""
    return _query(
        "member_merges",
        {"member_id": member_id, "limit": limit},
        ("member_merges", member_id, limit),
        _CORE,
    )


def suggestions(member_id: str | None = None, limit: int = 200) -> pl.DataFrame:
    """Pairs of members who may be one person (same handle, same or very similar name on two
    platforms): all, or those of one member."""
    return _query(
        "member_suggestions",
        {"member_id": member_id, "limit": limit},
        ("member_suggestions", member_id, limit),
        (*_CORE, "marts.merge_suggestions"),
    )


# --- edits ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileEdit:
    """The edit form's values. An empty name keeps the platforms' name; the tags are those added
    by hand (member lists' tags are the lists' to change)."""

    display_name: str = ""
    is_team: bool = False
    is_bot: bool = False
    notes: str = ""
    tags: tuple[str, ...] = ()


def clean_tags(tags: tuple[str, ...] | list[str]) -> list[str]:
    """Tags as saved: trimmed, inner spaces collapsed, empty ones and repeats (any case) dropped."""
    kept: dict[str, str] = {}
    for tag in tags:
        cleaned = " ".join(str(tag).split())
        if cleaned and cleaned.casefold() not in kept:
            kept[cleaned.casefold()] = cleaned
    return list(kept.values())


def validate_profile(edit: ProfileEdit) -> dict[str, str]:
    """Field → what is wrong with the edit (empty when it can be saved)."""
    errors: dict[str, str] = {}
    if len(edit.display_name.strip()) > MAX_NAME:
        errors["display_name"] = _(
            "Keep the name under {count} characters.", count=number(MAX_NAME)
        )
    elif _CONTROL.search(edit.display_name):
        errors["display_name"] = _("The name has control characters; type it again.")
    if len(edit.notes) > MAX_NOTES:
        errors["notes"] = _("Keep the notes under {count} characters.", count=number(MAX_NOTES))
    tags = clean_tags(edit.tags)
    if len(tags) > MAX_TAGS:
        errors["tags"] = _("At most {count} tags.", count=number(MAX_TAGS))
    elif any(len(tag) > MAX_TAG for tag in tags):
        errors["tags"] = _("A tag is at most {count} characters.", count=number(MAX_TAG))
    elif any("," in tag or _CONTROL.search(tag) for tag in tags):
        errors["tags"] = _("A tag cannot contain a comma.")
    return errors


def _checked_member(member_id: str) -> tuple[dict[str, Any] | None, bool]:
    """(member(member_id), True); (None, False) when a refresh keeps the warehouse and no earlier
    answer is cached: a form's entry is then saved unchecked (and queued) rather than lost."""
    try:
        return member(member_id), True
    except WarehouseBusy:
        return None, False


def _edit_of(value: Any, platforms: Any) -> Any:
    """What to store of the manager's value: nothing (NULL) where it is the platforms' own."""
    return None if value == platforms else value


def save_profile(member_id: str, edit: ProfileEdit, user: str) -> Submitted:
    """Save the manager's edit of a member; raises InvalidEntry by field, nothing saved then.

    A name equal to the platforms' name, and flags equal to theirs, are stored as "no edit", so
    the member follows the platforms there until the manager sets something else."""
    errors = validate_profile(edit)
    found, checked = _checked_member(member_id)
    if checked and (found is None or found["member_id"] != member_id):
        errors["member"] = _("This member is not there any more (merged or removed); reload.")
    if errors:
        raise InvalidEntry(errors)
    platform = found or {}  # unchecked: every value is stored as the manager's
    now = _now()
    values = {
        "display_name": _edit_of(
            " ".join(edit.display_name.split()) or None, platform.get("platform_display_name")
        ),
        "is_team": _edit_of(edit.is_team, platform.get("platform_is_team")),
        "is_bot": _edit_of(edit.is_bot, platform.get("platform_is_bot")),
        "notes": edit.notes.strip() or None,
        "updated_by": user,
        "updated_at": now,
    }
    changes = [Change("app.member_profiles", {"member_id": member_id}, values)]
    wanted = {tag.casefold(): tag for tag in clean_tags(edit.tags)}
    present = platform.get("added_tag_rows") or []
    for row in present:
        if row["tag"].casefold() not in wanted:  # removed, also where a merged member brought it
            key = {"member_id": row["member_id"], "tag": row["tag"]}
            changes.append(Change("app.member_tags", key, {"removed_at": now}))
    have = {row["tag"].casefold() for row in present}
    for folded, tag in wanted.items():
        if folded not in have:
            changes.append(
                Change(
                    "app.member_tags",
                    {"member_id": member_id, "tag": tag},
                    {"added_by": user, "added_at": now, "removed_at": None},
                )
            )
    return submit(changes, user)


# --- merges --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Merged:
    merge_id: str
    applied: bool  # False: queued behind a running refresh; it shows once that finishes


def validate_merge(kept_id: str | None, merged_id: str | None) -> dict[str, str]:
    """Field → what is wrong with merging `merged_id` into `kept_id` (both current members)."""
    errors: dict[str, str] = {}
    kept, checked = _checked_member(kept_id) if kept_id else (None, True)
    merged, merged_checked = _checked_member(merged_id) if merged_id else (None, True)
    if not kept_id or (checked and (kept is None or kept["member_id"] != kept_id)):
        errors["kept_member_id"] = _("Choose the member to keep (one that is there now).")
    if not merged_id:
        errors["merged_member_id"] = _("Choose the member to merge into this one.")
    elif kept_id == merged_id:
        errors["merged_member_id"] = _("A member cannot be merged with themselves.")
    elif merged_checked and (merged is None or merged["member_id"] != merged_id):
        errors["merged_member_id"] = _("That member is not there any more (merged already?).")
    return errors


def merge_members(kept_id: str, merged_id: str, user: str) -> Merged:
    """Merge `merged_id` into `kept_id`: every account, activity and app-entered row of the
    merged member becomes the kept member's. Raises InvalidEntry by field."""
    errors = validate_merge(kept_id, merged_id)
    if errors:
        raise InvalidEntry(errors)
    merge_id = uuid.uuid4().hex
    values = {
        "kept_member_id": kept_id,
        "merged_member_id": merged_id,
        "merged_by": user,
        "merged_at": _now(),
    }
    submitted = submit([Change("app.member_merges", {"merge_id": merge_id}, values)], user)
    return Merged(merge_id, submitted.applied)


def _undone_at(merge_id: str) -> tuple[datetime | None] | None:
    """(undone_at,) of a merge, None if there is no such merge."""

    def compute() -> tuple[datetime | None] | None:
        with read_connection() as con:
            if not has_table(con, "app", "member_merges"):
                return None
            return con.execute(
                "select undone_at from app.member_merges where merge_id = ?", [merge_id]
            ).fetchone()

    return queries.cached(("member_merge", merge_id), compute)


def undo_merge(merge_id: str, user: str) -> Submitted:
    """Undo a merge: the merged member comes back exactly as before it (edits made to the kept
    member in between stay the kept member's)."""
    try:
        row = _undone_at(merge_id)
    except WarehouseBusy:
        row = (None,)  # a refresh is writing: saved unchecked (and queued) rather than lost
    if row is None:
        raise UnknownMerge(_("There is no merge {id}.", id=repr(merge_id)))
    if row[0] is not None:
        raise InvalidEntry({"merge_id": _("This merge is already undone.")})
    return submit(
        [
            Change(
                "app.member_merges",
                {"merge_id": merge_id},
                {"undone_at": _now(), "undone_by": user},
            )
        ],
        user,
    )
