"""Data: what is loaded, how the last loads went, and an upload for Telegram exports."""

import re
from datetime import datetime
from pathlib import Path

import streamlit as st

from pages._common import warehouse_problem
from pipelines.jobs import run_ingest
from warehouse import queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.settings import data_dir

STAGE_SHARE = {"parse": (0.0, 0.85), "build": (0.85, 0.15)}

st.title("Data")

st.subheader("Load a Telegram export")
st.caption(
    "Telegram Desktop → the chat's ⋮ menu → *Export chat history* → format **JSON**, then upload "
    "its `result.json`. Loading the same export again, or a newer overlapping one, adds no "
    "duplicates."
)
with st.form("upload", clear_on_submit=True, border=True):
    upload = st.file_uploader("Telegram export (result.json)", type=["json"])
    submitted = st.form_submit_button("Load export", type="primary")

if submitted and upload is None:
    st.error("Choose a result.json file first.")
elif submitted and upload is not None:
    folder = data_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    safe_name = re.sub(r"[^\w.-]+", "_", Path(upload.name).name)
    saved = folder / f"{datetime.now():%Y%m%d-%H%M%S}-{safe_name}"
    saved.write_bytes(upload.getbuffer())
    bar = st.progress(0.0, text=f"Reading {upload.name}…")
    outcome = {}
    for update in run_ingest("telegram-export", saved):
        if update.get("done"):
            outcome = update
            break
        offset, share = STAGE_SHARE.get(update["stage"], (0.0, 1.0))
        label = "Reading messages…" if update["stage"] == "parse" else "Updating the KPIs…"
        bar.progress(min(offset + share * update["fraction"], 1.0), text=label)
    bar.empty()
    results = outcome.get("results", [])
    if outcome.get("error"):
        st.error(outcome["error"])
    for result in results:
        text = "\n\n".join(result["messages"])
        if result["status"] == "failed":
            st.error(f"**{upload.name}** was not loaded; nothing from it was kept.\n\n{text}")
            saved.unlink(missing_ok=True)
        elif result["status"] == "warning":
            st.warning(f"**{upload.name}** loaded with warnings.\n\n{text}")
        else:
            st.success(f"**{upload.name}** loaded: {text}")

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
            "files_loaded": st.column_config.NumberColumn("Files"),
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
            "target": "File",
            "started_at": st.column_config.DatetimeColumn("Started (UTC)"),
            "finished_at": st.column_config.DatetimeColumn("Finished (UTC)"),
            "status": "Status",
            "rows": st.column_config.NumberColumn("Rows"),
            "message": st.column_config.TextColumn("Message", width="large"),
        },
    )
