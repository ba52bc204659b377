"""Partners as the manager keeps them: the registry and its stages, interactions with their next
steps, agreements, joint projects with tracking codes, and the outcomes entered by hand.

Writes validate first (every problem named by field, nothing saved), then go through the
form-entry inbox (warehouse.app_data): audited, applied exactly once, queued while a refresh
runs. Deleting anything sets deleted_at (undo clears it). What projects brought is computed by
the models (sql/core/project_*.sql, sql/marts/partner_*.sql); reads are cached results of
sql/kpis/partner_*.sql queries.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import polars as pl

from warehouse import events, queries
from warehouse.app_data import Change, Submitted, submit
from warehouse.connection import WarehouseEmpty, has_table, read_connection
from warehouse.events import MAX_BUDGET, MAX_TEXT, MAX_TITLE, InvalidEntry, _parse_budget
from warehouse.i18n import N_, _
from warehouse.kpis import run_kpi_query
from warehouse.periods import Period, today_in

TYPES = ("community", "business", "school", "ngo", "media", "person")
STAGES = ("prospect", "contacted", "negotiating", "agreed", "active", "completed", "paused")
# "thanks": a thank-you after a joint project; one dated on or after its last day clears the
# "no thanks sent" reminder
INTERACTION_KINDS = ("call", "meeting", "email", "message", "event", "thanks")
PROJECT_KINDS = ("webinar", "contest", "co-promotion", "content", "event", "charity")
CODE_KINDS = ("invite_link", "utm", "promo_code")
# computed by the models (core.project_outcomes); a goal on one of these is measured, not typed
COMPUTED_METRICS = ("new_members", "registrations", "reach", "uplift_pct")
# entered by hand on a project ("partner_reach": what the partner reports of their own posts)
ENTERED_METRICS = (
    "leads",
    "donations",
    "items_collected",
    "volunteers",
    "mentions",
    "partner_reach",
    "other",
)
GOAL_METRICS = COMPUTED_METRICS + ENTERED_METRICS[:-1]
MAX_SHORT = 500  # a contact line, a next step, a tracking code
MAX_VALUE = Decimal("1000000000000")
# "no contact" and the health columns (sql/kpis/partner_*.sql say the same)
NO_CONTACT_DAYS = 60
_CURRENCY = re.compile(r"^[A-Z]{3}$")

# what people see for the code words above; translated where shown: _(STAGE_LABELS[stage])
TYPE_LABELS = {
    "community": N_("Community"),
    "business": N_("Business"),
    "school": N_("School / university"),
    "ngo": N_("NGO / foundation"),
    "media": N_("Media"),
    "person": N_("Person"),
}
STAGE_LABELS = {
    "prospect": N_("Prospect"),
    "contacted": N_("Contacted"),
    "negotiating": N_("Negotiating"),
    "agreed": N_("Agreed"),
    "active": N_("Active"),
    "completed": N_("Completed"),
    "paused": N_("Paused"),
}
INTERACTION_KIND_LABELS = {
    "call": N_("Call"),
    "meeting": N_("Meeting"),
    "email": N_("E-mail"),
    "message": N_("Message"),
    "event": N_("Event together"),
    "thanks": N_("Thanks sent"),
}
PROJECT_KIND_LABELS = {
    "webinar": N_("Webinar"),
    "contest": N_("Contest"),
    "co-promotion": N_("Co-promotion"),
    "content": N_("Content"),
    "event": N_("Event"),
    "charity": N_("Charity"),
}
METRIC_LABELS = {
    "new_members": N_("New members"),
    "registrations": N_("Registrations"),
    "reach": N_("Reach (views)"),
    "uplift_pct": N_("Activity uplift, %"),
    "leads": N_("Leads"),
    "donations": N_("Donations"),
    "items_collected": N_("Items collected"),
    "volunteers": N_("Volunteers"),
    "mentions": N_("Mentions"),
    "partner_reach": N_("Reach the partner reports"),
    "other": N_("Other"),
}
CODE_LABELS = {
    "invite_link": N_("Invite link"),
    "utm": N_("UTM source"),
    "promo_code": N_("Promo code"),
}
# sql/kpis/partner_reminders.sql's kinds; {days}: NO_CONTACT_DAYS
REMINDER_LABELS = {
    "overdue_step": N_("Overdue next step"),
    "no_contact": N_("No contact for {days}+ days"),
    "no_thanks": N_("No thanks sent after the project"),
}


def _listed(labels: dict[str, str], codes: tuple[str, ...]) -> str:
    """The choices a message names, as people see them: "Call, Meeting, E-mail"."""
    return ", ".join(_(labels[code]) for code in codes)


T = TypeVar("T")


class UnknownPartner(LookupError):
    pass


class UnknownProject(LookupError):
    pass


@dataclass(frozen=True)
class Saved:
    id: str
    applied: bool  # False: queued behind a running refresh; it appears once that finishes


@dataclass
class PartnerDraft:
    name: str
    partner_type: str
    stage: str = "prospect"
    owner: str = ""
    contact: str = ""
    partner_offers: str = ""  # what the partner brings
    our_offer: str = ""  # what we bring
    note: str = ""


@dataclass
class InteractionDraft:
    occurred_on: date | None
    kind: str
    summary: str
    next_step: str = ""
    next_step_due: date | None = None
    owner: str = ""


@dataclass
class AgreementDraft:
    title: str
    our_responsibilities: str = ""
    partner_responsibilities: str = ""
    signed_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    document_url: str = ""


@dataclass
class ProjectDraft:
    title: str
    kind: str
    partner_ids: list[str]
    starts_on: date | None
    ends_on: date | None
    goal_metric: str | None = None
    goal_target: float | None = None
    goal_unit: str = ""
    budget: str = ""  # as typed: "15000", "15 000,50"
    currency: str = "RUB"
    description: str = ""
    # (kind, code): kind in CODE_KINDS
    tracking_codes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class OutcomeDraft:
    metric: str
    value: str  # as typed: "12", "15 000,50"
    unit: str = ""  # a currency code for donations; "kg", "bags"… for items
    recorded_on: date | None = None
    note: str = ""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """The community's local day (partner dates are local days)."""
    return today_in(queries.timezone())


