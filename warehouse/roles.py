"""Member roles: assigning and ending them, the coverage board, and candidates from behaviour.

The twelve roles are DESIGN.md's "emotional roles". A role is held from `started_on` to
`ended_on` (the community's local days, the end day included; no end: still held) with an
expected cadence of `n` activities per week or per month. A holder meets it when their
activities anywhere in the community (joins and leaves are not activity) number at least 4 × n in
the last 28 days for a weekly cadence (n a week on average over four weeks), or at least n in the
last 30 days for a monthly one (sql/kpis/role_holders.sql).

Writes validate first (every problem named by field, nothing saved), then go through the
form-entry inbox (warehouse.app_data) like every other form; removing a role keeps its row
(deleted_at) so that it can be undone. Reads are cached results of sql/kpis/role_*.sql.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from warehouse import queries
from warehouse.app_data import FORM_WRITE_TIMEOUT_S, Change, Submitted, submit
from warehouse.connection import WarehouseBusy, has_table, read_connection
from warehouse.events import InvalidEntry
from warehouse.i18n import N_, _, day, number
from warehouse.kpis import run_kpi_query
from warehouse.periods import Period, today_in

ROLES = (
    "mentor",
    "partner",
    "storyteller",
    "historian",
    "hero",
    "celebrity",
    "provider",
    "greeter",
    "guide",
    "catalyst",
    "ambassador",
    "scout",
)
# the roles' names as people read them: pages show `_(ROLE_LABELS[role])`
ROLE_LABELS = {
    "mentor": N_("Mentor"),
    "partner": N_("Partner"),
    "storyteller": N_("Storyteller"),
    "historian": N_("Historian"),
    "hero": N_("Hero"),
    "celebrity": N_("Celebrity"),
    "provider": N_("Provider"),
    "greeter": N_("Greeter"),
    "guide": N_("Guide"),
    "catalyst": N_("Catalyst"),
    "ambassador": N_("Ambassador"),
    "scout": N_("Scout"),
}
# the roles sql/kpis/role_candidates.sql suggests holders for, from what members do
CANDIDATE_ROLES = ("greeter", "mentor", "catalyst", "storyteller", "scout", "ambassador")
CADENCE_UNITS = ("week", "month")
# an assignment's state on a day (sql/kpis/role_holders.sql), as people read it
STATE_LABELS = {"current": N_("held"), "upcoming": N_("starts later"), "ended": N_("ended")}
CADENCE_TEXTS = {"week": N_("{count} per week"), "month": N_("{count} per month")}
MAX_CADENCE = 100  # activities per week or month; more is no expectation a person can keep
MAX_NOTE = 500
EARLIEST_START = date(2000, 1, 1)
MAX_DAYS_AHEAD = 366  # a role can be planned up to a year ahead


class UnknownRole(LookupError):
    pass


@dataclass(frozen=True)
class Assigned:
    role_id: str
    applied: bool  # False: queued behind a running refresh; it appears once that finishes


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _today() -> date:
    try:
        return today_in(queries.timezone())
    except WarehouseBusy:
        return datetime.now(UTC).date()  # a refresh is writing: a day off at most, not a loss


def validate_assignment(
    *,
    member_id: str | None,
    role: str | None,
    started_on: date | None,
    ended_on: date | None = None,
    cadence_count: int | None,
    cadence_per: str | None,
    note: str = "",
) -> dict[str, str]:
    """Field → what is wrong with it (empty when the role can be assigned)."""
    errors: dict[str, str] = {}
    checked = True
    try:
        holder = member(member_id, timeout=FORM_WRITE_TIMEOUT_S) if member_id else None
    except WarehouseBusy:
        # a refresh is writing: the entry is saved unchecked (and queued) rather than lost
        holder, checked = None, False
    if not member_id:
        errors["member_id"] = _("Choose the member.")
    elif holder is None and checked:
        errors["member_id"] = _("There is no such member (they may have been merged or removed).")
    if role not in ROLES:
        errors["role"] = _(
            "Choose one of the roles: {roles}.",
            roles=", ".join(_(ROLE_LABELS[known]) for known in ROLES),
        )
    if started_on is None:
        errors["started_on"] = _("Set the day the role starts.")
    elif not EARLIEST_START <= started_on <= _today() + timedelta(days=MAX_DAYS_AHEAD):
        errors["started_on"] = _(
            "The start must be between {first} and a year from today.", first=day(EARLIEST_START)
        )
    if ended_on is not None and started_on is not None and ended_on < started_on:
        errors["ended_on"] = _("The role cannot end before it starts.")
    if isinstance(cadence_count, bool) or not isinstance(cadence_count, int):
        errors["cadence_count"] = _("Set how many activities are expected.")
    elif not 1 <= cadence_count <= MAX_CADENCE:
        errors["cadence_count"] = _(
            "The expected cadence is from 1 to {most} activities.", most=number(MAX_CADENCE)
        )
    if cadence_per not in CADENCE_UNITS:
        errors["cadence_per"] = _("The cadence is per week or per month.")
    if len(note) > MAX_NOTE:
        errors["note"] = _("Keep the note under {count} characters.", count=number(MAX_NOTE))
    if holder is not None and role in ROLES and started_on is not None and "ended_on" not in errors:
        clash = _overlapping(holder["member_id"], role, started_on, ended_on)
        if clash is not None:
            if clash["ended_on"]:
                errors["role"] = _(
                    "They already hold this role ({start} to {end}).",
                    start=day(clash["started_on"]),
                    end=day(clash["ended_on"]),
                )
            else:
                errors["role"] = _(
                    "They already hold this role (since {start}).", start=day(clash["started_on"])
                )
    return errors


def _overlapping(
    member_id: str, role: str, started_on: date, ended_on: date | None
) -> dict[str, Any] | None:
    """The member's assignment of the same role whose days meet the new one's, if any."""
    try:
        held = _holders(member_id, timeout=FORM_WRITE_TIMEOUT_S)
    except WarehouseBusy:
        return None  # a refresh is writing: saved unchecked rather than lost
    if held.is_empty():
        return None
    for row in held.filter(pl.col("role") == role).iter_rows(named=True):
        starts_before_new_ends = ended_on is None or row["started_on"] <= ended_on
        ends_after_new_starts = row["ended_on"] is None or row["ended_on"] >= started_on
        if starts_before_new_ends and ends_after_new_starts:
            return row
    return None


def assign_role(
    user: str,
    *,
    member_id: str | None,
    role: str | None,
    started_on: date | None,
    ended_on: date | None = None,
    cadence_count: int | None,
    cadence_per: str | None,
    note: str = "",
) -> Assigned:
    """Give a member a role; raises InvalidEntry by field (nothing saved)."""
    errors = validate_assignment(
        member_id=member_id,
        role=role,
        started_on=started_on,
        ended_on=ended_on,
        cadence_count=cadence_count,
        cadence_per=cadence_per,
        note=note,
    )
    if errors:
        raise InvalidEntry(errors)
    now = _now()
    values: dict[str, Any] = {
        "member_id": member_id,
        "role": role,
        "started_on": started_on,
        "ended_on": ended_on,
        "cadence_count": cadence_count,
        "cadence_per": cadence_per,
        "note": note.strip() or None,
        "created_at": now,
        "updated_by": user,
        "updated_at": now,
    }
    role_id = uuid.uuid4().hex
    submitted = submit([Change("app.member_roles", {"role_id": role_id}, values)], user)
    return Assigned(role_id, submitted.applied)


def _stored(role_id: str) -> dict[str, Any]:
    """The role's row as saved (removed ones too: undo needs them)."""
    with read_connection() as con:
        row = None
        if has_table(con, "app", "member_roles"):
            found = con.execute(
                "select started_on, deleted_at from app.member_roles where role_id = ?", [role_id]
            ).fetchone()
            row = None if found is None else {"started_on": found[0], "deleted_at": found[1]}
    if row is None:
        raise UnknownRole(_("There is no role assignment {id}.", id=repr(role_id)))
    return row


