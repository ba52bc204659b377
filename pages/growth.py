"""Growth & retention: members over time, joins and leaves, the cohort table, engagement levels
and their monthly movement, and the core members month by month. Aggregates only, no names."""

import altair as alt
import polars as pl
import streamlit as st

from pages._common import (
    KPIS,
    PALETTE,
    compared_note,
    comparison,
    csv_download,
    filters,
    format_value,
    kpi_metrics,
    period_label,
    require_app_entry,
    warehouse_problem,
)
from warehouse import queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.growth import LEVELS, growth, level_movement_long

HEADLINE = ("members_total", "members_joined", "members_left", "net_growth", "core_members")
MOVEMENT_COLOURS = {"Came up": PALETTE[2], "Held": PALETTE[0], "Came down": PALETTE[4]}

require_app_entry()
period, channel = filters()
st.title("Growth & retention")
try:
    data = growth(period, channel)  # first: a warehouse never built says "no data yet"
    compared_with = period.compared(comparison())
    now = queries.kpis(period, channel, HEADLINE)
    before = queries.kpis(compared_with, channel, HEADLINE)
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

st.caption(f"**{period_label(period)}** compared with {period_label(compared_with)}.")
kpi_metrics(HEADLINE, now, before, compared=compared_note())

left, right = st.columns(2)
with left:
    st.subheader("Members over time")
    st.altair_chart(
        alt.Chart(data.members)
        .mark_line()
        .encode(
            alt.X("day:T", title=None),
            alt.Y("members:Q", title="Members", scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("day:T", title="Day"), alt.Tooltip("members:Q", format=",")],
        ),
        width="stretch",
    )
    csv_download(data.members, "members_over_time")

with right:
    grain = data.joins_leaves_grain
    st.subheader(f"Joins and leaves per {grain}")
    # leaves drawn below the axis, so the bars read as in- and outflow
    flows = data.joins_leaves.select(
        pl.col(grain).alias("when"),
        pl.col("joined").alias("Joined"),
        (-pl.col("left_members")).alias("Left"),
    ).unpivot(index="when", variable_name="move", value_name="members")
    st.altair_chart(
        alt.Chart(flows)
        .mark_bar()
        .encode(
            alt.X("when:T", title="Week starting" if grain == "week" else None),
            alt.Y("members:Q", title="Members"),
            alt.Color(
                "move:N",
                title=None,
                scale=alt.Scale(domain=["Joined", "Left"], range=[PALETTE[2], PALETTE[4]]),
            ),
            tooltip=[
                alt.Tooltip("when:T", title=grain.title()),
                alt.Tooltip("move:N", title="Move"),
                alt.Tooltip("members:Q", title="Members"),
            ],
        ),
        width="stretch",
    )
    csv_download(data.joins_leaves, f"joins_leaves_per_{grain}")

st.subheader("Cohorts: share of each join month active in the months after")
st.caption(
    "Join month: a member's first activity (joining included). Active: anything but joining "
    "or leaving. Month 0 is the join month itself."
)
if data.cohorts.is_empty():
    st.caption("Nobody joined in these months.")
else:
    cells = data.cohorts.with_columns(
        pl.col("cohort_month").dt.strftime("%Y-%m").alias("cohort"),
        (
            pl.col("cohort_month").dt.strftime("%b %Y") + " · " + pl.col("cohort_size").cast(str)
        ).alias("cohort_label"),
    )
    order = cells.sort("cohort_month")["cohort_label"].unique(maintain_order=True).to_list()
    base = alt.Chart(cells).encode(
        alt.X("month_offset:O", title="Months after joining", axis=alt.Axis(labelAngle=0)),
        alt.Y("cohort_label:O", title="Join month · members", sort=order),
    )
    heatmap = base.mark_rect().encode(
        alt.Color(
            "active_pct:Q",
            title="Active, %",
            scale=alt.Scale(domain=[0, 100], scheme="blues"),
        ),
        tooltip=[
            alt.Tooltip("cohort:N", title="Join month"),
            alt.Tooltip("cohort_size:Q", title="Members"),
            alt.Tooltip("month_offset:O", title="Months after"),
            alt.Tooltip("active_members:Q", title="Active"),
            alt.Tooltip("active_pct:Q", title="Active, %", format=".1f"),
        ],
    )
    labels = base.mark_text(fontSize=11).encode(
        alt.Text("active_pct:Q", format=".0f"),
        color=alt.condition(alt.datum.active_pct > 55, alt.value("white"), alt.value("black")),
    )
    st.altair_chart(heatmap + labels, width="stretch")
csv_download(data.cohorts, "cohorts")

levels_column, core_column = st.columns(2)
with levels_column:
    end_month = data.core_trend["month"][-1]
    st.subheader(f"Engagement levels, {end_month:%B %Y}")
    st.caption(
        "Weighted activity of the last 12 months, each month counting 0.9× the one after it. "
        "Movement is against the month before."
    )
    moves = level_movement_long(data.levels)
    st.altair_chart(
        alt.Chart(moves)
        .mark_bar()
        .encode(
            alt.X("members:Q", title="Members", stack="zero"),
            alt.Y("level:N", title=None, sort=[*LEVELS, "Lapsed"]),
            alt.Color(
                "movement:N",
                title=None,
                scale=alt.Scale(
                    domain=list(MOVEMENT_COLOURS), range=list(MOVEMENT_COLOURS.values())
                ),
            ),
            order=alt.Order("movement:N", sort="descending"),
            tooltip=[
                alt.Tooltip("level:N", title="Level"),
                alt.Tooltip("movement:N", title="Movement"),
                alt.Tooltip("members:Q", title="Members"),
            ],
        ),
        width="stretch",
    )
    st.dataframe(
        data.levels.drop("level_rank"),
        hide_index=True,
        width="stretch",
        column_config={
            "level": "Level",
            "members": st.column_config.NumberColumn("Now", format="%d"),
            "previous_members": st.column_config.NumberColumn("Month before", format="%d"),
            "moved_up": st.column_config.NumberColumn("Came up", format="%d"),
            "held": st.column_config.NumberColumn("Held", format="%d"),
            "moved_down": st.column_config.NumberColumn("Came down", format="%d"),
        },
    )
    csv_download(data.levels, "engagement_levels")

with core_column:
    st.subheader("Core members by month")
    st.caption(
        f"{KPIS['core_members'].help} At the end of {end_month:%B %Y}: "
        f"**{format_value('core_members', data.core_trend['core_members'][-1])}**."
    )
    st.altair_chart(
        alt.Chart(data.core_trend)
        .mark_line(point=True)
        .encode(
            alt.X("yearmonth(month):O", title=None, axis=alt.Axis(labelAngle=0)),
            alt.Y("core_members:Q", title="Core members"),
            tooltip=[
                alt.Tooltip("yearmonth(month):O", title="Month"),
                alt.Tooltip("core_members:Q", title="Core members"),
            ],
        ),
        width="stretch",
    )
    csv_download(data.core_trend, "core_members_by_month")
