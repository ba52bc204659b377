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
    CODE_LABELS,
    KIND_LABELS,
    METRIC_LABELS,
    NOTICE,
    PROJECT_KIND_LABELS,
    STAGE_LABELS,
    TYPE_LABELS,
    UNDO,
    agreement_form,
    days_ago,
    done,
    interaction_form,
    outcome_form,
    partner_form,
    project_form,
    stage_form,
)
from warehouse import partners
from warehouse.app_data import EntryRejected, Submitted
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.events import InvalidEntry

SHOWN_AT_ONCE = 50
# what a deletion hid → how to bring it back
RESTORE = {
    "partner": lambda item, user: partners.restore_partner(item, user),
    "interaction": lambda item, user: partners.delete_interaction(item, user, deleted=False),
    "agreement": lambda item, user: partners.delete_agreement(item, user, deleted=False),
    "project": lambda item, user: partners.delete_project(item, user, deleted=False),
    "outcome": lambda item, user: partners.delete_outcome(item, user, deleted=False),
}


def _deleted(submitted: Submitted, what: str, item_id: str, label: str) -> None:
    done(submitted, f"{label} deleted.", undo=(what, item_id))


def _notice_and_undo() -> None:
    """The last change's message; after a deletion, the button that undoes it."""
    if notice := st.session_state.pop(NOTICE, None):
        st.success(notice)
    undo = st.session_state.get(UNDO)
    if undo and st.button("Undo delete", key="partner_undo_delete", type="primary"):
        what, item_id = undo
        done(RESTORE[what](item_id, current_user()), "Restored.")


