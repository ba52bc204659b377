"""Targets: set a KPI's target for a month or a quarter (the whole community or one channel), and
see every target against the actual value of its period; removing one asks first and offers undo."""

from datetime import date

import polars as pl
import streamlit as st

from pages._common import (
    KPI_GROUP_LABELS,
    QUEUED,
    csv_download,
    current_user,
    filters,
    format_value,
    kpi_label,
    period_label,
    require_app_entry,
    show_field_errors,
    target_note,
    warehouse_problem,
)
from warehouse import queries, targets
from warehouse.app_data import EntryRejected, Submitted
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.events import InvalidEntry
from warehouse.i18n import N_, _
from warehouse.kpis import KPI_QUERIES
from warehouse.periods import starts_around, today_in

NOTICE = "targets_notice"  # what the last change did, shown after the rerun it causes
UNDO = "targets_undo"  # the target just removed, while its Undo is offered
KIND_LABELS = {"month": N_("Month"), "quarter": N_("Quarter")}
# the KPI picker: grouped by the query computing them, in the order the CLI reports them
KPI_GROUPS = {
    kpi: KPI_GROUP_LABELS.get(query, query.capitalize())
    for query, ids in KPI_QUERIES.items()
    for kpi in ids
}
FIELD_LABELS = {
    "kpi": N_("KPI"),
    "period_kind": N_("Month or quarter"),
    "period_start": N_("Period"),
    "target": N_("Target"),
    "channel": N_("Channel"),
}


def _done(submitted: Submitted | targets.Removed, message: str) -> None:
    st.session_state[NOTICE] = message + ("" if submitted.applied else _(QUEUED))
    st.rerun()


def _kpi_label(kpi: str) -> str:
    return f"{_(KPI_GROUPS[kpi])} · {kpi_label(kpi)}"


def _describe(kpi: str, kind: str, start: date, channel: str | None, value: float) -> str:
    where = _("all channels") if channel is None else channel_names.get(channel, channel)
    when = period_label(targets.period_of(kind, start, timezone))
    return f"{_kpi_label(kpi)} · {when} · {where}: {format_value(kpi, value)}"


def _row_id(row: dict) -> str:
    return f"{row['kpi']}|{row['kind']}|{row['period_start']}|{row['channel'] or ''}"


require_app_entry("manager")
_period, filter_channel = filters()
st.title(_("Targets"))
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)

try:
    timezone = queries.timezone()
    channel_rows = queries.channels()
    listed = targets.with_actuals()
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()
channel_names = dict(zip(channel_rows["channel_id"], channel_rows["name"], strict=True))
today = today_in(timezone)

if removed := st.session_state.get(UNDO):
    text, action = st.columns([5, 1])
    what = _describe(
        removed.kpi, removed.period_kind, removed.period_start, removed.channel, removed.target
    )
    text.info(_("Removed {target}.", target=what))
    if action.button(_("Undo"), key="undo_remove_target"):
        try:
            restored = targets.restore_target(removed, current_user())
        except (InvalidEntry, EntryRejected) as exc:
            st.error(str(exc))
        else:
            st.session_state.pop(UNDO, None)
            _done(restored, _("Target restored."))