def _set_role(role_id: str, user: str, **values: Any) -> Submitted:
    values.update(updated_by=user, updated_at=_now())
    return submit([Change("app.member_roles", {"role_id": role_id}, values)], user)


def end_role(role_id: str, ended_on: date | None, user: str) -> Submitted:
    """Record the last day a role is held (not before its first day)."""
    stored = _stored(role_id)
    if ended_on is None:
        raise InvalidEntry({"ended_on": _("Set the last day of the role.")})
    if ended_on < stored["started_on"]:
        raise InvalidEntry(
            {
                "ended_on": _(
                    "The role cannot end before it starts ({start}).",
                    start=day(stored["started_on"]),
                )
            }
        )
    return _set_role(role_id, user, ended_on=ended_on)


def remove_role(role_id: str, user: str) -> Submitted:
    """Take back an assignment made by mistake: hidden everywhere, undone by restore_role."""
    _stored(role_id)
    return _set_role(role_id, user, deleted_at=_now())


def restore_role(role_id: str, user: str) -> Submitted:
    _stored(role_id)
    return _set_role(role_id, user, deleted_at=None)


def cadence_text() -> pl.Expr:
    """Each row's expected cadence ("2 per week", from cadence_count and cadence_per) in the
    current language: call it where the rows are shown, never inside a cached function."""
    per_week, per_month = CADENCE_TEXTS["week"], CADENCE_TEXTS["month"]
    week = _(per_week, count="{}")  # "{}": pl.format's placeholder
    month = _(per_month, count="{}")
    return (
        pl.when(pl.col("cadence_per") == "week")
        .then(pl.format(week, "cadence_count"))
        .otherwise(pl.format(month, "cadence_count"))
    )


