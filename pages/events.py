"""Events: the calendar of past and planned events, overdue follow-ups, and one event's page."""

from datetime import UTC, date, datetime, timedelta

import altair as alt
import polars as pl
import streamlit as st

from pages._common import csv_download, escaped, require_app_entry, warehouse_problem
from pages._event_detail import FOLLOWUPS, NOTICE, show_event
from pages._event_form import event_form
from warehouse import events, queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.periods import month_of, quarter_of, today_in, year_of

SCALES = {"month": "Month", "quarter": "Quarter", "year": "Year"}

require_app_entry()

if st.query_params.get("event"):
    show_event(st.query_params["event"])
    st.stop()

st.title("Events")
zone = queries.timezone()
today = today_in(zone)

with st.expander("New event", icon=":material/add:", expanded=False):
    saved = event_form("new_event")
    if saved is not None:
        if not saved.applied:
            st.info("Saved. A refresh is running; the event appears when it finishes.")
        else:
            st.session_state[NOTICE] = "Event created."
            st.query_params["event"] = saved.event_id
            st.rerun()


PERIOD_OF = {"month": month_of, "quarter": quarter_of, "year": year_of}


def _label(scale: str, first: date) -> str:
    if scale == "month":
        return f"{first:%B %Y}"
    if scale == "quarter":
        return f"Q{(first.month - 1) // 3 + 1} {first.year}"
    return str(first.year)


def _shift(scale: str, first: date, steps: int) -> date:
    months = {"month": 1, "quarter": 3, "year": 12}[scale] * steps
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


left, right = st.columns([1, 2])
scale = left.radio(
    "Show", list(SCALES), format_func=SCALES.get, horizontal=True, key="events_scale"
)
anchor = PERIOD_OF[scale](today, zone).start
choices = [_shift(scale, anchor, step) for step in range(-8, 5)]
picked = right.selectbox(
    "Period", choices, index=8, format_func=lambda d: _label(scale, d), key=f"events_at_{scale}"
)
shown_period = PERIOD_OF[scale](picked, zone)
first, end = shown_period.start, shown_period.end

try:
    listed = events.events_between(*shown_period.utc_bounds())
    overdue = events.overdue_followups(today)
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

if not overdue.is_empty():
    with st.container(border=True):
        st.markdown(f":material/alarm: **Overdue follow-ups: {overdue.height}**")
        for row in overdue.head(12).iter_rows(named=True):
            st.markdown(
                f"- {FOLLOWUPS[row['item']]} — [{escaped(row['title'])}](/events?event="
                f"{row['event_id']}), due {row['due_on']:%d.%m.%Y}"
                + (f", {escaped(row['owner'])}" if row["owner"] else "")
            )
        if overdue.height > 12:
            st.caption(f"…and {overdue.height - 12} more.")


def _local_frame(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("starts_at").dt.replace_time_zone("UTC").dt.convert_time_zone(zone).alias("starts"),
    ).with_columns(
        pl.col("starts").dt.date().alias("day"),
        pl.when(pl.col("status") == "cancelled")
        .then(pl.lit("cancelled"))
        .when(pl.col("starts_at") < datetime.now(UTC).replace(tzinfo=None))
        .then(pl.lit("past"))
        .otherwise(pl.lit("planned"))
        .alias("state"),
    )


STATE_COLORS = alt.Scale(
    domain=["planned", "past", "cancelled"], range=["#2563eb", "#16a34a", "#9ca3af"]
)


