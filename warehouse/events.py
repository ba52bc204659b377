"""Events as the manager keeps them: the registry, check-ins, walk-ins, follow-ups, feedback.

Writes validate first (every problem named by field), then go through the form-entry inbox
(warehouse.app_data), so nothing typed is lost while a refresh runs. Reads are cached results of
sql/kpis queries, like every other page read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import polars as pl

from warehouse.app_data import Change, Submitted, submit
from warehouse.community import validate_timezone
from warehouse.connection import has_table, read_connection
from warehouse.i18n import _, number
from warehouse.kpis import run_kpi_query
from warehouse.queries import cached, timezone, unless_busy

if TYPE_CHECKING:
    from warehouse.feedback import Logged

FORMATS = ("online", "offline", "hybrid")
STATUSES = ("planned", "done", "cancelled")
ROLES = ("guest", "speaker", "host", "volunteer")
# follow-up item → days after the event's end it is due by default
FOLLOWUP_ITEMS: dict[str, int] = {
    "thanks": 1,
    "materials": 3,
    "feedback": 7,
    "introductions": 7,
    "story": 14,
    "invitation": 7,
}
# per event, as the Events page and `python -m pipelines events` list them
OUTCOME_COLUMNS = (
    "registration_target",
    "registrations",
    "attendees",
    "checkin_rate_pct",
    "new_attendees",
    "repeat_attendees",
    "return_rate_pct",
)
MAX_TITLE = 200
MAX_TEXT = 2000
MAX_TARGET = 1_000_000
MAX_BUDGET = Decimal("1000000000")


class InvalidEntry(ValueError):
    """What is wrong with a form's values, by field; nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class UnknownEvent(LookupError):
    pass


@dataclass
class EventDraft:
    """An event as typed into the form: local start and end in the event's own time zone."""

    title: str
    format: str
    starts_local: datetime | None
    ends_local: datetime | None
    timezone: str
    place: str = ""
    channel_id: str | None = None
    organisers: str = ""
    co_hosts: str = ""
    registration_target: int | None = None
    budget: str = ""  # as typed: "15000", "15 000,50"
    currency: str = "RUB"
    status: str = "planned"
    backup_actions: str = ""
    # the partners co-hosting it (warehouse.partners ids); None leaves them as they are
    partner_ids: list[str] | None = None


def _parse_budget(text: str) -> Decimal | None:
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    return Decimal(cleaned)


def validate_event(draft: EventDraft) -> dict[str, str]:
    """Field → what is wrong with it (empty when the draft can be saved)."""
    errors: dict[str, str] = {}
    if not draft.title.strip():
        errors["title"] = _("Give the event a title.")
    elif len(draft.title) > MAX_TITLE:
        errors["title"] = _("Keep the title under {limit} characters.", limit=number(MAX_TITLE))
    if draft.format not in FORMATS:
        errors["format"] = _("Format must be one of {choices}.", choices=", ".join(FORMATS))
    if draft.status not in STATUSES:
        errors["status"] = _("Status must be one of {choices}.", choices=", ".join(STATUSES))
    try:
        validate_timezone(draft.timezone)
    except ValueError:
        errors["timezone"] = _(
            "Unknown time zone '{zone}' (use an IANA name like Europe/Moscow).",
            zone=draft.timezone,
        )
    if draft.starts_local is None:
        errors["starts"] = _("Set when the event starts.")
    if draft.ends_local is None:
        errors["ends"] = _("Set when the event ends.")
    elif draft.starts_local is not None and draft.ends_local <= draft.starts_local:
        errors["ends"] = _("The event must end after it starts.")
    target = draft.registration_target
    if target is not None and not 0 <= target <= MAX_TARGET:
        errors["registration_target"] = _(
            "The registration target must be between 0 and {limit}.", limit=number(MAX_TARGET)
        )
    try:
        budget = _parse_budget(draft.budget)
    except InvalidOperation:
        errors["budget"] = _("Budget must be a number, not '{value}'.", value=draft.budget)
    else:
        if budget is not None and not Decimal(0) <= budget <= MAX_BUDGET:
            errors["budget"] = _("Budget must be zero or more.")
    for name in ("place", "organisers", "co_hosts", "backup_actions"):
        if len(getattr(draft, name)) > MAX_TEXT:
            errors[name] = _("Keep this under {limit} characters.", limit=number(MAX_TEXT))
    if len(draft.currency) > 8:
        errors["currency"] = _("Use a currency code like RUB, UAH, EUR.")
    if draft.partner_ids:
        from warehouse import partners  # it imports this module (InvalidEntry, limits)

        if missing := partners.unknown_partners(draft.partner_ids):
            errors["partner_ids"] = _(
                "There is no partner '{partner}' (it may be deleted).", partner=missing[0]
            )
    return errors


