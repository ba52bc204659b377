"""Channels & content: which channels work, which posts land, how fast the community responds,
and when members are active."""

import altair as alt
import polars as pl
import streamlit as st

from pages._common import (
    channel_column,
    csv_download,
    filters,
    number_column,
    period_label,
    require_app_entry,
    warehouse_problem,
)
from warehouse.channels_content import channels_content
from warehouse.connection import WarehouseBusy, WarehouseEmpty

# channel measures to put side by side: column → (label, number format)
MEASURES = {
    "active_members": ("Active members", ",.0f"),
    "members_total": ("Members", ",.0f"),
    "members_joined": ("Joined", ",.0f"),
    "messages": ("Messages", ",.0f"),
    "posts": ("Posts", ",.0f"),
    "views": ("Views", ",.0f"),
    "engagement_rate_pct": ("Engagement rate, %", ",.1f"),
    "first_response_median_minutes": ("First response, min", ",.0f"),
    "event_registrations": ("Event registrations", ",.0f"),
    "registration_attendance_pct": ("Registration → attendance, %", ",.1f"),
}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

require_app_entry()
period, channel = filters()
st.title("Channels & content")
st.caption(period_label(period))
try:
    data = channels_content(period, channel)
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

if data.channels is not None and data.channels.height:
    st.subheader("Channels side by side")
    measure = (
        st.segmented_control(
            "Compare by",
            list(MEASURES),
            default="active_members",
            format_func=lambda m: MEASURES[m][0],
            key="channels_measure",
        )
        or "active_members"
    )
    label, number_format = MEASURES[measure]
    st.altair_chart(
        alt.Chart(data.channels)
        .mark_bar()
        .encode(
            alt.X(f"{measure}:Q", title=label, axis=alt.Axis(format=number_format)),
            alt.Y("name:N", title=None, sort="-x"),
            alt.Color("platform:N", title="Platform"),
            tooltip=[
                alt.Tooltip("name:N", title="Channel"),
                alt.Tooltip("platform:N", title="Platform"),
                alt.Tooltip(f"{measure}:Q", title=label, format=number_format),
            ],
        ),
        width="stretch",
    )
    shown = [m for m in MEASURES if m in data.channels.columns]
    st.dataframe(
        data.channels.select("name", "platform", "kind", *shown),
        hide_index=True,
        width="stretch",
        column_config={
            "name": "Channel",
            "platform": "Platform",
            "kind": "Kind",
            **{m: channel_column(m) for m in shown},
        },
    )
    csv_download(data.channels, "channel_effectiveness")

st.subheader("Top posts")
if data.top_posts.is_empty():
    st.caption("No posts published in this period.")
else:
    st.dataframe(
        data.top_posts.drop("content_id"),
        hide_index=True,
        width="stretch",
        column_config={
            "channel_name": "Channel",
            "platform": "Platform",
            "published_at": st.column_config.DatetimeColumn(
                "Published (UTC)", format="D MMM, HH:mm"
            ),
            "excerpt": st.column_config.TextColumn("Post", width="large"),
            "media_type": "Media",
            "views": st.column_config.NumberColumn("Views", format="%d"),
            "reactions": st.column_config.NumberColumn("Reactions", format="%d"),
            "replies": st.column_config.NumberColumn("Replies", format="%d"),
            "shares": st.column_config.NumberColumn("Shares", format="%d"),
            "engagement_rate_pct": number_column("engagement_rate_pct"),
        },
    )
    csv_download(data.top_posts, "top_posts")

left, right = st.columns(2)
with left:
    st.subheader("Views and reactions")
    daily = data.daily_content
    base = alt.Chart(daily).encode(alt.X("day:T", title=None))
    st.altair_chart(
        alt.layer(
            base.mark_bar(opacity=0.35).encode(
                alt.Y("views:Q", title="Views"),
                tooltip=[alt.Tooltip("day:T", title="Day"), alt.Tooltip("views:Q", format=",")],
            ),
            base.mark_line(color="#f97316").encode(
                alt.Y("reactions:Q", title="Reactions, comments, replies"),
                tooltip=[
                    alt.Tooltip("day:T", title="Day"),
                    alt.Tooltip("reactions:Q", format=","),
                    alt.Tooltip("posts:Q", format=","),
                ],
            ),
        ).resolve_scale(y="independent"),
        width="stretch",
    )
    st.caption("Bars: views of the day's posts. Line: the reactions they drew.")
    csv_download(daily, "views_and_reactions_per_day")
with right:
    st.subheader("Messages per day")
    st.altair_chart(
        alt.Chart(data.daily_activity)
        .mark_bar()
        .encode(
            alt.X("day:T", title=None),
            alt.Y("messages:Q", title="Messages"),
            tooltip=[
                alt.Tooltip("day:T", title="Day"),
                alt.Tooltip("messages:Q", format=","),
                alt.Tooltip("active_members:Q", title="Active members", format=","),
            ],
        ),
        width="stretch",
    )
    csv_download(data.daily_activity, "messages_per_day")

left, right = st.columns(2)
with left:
    st.subheader("How fast the community responds")
    speed = pl.concat(
        [
            data.reaction_speed.select(
                "week",
                pl.lit("First reaction to a post").alias("measure"),
                pl.col("first_reaction_median_minutes").alias("minutes"),
            ),
            data.response_speed.select(
                "week",
                pl.lit("First answer to a question").alias("measure"),
                pl.col("first_response_median_minutes").alias("minutes"),
            ),
        ]
    )
    st.altair_chart(
        alt.Chart(speed)
        .mark_line(point=True)
        .encode(
            alt.X("week:T", title="Week starting"),
            alt.Y("minutes:Q", title="Median minutes"),
            alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("week:T", title="Week"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("minutes:Q", title="Median minutes", format=",.0f"),
            ],
        ),
        width="stretch",
    )
    csv_download(speed, "response_speed_per_week")
with right:
    st.subheader("When members are active")
    heatmap = data.heatmap.with_columns(
        pl.col("weekday")
        .replace_strict(dict(enumerate(WEEKDAYS, start=1)), return_dtype=pl.String)
        .alias("day")
    )
    st.altair_chart(
        alt.Chart(heatmap)
        .mark_rect()
        .encode(
            alt.X("hour:O", title="Hour (community time)"),
            alt.Y("day:N", title=None, sort=WEEKDAYS),
            alt.Color("activities:Q", title="Activities", scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("day:N", title="Day"),
                alt.Tooltip("hour:O", title="Hour"),
                alt.Tooltip("activities:Q", format=","),
            ],
        ),
        width="stretch",
    )
    csv_download(data.heatmap, "activity_by_weekday_and_hour")