def _too_long(errors: dict[str, str], name: str, text: str, limit: int) -> None:
    if len(text) > limit:
        errors[name] = _("Keep this under {limit} characters.", limit=limit)


# --- partners ------------------------------------------------------------------------------


def validate_partner(draft: PartnerDraft, partner_id: str | None = None) -> dict[str, str]:
    """Field → what is wrong with it (empty when the partner can be saved)."""
    errors: dict[str, str] = {}
    name = draft.name.strip()
    if not name:
        errors["name"] = _("Give the partner a name.")
    elif len(name) > MAX_TITLE:
        errors["name"] = _("Keep the name under {limit} characters.", limit=MAX_TITLE)
    else:
        listed = queries.unless_busy(scorecard, pl.DataFrame())
        if not listed.is_empty():
            same = listed.filter(
                (pl.col("name").str.to_lowercase() == name.lower())
                & (pl.col("partner_id") != (partner_id or ""))
            )
            if not same.is_empty():
                errors["name"] = _(
                    "There is already a partner called “{name}”.", name=same["name"][0]
                )
    if draft.partner_type not in TYPES:
        errors["partner_type"] = _(
            "Type must be one of {types}.", types=_listed(TYPE_LABELS, TYPES)
        )
    if draft.stage not in STAGES:
        errors["stage"] = _("Stage must be one of {stages}.", stages=_listed(STAGE_LABELS, STAGES))
    _too_long(errors, "owner", draft.owner, MAX_TITLE)
    _too_long(errors, "contact", draft.contact, MAX_SHORT)
    for name_ in ("partner_offers", "our_offer", "note"):
        _too_long(errors, name_, getattr(draft, name_), MAX_TEXT)
    return errors


def save_partner(draft: PartnerDraft, user: str, partner_id: str | None = None) -> Saved:
    """Add a partner (partner_id None) or save edits; a new stage is logged for the timeline."""
    errors = validate_partner(draft, partner_id)
    if errors:
        raise InvalidEntry(errors)
    if partner_id is None:
        partner_id = new_id("partner")
        changes = partner_changes(partner_id, draft, _now(), new=True)
    else:
        current = require_partner(partner_id)
        moved = current is None or current["stage"] != draft.stage
        changes = partner_changes(partner_id, draft, _now(), new=False, stage_moved=moved)
    return Saved(partner_id, submit(changes, user).applied)


def new_id(kind: str) -> str:
    """A fresh id: partners' and projects' carry their kind (they show in links), others hex."""
    return f"{kind}:{uuid.uuid4().hex[:10]}" if kind in ("partner", "project") else uuid.uuid4().hex


