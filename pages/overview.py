"""Overview: the community's KPIs for the period, their change, and their trends."""

import altair as alt
import polars as pl
import streamlit as st

from pages._common import (
    csv_download,
    filters,
    kpi_metrics,
    number_column,
    require_app_entry,
    warehouse_problem,
)
from pages._event_detail import show_pace
from warehouse import queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.pace import current_pace

HEADLINE = (
    ("members_total", "members_joined", "members_left", "net_growth", "growth_rate_pct"),
    ("active_members", "new_active", "returning_active", "messages", "reactions"),
    (
        "first_reaction_median_minutes",
        "questions",
        "first_response_median_minutes",
        "response_rate_pct",
    ),
    (
        "event_registrations",
        "event_attendees",
        "checkin_rate_pct",
        "event_new_participants",
        "event_repeat_participants",
    ),
)

require_app_entry()
period, channel = filters()
st.title("Overview")
if queries.writer_active():
    st.caption("⏳ A refresh is running; the numbers update when it finishes.")

try:
    now = queries.kpis(period, channel)
    before = queries.kpis(period.previous(), channel)
    members = queries.series("members", period, channel)
    daily = queries.series("activity", period, channel)
    weekly = queries.series("active_weekly", period, channel)
    response = queries.series("first_response_weekly", period, channel)
    per_channel = queries.channel_table(period) if channel is None else None
    paced = current_pace()
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

behind = paced.filter(pl.col("behind")) if channel is None else paced.head(0)
for pace in behind.iter_rows(named=True):
    show_pace(pace, title=pace["title"])  # registrations lagging: say so, with the backup plan
st.caption(f"Change against the previous {period.days} days.")
for row in HEADLINE:
    kpi_metrics(row, now, before)
left, right = st.columns(2)
with left:
    st.subheader("Members over time")
    st.altair_chart(
        alt.Chart(members)
        .mark_line()
        .encode(
            alt.X("day:T", title=None),
            alt.Y("members:Q", title="Members", scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("day:T", title="Day"), alt.Tooltip("members:Q", format=",")],
        ),
        width="stretch",
    )
    csv_download(members, "members_over_time")
with right:
    st.subheader("Active members per week")
    st.altair_chart(
        alt.Chart(weekly)
        .mark_bar()
        .encode(
            alt.X("yearmonthdate(week):O", title="Week starting", axis=alt.Axis(labelAngle=0)),
            alt.Y("active_members:Q", title="Active members"),
            tooltip=[alt.Tooltip("week:T", title="Week"), alt.Tooltip("active_members:Q")],
        ),
        width="stretch",
    )
    csv_download(weekly, "active_members_per_week")

left, right = st.columns(2)
with left:
    st.subheader("Messages per day")
    st.altair_chart(
        alt.Chart(daily)
        .mark_bar()
        .encode(
            alt.X("day:T", title=None),
            alt.Y("messages:Q", title="Messages"),
            tooltip=[alt.Tooltip("day:T", title="Day"), alt.Tooltip("messages:Q")],
        ),
        width="stretch",
    )
    csv_download(daily, "messages_per_day")
with right:
    st.subheader("First response time")
    st.altair_chart(
        alt.Chart(response)
        .mark_line(point=True)
        .encode(
            alt.X("week:T", title="Week starting"),
            alt.Y("first_response_median_minutes:Q", title="Median minutes"),
            tooltip=[
                alt.Tooltip("week:T", title="Week"),
                alt.Tooltip("first_response_median_minutes:Q", title="Median minutes"),
                alt.Tooltip("questions:Q"),
                alt.Tooltip("answered:Q"),
            ],
        ),
        width="stretch",
    )
    csv_download(response, "first_response_per_week")

if per_channel is not None and per_channel.height:
    st.subheader("Channels side by side")
    shown = [
        "name",
        "platform",
        "kind",
        "members_total",
        "members_joined",
        "members_left",
        "active_members",
        "messages",
        "reactions",
        "questions",
        "first_response_median_minutes",
        "response_rate_pct",
    ]
    st.dataframe(
        per_channel.select(shown),
        hide_index=True,
        width="stretch",
        column_config={
            "name": "Channel",
            "platform": "Platform",
            "kind": "Kind",
            **{k: number_column(k) for k in shown[3:]},
        },
    )
    csv_download(per_channel, "channels")
