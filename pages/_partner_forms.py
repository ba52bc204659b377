"""The partner forms (partner, stage, interaction, agreement, joint project, outcome) and the
labels the partner pages share.

Not a page itself (st.navigation lists the pages in app.py). Each form validates through
warehouse.partners, shows every problem by field label, and returns what was saved (None when
nothing was).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import streamlit as st

from pages._common import QUEUED, current_user, show_field_errors
from warehouse import partners
from warehouse.app_data import EntryRejected, Submitted
from warehouse.events import MAX_TEXT, MAX_TITLE, InvalidEntry
from warehouse.i18n import N_, _

NOTICE = "partner_notice"  # what the last change did, shown after the rerun it causes
UNDO = "partner_undo"  # (what, id): the last deletion, offered for undo
# the forms' field labels (marked here, translated where shown); the code words' labels
# (stages, kinds, metrics…) are warehouse.partners' *_LABELS
PARTNER_LABELS = {
    "name": N_("Name"),
    "partner_type": N_("Type"),
    "stage": N_("Stage"),
    "owner": N_("Owner on our side"),
    "contact": N_("Contact"),
    "partner_offers": N_("What they offer"),
    "our_offer": N_("What we offer"),
    "note": N_("Note"),
}
INTERACTION_LABELS = {
    "occurred_on": N_("Date"),
    "kind": N_("Kind"),
    "summary": N_("Summary"),
    "next_step": N_("Next step"),
    "next_step_due": N_("Next step due"),
    "owner": N_("Who"),
}
AGREEMENT_LABELS = {
    "title": N_("Agreement"),
    "our_responsibilities": N_("We do"),
    "partner_responsibilities": N_("The partner does"),
    "signed_on": N_("Signed on"),
    "starts_on": N_("Starts"),
    "ends_on": N_("Ends"),
    "document_url": N_("Link to the document"),
}
PROJECT_LABELS = {
    "title": N_("Project title"),
    "kind": N_("Kind"),
    "partner_ids": N_("Partners"),
    "starts_on": N_("First day"),
    "ends_on": N_("Last day"),
    "goal_metric": N_("Goal"),
    "goal_target": N_("Target"),
    "goal_unit": N_("Unit of the target"),
    "budget": N_("Budget"),
    "currency": N_("Currency"),
    "description": N_("Description"),
    "tracking_codes": N_("Tracking codes"),
}
OUTCOME_LABELS = {
    "metric": N_("Outcome"),
    "value": N_("Value"),
    "unit": N_("Unit or currency"),
    "recorded_on": N_("Recorded on"),
    "note": N_("Note"),
}


def shown(labels: dict[str, str], code: str | None) -> str:
    """A code word (stage, kind, metric…) as people see it, in their language; one without a
    label as it is."""
    if code is None:
        return ""
    return _(labels[code]) if code in labels else code


def translated(labels: dict[str, str]) -> dict[str, str]:
    """`labels` in the current language (field errors by label, a column of code words)."""
    return {key: _(text) for key, text in labels.items()}


def done(
    submitted: Submitted | partners.Saved, message: str, undo: tuple[str, str] | None = None
) -> None:
    """After a write: say what happened on the next run (queued entries say when they land);
    `undo`: (what, id) of a deletion, offered for undo until the next change."""
    st.session_state[NOTICE] = message + ("" if submitted.applied else _(QUEUED))
    if undo is None:
        st.session_state.pop(UNDO, None)
    else:
        st.session_state[UNDO] = undo
    st.rerun()


def _index(options: tuple[str, ...] | list[str], value: Any, default: int = 0) -> int:
    return options.index(value) if value in options else default


def partner_form(key: str, current: dict[str, Any] | None = None) -> partners.Saved | None:
    """A new partner (current None) or the partner's details to edit."""
    current = current or {}

    def value(name: str, default: str = "") -> str:
        return current.get(name) or default

    with st.form(key, clear_on_submit=not current, border=True):
        name = st.text_input(
            shown(PARTNER_LABELS, "name"), value=value("name"), max_chars=MAX_TITLE
        )
        left, middle, right = st.columns(3)
        partner_type = left.selectbox(
            shown(PARTNER_LABELS, "partner_type"),
            partners.TYPES,
            index=_index(partners.TYPES, current.get("partner_type"), 1),
            format_func=lambda code: shown(partners.TYPE_LABELS, code),
        )
        stage = middle.selectbox(
            shown(PARTNER_LABELS, "stage"),
            partners.STAGES,
            index=_index(partners.STAGES, current.get("stage")),
            format_func=lambda code: shown(partners.STAGE_LABELS, code),
        )
        owner = right.text_input(shown(PARTNER_LABELS, "owner"), value=value("owner"))
        contact = st.text_input(
            shown(PARTNER_LABELS, "contact"),
            value=value("contact"),
            placeholder=_("Name, e-mail, phone, @handle"),
        )
        left, right = st.columns(2)
        partner_offers = left.text_area(
            shown(PARTNER_LABELS, "partner_offers"),
            value=value("partner_offers"),
            max_chars=MAX_TEXT,
        )
        our_offer = right.text_area(
            shown(PARTNER_LABELS, "our_offer"), value=value("our_offer"), max_chars=MAX_TEXT
        )
        note = st.text_input(shown(PARTNER_LABELS, "note"), value=value("note"))
        submitted = st.form_submit_button(
            _("Add partner") if not current else _("Save partner"), type="primary"
        )
    if not submitted:
        return None
    draft = partners.PartnerDraft(
        name=name,
        partner_type=partner_type,
        stage=stage,
        owner=owner,
        contact=contact,
        partner_offers=partner_offers,
        our_offer=our_offer,
        note=note,
    )
    try:
        return partners.save_partner(draft, current_user(), current.get("partner_id"))
    except InvalidEntry as exc:
        show_field_errors(exc.errors, translated(PARTNER_LABELS))
    except (partners.UnknownPartner, EntryRejected) as exc:
        st.error(str(exc))
    return None


