"""Feedback as the manager logs it: general, about an event, or from a channel; answered or not.

Writes validate first (every problem named by field, nothing saved), then go through the
form-entry inbox (warehouse.app_data) like every other form. Reads are cached results of
sql/kpis/feedback_inbox.sql.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from warehouse import events, queries
from warehouse.app_data import Change, Submitted, submit
from warehouse.connection import has_table, read_connection
from warehouse.events import InvalidEntry
from warehouse.i18n import _, number
from warehouse.kpis import run_kpi_query
from warehouse.periods import today_in

MAX_TEXT = events.MAX_TEXT
SCORES = (1, 2, 3, 4, 5)


class UnknownFeedback(LookupError):
    pass


@dataclass(frozen=True)
class Logged:
    feedback_id: str
    applied: bool  # False: queued behind a running refresh; it appears once that finishes


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def validate_feedback(
    *,
    text: str,
    score: int | None,
    received_on: date | None,
    event_id: str | None = None,
    channel_id: str | None = None,
) -> dict[str, str]:
    """Field → what is wrong with it (empty when the feedback can be saved)."""
    errors: dict[str, str] = {}
    if score is not None and score not in SCORES:
        errors["score"] = _("The score is from 1 to 5.")
    if not text.strip() and score is None:
        errors["text"] = _("Write what was said, or give a score.")
    if len(text) > MAX_TEXT:
        errors["text"] = _("Keep it under {count} characters.", count=number(MAX_TEXT))
    # "today" is the community's day: a manager east of UTC logs this morning's feedback
    if received_on is not None and received_on > today_in(queries.timezone()):
        errors["received_on"] = _("Feedback cannot arrive in the future.")
    # while a refresh writes these can't be looked up: saved unchecked (and queued), not lost
    if event_id and queries.unless_busy(lambda: events.event(event_id), "unchecked") is None:
        errors["event_id"] = _("There is no such event (it may have been deleted).")
    known = queries.unless_busy(lambda: queries.channels()["channel_id"].to_list(), None)
    if channel_id and known is not None and channel_id not in known:
        errors["channel_id"] = _("There is no such channel.")
    return errors


def _received_at(received_on: date | None) -> datetime:
    """The start of that day in the community's time zone, as naive UTC (how periods count)."""
    if received_on is None:
        return _now()
    local = datetime.combine(received_on, time.min, tzinfo=ZoneInfo(queries.timezone()))
    return local.astimezone(UTC).replace(tzinfo=None)


def log_feedback(
    user: str,
    *,
    text: str,
    score: int | None,
    received_on: date | None = None,
    event_id: str | None = None,
    channel_id: str | None = None,
    member_id: str | None = None,
) -> Logged:
    """Save one piece of feedback (received_on None: now); raises InvalidEntry by field."""
    errors = validate_feedback(
        text=text, score=score, received_on=received_on, event_id=event_id, channel_id=channel_id
    )
    if errors:
        raise InvalidEntry(errors)
    values: dict[str, Any] = {
        "event_id": event_id or None,
        "channel_id": channel_id or None,
        "identity_id": member_id or None,  # a member id is an identity id too
        "received_at": _received_at(received_on),
        "score": score,
        "text": text.strip() or None,
        "created_at": _now(),
    }
    feedback_id = uuid.uuid4().hex
    submitted = submit([Change("app.feedback", {"feedback_id": feedback_id}, values)], user)
    return Logged(feedback_id, submitted.applied)


def _received(feedback_id: str) -> datetime:
    with read_connection() as con:
        row = None
        if has_table(con, "app", "feedback"):
            row = con.execute(
                "select received_at from app.feedback where feedback_id = ?", [feedback_id]
            ).fetchone()
    if row is None:
        raise UnknownFeedback(_("There is no feedback {id}.", id=repr(feedback_id)))
    return row[0]


def mark_answered(feedback_id: str, user: str, answered_at: datetime | None = None) -> Submitted:
    """Record that the feedback was answered (answered_at naive UTC, default now)."""
    received = _received(feedback_id)
    answered = answered_at or _now()
    if answered > _now():
        raise InvalidEntry({"answered_at": _("An answer cannot be in the future.")})
    # an answer logged the same day as a dated item can precede its midnight-based receipt
    answered = max(answered, received)
    return submit(
        [Change("app.feedback", {"feedback_id": feedback_id}, {"responded_at": answered})], user
    )


def mark_unanswered(feedback_id: str, user: str) -> Submitted:
    """Undo mark_answered: the item is back in the inbox."""
    _received(feedback_id)
    return submit(
        [Change("app.feedback", {"feedback_id": feedback_id}, {"responded_at": None})], user
    )


# --- reads ---------------------------------------------------------------------------------


def _listed(view: str, limit: int) -> pl.DataFrame:
    now = _now()

    def compute() -> pl.DataFrame | None:
        with read_connection() as con:
            if not (has_table(con, "app", "feedback") and has_table(con, "core", "events")):
                return None  # nothing built yet: nothing to list
            params = {"view": view, "limit": limit, "now": now}
            return run_kpi_query(con, "feedback_inbox", params)

    # stamped by the day: ages grow with the clock, not only with the data
    found = queries.cached(("feedback", view, limit), compute, stamp=now.date())
    return found if found is not None else pl.DataFrame()


def unanswered(limit: int = 500) -> pl.DataFrame:
    """Feedback nobody answered yet, oldest first, with its age in days and where it came from."""
    return _listed("unanswered", limit)


def recently_answered(limit: int = 20) -> pl.DataFrame:
    """Answered feedback, most recently answered first (what the page offers to undo)."""
    return _listed("answered", limit)


def recent(limit: int = 20) -> pl.DataFrame:
    """The newest feedback received, answered or not."""
    return _listed("recent", limit)