def partner_changes(
    partner_id: str, draft: PartnerDraft, at: datetime, *, new: bool, stage_moved: bool = True
) -> list[Change]:
    """The rows a (validated) partner draft writes: the partner, and (when it is new or moved)
    its stage as of `at` for the timeline."""
    values: dict[str, Any] = {
        "name": draft.name.strip(),
        "partner_type": draft.partner_type,
        "stage": draft.stage,
        "owner": draft.owner.strip() or None,
        "contact": draft.contact.strip() or None,
        "partner_offers": draft.partner_offers.strip() or None,
        "our_offer": draft.our_offer.strip() or None,
        "note": draft.note.strip() or None,
        "updated_at": at,
    }
    if new:
        values["created_at"] = at
    changes = [Change("app.partners", {"partner_id": partner_id}, values)]
    if new or stage_moved:
        values["stage_changed_at"] = at
        changes.append(stage_row(partner_id, draft.stage, at))
    return changes


def stage_row(partner_id: str, stage: str, at: datetime, note: str = "") -> Change:
    """The timeline's line for a partner moved to `stage` at `at`."""
    return Change(
        "app.partner_stage_changes",
        {"partner_id": partner_id, "changed_at": at},
        {"stage": stage, "note": note.strip() or None},
    )


def change_stage(partner_id: str, stage: str, user: str, note: str = "") -> Submitted:
    """Move a partner to another stage (any stage to any other: a paused partner resumes)."""
    errors: dict[str, str] = {}
    if stage not in STAGES:
        errors["stage"] = _("Stage must be one of {stages}.", stages=_listed(STAGE_LABELS, STAGES))
    _too_long(errors, "note", note, MAX_SHORT)
    if errors:
        raise InvalidEntry(errors)
    current = require_partner(partner_id)
    if current is not None and current["stage"] == stage:
        already = _("The partner is already at stage “{stage}”.", stage=_(STAGE_LABELS[stage]))
        raise InvalidEntry({"stage": already})
    now = _now()
    return submit(
        [
            Change(
                "app.partners",
                {"partner_id": partner_id},
                {"stage": stage, "stage_changed_at": now, "updated_at": now},
            ),
            stage_row(partner_id, stage, now, note),
        ],
        user,
    )


def delete_partner(partner_id: str, user: str) -> Submitted:
    """Hide a partner with its interactions and agreements; undone by restore_partner."""
    require_partner(partner_id)
    return _set_deleted("app.partners", {"partner_id": partner_id}, user, deleted=True)


def restore_partner(partner_id: str, user: str) -> Submitted:
    return _set_deleted("app.partners", {"partner_id": partner_id}, user, deleted=False)


def _set_deleted(table: str, key: dict[str, str], user: str, *, deleted: bool) -> Submitted:
    now = _now()
    values = {"deleted_at": now if deleted else None, "updated_at": now}
    return submit([Change(table, key, values)], user)


# --- interactions --------------------------------------------------------------------------


def validate_interaction(draft: InteractionDraft) -> dict[str, str]:
    errors: dict[str, str] = {}
    if draft.occurred_on is None:
        errors["occurred_on"] = _("Say when it happened.")
    elif draft.occurred_on > today():
        errors["occurred_on"] = _(
            "An interaction cannot be in the future (log its plan as a step)."
        )
    if draft.kind not in INTERACTION_KINDS:
        errors["kind"] = _(
            "Kind must be one of {kinds}.",
            kinds=_listed(INTERACTION_KIND_LABELS, INTERACTION_KINDS),
        )
    if not draft.summary.strip():
        errors["summary"] = _("Write what was discussed or done.")
    _too_long(errors, "summary", draft.summary, MAX_TEXT)
    _too_long(errors, "next_step", draft.next_step, MAX_SHORT)
    if draft.next_step_due is not None and not draft.next_step.strip():
        errors["next_step"] = _("Say what the next step is, or clear its due date.")
    if (
        draft.next_step_due is not None
        and draft.occurred_on is not None
        and draft.next_step_due < draft.occurred_on
    ):
        errors["next_step_due"] = _("The next step cannot be due before the interaction.")
    _too_long(errors, "owner", draft.owner, MAX_TITLE)
    return errors


