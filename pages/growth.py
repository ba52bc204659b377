"""Growth & retention: members over time, joins and leaves, the cohort table, engagement levels
and their monthly movement, and the core members month by month. Aggregates only, no names."""

import altair as alt
import polars as pl
import streamlit as st

from pages._common import (
    PALETTE,
    compared_note,
    comparison,
    csv_download,
    filters,
    format_value,
    kpi_help,
    kpi_metrics,
    period_label,
    require_app_entry,
    warehouse_problem,
)
from warehouse import queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.growth import LAPSED, LEVEL_LABELS, LEVELS, MOVEMENTS, growth, level_movement_long
from warehouse.i18n import _, month

HEADLINE = ("members_total", "members_joined", "members_left", "net_growth", "core_members")
MOVEMENT_COLOURS = {"moved_up": PALETTE[2], "held": PALETTE[0], "moved_down": PALETTE[4]}
STACKING = ("held", "moved_up", "moved_down")  # nearest the axis first

require_app_entry()
period, channel = filters()
st.title(_("Growth & retention"))
try:
    data = growth(period, channel)  # first: a warehouse never built says "no data yet"
    compared_with = period.compared(comparison())
    now = queries.kpis(period, channel, HEADLINE)
    before = queries.kpis(compared_with, channel, HEADLINE)
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

st.caption(
    _(
        "**{period}** compared with {compared}.",
        period=period_label(period),
        compared=period_label(compared_with),
    )
)
kpi_metrics(HEADLINE, now, before, compared=compared_note())

left, right = st.columns(2)
with left:
    st.subheader(_("Members over time"))
    st.altair_chart(
        alt.Chart(data.members)
        .mark_line()
        .encode(
            alt.X("day:T", title=None),
            alt.Y("members:Q", title=_("Members"), scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("day:T", title=_("Day")),
                alt.Tooltip("members:Q", title=_("Members"), format=","),
            ],
        ),
        width="stretch",
    )
    csv_download(data.members, "members_over_time")

with right:
    grain = data.joins_leaves_grain
    st.subheader(
        _("Joins and leaves per week") if grain == "week" else _("Joins and leaves per day")
    )
    joined_label, left_label = _("Joined"), _("Left")
    # leaves drawn below the axis, so the bars read as in- and outflow
    flows = data.joins_leaves.select(
        pl.col(grain).alias("when"),
        pl.col("joined").alias(joined_label),
        (-pl.col("left_members")).alias(left_label),
    ).unpivot(index="when", variable_name="move", value_name="members")
    st.altair_chart(
        alt.Chart(flows)
        .mark_bar()
        .encode(
            alt.X("when:T", title=_("Week starting") if grain == "week" else None),
            alt.Y("members:Q", title=_("Members")),
            alt.Color(
                "move:N",
                title=None,
                scale=alt.Scale(domain=[joined_label, left_label], range=[PALETTE[2], PALETTE[4]]),
            ),
            tooltip=[
                alt.Tooltip("when:T", title=_("Week") if grain == "week" else _("Day")),
                alt.Tooltip("move:N", title=_("Move")),
                alt.Tooltip("members:Q", title=_("Members")),
            ],
        ),
        width="stretch",
    )
    csv_download(data.joins_leaves, f"joins_leaves_per_{grain}")

st.subheader(_("Cohorts: share of each join month active in the months after"))
st.caption(
    _(
        "Join month: a member's first activity (joining included). Active: anything but joining "
        "or leaving. Month 0 is the join month itself."
    )
)
if data.cohorts.is_empty():
    st.caption(_("Nobody joined in these months."))