def month_grid(frame: pl.DataFrame, first: date, end: date) -> alt.Chart:
    """A calendar month: a cell per day, events written in their day."""
    days = pl.DataFrame({"day": pl.date_range(first, end - timedelta(days=1), eager=True)})
    per_day = (
        frame.group_by("day").agg(
            pl.col("title").str.slice(0, 22).str.join(" · ").alias("titles"),
            pl.len().alias("events"),
            pl.col("state").first().alias("state"),
        )
        if not frame.is_empty()
        else pl.DataFrame(
            schema={"day": pl.Date, "titles": pl.String, "events": pl.UInt32, "state": pl.String}
        )
    )
    cells = days.join(per_day, on="day", how="left").with_columns(
        pl.col("titles").fill_null(""),
        pl.col("events").fill_null(0),
        pl.col("day").dt.weekday().alias("weekday"),
        ((pl.col("day").dt.day() + first.weekday() - 1) // 7).alias("week"),
        pl.col("day").dt.day().alias("number"),
    )
    base = alt.Chart(cells).encode(
        x=alt.X(
            "weekday:O",
            title=None,
            axis=alt.Axis(
                orient="top",
                labelAngle=0,
                labelExpr="['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][datum.value]",
            ),
        ),
        y=alt.Y("week:O", title=None, axis=None),
    )
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.condition(
            "datum.events > 0",
            alt.Color("state:N", scale=STATE_COLORS, title="Event"),
            alt.value("#f3f4f6"),
        ),
        tooltip=[alt.Tooltip("day:T", format="%d.%m.%Y"), alt.Tooltip("titles:N", title="Events")],
    )
    number = base.mark_text(align="left", baseline="top", dx=-40, dy=-24, fontSize=11).encode(
        text="number:Q"
    )
    names = base.mark_text(fontSize=10, color="white", dy=6, limit=90).encode(text="titles:N")
    return (rect + number + names).properties(height=70 * int(cells["week"].max() + 1))


def timeline(frame: pl.DataFrame, first: date, end: date) -> alt.Chart:
    """A quarter or a year: each event on the time axis, sized by its registrations."""
    return (
        alt.Chart(frame.with_columns(pl.col("starts").dt.replace_time_zone(None)))
        .mark_circle(opacity=0.85)
        .encode(
            x=alt.X(
                "starts:T",
                title=None,
                scale=alt.Scale(domain=[first.isoformat(), end.isoformat()]),
                axis=alt.Axis(format="%b %Y"),
            ),
            y=alt.Y("format:N", title=None),
            size=alt.Size(
                "registrations:Q", title="Registrations", scale=alt.Scale(range=[60, 900])
            ),
            color=alt.Color("state:N", scale=STATE_COLORS, title="Event"),
            tooltip=[
                "title:N",
                alt.Tooltip("starts:T", format="%d.%m.%Y %H:%M", title="Starts"),
                "registrations:Q",
                "attendees:Q",
                "status:N",
            ],
        )
        .properties(height=220)
    )


st.subheader(_label(scale, first))
if listed.is_empty():
    st.info(f"No events in {_label(scale, first)}. Create one with **New event** above.")
    st.stop()

shown = _local_frame(listed)
chart = month_grid(shown, first, end) if scale == "month" else timeline(shown, first, end)
st.altair_chart(chart, width="stretch")

table = shown.select(
    pl.col("starts").dt.replace_time_zone(None).alias("starts"),
    "title",
    "format",
    "status",
    *events.OUTCOME_COLUMNS,
    ("/events?event=" + pl.col("event_id")).alias("open"),
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "starts": st.column_config.DatetimeColumn(f"Starts ({zone})", format="DD.MM.YYYY HH:mm"),
        "title": "Event",
        "format": "Format",
        "status": "Status",
        "registration_target": st.column_config.NumberColumn("Target"),
        "registrations": st.column_config.NumberColumn("Registered"),
        "attendees": st.column_config.NumberColumn("Came"),
        "checkin_rate_pct": st.column_config.NumberColumn("Check-in rate", format="%.1f %%"),
        "new_attendees": st.column_config.NumberColumn("First-time"),
        "repeat_attendees": st.column_config.NumberColumn("Repeat"),
        "return_rate_pct": st.column_config.NumberColumn(
            "Came back (90 d)", format="%.1f %%", help="Attendees active again within 90 days."
        ),
        "open": st.column_config.LinkColumn("", display_text="Open"),
    },
)
csv_download(table.drop("open"), f"events-{first}")

options = dict(zip(listed["event_id"], listed["title"], strict=True))
picked = st.selectbox(
    "Open an event",
    [None, *options],
    format_func=lambda e: "Choose…" if e is None else options[e],
    key="events_open",
)
if picked:
    st.query_params["event"] = picked
    st.rerun()
