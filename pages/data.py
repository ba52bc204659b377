"""Data: load exports from the browser, see what is loaded and how the last loads went."""

import streamlit as st

from pages._common import require_app_entry, warehouse_problem
from pages._uploads import csv_mapping_form, run_with_progress, save_upload
from warehouse import queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty

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
        "CSV or spreadsheet of members, activities or event registrations",
        ["csv", "tsv", "txt"],
        "Save the sheet as CSV (Excel, Google Sheets, Timepad, Google Forms…); choose below "
        "which column means what.",
    ),
}


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

st.page_link(
    "pages/members.py",
    label="Members who may be one person (the same handle, or a same or very similar name, on "
    "two platforms) are on the Members page, to merge",
    icon=":material/group:",
)