with st.expander(_("Set a target"), icon=":material/flag:", expanded=True):
    # outside the form: the choice of month or quarter changes the periods offered
    kind = st.radio(
        _("Target for a"),
        list(KIND_LABELS),
        format_func=lambda k: _(KIND_LABELS[k]),
        horizontal=True,
        key="target_kind",
    )
    starts = starts_around(kind, today)
    with st.form("set_target", border=False):
        kpi = st.selectbox(_("KPI"), list(KPI_GROUPS), format_func=_kpi_label, key="target_kpi")
        left, middle, right = st.columns(3)
        start = left.selectbox(
            _(KIND_LABELS[kind]),
            starts,
            index=starts.index(targets.period_of(kind, today, timezone).start),
            format_func=lambda day: period_label(targets.period_of(kind, day, timezone)),
            key=f"target_start_{kind}",
        )
        channel_ids = [None, *channel_names]
        channel = middle.selectbox(
            _("Channel"),
            channel_ids,
            index=channel_ids.index(filter_channel) if filter_channel in channel_ids else 0,
            format_func=lambda c: _("All channels") if c is None else channel_names.get(c, c),
            key="target_channel",
        )
        value = right.number_input(
            _("Target"), value=None, step=1.0, format="%g", key="target_value"
        )
        saved = st.form_submit_button(_("Save target"))
    st.caption(_("Setting a target again for the same KPI, period and channel replaces it."))
    if saved:
        try:
            submitted = targets.set_target(kpi, kind, start, value, channel, user=current_user())
        except InvalidEntry as exc:
            show_field_errors(exc.errors, FIELD_LABELS)
        except EntryRejected as exc:
            st.error(str(exc))
        else:
            st.session_state.pop(UNDO, None)  # a new change: the last removal is no longer undone
            _done(
                submitted,
                _("Target saved: {target}.", target=_describe(kpi, kind, start, channel, value)),
            )

st.subheader(_("Targets and how they are going"))
if listed.is_empty():
    st.info(_("No targets yet. Set one above: the Overview shows it against the actual value."))
    st.stop()

rows = []
for row in listed.iter_rows(named=True):
    started = row["period_start"] <= today
    rows.append(
        {
            "KPI": _kpi_label(row["kpi"]),
            "Period": period_label(targets.period_of(row["kind"], row["period_start"], timezone)),
            "Channel": _("All channels")
            if row["channel"] is None
            else channel_names.get(row["channel"], row["channel"]),
            "Target": format_value(row["kpi"], row["target"]),
            "Actual": format_value(row["kpi"], row["actual"]) if started else "",
            "% of target": row["pct_of_target"],
            "Progress": target_note(row["kpi"], row["actual"], row["target"])
            if started
            else _("not started"),
            "Set by": row["set_by"],
            "Set at (UTC)": row["set_at"],
        }
    )
st.dataframe(
    pl.DataFrame(rows),
    hide_index=True,
    # the columns keep English names (the tests read them); people read the labels
    column_config={
        "KPI": _("KPI"),
        "Period": _("Period"),
        "Channel": _("Channel"),
        "Target": _("Target"),
        "Actual": _("Actual"),
        "% of target": st.column_config.NumberColumn(_("% of target"), format="%.0f %%"),
        "Progress": _("Progress"),
        "Set by": _("Set by"),
        "Set at (UTC)": st.column_config.DatetimeColumn(
            _("Set at (UTC)"), format="DD.MM.YYYY HH:mm"
        ),
    },
)
csv_download(listed, "kpi_targets")

with st.expander(_("Remove a target"), icon=":material/delete:"):
    by_id = {_row_id(row): row for row in listed.iter_rows(named=True)}
    chosen = st.selectbox(
        _("Target to remove"),
        list(by_id),
        format_func=lambda i: _describe(
            by_id[i]["kpi"],
            by_id[i]["kind"],
            by_id[i]["period_start"],
            by_id[i]["channel"],
            by_id[i]["target"],
        ),
        key="remove_target_choice",
    )
    row = by_id[chosen]
    # keyed by the target: a confirmation never carries over to the next one
    sure = st.checkbox(_("Yes, remove this target"), key=f"remove_sure_{chosen}")
    if st.button(_("Remove target"), type="primary", disabled=not sure):
        try:
            result = targets.remove_target(
                row["kpi"], row["kind"], row["period_start"], row["channel"], user=current_user()
            )
        except (targets.UnknownTarget, EntryRejected) as exc:
            st.error(str(exc))
        else:
            st.session_state[UNDO] = result.target
            _done(result, _("Target removed."))