else:
    # month names in the reader's language ("май 2024 · 3"), worked out once per month
    cohort_months = data.cohorts["cohort_month"].unique().to_list()
    month_names = {first: month(first) for first in cohort_months}
    cells = data.cohorts.with_columns(
        pl.col("cohort_month").replace_strict(month_names, return_dtype=pl.String).alias("cohort"),
    ).with_columns(
        (pl.col("cohort") + " · " + pl.col("cohort_size").cast(str)).alias("cohort_label")
    )
    order = cells.sort("cohort_month")["cohort_label"].unique(maintain_order=True).to_list()
    base = alt.Chart(cells).encode(
        alt.X("month_offset:O", title=_("Months after joining"), axis=alt.Axis(labelAngle=0)),
        alt.Y("cohort_label:O", title=_("Join month · members"), sort=order),
    )
    heatmap = base.mark_rect().encode(
        alt.Color(
            "active_pct:Q",
            title=_("Active, %"),
            scale=alt.Scale(domain=[0, 100], scheme="blues"),
        ),
        tooltip=[
            alt.Tooltip("cohort:N", title=_("Join month")),
            alt.Tooltip("cohort_size:Q", title=_("Members")),
            alt.Tooltip("month_offset:O", title=_("Months after")),
            alt.Tooltip("active_members:Q", title=_("Active members")),
            alt.Tooltip("active_pct:Q", title=_("Active, %"), format=".1f"),
        ],
    )
    labels = base.mark_text(fontSize=11).encode(
        alt.Text("active_pct:Q", format=".0f"),
        color=alt.condition(alt.datum.active_pct > 55, alt.value("white"), alt.value("black")),
    )
    st.altair_chart(heatmap + labels, width="stretch")
csv_download(data.cohorts, "cohorts")

levels_column, core_column = st.columns(2)
end_month = data.core_trend["month"][-1]
with levels_column:
    st.subheader(_("Engagement levels, {month}", month=month(end_month)))
    st.caption(
        _(
            "Weighted activity of the last 12 months, each month counting 0.9× the one after it. "
            "Movement is against the month before."
        )
    )
    # levels and movements are English code words in the data: shown in the reader's language
    level_names = {code: _(label) for code, label in LEVEL_LABELS.items()}
    movement_names = {key: _(label) for key, label in MOVEMENTS.items()}
    moves = level_movement_long(data.levels).with_columns(
        pl.col("movement").replace_strict({label: key for key, label in MOVEMENTS.items()})
    )
    moves = moves.with_columns(
        pl.col("level").replace(level_names),
        pl.col("movement").replace_strict(movement_names),
        pl.col("movement")
        .replace_strict({k: rank for rank, k in enumerate(STACKING)})
        .alias("stack"),
    )
    st.altair_chart(
        alt.Chart(moves)
        .mark_bar()
        .encode(
            alt.X("members:Q", title=_("Members"), stack="zero"),
            alt.Y("level:N", title=None, sort=[level_names[code] for code in (*LEVELS, LAPSED)]),
            alt.Color(
                "movement:N",
                title=None,
                scale=alt.Scale(
                    domain=[movement_names[key] for key in MOVEMENT_COLOURS],
                    range=list(MOVEMENT_COLOURS.values()),
                ),
            ),
            order=alt.Order("stack:Q"),
            tooltip=[
                alt.Tooltip("level:N", title=_("Level")),
                alt.Tooltip("movement:N", title=_("Movement")),
                alt.Tooltip("members:Q", title=_("Members")),
            ],
        ),
        width="stretch",
    )
    st.dataframe(
        data.levels.drop("level_rank").with_columns(pl.col("level").replace(level_names)),
        hide_index=True,
        width="stretch",
        column_config={
            "level": _("Level"),
            "members": st.column_config.NumberColumn(_("Now"), format="%d"),
            "previous_members": st.column_config.NumberColumn(_("Month before"), format="%d"),
            "moved_up": st.column_config.NumberColumn(_("Came up"), format="%d"),
            "held": st.column_config.NumberColumn(_("Held"), format="%d"),
            "moved_down": st.column_config.NumberColumn(_("Came down"), format="%d"),
        },
    )
    csv_download(data.levels, "engagement_levels")

with core_column:
    st.subheader(_("Core members by month"))
    st.caption(
        _(
            "{about} At the end of {month}: **{count}**.",
            about=kpi_help("core_members"),
            month=month(end_month),
            count=format_value("core_members", data.core_trend["core_members"][-1]),
        )
    )
    st.altair_chart(
        alt.Chart(data.core_trend)
        .mark_line(point=True)
        .encode(
            alt.X("yearmonth(month):O", title=None, axis=alt.Axis(labelAngle=0)),
            alt.Y("core_members:Q", title=_("Core members")),
            tooltip=[
                alt.Tooltip("yearmonth(month):O", title=_("Month")),
                alt.Tooltip("core_members:Q", title=_("Core members")),
            ],
        ),
        width="stretch",
    )
    csv_download(data.core_trend, "core_members_by_month")
