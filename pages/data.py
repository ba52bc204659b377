"""Data: load exports from the browser, see what is loaded and how the last loads went."""

import re
from datetime import datetime
from pathlib import Path

import streamlit as st

from pages._common import require_app_entry, warehouse_problem
from pipelines.jobs import run_ingest
from warehouse import queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.settings import data_dir

STAGE_SHARE = {"parse": (0.0, 0.85), "build": (0.85, 0.15)}
UPLOADS = {
    "telegram-export": (
        "Telegram Desktop export (result.json)",
        ["json"],
        "Telegram Desktop → the chat's ⋮ menu → *Export chat history* → format **JSON**.",
    ),
    "discord-export": (
        "Discord channel (DiscordChatExporter JSON)",
        ["json"],
        "DiscordChatExporter → export a channel as **JSON**.",
    ),
    "slack-export": (
        "Slack workspace export (zip)",
        ["zip"],
        "Slack → Workspace settings → *Import/Export Data* → Export; upload the zip as it is.",
    ),
    "csv": (
        "CSV or spreadsheet of members or activities",
        ["csv", "tsv", "txt"],
        "Save the sheet as CSV (Excel, Google Sheets, Timepad, Google Forms…); choose below "
        "which column means what.",
    ),
}


def save_upload(upload) -> Path:  # noqa: ANN001 - Streamlit's UploadedFile
    folder = data_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    safe_name = re.sub(r"[^\w.-]+", "_", Path(upload.name).name)
    saved = folder / f"{datetime.now():%Y%m%d-%H%M%S}-{safe_name}"
    saved.write_bytes(upload.getbuffer())
    return saved


def run_with_progress(kind: str, saved: Path, shown_name: str, extra_args: list[str]) -> None:
    bar = st.progress(0.0, text=f"Reading {shown_name}…")
    outcome: dict = {}
    for update in run_ingest(kind, saved, extra_args):
        if update.get("done"):
            outcome = update
            break
        offset, share = STAGE_SHARE.get(update["stage"], (0.0, 1.0))
        label = "Reading…" if update["stage"] == "parse" else "Updating the KPIs…"
        bar.progress(min(offset + share * update["fraction"], 1.0), text=label)
    bar.empty()
    if outcome.get("error"):
        st.error(outcome["error"])
    for result in outcome.get("results", []):
        # the upload is stored under a dated name; the manager knows it by the name they chose
        text = "\n\n".join(result["messages"]).replace(saved.name, shown_name)
        if result["status"] == "failed":
            st.error(f"**{shown_name}** was not loaded; nothing from it was kept.\n\n{text}")
            saved.unlink(missing_ok=True)
        elif result["status"] == "warning":
            st.warning(f"**{shown_name}** loaded with warnings.\n\n{text}")
        else:
            st.success(f"**{shown_name}** loaded: {text}")


def csv_mapping_form(saved: Path, shown_name: str) -> None:
    """Preview a CSV and let the manager say which column is which, then load it."""
    from pipelines import csv_import

    try:
        headers, rows, delimiter, encoding = csv_import.preview(saved, rows=8)
    except ValueError as exc:
        st.error(f"**{shown_name}** cannot be read: {exc}")
        return
    st.caption(f"Columns separated by {delimiter!r}, encoding {encoding}. First rows:")
    st.dataframe([dict(zip(headers, row, strict=False)) for row in rows], hide_index=True)
    what = st.radio(
        "Each row is",
        ["members", "activities"],
        horizontal=True,
        key="csv_what",
        format_func={"members": "a member", "activities": "an activity"}.get,
    )
    suggested = csv_import.suggest_mapping(headers, what)
    with st.form("csv_mapping", border=True):
        st.markdown("**Which column holds what** (recognised headers are preselected)")
        choices = ["—", *headers]
        mapping = {}
        columns = st.columns(3)
        for number, field in enumerate(csv_import.FIELDS[what]):
            guess = suggested.get(field)
            picked = columns[number % 3].selectbox(
                field,
                choices,
                index=choices.index(guess) if guess in choices else 0,
                key=f"csv_map_{what}_{field}",
            )
            if picked != "—":
                mapping[field] = picked
        # the same list uploaded again must land in the same channel, whatever it was saved as
        channel = st.text_input("Channel name", value=Path(shown_name).stem, key="csv_channel")
        activity_type = None
        if what == "activities" and "activity_type" not in mapping:
            activity_type = st.selectbox(
                "Every row is a", csv_import.ACTIVITY_TYPES, key="csv_activity_type"
            )
        submitted = st.form_submit_button("Load file", type="primary")
    if submitted:
        extra = ["--what", what, *[f"--map={f}={c}" for f, c in mapping.items()]]
        extra += ["--channel", channel.strip() or Path(shown_name).stem]
        if activity_type:
            extra += ["--activity-type", activity_type]
        run_with_progress("csv", saved, shown_name, extra)