def _utc(local: datetime, zone: str) -> datetime:
    aware = local.replace(tzinfo=ZoneInfo(zone))
    return aware.astimezone(UTC).replace(tzinfo=None)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Saved:
    event_id: str
    applied: bool  # False: queued behind a running refresh; it appears once that finishes


def save_event(draft: EventDraft, user: str, event_id: str | None = None) -> Saved:
    """Create an event (event_id None) or save the manager's edits to an existing one."""
    errors = validate_event(draft)
    if errors:
        raise InvalidEntry(errors)
    assert draft.starts_local and draft.ends_local  # validated above
    now = _now()
    values: dict[str, Any] = {
        "title": draft.title.strip(),
        "format": draft.format,
        "starts_at": _utc(draft.starts_local, draft.timezone),
        "ends_at": _utc(draft.ends_local, draft.timezone),
        "timezone": draft.timezone,
        "place": draft.place.strip() or None,
        "channel_id": draft.channel_id or None,
        "organisers": draft.organisers.strip() or None,
        "co_hosts": draft.co_hosts.strip() or None,
        "registration_target": draft.registration_target,
        "budget": _parse_budget(draft.budget),
        "currency": draft.currency.strip().upper() or None,
        "status": draft.status,
        "backup_actions": draft.backup_actions.strip() or None,
        "updated_at": now,
    }
    if event_id is None:
        event_id = f"app:{uuid.uuid4().hex[:10]}"
        values["created_at"] = now
    else:
        _require_event(event_id)
    changes = [Change("app.events", {"event_id": event_id}, values)]
    if draft.partner_ids is not None:
        from warehouse import partners

        changes.append(partners.cohost_change(event_id, draft.partner_ids))
    submitted = submit(changes, user)
    return Saved(event_id, submitted.applied)


def _set_event(event_id: str, user: str, **values: Any) -> Submitted:
    _require_event(event_id)
    return submit(
        [Change("app.events", {"event_id": event_id}, {**values, "updated_at": _now()})], user
    )


def cancel_event(event_id: str, user: str) -> Submitted:
    return _set_event(event_id, user, status="cancelled")


def delete_event(event_id: str, user: str) -> Submitted:
    """Hide an event everywhere; undone by restore_event (nothing is erased)."""
    return _set_event(event_id, user, deleted_at=_now())


def restore_event(event_id: str, user: str) -> Submitted:
    return submit(
        [Change("app.events", {"event_id": event_id}, {"deleted_at": None, "updated_at": _now()})],
        user,
    )


def check_in(event_id: str, member_id: str, present: bool, user: str) -> Submitted:
    """Tick (or untick) a person present at an event, now."""
    _require_event(event_id)
    now = _now()
    values = {"present": present, "checked_in_at": now if present else None, "updated_at": now}
    return submit(
        [Change("app.event_attendance", {"event_id": event_id, "identity_id": member_id}, values)],
        user,
    )


@dataclass
class WalkIn:
    name: str
    email: str = ""
    phone: str = ""
    handle: str = ""
    role: str = "guest"


def validate_walk_in(walk_in: WalkIn) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not walk_in.name.strip():
        errors["name"] = _("Write the person's name.")
    elif len(walk_in.name) > MAX_TITLE:
        errors["name"] = _("Keep the name under {limit} characters.", limit=number(MAX_TITLE))
    email = walk_in.email.strip()
    if email and ("@" not in email or " " in email or len(email) > 254):
        errors["email"] = _("'{email}' is not an e-mail address.", email=email)
    digits = "".join(ch for ch in walk_in.phone if ch.isdigit())
    if walk_in.phone.strip() and not 7 <= len(digits) <= 15:
        errors["phone"] = _("A phone number has 7 to 15 digits.")
    if len(walk_in.handle) > 64:
        errors["handle"] = _("A handle is at most 64 characters.")
    if walk_in.role not in ROLES:
        errors["role"] = _("Role must be one of {choices}.", choices=", ".join(ROLES))
    return errors


def add_walk_in(event_id: str, walk_in: WalkIn, user: str) -> Submitted:
    """Someone who came without registering: a new person (linked to a member by e-mail, phone
    or handle when one matches), checked in now."""
    errors = validate_walk_in(walk_in)
    if errors:
        raise InvalidEntry(errors)
    _require_event(event_id)
    identity_id = f"app:person:{uuid.uuid4().hex[:10]}"
    now = _now()
    phone = walk_in.phone.strip()
    person = {
        "display_name": walk_in.name.strip(),
        "email": walk_in.email.strip().lower() or None,
        "phone": ("+" + "".join(ch for ch in phone if ch.isdigit())) if phone else None,
        "handle": walk_in.handle.strip().lstrip("@") or None,
        "created_at": now,
    }
    attendance = {
        "present": True,
        "checked_in_at": now,
        "participant_role": walk_in.role,
        "updated_at": now,
    }
    return submit(
        [
            Change("app.people", {"identity_id": identity_id}, person),
            Change(
                "app.event_attendance",
                {"event_id": event_id, "identity_id": identity_id},
                attendance,
            ),
        ],
        user,
    )