def stage_form(partner: dict[str, Any]) -> None:
    """Move the partner to another stage, with an optional note for the timeline."""
    partner_id = partner["partner_id"]
    with st.form(f"stage_{partner_id}", border=True):
        left, right = st.columns([1, 2])
        stage = left.selectbox(
            _("New stage"),
            partners.STAGES,
            index=_index(partners.STAGES, partner["stage"]),
            format_func=lambda code: shown(partners.STAGE_LABELS, code),
        )
        note = right.text_input(_("Why (optional)"), max_chars=partners.MAX_SHORT)
        moved = st.form_submit_button(_("Change stage"))
    if not moved:
        return
    try:
        submitted = partners.change_stage(partner_id, stage, current_user(), note)
    except InvalidEntry as exc:
        show_field_errors(exc.errors, {"stage": _("New stage"), "note": _("Why")})
    except (partners.UnknownPartner, EntryRejected) as exc:
        st.error(str(exc))
    else:
        done(submitted, _("Moved to {stage}.", stage=shown(partners.STAGE_LABELS, stage)))


def interaction_form(partner_id: str) -> None:
    """Log a call, meeting, e-mail… with its next step. Enter in Summary saves it."""
    with st.form(f"interaction_{partner_id}", clear_on_submit=True, border=True):
        left, middle, right = st.columns(3)
        occurred_on = left.date_input(
            shown(INTERACTION_LABELS, "occurred_on"), value=partners.today(), format="DD.MM.YYYY"
        )
        kind = middle.selectbox(
            shown(INTERACTION_LABELS, "kind"),
            partners.INTERACTION_KINDS,
            format_func=lambda code: shown(partners.INTERACTION_KIND_LABELS, code),
        )
        owner = right.text_input(shown(INTERACTION_LABELS, "owner"), max_chars=MAX_TITLE)
        summary = st.text_input(
            shown(INTERACTION_LABELS, "summary"),
            max_chars=MAX_TEXT,
            placeholder=_("What was discussed or done"),
        )
        left, right = st.columns([2, 1])
        next_step = left.text_input(
            shown(INTERACTION_LABELS, "next_step"), max_chars=partners.MAX_SHORT
        )
        due = right.date_input(
            shown(INTERACTION_LABELS, "next_step_due"), value=None, format="DD.MM.YYYY"
        )
        logged = st.form_submit_button(_("Log interaction"), type="primary")
    if not logged:
        return
    draft = partners.InteractionDraft(
        occurred_on=occurred_on,
        kind=kind,
        summary=summary,
        next_step=next_step,
        next_step_due=due,
        owner=owner,
    )
    try:
        saved = partners.log_interaction(partner_id, draft, current_user())
    except InvalidEntry as exc:
        show_field_errors(exc.errors, translated(INTERACTION_LABELS))
    except (partners.UnknownPartner, EntryRejected) as exc:
        st.error(str(exc))
    else:
        done(saved, _("{kind} logged.", kind=shown(partners.INTERACTION_KIND_LABELS, kind)))


