"""Overview (leadership): headline KPIs against the comparison period and the targets, with a
small trend each; channels side by side; upcoming events. Aggregates only, no member names.
"""

import altair as alt
import polars as pl
import streamlit as st

from pages._common import (
    channel_column,
    compared_note,
    comparison,
    csv_download,
    filters,
    format_count,
    kpi_metrics,
    kpi_table,
    period_label,
    print_friendly,
    require_app_entry,
    warehouse_problem,
)
from pages._event_detail import show_pace
from pages._event_form import FORMAT_LABELS, STATUS_LABELS
from pages._report import report_downloads
from warehouse import queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.i18n import N_, _
from warehouse.overview import HEADLINE, TREND_POINTS, UPCOMING_DAYS, overview

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
# the partnership cards: label, key in warehouse.partners.highlights, help
PARTNERSHIP_CARDS = (
    (N_("Active partners"), "active_partners", N_("Partners at the “active” stage now.")),
    (N_("Projects running"), "projects_running", N_("Joint projects overlapping the period.")),
    (
        N_("New members via partners"),
        "new_members",
        N_("First came through a partner's project."),
    ),
    (
        N_("Registrations via partners"),
        "registrations",
        N_("Through a project's tracking codes."),
    ),
)

require_app_entry()
print_friendly()
period, channel = filters()
st.title(_("Overview"))
try:
    data = overview(period, channel, comparison())
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

compared = compared_note()
if comparison() == "year_earlier":
    about = _(
        "**{period}** compared with the same period a year earlier ({compared}). "
        "Trends: the last {count} periods.",
        period=period_label(period),
        compared=period_label(data.compared_with),
        count=TREND_POINTS,
    )
else:
    about = _(
        "**{period}** compared with the previous period ({compared}). "
        "Trends: the last {count} periods.",
        period=period_label(period),
        compared=period_label(data.compared_with),
        count=TREND_POINTS,
    )
st.caption(about)
if queries.writer_active():
    st.caption(_("⏳ A refresh is running; the numbers update when it finishes."))

for pace in data.behind_pace.iter_rows(named=True):
    show_pace(pace, title=pace["title"])  # registrations lagging: say so, with the backup plan

for row in HEADLINE:
    kpi_metrics(
        row, data.now, data.before, compared=compared, trends=data.trends, targets=data.targets
    )

if data.channels is not None and data.channels.height:
    st.subheader(_("Channels side by side"))
    left, right = st.columns([2, 3])
    with left:
        st.altair_chart(
            alt.Chart(data.channels)
            .mark_bar()
            .encode(
                alt.X("active_members:Q", title=_("Active members")),
                alt.Y("name:N", title=None, sort="-x"),
                alt.Color("platform:N", title=_("Platform")),
                tooltip=[
                    alt.Tooltip("name:N", title=_("Channel")),
                    alt.Tooltip("active_members:Q", title=_("Active members"), format=","),
                    alt.Tooltip(
                        "engagement_rate_pct:Q", title=_("Engagement rate, %"), format=".1f"
                    ),
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
                "name": _("Channel"),
                "platform": _("Platform"),
                **{k: channel_column(k) for k in CHANNEL_COLUMNS},
            },
        )
    csv_download(data.channels, "channels")

st.subheader(_("Upcoming events"))
if data.upcoming.is_empty():
    st.caption(_("No events planned in the next {days} days.", days=UPCOMING_DAYS))
else:
    st.dataframe(
        data.upcoming.drop("event_id", "timezone").with_columns(
            # code words as people read them (the CSV keeps the codes)
            pl.col("format").replace({code: _(label) for code, label in FORMAT_LABELS.items()}),
            pl.col("status").replace({code: _(label) for code, label in STATUS_LABELS.items()}),
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "title": _("Event"),
            "starts_at": st.column_config.DatetimeColumn(
                _("Starts (UTC)"), format="D MMM YYYY, HH:mm"
            ),
            "format": _("Format"),
            "status": _("Status"),
            "channel_name": _("Channel"),
            "registrations": st.column_config.NumberColumn(_("Registered"), format="%d"),
            "registration_target": st.column_config.NumberColumn(_("Target"), format="%d"),
        },
    )
    csv_download(data.upcoming, "upcoming_events")

st.subheader(_("Partnerships"))
partnerships = data.partnerships
cards = st.columns(len(PARTNERSHIP_CARDS))
for column, (label, key, help_text) in zip(cards, PARTNERSHIP_CARDS, strict=True):
    shown = format_count(partnerships[key])
    column.metric(_(label), shown, help=_(help_text), border=True)
if partnerships["top_partners"].height:
    st.dataframe(
        partnerships["top_partners"].with_columns(pl.col("name").fill_null(_("A private person"))),
        hide_index=True,
        width="stretch",
        column_config={
            "name": _("Partner"),
            "new_members": st.column_config.NumberColumn(_("New members"), format="%d"),
            "registrations": st.column_config.NumberColumn(_("Registrations"), format="%d"),
        },
    )
    csv_download(partnerships["top_partners"], "top_partners")

with st.expander(_("Every KPI"), icon=":material/table_chart:"):
    every = kpi_table(data.now, data.before, data.targets)
    st.dataframe(
        every,
        hide_index=True,
        width="stretch",
        column_config={
            "group": _("Group"),
            "kpi": _("KPI"),
            "id": _("ID (CLI, SQL)"),
            "value": period_label(period),
            "compared": period_label(data.compared_with),
            "change": _("Change"),
            "target": _("Target"),
        },
    )
    csv_download(every, "kpis")

report_downloads(data)