def save_followup(
    event_id: str,
    item: str,
    user: str,
    *,
    owner: str = "",
    due_on: date | None = None,
    done_on: date | None = None,
    note: str = "",
) -> Submitted:
    errors: dict[str, str] = {}
    if item not in FOLLOWUP_ITEMS:
        errors["item"] = _("Unknown follow-up '{item}'.", item=item)
    if len(owner) > MAX_TITLE:
        errors["owner"] = _("Keep the name under {limit} characters.", limit=number(MAX_TITLE))
    if len(note) > MAX_TEXT:
        errors["note"] = _("Keep the note under {limit} characters.", limit=number(MAX_TEXT))
    if done_on is not None and done_on > datetime.now(UTC).date():
        errors["done_on"] = _("A follow-up cannot be done in the future.")
    if errors:
        raise InvalidEntry(errors)
    _require_event(event_id)
    values = {
        "owner": owner.strip() or None,
        "due_on": due_on,
        "done_on": done_on,
        "note": note.strip() or None,
        "updated_at": _now(),
    }
    return submit(
        [Change("app.event_followups", {"event_id": event_id, "item": item}, values)], user
    )


def log_feedback(
    event_id: str, user: str, *, score: int | None, text: str, received_on: date | None = None
) -> Logged:
    """Feedback about one event (the event page's form): warehouse.feedback validates and saves."""
    from warehouse import feedback  # it imports this module (InvalidEntry, event lookups)

    _require_event(event_id)
    return feedback.log_feedback(
        user, text=text, score=score, received_on=received_on, event_id=event_id
    )


# --- reads ---------------------------------------------------------------------------------


def _query(name: str, params: dict[str, Any], needs: tuple[str, str]) -> pl.DataFrame | None:
    with read_connection() as con:
        if not has_table(con, *needs):
            return None
        return run_kpi_query(con, name, params)


def events_between(start: datetime, end: datetime) -> pl.DataFrame:
    """Events starting in [start, end) (naive UTC), with their funnel and return rate."""
    params = {"start": start, "end": end, "event_id": None}
    found = cached(
        ("events_between", start, end),
        lambda: _query("event_list", params, ("marts", "event_outcomes")),
    )
    return found if found is not None else pl.DataFrame()


def event(event_id: str) -> dict[str, Any] | None:
    """One event with its funnel, or None when there is no such event."""
    params = {"start": None, "end": None, "event_id": event_id}
    found = cached(
        ("event", event_id),
        lambda: _query("event_list", params, ("marts", "event_outcomes")),
    )
    if found is None or found.is_empty():
        return None
    return found.row(0, named=True)


def _require_event(event_id: str) -> None:
    """UnknownEvent when there is no such event. While a refresh writes it cannot be looked up:
    the entry is then queued unchecked rather than refused."""
    if unless_busy(lambda: event(event_id), busy="unchecked") is None:
        raise UnknownEvent(
            _("There is no event '{event_id}' (it may have been deleted).", event_id=event_id)
        )


def participants(event_id: str) -> pl.DataFrame:
    found = cached(
        ("event_participants", event_id),
        lambda: _query(
            "event_participant_list", {"event_id": event_id}, ("core", "event_participants")
        ),
    )
    return found if found is not None else pl.DataFrame()


def search_members(query: str, limit: int = 20) -> pl.DataFrame:
    query = query.strip()
    if len(query) < 2:
        return pl.DataFrame()
    found = cached(
        ("member_search", query.lower(), limit),
        lambda: _query("member_search", {"query": query, "limit": limit}, ("core", "members")),
    )
    return found if found is not None else pl.DataFrame()


def followups(event_id: str | None = None, today: date | None = None) -> pl.DataFrame:
    """The checklist of one event, or of every event that has ended (overdue ones flagged)."""
    today = today or datetime.now(UTC).date()
    params = {"event_id": event_id, "today": today, "now": _now(), "tz": timezone()}
    found = cached(
        ("event_followups", event_id, today),
        lambda: _query("event_followups", params, ("core", "events")),
    )
    return found if found is not None else pl.DataFrame()


def overdue_followups(today: date | None = None) -> pl.DataFrame:
    listed = followups(None, today)
    return listed.filter(pl.col("is_overdue")) if not listed.is_empty() else listed


def feedback(event_id: str) -> pl.DataFrame:
    found = cached(
        ("event_feedback", event_id),
        lambda: _query("event_feedback", {"event_id": event_id}, ("core", "members")),
    )
    return found if found is not None else pl.DataFrame()