def agreement_form(partner_id: str) -> None:
    with st.form(f"agreement_{partner_id}", clear_on_submit=True, border=True):
        title = st.text_input(shown(AGREEMENT_LABELS, "title"), max_chars=MAX_TITLE)
        left, right = st.columns(2)
        ours = left.text_area(shown(AGREEMENT_LABELS, "our_responsibilities"), max_chars=MAX_TEXT)
        theirs = right.text_area(
            shown(AGREEMENT_LABELS, "partner_responsibilities"), max_chars=MAX_TEXT
        )
        left, middle, right = st.columns(3)
        signed_on = left.date_input(
            shown(AGREEMENT_LABELS, "signed_on"), value=None, format="DD.MM.YYYY"
        )
        starts_on = middle.date_input(
            shown(AGREEMENT_LABELS, "starts_on"), value=None, format="DD.MM.YYYY"
        )
        ends_on = right.date_input(
            shown(AGREEMENT_LABELS, "ends_on"), value=None, format="DD.MM.YYYY"
        )
        url = st.text_input(shown(AGREEMENT_LABELS, "document_url"), placeholder="https://…")
        added = st.form_submit_button(_("Add agreement"), type="primary")
    if not added:
        return
    draft = partners.AgreementDraft(
        title=title,
        our_responsibilities=ours,
        partner_responsibilities=theirs,
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        document_url=url,
    )
    try:
        saved = partners.save_agreement(partner_id, draft, current_user())
    except InvalidEntry as exc:
        show_field_errors(exc.errors, translated(AGREEMENT_LABELS))
    except (partners.UnknownPartner, EntryRejected) as exc:
        st.error(str(exc))
    else:
        done(saved, _("Agreement added."))


def _codes_text(current: dict[str, Any], kind: str) -> str:
    return "\n".join(c["code"] for c in current.get("tracking_codes") or [] if c["kind"] == kind)


