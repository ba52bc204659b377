"""One partner's profile: health and what it brought, the timeline, joint projects with their
outcomes vs goals, and the forms (interaction, agreement, project, outcome, edit, stage).

Not a page itself: pages/partners.py shows it for `?partner=<id>`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from pages._common import csv_download, current_user, escaped, warehouse_problem
from pages._partner_forms import (
    NOTICE,
    UNDO,
    agreement_form,
    days_ago,
    done,
    interaction_form,
    outcome_form,
    partner_form,
    project_form,
    shown,
    stage_form,
)
from warehouse import partners
from warehouse.app_data import EntryRejected, Submitted
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.events import InvalidEntry
from warehouse.i18n import DEFAULT_LANGUAGE, N_, _, language, number

SHOWN_AT_ONCE = 50
# what a timeline row is (sql/kpis/partner_timeline.sql's `what`), besides interactions' kinds
TIMELINE_LABELS = {
    **partners.INTERACTION_KIND_LABELS,
    "agreement": N_("Agreement"),
    "project_start": N_("Project starts"),
    "project_end": N_("Project ended"),
    "stage": N_("Stage"),
}
# what a deletion hid → how to bring it back
RESTORE = {
    "partner": lambda item, user: partners.restore_partner(item, user),
    "interaction": lambda item, user: partners.delete_interaction(item, user, deleted=False),
    "agreement": lambda item, user: partners.delete_agreement(item, user, deleted=False),
    "project": lambda item, user: partners.delete_project(item, user, deleted=False),
    "outcome": lambda item, user: partners.delete_outcome(item, user, deleted=False),
}


def _deleted(submitted: Submitted, what: str, item_id: str, message: str) -> None:
    done(submitted, message, undo=(what, item_id))


def _notice_and_undo() -> None:
    """The last change's message; after a deletion, the button that undoes it."""
    if notice := st.session_state.pop(NOTICE, None):
        st.success(notice)
    undo = st.session_state.get(UNDO)
    if undo and st.button(_("Undo delete"), key="partner_undo_delete", type="primary"):
        what, item_id = undo
        done(RESTORE[what](item_id, current_user()), _("Restored."))


def _number(value: float | int | None, suffix: str = "") -> str:
    """A measure as text: whole numbers without decimals, others with one. English keeps the
    app's "7 500" / "12.5" (as the KPI cards write them); other languages their own ("12,5")."""
    if value is None:
        return "—"
    digits = 0 if float(value).is_integer() else 1
    if language() == DEFAULT_LANGUAGE:
        return f"{value:,.{digits}f}".replace(",", " ") + suffix
    return number(value, digits) + suffix


def show_partner(partner_id: str) -> None:
    if st.button(_("← All partners"), key="back_to_partners"):
        del st.query_params["partner"]
        st.rerun()
    _notice_and_undo()
    try:
        partner = partners.partner(partner_id)
    except (WarehouseEmpty, WarehouseBusy) as exc:
        warehouse_problem(exc)
        return
    if partner is None:
        if st.session_state.get(UNDO) != ("partner", partner_id):
            st.error(
                _(
                    "There is no partner `{id}`. It may have been deleted, or the link is wrong.",
                    id=escaped(partner_id),
                )
            )
        return

    today = partners.today()
    st.title(escaped(partner["name"]))
    facts = [
        shown(partners.TYPE_LABELS, partner["partner_type"]),
        shown(partners.STAGE_LABELS, partner["stage"]),
        _("owner: {name}", name=partner["owner"]) if partner["owner"] else "",
        partner["contact"] or "",
    ]
    st.caption(escaped(" · ".join(f for f in facts if f)))
    offers = [  # (the line, with {text} to fill in; what was typed)
        (_("**They offer:** {text}"), partner["partner_offers"]),
        (_("**We offer:** {text}"), partner["our_offer"]),
        (_("**Note:** {text}"), partner["note"]),
    ]
    st.markdown("  \n".join(line.format(text=escaped(typed)) for line, typed in offers if typed))

    cards = [
        (_("New members"), _number(partner["new_members"]), _("Members its projects brought.")),
        (
            _("Registrations"),
            _number(partner["registrations"]),
            _("Through its projects' codes."),
        ),
        (
            _("Activity uplift"),
            _number(partner["uplift_pct"], " %"),
            _(
                "Members who took part in its projects: activities in the 60 days after their "
                "first touch vs the 60 days before (shown once 60 days have passed)."
            ),
        ),
        (_("Interactions (90 d)"), _number(partner["interactions_90d"]), None),
        (_("Last contact"), days_ago(partner["last_contact_on"], today), None),
        (
            _("Overdue steps"),
            _number(partner["overdue_steps"]),
            _("Next steps past their due day."),
        ),
    ]
    for column, (label, value, help_text) in zip(st.columns(len(cards)), cards, strict=True):
        column.metric(label, value, help=help_text, border=True)

    timeline, projects_tab, log, agreements_tab, new_project, edit = st.tabs(
        [
            _("Timeline"),
            _("Projects"),
            _("Log interaction"),
            _("Agreements"),
            _("New project"),
            _("Edit"),
        ]
    )
    with timeline:
        _timeline(partner_id)
    with projects_tab:
        _projects(partner_id)
    with log:
        interaction_form(partner_id)
    with agreements_tab:
        _agreements(partner_id)
    with new_project:
        saved = project_form(f"new_project_{partner_id}", partner_id)
        if saved is not None:
            done(saved, _("Project created: see it under **Projects**."))
    with edit:
        _edit(partner)