def _number(value: float | int | None, suffix: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.replace(",", " ") + suffix


def show_partner(partner_id: str) -> None:
    if st.button("← All partners", key="back_to_partners"):
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
                f"There is no partner `{escaped(partner_id)}`. It may have been deleted, or the "
                "link is wrong."
            )
        return

    today = partners.today()
    st.title(escaped(partner["name"]))
    facts = [
        TYPE_LABELS.get(partner["partner_type"], partner["partner_type"] or ""),
        STAGE_LABELS.get(partner["stage"], partner["stage"] or ""),
        f"owner: {partner['owner']}" if partner["owner"] else "",
        partner["contact"] or "",
    ]
    st.caption(escaped(" · ".join(f for f in facts if f)))
    offers = {
        "They offer": partner["partner_offers"],
        "We offer": partner["our_offer"],
        "Note": partner["note"],
    }
    st.markdown("  \n".join(f"**{k}:** {escaped(v)}" for k, v in offers.items() if v))

    cards = [
        ("New members", _number(partner["new_members"]), "Members its projects brought."),
        ("Registrations", _number(partner["registrations"]), "Through its projects' codes."),
        (
            "Activity uplift",
            _number(partner["uplift_pct"], " %"),
            "Members who took part in its projects: activities in the 60 days after their first "
            "touch vs the 60 days before (shown once 60 days have passed).",
        ),
        ("Interactions (90 d)", _number(partner["interactions_90d"]), None),
        ("Last contact", days_ago(partner["last_contact_on"], today), None),
        ("Overdue steps", _number(partner["overdue_steps"]), "Next steps past their due day."),
    ]
    for column, (label, value, help_text) in zip(st.columns(len(cards)), cards, strict=True):
        column.metric(label, value, help=help_text, border=True)

    timeline, projects_tab, log, agreements_tab, new_project, edit = st.tabs(
        ["Timeline", "Projects", "Log interaction", "Agreements", "New project", "Edit"]
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
            done(saved, "Project created: see it under **Projects**.")
    with edit:
        _edit(partner)


def _timeline(partner_id: str) -> None:
    rows = partners.timeline(partner_id)
    if rows.is_empty():
        st.info("Nothing logged yet: log the first interaction under **Log interaction**.")
        return
    labels = {
        **KIND_LABELS,
        "agreement": "Agreement",
        "project_start": "Project starts",
        "project_end": "Project ended",
        "stage": "Stage",
    }
    for row in rows.head(SHOWN_AT_ONCE).iter_rows(named=True):
        body, actions = st.columns([5, 1])
        head = f"**{row['on_day']:%d.%m.%Y}** · {labels.get(row['what'], row['what'])}"
        if row["owner"]:
            head += f" · {escaped(row['owner'])}"
        body.markdown(head)
        text = row["text"] or ""
        if row["item_kind"] == "stage":
            stage, _, note = text.partition(": ")
            text = STAGE_LABELS.get(stage, stage) + (f": {note}" if note else "")
        body.text(text)
        if row["next_step"]:
            due = f" by {row['next_step_due']:%d.%m.%Y}" if row["next_step_due"] else ""
            if row["next_step_done_on"]:
                state = f"done {row['next_step_done_on']:%d.%m.%Y}"
            elif row["next_step_due"] and row["next_step_due"] < partners.today():
                state = ":red[overdue]"
            else:
                state = "open"
            body.caption(f"Next: {escaped(row['next_step'])}{due} · {state}")
        if row["item_kind"] != "interaction":
            continue
        item = row["item_id"]
        if row["next_step"] and not row["next_step_done_on"]:
            if actions.button("Step done", key=f"step_done_{item}"):
                _act(partners.mark_step_done, item, "Next step done.")
        elif row["next_step"] and actions.button("Reopen step", key=f"step_open_{item}"):
            _act(partners.reopen_step, item, "Next step open again.")
        if actions.button("Delete", key=f"delete_interaction_{item}"):
            submitted = partners.delete_interaction(item, current_user())
            _deleted(submitted, "interaction", item, "Interaction")
    if rows.height > SHOWN_AT_ONCE:
        st.caption(f"…and {rows.height - SHOWN_AT_ONCE} older entries.")


def _act(change: Callable[[str, str], Submitted], item_id: str, message: str) -> None:
    try:
        submitted = change(item_id, current_user())
    except (InvalidEntry, EntryRejected) as exc:
        st.error(str(exc))
    else:
        done(submitted, message)


def _goal_line(project: dict[str, Any]) -> str | None:
    metric = project["goal_metric"]
    if metric is None:
        return None
    unit = f" {project['goal_unit']}" if project["goal_unit"] else ""
    actual = project["goal_actual"]
    target = _number(project["goal_target"]) + unit
    if actual is None:
        return f"Goal: {METRIC_LABELS[metric]} {target} · not measurable yet"
    return (
        f"Goal: {METRIC_LABELS[metric]} {_number(actual)} of {target}"
        f" ({_number(project['goal_pct'], ' %')})"
    )


def _projects(partner_id: str) -> None:
    listed = partners.projects(partner_id)
    if listed.is_empty():
        st.info("No joint projects yet: create one under **New project**.")
        return
    for project in listed.iter_rows(named=True):
        _project(project)


def _project(project: dict[str, Any]) -> None:
    project_id = project["project_id"]
    with st.container(border=True):
        st.markdown(f"#### {escaped(project['title'])}")
        facts = [
            PROJECT_KIND_LABELS.get(project["kind"], project["kind"]),
            f"{project['starts_on']:%d.%m.%Y} – {project['ends_on']:%d.%m.%Y}",
            "with " + ", ".join(project["partner_names"]) if project["partner_names"] else "",
        ]
        if project["budget"] is not None:
            facts.append(f"budget {_number(float(project['budget']))} {project['currency'] or ''}")
        st.caption(escaped(" · ".join(f for f in facts if f)))
        codes = project["tracking_codes"] or []
        if codes:
            st.caption(
                "Tracking codes: "
                + ", ".join(
                    f"{CODE_LABELS[c['kind']]} `{c['code'].replace('`', '')}`" for c in codes
                )
            )
        cards = [
            ("New members", _number(project["new_members"])),
            ("Registrations", _number(project["registrations"])),
            ("Reach", _number(project["reach"])),
            ("Uplift", _number(project["uplift_pct"], " %")),
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
            st.markdown("**Entered outcomes**")
            for row in entered.iter_rows(named=True):
                body, action = st.columns([5, 1])
                when = f"{row['recorded_on']:%d.%m.%Y}" if row["recorded_on"] else ""
                line = f"{when} · {METRIC_LABELS.get(row['metric'], row['metric'])}: "
                line += f"{_number(row['value'])} {row['unit'] or ''}"
                body.text(line + (f" — {row['note']}" if row["note"] else ""))
                if action.button("Delete", key=f"delete_outcome_{row['outcome_id']}"):
                    submitted = partners.delete_outcome(row["outcome_id"], current_user())
                    _deleted(submitted, "outcome", row["outcome_id"], "Outcome")
            csv_download(entered.drop("outcome_id"), f"project-outcomes-{project_id}")
        with st.expander("Enter an outcome", icon=":material/add:"):
            outcome_form(project_id)
        with st.expander("Edit project", icon=":material/edit:"):
            saved = project_form(f"edit_project_{project_id}", None, project)
            if saved is not None:
                done(saved, "Project saved.")
            sure = st.checkbox("Yes, delete this project", key=f"delete_sure_{project_id}")
            if st.button("Delete project", disabled=not sure, key=f"delete_project_{project_id}"):
                submitted = partners.delete_project(project_id, current_user())
                _deleted(submitted, "project", project_id, "Project")


def _agreements(partner_id: str) -> None:
    listed = partners.agreements(partner_id)
    for row in listed.iter_rows(named=True):
        with st.container(border=True):
            body, action = st.columns([5, 1])
            body.markdown(f"**{escaped(row['title'])}**")
            dates = [
                f"signed {row['signed_on']:%d.%m.%Y}" if row["signed_on"] else "",
                _span(row["starts_on"], row["ends_on"]),
            ]
            body.caption(" · ".join(d for d in dates if d))
            if row["our_responsibilities"]:
                body.markdown(f"**We do:** {escaped(row['our_responsibilities'])}")
            if row["partner_responsibilities"]:
                body.markdown(f"**They do:** {escaped(row['partner_responsibilities'])}")
            if row["document_url"]:
                body.link_button("Open the document", row["document_url"])
            if action.button("Delete", key=f"delete_agreement_{row['agreement_id']}"):
                submitted = partners.delete_agreement(row["agreement_id"], current_user())
                _deleted(submitted, "agreement", row["agreement_id"], "Agreement")
    st.markdown("**Add an agreement**")
    agreement_form(partner_id)


def _span(first: date | None, last: date | None) -> str:
    if first is None and last is None:
        return ""
    return " – ".join(f"{day:%d.%m.%Y}" if day else "…" for day in (first, last))


def _edit(partner: dict[str, Any]) -> None:
    partner_id = partner["partner_id"]
    st.markdown("**Stage**")
    stage_form(partner)
    st.markdown("**Details**")
    saved = partner_form(f"edit_partner_{partner_id}", partner)
    if saved is not None:
        done(saved, "Partner saved.")
    st.divider()
    st.markdown(
        "**Delete the partner**: it disappears with its interactions and agreements from every "
        "page (undo possible)."
    )
    sure = st.checkbox("Yes, delete it", key=f"delete_sure_{partner_id}")
    if st.button("Delete partner", type="primary", disabled=not sure, key=f"delete_{partner_id}"):
        submitted = partners.delete_partner(partner_id, current_user())
        _deleted(submitted, "partner", partner_id, "Partner")