def project_form(
    key: str, partner_id: str | None, current: dict[str, Any] | None = None
) -> partners.Saved | None:
    """A new joint project (with `partner_id` chosen) or one to edit. Tracking codes: one per
    line in their kind's box; Enter in the title saves."""
    current = current or {}
    names = partners.choices()
    chosen = list(current.get("partner_ids") or ([partner_id] if partner_id else []))
    options = list(dict.fromkeys([*names, *chosen]))
    today = partners.today()
    goals = [None, *partners.GOAL_METRICS]
    with st.form(key, clear_on_submit=not current, border=True):
        title = st.text_input(
            shown(PROJECT_LABELS, "title"), value=current.get("title") or "", max_chars=MAX_TITLE
        )
        left, right = st.columns([1, 2])
        kind = left.selectbox(
            shown(PROJECT_LABELS, "kind"),
            partners.PROJECT_KINDS,
            index=_index(partners.PROJECT_KINDS, current.get("kind")),
            format_func=lambda code: shown(partners.PROJECT_KIND_LABELS, code),
        )
        partner_ids = right.multiselect(
            shown(PROJECT_LABELS, "partner_ids"),
            options,
            default=chosen,
            format_func=lambda p: names[p] if p in names else _("{id} (deleted)", id=p),
        )
        left, right = st.columns(2)
        starts_on = left.date_input(
            shown(PROJECT_LABELS, "starts_on"),
            value=current.get("starts_on") or today,
            format="DD.MM.YYYY",
        )
        ends_on = right.date_input(
            shown(PROJECT_LABELS, "ends_on"),
            value=current.get("ends_on") or today + timedelta(days=30),
            format="DD.MM.YYYY",
            help=_("People who come through the project are counted up to 30 days after it."),
        )
        left, middle, right = st.columns(3)
        goal_metric = left.selectbox(
            shown(PROJECT_LABELS, "goal_metric"),
            goals,
            index=_index(goals, current.get("goal_metric")),
            format_func=lambda m: "—" if m is None else shown(partners.METRIC_LABELS, m),
        )
        goal_target = middle.number_input(
            shown(PROJECT_LABELS, "goal_target"),
            value=current.get("goal_target"),
            min_value=None,
            step=1.0,
            placeholder=_("no target"),
        )
        goal_unit = right.text_input(
            shown(PROJECT_LABELS, "goal_unit"),
            value=current.get("goal_unit") or "",
            help=_("For money: the currency (RUB); only outcomes in it count towards the goal."),
        )
        st.markdown(
            _(
                "**Tracking codes**, one per line. Registrations whose source is a code, and "
                "joins through an invite link (Telegram bot), are counted for the project."
            )
        )
        left, middle, right = st.columns(3)
        invite_links = left.text_area(
            _("Invite links"),
            value=_codes_text(current, "invite_link"),
            placeholder="https://t.me/+…",
        )
        utms = middle.text_area(
            _("UTM sources"), value=_codes_text(current, "utm"), placeholder="partner_school5"
        )
        promo_codes = right.text_area(
            _("Promo codes"), value=_codes_text(current, "promo_code"), placeholder="SCHOOL5"
        )
        left, right = st.columns([2, 1])
        budget = left.text_input(
            shown(PROJECT_LABELS, "budget"),
            value="" if current.get("budget") is None else str(current["budget"]),
        )
        currency = right.text_input(
            shown(PROJECT_LABELS, "currency"), value=current.get("currency") or "RUB"
        )
        description = st.text_area(
            shown(PROJECT_LABELS, "description"), value=current.get("description") or ""
        )
        submitted = st.form_submit_button(
            _("Create project") if not current else _("Save project"), type="primary"
        )
    if not submitted:
        return None
    codes = [
        (kind_, line.strip())
        for kind_, text in (
            ("invite_link", invite_links),
            ("utm", utms),
            ("promo_code", promo_codes),
        )
        for line in text.splitlines()
        if line.strip()
    ]
    draft = partners.ProjectDraft(
        title=title,
        kind=kind,
        partner_ids=partner_ids,
        starts_on=starts_on,
        ends_on=ends_on,
        goal_metric=goal_metric,
        goal_target=goal_target,
        goal_unit=goal_unit,
        budget=budget,
        currency=currency,
        description=description,
        tracking_codes=codes,
    )
    try:
        return partners.save_project(draft, current_user(), current.get("project_id"))
    except InvalidEntry as exc:
        show_field_errors(exc.errors, translated(PROJECT_LABELS))
    except (partners.UnknownProject, EntryRejected) as exc:
        st.error(str(exc))
    return None


def outcome_form(project_id: str) -> None:
    """An outcome entered by hand (leads, donations with their currency, items…)."""
    with st.form(f"outcome_{project_id}", clear_on_submit=True, border=True):
        left, middle, right, last = st.columns([2, 1, 1, 1])
        metric = left.selectbox(
            shown(OUTCOME_LABELS, "metric"),
            partners.ENTERED_METRICS,
            format_func=lambda code: shown(partners.METRIC_LABELS, code),
        )
        value = middle.text_input(shown(OUTCOME_LABELS, "value"), placeholder=_("e.g. 15 000"))
        unit = right.text_input(shown(OUTCOME_LABELS, "unit"), placeholder=_("RUB, kg, bags"))
        recorded_on = last.date_input(
            shown(OUTCOME_LABELS, "recorded_on"), value=partners.today(), format="DD.MM.YYYY"
        )
        note = st.text_input(shown(OUTCOME_LABELS, "note"), max_chars=MAX_TEXT)
        entered = st.form_submit_button(_("Enter outcome"))
    if not entered:
        return
    draft = partners.OutcomeDraft(
        metric=metric, value=value, unit=unit, recorded_on=recorded_on, note=note
    )
    try:
        saved = partners.record_outcome(project_id, draft, current_user())
    except InvalidEntry as exc:
        show_field_errors(exc.errors, translated(OUTCOME_LABELS))
    except (partners.UnknownProject, EntryRejected) as exc:
        st.error(str(exc))
    else:
        done(saved, _("{metric} entered.", metric=shown(partners.METRIC_LABELS, metric)))


def days_ago(day: date | None, today: date) -> str:
    """How long ago `day` was, shortly: "today", "5 d ago", "in 3 d", "never"."""
    if day is None:
        return _("never")
    days = (today - day).days
    if days == 0:
        return _("today")
    return _("{days} d ago", days=days) if days > 0 else _("in {days} d", days=-days)