def _timeline(partner_id: str) -> None:
    rows = partners.timeline(partner_id)
    if rows.is_empty():
        st.info(_("Nothing logged yet: log the first interaction under **Log interaction**."))
        return
    for row in rows.head(SHOWN_AT_ONCE).iter_rows(named=True):
        body, actions = st.columns([5, 1])
        head = f"**{row['on_day']:%d.%m.%Y}** · {shown(TIMELINE_LABELS, row['what'])}"
        if row["owner"]:
            head += f" · {escaped(row['owner'])}"
        body.markdown(head)
        text = row["text"] or ""
        if row["item_kind"] == "stage":
            stage, _sep, note = text.partition(": ")
            text = shown(partners.STAGE_LABELS, stage) + (f": {note}" if note else "")
        body.text(text)
        if row["next_step"]:
            step = escaped(row["next_step"])
            if row["next_step_due"]:
                due = f"{row['next_step_due']:%d.%m.%Y}"
                next_line = _("Next: {step} by {day}", step=step, day=due)
            else:
                next_line = _("Next: {step}", step=step)
            if row["next_step_done_on"]:
                state = _("done {day}", day=f"{row['next_step_done_on']:%d.%m.%Y}")
            elif row["next_step_due"] and row["next_step_due"] < partners.today():
                state = _(":red[overdue]")
            else:
                state = _("open")
            body.caption(f"{next_line} · {state}")
        if row["item_kind"] != "interaction":
            continue
        item = row["item_id"]
        if row["next_step"] and not row["next_step_done_on"]:
            if actions.button(_("Step done"), key=f"step_done_{item}"):
                _act(partners.mark_step_done, item, _("Next step done."))
        elif row["next_step"] and actions.button(_("Reopen step"), key=f"step_open_{item}"):
            _act(partners.reopen_step, item, _("Next step open again."))
        if actions.button(_("Delete"), key=f"delete_interaction_{item}"):
            submitted = partners.delete_interaction(item, current_user())
            _deleted(submitted, "interaction", item, _("Interaction deleted."))
    if rows.height > SHOWN_AT_ONCE:
        st.caption(_("…and {count} older entries.", count=rows.height - SHOWN_AT_ONCE))


def _act(change: Callable[[str, str], Submitted], item_id: str, message: str) -> None:
    try:
        submitted = change(item_id, current_user())
    except (InvalidEntry, EntryRejected) as exc:
        st.error(str(exc))
    else:
        done(submitted, message)


def _goal_line(project: dict[str, Any]) -> str | None:
    if project["goal_metric"] is None:
        return None
    metric = shown(partners.METRIC_LABELS, project["goal_metric"])
    unit = f" {project['goal_unit']}" if project["goal_unit"] else ""
    actual = project["goal_actual"]
    target = _number(project["goal_target"]) + unit
    if actual is None:
        return _("Goal: {metric} {target} · not measurable yet", metric=metric, target=target)
    return _(
        "Goal: {metric} {actual} of {target} ({share})",
        metric=metric,
        actual=_number(actual),
        target=target,
        share=_number(project["goal_pct"], " %"),
    )


def _projects(partner_id: str) -> None:
    listed = partners.projects(partner_id)
    if listed.is_empty():
        st.info(_("No joint projects yet: create one under **New project**."))
        return
    for project in listed.iter_rows(named=True):
        _project(project)


