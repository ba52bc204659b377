"""Data: load exports from the browser, see what is loaded, how loads and refreshes went."""

import sqlite3
from collections.abc import Callable
from typing import Any

import polars as pl
import streamlit as st

from pages._common import require_app_entry, warehouse_problem
from pages._uploads import csv_mapping_form, run_with_progress, save_upload
from warehouse import queries, refresh_runs
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.i18n import N_, _, moment, number

UPLOADS = {
    "telegram-export": (
        N_("Telegram Desktop export (result.json)"),
        ["json"],
        N_("Telegram Desktop → the chat's ⋮ menu → *Export chat history* → format **JSON**."),
    ),
    "discord-export": (
        N_("Discord channel (DiscordChatExporter JSON)"),
        ["json"],
        N_("DiscordChatExporter → export a channel as **JSON**."),
    ),
    "slack-export": (
        N_("Slack workspace export (zip)"),
        ["zip"],
        N_("Slack → Workspace settings → *Import/Export Data* → Export; upload the zip as it is."),
    ),
    "csv": (
        N_("CSV or spreadsheet of members, activities or event registrations"),
        ["csv", "tsv", "txt"],
        N_(
            "Save the sheet as CSV (Excel, Google Sheets, Timepad, Google Forms…); choose below "
            "which column means what."
        ),
    ),
}
# statuses of loads (app.source_runs) and of refresh runs (the control store), as shown
STATUS_LABELS = {
    "ok": N_("ok"),
    "warning": N_("warning"),
    "failed": N_("failed"),
    "running": N_("running"),
    "skipped": N_("skipped"),
    "interrupted": N_("interrupted"),
}


def status_label(status: str | None) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else (status or "")


def with_labels(frame: pl.DataFrame, column: str, label: Callable[[Any], str]) -> pl.DataFrame:
    """`column` shown through `label`, called here rather than in polars' worker threads,
    which do not know this reader's language."""
    shown = pl.Series(column, [label(value) for value in frame[column].to_list()], pl.String)
    return frame.with_columns(shown)


def rows_text(loaded: list[dict]) -> str:
    """[{source, rows}] → "telegram-export: 1,204 · vk: 80" in the reader's number format."""
    return " · ".join(f"{item['source']}: {number(item['rows'])}" for item in loaded or [])


def trigger_label(trigger: str | None) -> str:
    """How a run was started: "once" (a single command, e.g. from cron) or "every 30m"."""
    if trigger and trigger.startswith("every "):
        return _("every {interval}", interval=trigger.removeprefix("every "))
    return _("single run") if trigger == "once" else (trigger or "")


def show_refresh_runs() -> None:
    """The refresh run list, from the control store: readable while a refresh holds the
    warehouse."""
    st.subheader(_("Refresh runs"))
    try:
        runs = refresh_runs.recent_runs()
    except sqlite3.Error as exc:
        st.warning(_("The list of refresh runs cannot be read right now ({error}).", error=exc))
        return
    if runs.is_empty():
        st.info(
            _(
                "No refresh has run yet. Run `python -m pipelines refresh` once, or schedule it "
                "with cron or a systemd timer (see the README)."
            )
        )
        return
    running = runs.filter(pl.col("status") == "running")
    if not running.is_empty():
        st.info(
            _(
                "A refresh is running (started {time} UTC). Pages show the previous numbers "
                "until it finishes.",
                time=moment(running["started_at"][0]),
            ),
            icon="⏳",
        )
    shown = runs.select(
        "started_at", "finished_at", "status", "rows_by_source", "errors", "trigger"
    )
    for column, label in (
        ("status", status_label),
        ("rows_by_source", rows_text),
        ("trigger", trigger_label),
    ):
        shown = with_labels(shown, column, label)
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "started_at": st.column_config.DatetimeColumn(_("Started (UTC)")),
            "finished_at": st.column_config.DatetimeColumn(_("Finished (UTC)")),
            "status": _("Status"),
            "rows_by_source": st.column_config.TextColumn(
                _("Rows per source"), help=_("Rows loaded by each configured source")
            ),
            "errors": st.column_config.TextColumn(_("Errors"), width="large"),
            "trigger": _("How it ran"),
        },
        key="refresh_runs",
    )


require_app_entry("manager")
st.title(_("Data"))
st.subheader(_("Load an export"))
kind = st.selectbox(
    _("What are you loading?"),
    list(UPLOADS),
    format_func=lambda k: _(UPLOADS[k][0]),
    key="upload_kind",
)
label, types, how = UPLOADS[kind]
st.caption(
    _(how)
    + " "
    + _("Loading the same export again, or a newer overlapping one, adds no duplicates.")
)

if kind == "csv":
    upload = st.file_uploader(_(label), type=types, key="csv_upload")
    if upload is not None:
        if st.session_state.get("csv_saved_name") != upload.name:
            st.session_state["csv_saved"] = save_upload(upload)
            st.session_state["csv_saved_name"] = upload.name
        csv_mapping_form(st.session_state["csv_saved"], upload.name)
else:
    with st.form("upload", clear_on_submit=True, border=True):
        upload = st.file_uploader(_(label), type=types)
        submitted = st.form_submit_button(_("Load export"), type="primary")
    if submitted and upload is None:
        st.error(_("Choose a file first."))
    elif submitted and upload is not None:
        run_with_progress(kind, save_upload(upload), upload.name, [])

st.subheader(_("Sources"))
try:
    status = queries.source_status()
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)  # the refresh runs below still show: they are not in the warehouse
    status = None

if status is not None and status.loaded.is_empty():
    st.info(_("Nothing loaded yet."))
elif status is not None:
    st.dataframe(
        with_labels(status.loaded, "last_status", status_label),
        hide_index=True,
        width="stretch",
        column_config={
            "source": _("Source"),
            "files_loaded": st.column_config.NumberColumn(_("Files / feeds")),
            "rows": st.column_config.NumberColumn(
                _("Rows"), help=_("Rows in the source's raw tables")
            ),
            "last_load_at": st.column_config.DatetimeColumn(_("Last load (UTC)")),
            "last_status": _("Last status"),
            "last_error_at": st.column_config.DatetimeColumn(_("Last error (UTC)")),
            "last_error": st.column_config.TextColumn(_("Last error"), width="large"),
        },
    )
    st.subheader(_("Recent loads"))
    st.dataframe(
        with_labels(status.runs, "status", status_label),
        hide_index=True,
        width="stretch",
        column_config={
            "run_id": None,
            "source": _("Source"),
            "target": _("File or feed"),
            "started_at": st.column_config.DatetimeColumn(_("Started (UTC)")),
            "finished_at": st.column_config.DatetimeColumn(_("Finished (UTC)")),
            "status": _("Status"),
            "rows": st.column_config.NumberColumn(_("Rows")),
            "message": st.column_config.TextColumn(_("Message"), width="large"),
        },
    )

show_refresh_runs()

st.page_link(
    "pages/members.py",
    label=_(
        "Members who may be one person (the same handle, or a same or very similar name, on "
        "two platforms) are on the Members page, to merge"
    ),
    icon=":material/group:",
)