def log_interaction(partner_id: str, draft: InteractionDraft, user: str) -> Saved:
    errors = validate_interaction(draft)
    if errors:
        raise InvalidEntry(errors)
    require_partner(partner_id)
    interaction_id = new_id("interaction")
    change = interaction_change(partner_id, interaction_id, draft, _now())
    return Saved(interaction_id, submit([change], user).applied)


def interaction_change(
    partner_id: str, interaction_id: str, draft: InteractionDraft, at: datetime
) -> Change:
    """The row a (validated) interaction writes, logged at `at`."""
    values = {
        "partner_id": partner_id,
        "occurred_on": draft.occurred_on,
        "kind": draft.kind,
        "summary": draft.summary.strip(),
        "next_step": draft.next_step.strip() or None,
        "next_step_due": draft.next_step_due if draft.next_step.strip() else None,
        "owner": draft.owner.strip() or None,
        "created_at": at,
        "updated_at": at,
    }
    return Change("app.partner_interactions", {"interaction_id": interaction_id}, values)


def mark_step_done(interaction_id: str, user: str, done_on: date | None = None) -> Submitted:
    """The interaction's next step was done (today unless said); None → open again via undo."""
    done_on = done_on or today()
    if done_on > today():
        raise InvalidEntry({"next_step_done_on": _("A step cannot be done in the future.")})
    return _set_step(interaction_id, done_on, user)


def reopen_step(interaction_id: str, user: str) -> Submitted:
    return _set_step(interaction_id, None, user)


def _set_step(interaction_id: str, done_on: date | None, user: str) -> Submitted:
    values = {"next_step_done_on": done_on, "updated_at": _now()}
    key = {"interaction_id": interaction_id}
    return submit([Change("app.partner_interactions", key, values)], user)


def delete_interaction(interaction_id: str, user: str, *, deleted: bool = True) -> Submitted:
    """Hide (deleted=False: bring back) an interaction."""
    key = {"interaction_id": interaction_id}
    return _set_deleted("app.partner_interactions", key, user, deleted=deleted)


# --- agreements ----------------------------------------------------------------------------


def validate_agreement(draft: AgreementDraft) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not draft.title.strip():
        errors["title"] = _("Name the agreement (e.g. “Co-hosting the spring clean-up”).")
    _too_long(errors, "title", draft.title, MAX_TITLE)
    if not (draft.our_responsibilities.strip() or draft.partner_responsibilities.strip()):
        errors["our_responsibilities"] = _("Write what at least one side does.")
    _too_long(errors, "our_responsibilities", draft.our_responsibilities, MAX_TEXT)
    _too_long(errors, "partner_responsibilities", draft.partner_responsibilities, MAX_TEXT)
    if draft.signed_on is not None and draft.signed_on > today():
        errors["signed_on"] = _("An agreement cannot be signed in the future.")
    if draft.starts_on and draft.ends_on and draft.ends_on < draft.starts_on:
        errors["ends_on"] = _("The agreement must end on or after it starts.")
    url = draft.document_url.strip()
    if url and (not re.match(r"^https?://\S+$", url) or len(url) > MAX_TEXT):
        errors["document_url"] = _("Give the document's link as an http(s):// address.")
    return errors


def save_agreement(
    partner_id: str, draft: AgreementDraft, user: str, agreement_id: str | None = None
) -> Saved:
    errors = validate_agreement(draft)
    if errors:
        raise InvalidEntry(errors)
    require_partner(partner_id)
    new = agreement_id is None
    agreement_id = agreement_id or new_id("agreement")
    change = agreement_change(partner_id, agreement_id, draft, _now(), new=new)
    return Saved(agreement_id, submit([change], user).applied)


def agreement_change(
    partner_id: str, agreement_id: str, draft: AgreementDraft, at: datetime, *, new: bool
) -> Change:
    """The row a (validated) agreement writes."""
    values: dict[str, Any] = {
        "partner_id": partner_id,
        "title": draft.title.strip(),
        "our_responsibilities": draft.our_responsibilities.strip() or None,
        "partner_responsibilities": draft.partner_responsibilities.strip() or None,
        "signed_on": draft.signed_on,
        "starts_on": draft.starts_on,
        "ends_on": draft.ends_on,
        "document_url": draft.document_url.strip() or None,
        "updated_at": at,
    }
    if new:
        values["created_at"] = at
    return Change("app.partner_agreements", {"agreement_id": agreement_id}, values)


