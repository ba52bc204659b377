"""Overview (leadership): headline KPIs against the comparison period and the targets, with a
small trend each; channels side by side; upcoming events. Aggregates only, no member names.
"""

import altair as alt
import streamlit as st

from pages._common import (
    COMPARISON_LABELS,
    channel_column,
    compared_note,
    comparison,
    csv_download,
    filters,
    kpi_metrics,
    kpi_table,
    period_label,
    print_friendly,
    require_app_entry,
    warehouse_problem,
)
from pages._event_detail import show_pace
from pages._report import report_downloads
from warehouse import queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.overview import HEADLINE, TREND_POINTS, overview

CHANNEL_COLUMNS = (
    "members_total",
    "members_joined",
    "active_members",
    "posts",
    "views",
    "engagement_rate_pct",
    "event_registrations",
    "registration_attendance_pct",
)

require_app_entry()
print_friendly()
period, channel = filters()
st.title("Overview")
try:
    data = overview(period, channel, comparison())
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

compared = compared_note()
st.caption(
    f"**{period_label(period)}** compared with {COMPARISON_LABELS[comparison()].lower()} "
    f"({period_label(data.compared_with)}). Trends: the last {TREND_POINTS} periods."
)
if queries.writer_active():
    st.caption("⏳ A refresh is running; the numbers update when it finishes.")

for pace in data.behind_pace.iter_rows(named=True):
    show_pace(pace, title=pace["title"])  # registrations lagging: say so, with the backup plan

for row in HEADLINE:
    kpi_metrics(
        row, data.now, data.before, compared=compared, trends=data.trends, targets=data.targets
    )

if data.channels is not None and data.channels.height:
    st.subheader("Channels side by side")
    left, right = st.columns([2, 3])
    with left:
        st.altair_chart(
            alt.Chart(data.channels)
            .mark_bar()
            .encode(
                alt.X("active_members:Q", title="Active members"),
                alt.Y("name:N", title=None, sort="-x"),
                alt.Color("platform:N", title="Platform"),
                tooltip=[
                    alt.Tooltip("name:N", title="Channel"),
                    alt.Tooltip("active_members:Q", title="Active members", format=","),
                    alt.Tooltip("engagement_rate_pct:Q", title="Engagement, %", format=".1f"),
                ],
            ),
            width="stretch",
        )
    with right:
        st.dataframe(
            data.channels.select("name", "platform", *CHANNEL_COLUMNS),
            hide_index=True,
            width="stretch",
            column_config={
                "name": "Channel",
                "platform": "Platform",
                **{k: channel_column(k) for k in CHANNEL_COLUMNS},
            },
        )
    csv_download(data.channels, "channels")

st.subheader("Upcoming events")
if data.upcoming.is_empty():
    st.caption("No events planned in the next 60 days.")
else:
    st.dataframe(
        data.upcoming.drop("event_id", "timezone"),
        hide_index=True,
        width="stretch",
        column_config={
            "title": "Event",
            "starts_at": st.column_config.DatetimeColumn(
                "Starts (UTC)", format="D MMM YYYY, HH:mm"
            ),
            "format": "Format",
            "status": "Status",
            "channel_name": "Channel",
            "registrations": st.column_config.NumberColumn("Registered", format="%d"),
            "registration_target": st.column_config.NumberColumn("Target", format="%d"),
        },
    )
    csv_download(data.upcoming, "upcoming_events")

st.subheader("Partnerships")
partnerships = data.partnerships
cards = st.columns(4)
for column, (label, key, help_text) in zip(
    cards,
    (
        ("Active partners", "active_partners", "Partners at the “active” stage now."),
        ("Projects running", "projects_running", "Joint projects overlapping the period."),
        ("New members via partners", "new_members", "First came through a partner's project."),
        ("Registrations via partners", "registrations", "Through a project's tracking codes."),
    ),
    strict=True,
):
    column.metric(label, f"{partnerships[key]:,}".replace(",", " "), help=help_text, border=True)
if partnerships["top_partners"].height:
    st.dataframe(
        partnerships["top_partners"],
        hide_index=True,
        width="stretch",
        column_config={
            "name": "Partner",
            "new_members": st.column_config.NumberColumn("New members", format="%d"),
            "registrations": st.column_config.NumberColumn("Registrations", format="%d"),
        },
    )
    csv_download(partnerships["top_partners"], "top_partners")

with st.expander("Every KPI", icon=":material/table_chart:"):
    every = kpi_table(data.now, data.before, data.targets)
    st.dataframe(
        every,
        hide_index=True,
        width="stretch",
        column_config={
            "group": "Group",
            "kpi": "KPI",
            "id": "Id (CLI, SQL)",
            "value": period_label(period),
            "compared": period_label(data.compared_with),
            "change": "Change",
            "target": "Target",
        },
    )
    csv_download(every, "kpis")

report_downloads(data)