# --- reads ---------------------------------------------------------------------------------


def _query(
    name: str,
    params: dict[str, Any],
    needs: tuple[tuple[str, str], ...],
    key: tuple,
    stamp: object = None,
    timeout: float | None = None,
) -> pl.DataFrame:
    def compute() -> pl.DataFrame | None:
        with read_connection(timeout) as con:
            if not all(has_table(con, *table) for table in needs):
                return None  # nothing built yet: nothing to show
            return run_kpi_query(con, name, params)

    found = queries.cached(key, compute, stamp=stamp)
    return found if found is not None else pl.DataFrame()


def member(member_id: str, timeout: float | None = None) -> dict[str, Any] | None:
    """The member behind an id (also one from before a merge), or None."""
    found = _query(
        "role_member",
        {"member_id": member_id},
        (("core", "members"), ("core", "member_aliases")),
        ("role_member", member_id),
        timeout=timeout,
    )
    return None if found.is_empty() else found.row(0, named=True)


def _holders(member_id: str | None, timeout: float | None = None) -> pl.DataFrame:
    now = _now()
    today = _today()
    params = {"member_id": member_id, "today": today, "now": now}
    # stamped by the hour: the cadence window moves with the clock, not only with the data
    stamp = (today, now.replace(minute=0, second=0, microsecond=0))
    return _query(
        "role_holders",
        params,
        (("core", "member_roles"),),
        ("role_holders", member_id),
        stamp,
        timeout,
    )


def roles_of(member_id: str) -> pl.DataFrame:
    """Every role of one member, past, current and upcoming (state), with the cadence of those
    held today: activities in the window and whether that meets the expectation."""
    found = member(member_id)
    return _holders(found["member_id"] if found else member_id)


def assignments() -> pl.DataFrame:
    """Every role assignment, in any state."""
    return _holders(None)


def current_holders() -> pl.DataFrame:
    """Roles held today, each with its holder's activities in the window and meets_cadence."""
    listed = assignments()
    return listed.filter(pl.col("state") == "current") if not listed.is_empty() else listed


def below_cadence() -> pl.DataFrame:
    """Holders today whose activity is below the cadence expected of them."""
    held = current_holders()
    return held.filter(~pl.col("meets_cadence")) if not held.is_empty() else held


def role_coverage() -> pl.DataFrame:
    """One row per role (all twelve, in ROLES order): holders today, those meeting and those
    below their expected cadence, and whether nobody holds it."""
    held = current_holders()
    counts: dict[str, tuple[int, int]] = {}
    for row in held.iter_rows(named=True):
        holders, meeting = counts.get(row["role"], (0, 0))
        counts[row["role"]] = (holders + 1, meeting + bool(row["meets_cadence"]))
    return pl.DataFrame(
        [
            {
                "role": role,
                "holders": counts.get(role, (0, 0))[0],
                "meeting_cadence": counts.get(role, (0, 0))[1],
                "below_cadence": counts.get(role, (0, 0))[0] - counts.get(role, (0, 0))[1],
                "is_empty": role not in counts,
            }
            for role in ROLES
        ],
        schema={
            "role": pl.String,
            "holders": pl.Int64,
            "meeting_cadence": pl.Int64,
            "below_cadence": pl.Int64,
            "is_empty": pl.Boolean,
        },
    )


def candidates(period: Period) -> pl.DataFrame:
    """Per role of CANDIDATE_ROLES, the top 5 members by what earned it over the period (role,
    rank, member_id, display_name, score); people holding the role today are left out."""
    start, end = period.utc_bounds()
    now = _now()
    today = _today()
    params = {"start": start, "end": end, "now": now, "today": today}
    # scouts need invites 90 days old by now: the answer ages with the clock
    return _query(
        "role_candidates",
        params,
        (("core", "member_roles"), ("marts", "member_invites")),
        ("role_candidates", start, end),
        stamp=today,
    )


def recently_removed(limit: int = 10) -> pl.DataFrame:
    """Removed roles, the most recent first (what the page offers to undo)."""
    return _query(
        "role_removed",
        {"limit": limit},
        (("app", "member_roles"), ("core", "member_aliases")),
        ("role_removed", limit),
    )
