"""Upload helpers shared by the pages that load files: save, load with progress, map CSV columns.

Not a page itself (st.navigation lists the pages in app.py).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import streamlit as st

from pipelines.jobs import run_ingest
from warehouse import queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.i18n import N_, _, day
from warehouse.settings import data_dir

STAGE_SHARE = {"parse": (0.0, 0.85), "build": (0.85, 0.15)}
WHAT_LABELS = {
    "members": N_("a member"),
    "activities": N_("an activity"),
    "registrations": N_("a registration or attendance at an event"),
}
# the columns a CSV can map (pipelines.csv_import.FIELDS), as the mapping form names them
FIELD_LABELS = {
    "name": N_("Name"),
    "first_name": N_("First name"),
    "middle_name": N_("Middle name"),
    "last_name": N_("Last name"),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "handle": N_("Handle (username)"),
    "external_id": N_("ID on the platform"),
    "joined_at": N_("Joined at"),
    "left_at": N_("Left at"),
    "tags": N_("Tags"),
    "channel": N_("Channel"),
    "activity_type": N_("Activity type"),
    "occurred_at": N_("When"),
    "text": N_("Text"),
    "content_id": N_("Message ID"),
    "parent_content_id": N_("Replied-to message ID"),
    "event_id": N_("Event ID"),
    "registered_at": N_("Registered at"),
    "attended": N_("Attended"),
    "checked_in_at": N_("Checked in at"),
    "participant_role": N_("Participant role"),
    "source_channel": N_("Came through channel"),
}
ACTIVITY_LABELS = {
    "message": N_("message"),
    "reply": N_("reply"),
    "post": N_("post"),
    "comment": N_("comment"),
    "reaction": N_("reaction"),
    "join": N_("join"),
    "leave": N_("leave"),
    "registration": N_("registration"),
    "attendance": N_("attendance"),
    "feedback": N_("feedback"),
}
NOT_IN_FILE = "—"


def save_upload(upload: Any) -> Path:  # Any: Streamlit's UploadedFile
    """Keep an upload under a dated name in the data folder; the import reads it from there."""
    folder = data_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    safe_name = re.sub(r"[^\w.-]+", "_", Path(upload.name).name)
    saved = folder / f"{datetime.now():%Y%m%d-%H%M%S}-{safe_name}"
    saved.write_bytes(upload.getbuffer())
    return saved


def run_with_progress(kind: str, saved: Path, shown_name: str, extra_args: list[str]) -> None:
    """Load a saved upload in a child process (the CLI), showing its progress and outcome."""
    bar = st.progress(0.0, text=_("Reading {name}…", name=shown_name))
    outcome: dict = {}
    for update in run_ingest(kind, saved, extra_args):
        if update.get("done"):
            outcome = update
            break
        offset, share = STAGE_SHARE.get(update["stage"], (0.0, 1.0))
        label = _("Reading…") if update["stage"] == "parse" else _("Updating the KPIs…")
        bar.progress(min(offset + share * update["fraction"], 1.0), text=label)
    bar.empty()
    if outcome.get("error"):
        st.error(outcome["error"])
    for result in outcome.get("results", []):
        # the upload is stored under a dated name; the manager knows it by the name they chose
        text = "\n\n".join(result["messages"]).replace(saved.name, shown_name)
        # the details come from the loader, in English like the CLI's log
        if result["status"] == "failed":
            note = _("**{name}** was not loaded; nothing from it was kept.", name=shown_name)
            st.error(f"{note}\n\n{text}")
            saved.unlink(missing_ok=True)
        elif result["status"] == "warning":
            st.warning(_("**{name}** loaded with warnings.", name=shown_name) + f"\n\n{text}")
        else:
            st.success(_("**{name}** loaded: {details}", name=shown_name, details=text))


def _event_options() -> dict[str, str]:
    """event id → "title · date" of every known event, newest first (empty when none)."""
    try:
        events = queries.event_choices()
    except (WarehouseEmpty, WarehouseBusy):
        return {}
    return {
        row["event_id"]: " · ".join(
            part
            for part in (
                row["title"] or row["event_id"],
                day(row["starts_at"], "d MMM y") if row["starts_at"] else "",
            )
            if part
        )
        for row in events.iter_rows(named=True)
    }


def csv_mapping_form(saved: Path, shown_name: str, event_id: str | None = None) -> None:
    """Preview a CSV and let the manager say which column is which, then load it.

    event_id: the rows are registrations for this event (an event's own page): the kind of rows
    and the event are fixed, so neither is asked.
    """
    from pipelines import csv_import

    try:
        headers, rows, delimiter, encoding = csv_import.preview(saved, rows=8)
    except ValueError as exc:
        st.error(_("**{name}** cannot be read: {error}", name=shown_name, error=exc))
        return
    # an event's page may sit beside the Data page in one session: its widgets keep their own keys
    prefix = "csv" if event_id is None else f"csv_event_{event_id}"
    st.caption(
        _(
            "Columns separated by {delimiter}, encoding {encoding}. First rows:",
            delimiter=repr(delimiter),
            encoding=encoding,
        )
    )
    st.dataframe([dict(zip(headers, row, strict=False)) for row in rows], hide_index=True)
    if event_id is None:
        what = st.radio(
            _("Each row is"),
            list(WHAT_LABELS),
            horizontal=True,
            key="csv_what",
            format_func=lambda w: _(WHAT_LABELS[w]),
        )
    else:
        what = csv_import.REGISTRATIONS
    suggested = csv_import.suggest_mapping(headers, what)
    fields = [f for f in csv_import.FIELDS[what] if not (event_id is not None and f == "event_id")]
    with st.form(f"{prefix}_mapping", border=True):
        st.markdown(_("**Which column holds what** (recognised headers are preselected)"))
        choices = [NOT_IN_FILE, *headers]
        mapping = {}
        columns = st.columns(3)
        for number, field in enumerate(fields):
            guess = suggested.get(field)
            picked = columns[number % 3].selectbox(
                _(FIELD_LABELS[field]) if field in FIELD_LABELS else field,
                choices,
                index=choices.index(guess) if guess in choices else 0,
                key=f"{prefix}_map_{what}_{field}",
            )
            if picked != NOT_IN_FILE:
                mapping[field] = picked
        channel = activity_type = picked_event = None
        if what == csv_import.REGISTRATIONS and event_id is None:
            picked_event = _event_picker(prefix, column_guessed="event_id" in suggested)
        elif what != csv_import.REGISTRATIONS:
            # the same list uploaded again must land in the same channel, whatever it was saved as
            channel = st.text_input(
                _("Channel name"), value=Path(shown_name).stem, key=f"{prefix}_channel"
            )
        if what == "activities" and "activity_type" not in mapping:
            activity_type = st.selectbox(
                _("Every row is a"),
                csv_import.ACTIVITY_TYPES,
                format_func=lambda t: _(ACTIVITY_LABELS[t]) if t in ACTIVITY_LABELS else t,
                key=f"{prefix}_activity_type",
            )
        submitted = st.form_submit_button(_("Load file"), type="primary")
    if not submitted:
        return
    extra = ["--what", what, *[f"--map={f}={c}" for f, c in mapping.items()]]
    if channel is not None:
        extra += ["--channel", channel.strip() or Path(shown_name).stem]
    if activity_type:
        extra += ["--activity-type", activity_type]
    the_event = event_id or picked_event
    if what == csv_import.REGISTRATIONS and the_event is None and "event_id" not in mapping:
        st.error(_("Choose the event these registrations are for, or the column that names it."))
        return
    if the_event:
        extra += ["--event-id", the_event]
    run_with_progress("csv", saved, shown_name, extra)


def _event_picker(prefix: str, *, column_guessed: bool) -> str | None:
    """A select box of the known events; None = "the event_id column says"."""
    events = _event_options()
    if not events:
        st.info(
            _(
                "No events yet: add the event in the app, or load it from Timepad or Zoom, then "
                "load its registrations (or map a column holding event ids like app:12)."
            )
        )
        return None
    options: list[str | None] = [None, *events]
    return st.selectbox(
        _("Event"),
        options,
        # a file whose column names the events needs no picking; otherwise the newest event
        index=0 if column_guessed else 1,
        format_func=lambda e: _("— the event_id column says") if e is None else events[e],
        key=f"{prefix}_event",
        help=_("Every row is a registration for this event, unless a column names the event."),
    )