def delete_agreement(agreement_id: str, user: str, *, deleted: bool = True) -> Submitted:
    key = {"agreement_id": agreement_id}
    return _set_deleted("app.partner_agreements", key, user, deleted=deleted)


# --- joint projects ------------------------------------------------------------------------


def normalize_code(kind: str, code: str) -> str:
    """A code as it is stored: trimmed; a UTM given as a link or "utm_source=x" becomes x."""
    code = " ".join(code.split())
    if kind == "utm" and "utm_source=" in code:
        query = urlsplit(code).query or code.split("?", 1)[-1]
        found = parse_qs(query).get("utm_source")
        if found and found[0].strip():
            return found[0].strip()
    return code


def _code_key(code: str) -> str:
    """How sources are compared with a code (sql/staging/stg_app__project_tracking_codes.sql)."""
    key = re.sub(r"^https?://", "", code.strip().lower())
    return key.rstrip("/")


def _number(text: str) -> Decimal | None:
    return _parse_budget(text)  # the same spellings as an event's budget: "15 000,50"


def validate_project(draft: ProjectDraft, project_id: str | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not draft.title.strip():
        errors["title"] = _("Give the project a title.")
    _too_long(errors, "title", draft.title, MAX_TITLE)
    if draft.kind not in PROJECT_KINDS:
        errors["kind"] = _(
            "Kind must be one of {kinds}.", kinds=_listed(PROJECT_KIND_LABELS, PROJECT_KINDS)
        )
    if not draft.partner_ids:
        errors["partner_ids"] = _("Choose at least one partner.")
    elif missing := unknown_partners(draft.partner_ids):
        errors["partner_ids"] = _(
            "There is no partner “{partner}” (it may be deleted).", partner=missing[0]
        )
    if draft.starts_on is None:
        errors["starts_on"] = _("Set the project's first day.")
    if draft.ends_on is None:
        errors["ends_on"] = _("Set the project's last day.")
    elif draft.starts_on is not None and draft.ends_on < draft.starts_on:
        errors["ends_on"] = _("The project must end on or after its first day.")
    if draft.goal_metric is not None and draft.goal_metric not in GOAL_METRICS:
        errors["goal_metric"] = _(
            "The goal is one of {metrics}.", metrics=_listed(METRIC_LABELS, GOAL_METRICS)
        )
    if draft.goal_metric is None and draft.goal_target is not None:
        errors["goal_metric"] = _("Say what the target counts.")
    if draft.goal_metric is not None and draft.goal_target is None:
        errors["goal_target"] = _("Set the target for the goal.")
    if draft.goal_target is not None and not 0 < draft.goal_target <= float(MAX_VALUE):
        errors["goal_target"] = _("The target must be more than zero.")
    if draft.goal_metric == "uplift_pct" and (draft.goal_target or 0) > 10_000:
        errors["goal_target"] = _("An uplift target is a percentage (e.g. 20).")
    _too_long(errors, "goal_unit", draft.goal_unit, 16)
    try:
        budget = _number(draft.budget)
    except InvalidOperation:
        errors["budget"] = _("Budget must be a number, not “{text}”.", text=draft.budget)
    else:
        if budget is not None and not Decimal(0) <= budget <= MAX_BUDGET:
            errors["budget"] = _("Budget must be zero or more.")
    if len(draft.currency.strip()) > 8:
        errors["currency"] = _("Use a currency code like RUB, UAH, EUR.")
    _too_long(errors, "description", draft.description, MAX_TEXT)
    problem = _codes_problem(draft.tracking_codes, project_id)
    if problem:
        errors["tracking_codes"] = problem
    return errors


def _codes_problem(codes: list[tuple[str, str]], project_id: str | None) -> str | None:
    seen: set[str] = set()
    in_use = queries.unless_busy(code_list, pl.DataFrame())
    for kind, raw in codes:
        code = normalize_code(kind, raw)
        if kind not in CODE_KINDS:
            return _("A code's kind is one of {kinds}.", kinds=_listed(CODE_LABELS, CODE_KINDS))
        if len(code) < 3:
            return _("“{code}” is too short to track: use at least 3 characters.", code=raw)
        if len(code) > MAX_SHORT:
            return _("Keep each code under {limit} characters.", limit=MAX_SHORT)
        if kind == "promo_code" and re.search(r"\s", code):
            return _("A promo code has no spaces: “{code}”.", code=code)
        key = _code_key(code)
        if key in seen:
            return _("“{code}” is listed twice.", code=code)
        seen.add(key)
        if not in_use.is_empty():
            taken = in_use.filter(
                (pl.col("match_key") == key) & (pl.col("project_id") != (project_id or ""))
            )
            if not taken.is_empty():
                return _(
                    "“{code}” is already a code of the project “{project}”.",
                    code=code,
                    project=taken["title"][0],
                )
    return None


def save_project(draft: ProjectDraft, user: str, project_id: str | None = None) -> Saved:
    """Create a project (project_id None) or save edits; its tracking codes become exactly
    draft.tracking_codes (codes no longer listed are removed, not erased)."""
    errors = validate_project(draft, project_id)
    if errors:
        raise InvalidEntry(errors)
    current: list[tuple[str, str]] | None = None  # None: a new project
    if project_id is None:
        project_id = new_id("project")
    else:
        found = require_project(project_id)
        # busy: codes are added, none removed (which ones are there cannot be read now)
        current = [(c["kind"], c["code"]) for c in found["tracking_codes"]] if found else []
    changes = project_changes(project_id, draft, _now(), queries.timezone(), current)
    return Saved(project_id, submit(changes, user).applied)


def project_changes(
    project_id: str,
    draft: ProjectDraft,
    at: datetime,
    timezone: str,
    current_codes: list[tuple[str, str]] | None = None,
) -> list[Change]:
    """The rows a (validated) project writes: the project (its days local to `timezone`) and
    its codes; those of `current_codes` (None: a new project) no longer listed are removed."""
    values: dict[str, Any] = {
        "title": draft.title.strip(),
        "kind": draft.kind,
        "partner_ids": list(dict.fromkeys(draft.partner_ids)),
        "starts_on": draft.starts_on,
        "ends_on": draft.ends_on,
        "timezone": timezone,
        "goal_metric": draft.goal_metric,
        "goal_target": draft.goal_target,
        "goal_unit": (draft.goal_unit.strip().upper() or None) if draft.goal_metric else None,
        "budget": _number(draft.budget),
        "currency": draft.currency.strip().upper() or None,
        "description": draft.description.strip() or None,
        "updated_at": at,
    }
    if current_codes is None:
        values["created_at"] = at
    current = current_codes or []
    wanted = [(kind, normalize_code(kind, code)) for kind, code in draft.tracking_codes]
    changes = [Change("app.joint_projects", {"project_id": project_id}, values)]
    for kind, code in wanted:
        if (kind, code) not in current:
            key = {"project_id": project_id, "kind": kind, "code": code}
            changes.append(
                Change("app.project_tracking_codes", key, {"added_at": at, "removed_at": None})
            )
    for kind, code in current:
        if (kind, code) not in wanted:
            key = {"project_id": project_id, "kind": kind, "code": code}
            changes.append(Change("app.project_tracking_codes", key, {"removed_at": at}))
    return changes


def delete_project(project_id: str, user: str, *, deleted: bool = True) -> Submitted:
    """Hide (deleted=False: bring back) a project with its codes and outcomes."""
    if deleted:
        require_project(project_id)
    return _set_deleted("app.joint_projects", {"project_id": project_id}, user, deleted=deleted)


# --- outcomes entered by hand --------------------------------------------------------------


def validate_outcome(draft: OutcomeDraft) -> dict[str, str]:
    errors: dict[str, str] = {}
    if draft.metric not in ENTERED_METRICS:
        choices_ = _listed(METRIC_LABELS, ENTERED_METRICS)
        if draft.metric in COMPUTED_METRICS:
            errors["metric"] = _(
                "“{metric}” is computed from the data: choose one of {metrics}.",
                metric=_(METRIC_LABELS[draft.metric]),
                metrics=choices_,
            )
        else:
            errors["metric"] = _("Choose one of {metrics}.", metrics=choices_)
    try:
        value = _number(draft.value)
    except InvalidOperation:
        errors["value"] = _("The value must be a number, not “{text}”.", text=draft.value)
    else:
        if value is None:
            errors["value"] = _("Enter the value.")
        elif not Decimal(0) <= value <= MAX_VALUE:
            errors["value"] = _("The value must be zero or more.")
    unit = draft.unit.strip()
    if draft.metric == "donations" and not _CURRENCY.match(unit.upper()):
        errors["unit"] = _("Donations need their currency: a code like RUB, UAH, EUR.")
    _too_long(errors, "unit", unit, 16)
    if draft.recorded_on is not None and draft.recorded_on > today():
        errors["recorded_on"] = _("An outcome cannot be recorded in the future.")
    _too_long(errors, "note", draft.note, MAX_TEXT)
    return errors


def record_outcome(project_id: str, draft: OutcomeDraft, user: str) -> Saved:
    errors = validate_outcome(draft)
    if errors:
        raise InvalidEntry(errors)
    require_project(project_id)
    outcome_id = new_id("outcome")
    change = outcome_change(project_id, outcome_id, draft, _now(), today())
    return Saved(outcome_id, submit([change], user).applied)


def outcome_change(
    project_id: str, outcome_id: str, draft: OutcomeDraft, at: datetime, on: date
) -> Change:
    """The row a (validated) outcome writes (recorded on `on` unless the draft says)."""
    unit = draft.unit.strip()
    values = {
        "project_id": project_id,
        "metric": draft.metric,
        "value": _number(draft.value),
        "unit": (unit.upper() if draft.metric == "donations" else unit) or None,
        "recorded_on": draft.recorded_on or on,
        "note": draft.note.strip() or None,
        "created_at": at,
        "updated_at": at,
    }
    return Change("app.project_outcomes", {"outcome_id": outcome_id}, values)


def delete_outcome(outcome_id: str, user: str, *, deleted: bool = True) -> Submitted:
    key = {"outcome_id": outcome_id}
    return _set_deleted("app.project_outcomes", key, user, deleted=deleted)


# --- event co-hosts ------------------------------------------------------------------------


def cohost_change(event_id: str, partner_ids: list[str]) -> Change:
    """The co-hosting partners of an event, as one change of an event's form entry."""
    values = {"partner_ids": list(dict.fromkeys(partner_ids)), "updated_at": _now()}
    return Change("app.event_partners", {"event_id": event_id}, values)


def unknown_partners(partner_ids: list[str]) -> list[str]:
    """The ids among `partner_ids` that are no (longer a) partner."""
    known = queries.unless_busy(choices, None)
    if known is None:
        return []  # cannot check while a refresh writes; the models drop unknown ids
    return [p for p in partner_ids if p not in known]


def set_cohosts(event_id: str, partner_ids: list[str], user: str) -> Submitted:
    """Say which partners co-host an event (created in the app or imported)."""
    if missing := unknown_partners(partner_ids):
        raise InvalidEntry(
            {"partner_ids": _("There is no partner “{partner}”.", partner=missing[0])}
        )
    if events.event(event_id) is None:
        raise events.UnknownEvent(_("There is no event “{event}”.", event=event_id))
    return submit([cohost_change(event_id, partner_ids)], user)


# --- reads ---------------------------------------------------------------------------------


def _read(
    key: tuple, name: str, params: dict[str, Any], needs: tuple[str, str], stamp: object = None
) -> pl.DataFrame:
    def compute() -> pl.DataFrame | None:
        try:
            with read_connection() as con:
                if not has_table(con, *needs):
                    return None  # nothing built yet: nothing to list
                return run_kpi_query(con, name, params)
        except WarehouseEmpty:
            return None  # the first partner can be added before any data is loaded

    found = queries.cached(key, compute, stamp=stamp)
    return found if found is not None else pl.DataFrame()


def scorecard(on: date | None = None) -> pl.DataFrame:
    """Every partner with its stage, health as of `on` (default today) and what it brought."""
    on = on or today()
    params = {"today": on, "partner_id": None}
    return _read(
        ("partner_scorecard", on), "partner_scorecard", params, ("marts", "partner_results"), on
    )


def partner(partner_id: str, on: date | None = None) -> dict[str, Any] | None:
    found = scorecard(on)
    if found.is_empty():
        return None
    row = found.filter(pl.col("partner_id") == partner_id)
    return None if row.is_empty() else row.row(0, named=True)


_BUSY: Any = object()  # what a lookup gives while a refresh keeps the warehouse


def require_partner(partner_id: str) -> dict[str, Any] | None:
    """The partner; UnknownPartner if there is none; None if that cannot be read right now."""
    found = queries.unless_busy(lambda: partner(partner_id), _BUSY)
    if found is _BUSY:
        return None
    if found is None:
        raise UnknownPartner(
            _("There is no partner “{partner}” (it may have been deleted).", partner=partner_id)
        )
    return found


def choices() -> dict[str, str]:
    """partner_id → name, for pickers (the event form's co-hosts, a project's partners)."""
    listed = scorecard()
    if listed.is_empty():
        return {}
    return dict(zip(listed["partner_id"], listed["name"], strict=True))


def reminders(on: date | None = None) -> pl.DataFrame:
    """Overdue next steps, partners without contact for 60 days, projects ended without
    thanks; as of `on` (default today), oldest first."""
    on = on or today()
    return _read(
        ("partner_reminders", on), "partner_reminders", {"today": on}, ("core", "partners"), on
    )


def timeline(partner_id: str, on: date | None = None) -> pl.DataFrame:
    on = on or today()
    params = {"partner_id": partner_id, "today": on, "tz": queries.timezone()}
    return _read(
        ("partner_timeline", partner_id, on), "partner_timeline", params, ("core", "partners"), on
    )


def agreements(partner_id: str) -> pl.DataFrame:
    """A partner's agreements, the latest first."""
    return _read(
        ("partner_agreements", partner_id),
        "partner_agreement_list",
        {"partner_id": partner_id},
        ("core", "partner_agreements"),
    )


def projects(partner_id: str | None = None) -> pl.DataFrame:
    """Joint projects (all, or one partner's) with goal vs actual and what they brought."""
    params = {"partner_id": partner_id, "project_id": None}
    return _read(
        ("partner_projects", partner_id), "partner_projects", params, ("marts", "partner_outcomes")
    )


def project(project_id: str) -> dict[str, Any] | None:
    params = {"partner_id": None, "project_id": project_id}
    found = _read(
        ("partner_project", project_id), "partner_projects", params, ("marts", "partner_outcomes")
    )
    return None if found.is_empty() else found.row(0, named=True)


def require_project(project_id: str) -> dict[str, Any] | None:
    """The project; UnknownProject if there is none; None if that cannot be read right now."""
    found = queries.unless_busy(lambda: project(project_id), _BUSY)
    if found is _BUSY:
        return None
    if found is None:
        raise UnknownProject(
            _("There is no project “{project}” (it may have been deleted).", project=project_id)
        )
    return found


def outcomes(project_id: str) -> pl.DataFrame:
    """A project's outcomes: the computed ones, then those entered by hand."""
    return _read(
        ("project_outcomes", project_id),
        "project_outcome_list",
        {"project_id": project_id},
        ("core", "project_outcomes"),
    )


def code_list() -> pl.DataFrame:
    """Every tracking code in use, with its project."""
    return _read(("project_codes",), "project_code_list", {}, ("core", "project_tracking_codes"))


def event_partner_ids(event_id: str) -> list[str]:
    """The partners co-hosting an event (ids, as entered)."""

    def compute() -> list[str]:
        with read_connection() as con:
            if not has_table(con, "core", "events"):
                return []
            row = con.execute(
                "select partner_ids from core.events where event_id = ?", [event_id]
            ).fetchone()
        return list(row[0]) if row and row[0] else []

    return queries.cached(("event_partner_ids", event_id), compute)


def highlights(period: Period) -> dict[str, Any]:
    """Partnerships in `period` for the leadership Overview, aggregates only: active_partners
    (stage active now), projects_running (overlapping the period), new_members and
    registrations brought by partners in the period (each person once), and top_partners: the
    3 partners that brought the most new members (name, new_members, registrations)."""
    found = _read(
        ("partner_highlights", period),
        "partner_highlights",
        period.params(),
        ("marts", "partner_results"),
    )
    empty_top = pl.DataFrame(
        schema={"name": pl.String, "new_members": pl.Int64, "registrations": pl.Int64}
    )
    if found.is_empty():
        return {
            "active_partners": 0,
            "projects_running": 0,
            "new_members": 0,
            "registrations": 0,
            "top_partners": empty_top,
        }
    total = found.filter(pl.col("partner_id").is_null()).row(0, named=True)
    top = (
        found.filter(pl.col("partner_id").is_not_null() & (pl.col("new_members") > 0))
        .head(3)
        .select("name", "new_members", "registrations")
        .cast({"new_members": pl.Int64, "registrations": pl.Int64})
    )
    return {
        "active_partners": int(total["active_partners"]),
        "projects_running": int(total["projects_running"]),
        "new_members": int(total["new_members"]),
        "registrations": int(total["registrations"]),
        "top_partners": top,
    }