require_app_entry()
st.title("Data")
st.subheader("Load an export")
kind = st.selectbox(
    "What are you loading?", list(UPLOADS), format_func=lambda k: UPLOADS[k][0], key="upload_kind"
)
label, types, how = UPLOADS[kind]
st.caption(how + " Loading the same export again, or a newer overlapping one, adds no duplicates.")

if kind == "csv":
    upload = st.file_uploader(label, type=types, key="csv_upload")
    if upload is not None:
        if st.session_state.get("csv_saved_name") != upload.name:
            st.session_state["csv_saved"] = save_upload(upload)
            st.session_state["csv_saved_name"] = upload.name
        csv_mapping_form(st.session_state["csv_saved"], upload.name)
else:
    with st.form("upload", clear_on_submit=True, border=True):
        upload = st.file_uploader(label, type=types)
        submitted = st.form_submit_button("Load export", type="primary")
    if submitted and upload is None:
        st.error("Choose a file first.")
    elif submitted and upload is not None:
        run_with_progress(kind, save_upload(upload), upload.name, [])

st.subheader("Sources")
try:
    status = queries.source_status()
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

if status.loaded.is_empty():
    st.info("Nothing loaded yet.")
else:
    st.dataframe(
        status.loaded,
        hide_index=True,
        width="stretch",
        column_config={
            "source": "Source",
            "files_loaded": st.column_config.NumberColumn("Files / feeds"),
            "rows": st.column_config.NumberColumn("Rows", help="Rows in the source's raw tables"),
            "last_load_at": st.column_config.DatetimeColumn("Last load (UTC)"),
            "last_status": "Last status",
            "last_error_at": st.column_config.DatetimeColumn("Last error (UTC)"),
            "last_error": st.column_config.TextColumn("Last error", width="large"),
        },
    )
    st.subheader("Recent loads")
    st.dataframe(
        status.runs,
        hide_index=True,
        width="stretch",
        column_config={
            "run_id": None,
            "source": "Source",
            "target": "File or feed",
            "started_at": st.column_config.DatetimeColumn("Started (UTC)"),
            "finished_at": st.column_config.DatetimeColumn("Finished (UTC)"),
            "status": "Status",
            "rows": st.column_config.NumberColumn("Rows"),
            "message": st.column_config.TextColumn("Message", width="large"),
        },
    )

suggestions = queries.merge_suggestions()
if not suggestions.is_empty():
    st.subheader("Possibly the same person")
    st.caption(
        "Accounts that share an e-mail or a phone are linked automatically. These share only a "
        "handle or a full name on two platforms, so they are left for you to decide."
    )
    st.dataframe(
        suggestions.select("name_a", "platforms_a", "name_b", "platforms_b", "reasons"),
        hide_index=True,
        width="stretch",
        column_config={
            "name_a": "Member",
            "platforms_a": "On",
            "name_b": "May be the same as",
            "platforms_b": "On",
            "reasons": "Why",
        },
    )