def _project(project: dict[str, Any]) -> None:
    project_id = project["project_id"]
    with st.container(border=True):
        st.markdown(f"#### {escaped(project['title'])}")
        names = project["partner_names"]
        facts = [
            shown(partners.PROJECT_KIND_LABELS, project["kind"]),
            f"{project['starts_on']:%d.%m.%Y} – {project['ends_on']:%d.%m.%Y}",
            _("with {partners}", partners=", ".join(names)) if names else "",
        ]
        if project["budget"] is not None:
            budget = _(
                "budget {amount} {currency}",
                amount=_number(float(project["budget"])),
                currency=project["currency"] or "",
            )
            facts.append(budget.strip())
        st.caption(escaped(" · ".join(f for f in facts if f)))
        codes = project["tracking_codes"] or []
        if codes:
            listed = ", ".join(
                f"{shown(partners.CODE_LABELS, c['kind'])} `{c['code'].replace('`', '')}`"
                for c in codes
            )
            st.caption(_("Tracking codes: {codes}", codes=listed))
        cards = [
            (_("New members"), _number(project["new_members"])),
            (_("Registrations"), _number(project["registrations"])),
            (_("Reach"), _number(project["reach"])),
            (_("Uplift"), _number(project["uplift_pct"], " %")),
        ]
        for column, (label, value) in zip(st.columns(4), cards, strict=True):
            column.metric(label, value, border=True)
        goal = _goal_line(project)
        if goal:
            st.progress(min(max((project["goal_pct"] or 0) / 100, 0.0), 1.0), text=goal)

        outcomes = partners.outcomes(project_id)
        entered = (
            outcomes.filter(pl.col("source") == "entered") if not outcomes.is_empty() else outcomes
        )
        if not entered.is_empty():
            st.markdown(_("**Entered outcomes**"))
            for row in entered.iter_rows(named=True):
                body, action = st.columns([5, 1])
                when = f"{row['recorded_on']:%d.%m.%Y}" if row["recorded_on"] else ""
                line = f"{when} · {shown(partners.METRIC_LABELS, row['metric'])}: "
                line += f"{_number(row['value'])} {row['unit'] or ''}"
                body.text(line + (f" — {row['note']}" if row["note"] else ""))
                if action.button(_("Delete"), key=f"delete_outcome_{row['outcome_id']}"):
                    submitted = partners.delete_outcome(row["outcome_id"], current_user())
                    _deleted(submitted, "outcome", row["outcome_id"], _("Outcome deleted."))
            csv_download(entered.drop("outcome_id"), f"project-outcomes-{project_id}")
        with st.expander(_("Enter an outcome"), icon=":material/add:"):
            outcome_form(project_id)
        with st.expander(_("Edit project"), icon=":material/edit:"):
            saved = project_form(f"edit_project_{project_id}", None, project)
            if saved is not None:
                done(saved, _("Project saved."))
            sure = st.checkbox(_("Yes, delete this project"), key=f"delete_sure_{project_id}")
            if st.button(
                _("Delete project"), disabled=not sure, key=f"delete_project_{project_id}"
            ):
                submitted = partners.delete_project(project_id, current_user())
                _deleted(submitted, "project", project_id, _("Project deleted."))


def _agreements(partner_id: str) -> None:
    listed = partners.agreements(partner_id)
    for row in listed.iter_rows(named=True):
        with st.container(border=True):
            body, action = st.columns([5, 1])
            body.markdown(f"**{escaped(row['title'])}**")
            dates = [
                _("signed {day}", day=f"{row['signed_on']:%d.%m.%Y}") if row["signed_on"] else "",
                _span(row["starts_on"], row["ends_on"]),
            ]
            body.caption(" · ".join(d for d in dates if d))
            if row["our_responsibilities"]:
                body.markdown(_("**We do:** {text}", text=escaped(row["our_responsibilities"])))
            if row["partner_responsibilities"]:
                theirs = escaped(row["partner_responsibilities"])
                body.markdown(_("**They do:** {text}", text=theirs))
            if row["document_url"]:
                body.link_button(_("Open the document"), row["document_url"])
            if action.button(_("Delete"), key=f"delete_agreement_{row['agreement_id']}"):
                submitted = partners.delete_agreement(row["agreement_id"], current_user())
                _deleted(submitted, "agreement", row["agreement_id"], _("Agreement deleted."))
    st.markdown(_("**Add an agreement**"))
    agreement_form(partner_id)


def _span(first: date | None, last: date | None) -> str:
    if first is None and last is None:
        return ""
    return " – ".join(f"{day:%d.%m.%Y}" if day else "…" for day in (first, last))


def _edit(partner: dict[str, Any]) -> None:
    partner_id = partner["partner_id"]
    st.markdown(_("**Stage**"))
    stage_form(partner)
    st.markdown(_("**Details**"))
    saved = partner_form(f"edit_partner_{partner_id}", partner)
    if saved is not None:
        done(saved, _("Partner saved."))
    st.divider()
    st.markdown(
        _(
            "**Delete the partner**: it disappears with its interactions and agreements from "
            "every page (undo possible)."
        )
    )
    sure = st.checkbox(_("Yes, delete it"), key=f"delete_sure_{partner_id}")
    if st.button(
        _("Delete partner"), type="primary", disabled=not sure, key=f"delete_{partner_id}"
    ):
        submitted = partners.delete_partner(partner_id, current_user())
        _deleted(submitted, "partner", partner_id, _("Partner deleted."))
