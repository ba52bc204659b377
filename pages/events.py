"""Events: the calendar of past and planned events, overdue follow-ups, and one event's page."""

import json
from datetime import UTC, date, datetime, timedelta

import altair as alt
import polars as pl
import streamlit as st
from babel.dates import get_day_names, get_month_names

from pages._common import csv_download, escaped, require_app_entry, warehouse_problem
from pages._event_detail import FOLLOWUPS, NOTICE, show_event
from pages._event_form import FORMAT_LABELS, STATUS_LABELS, event_form, shown_label
from warehouse import events, queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.i18n import N_, _, day, language, month
from warehouse.periods import month_of, quarter_of, today_in, year_of

SCALES = {"month": N_("Month"), "quarter": N_("Quarter"), "year": N_("Year")}
# an event in the calendar: still to come, over, or called off
STATE_LABELS = {"planned": N_("Planned"), "past": N_("Past"), "cancelled": N_("Cancelled")}
STATE_COLORS = {"planned": "#2563eb", "past": "#16a34a", "cancelled": "#9ca3af"}

require_app_entry("manager")

if st.query_params.get("event"):
    show_event(st.query_params["event"])
    st.stop()

st.title(_("Events"))
zone = queries.timezone()
today = today_in(zone)

with st.expander(_("New event"), icon=":material/add:", expanded=False):
    saved = event_form("new_event")
    if saved is not None:
        if not saved.applied:
            st.info(_("Saved. A refresh is running; the event appears when it finishes."))
        else:
            st.session_state[NOTICE] = _("Event created.")
            st.query_params["event"] = saved.event_id
            st.rerun()


PERIOD_OF = {"month": month_of, "quarter": quarter_of, "year": year_of}


def _label(scale: str, first: date) -> str:
    if scale == "month":
        name = month(first)  # "ноябрь 2026": a heading and a choice start with a capital
        return name[:1].upper() + name[1:]
    if scale == "quarter":
        return _("Q{quarter} {year}", quarter=(first.month - 1) // 3 + 1, year=first.year)
    return str(first.year)


def _shift(scale: str, first: date, steps: int) -> date:
    months = {"month": 1, "quarter": 3, "year": 12}[scale] * steps
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


left, right = st.columns([1, 2])
# options' names are worked out here, in this run's language: format_func may be called later,
# elsewhere (AppTest calls it from the test's own thread)
scale_names = {code: _(label) for code, label in SCALES.items()}
scale = left.radio(
    _("Show"), list(SCALES), format_func=scale_names.get, horizontal=True, key="events_scale"
)
anchor = PERIOD_OF[scale](today, zone).start
choices = [_shift(scale, anchor, step) for step in range(-8, 5)]
period_names = {choice: _label(scale, choice) for choice in choices}
picked = right.selectbox(
    _("Period"), choices, index=8, format_func=period_names.get, key=f"events_at_{scale}"
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
        st.markdown(_(":material/alarm: **Overdue follow-ups: {count}**", count=overdue.height))
        for row in overdue.head(12).iter_rows(named=True):
            item = row["item"]
            values = {
                "item": _(FOLLOWUPS[item]),
                "event": f"[{escaped(row['title'])}](/events?event={row['event_id']})",
                "due": day(row["due_on"]),
            }
            line = (
                _("{item} — {event}, due {due}, {owner}", owner=escaped(row["owner"]), **values)
                if row["owner"]
                else _("{item} — {event}, due {due}", **values)
            )
            st.markdown(f"- {line}")
        if overdue.height > 12:
            st.caption(_("…and {count} more.", count=overdue.height - 12))


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


def _shown_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Formats, statuses and calendar states as people read them, in their language."""
    return frame.with_columns(
        pl.col("format").replace({code: _(label) for code, label in FORMAT_LABELS.items()}),
        pl.col("status").replace({code: _(label) for code, label in STATUS_LABELS.items()}),
        pl.col("state").replace({code: _(label) for code, label in STATE_LABELS.items()}),
    )


def _state_scale() -> alt.Scale:
    """The calendar's colours, keyed by the states' shown (translated) names."""
    return alt.Scale(
        domain=[shown_label(STATE_LABELS, state) for state in STATE_COLORS],
        range=list(STATE_COLORS.values()),
    )


def _names_expr(names: list[str], index: str) -> str:
    """A Vega expression picking names[index]: axis labels in the reader's language."""
    return f"{json.dumps(names, ensure_ascii=False)}[{index}]"


def _weekday_names() -> list[str]:
    """Mon … Sun (Пн … Вс), by Babel; Vega itself only speaks English."""
    names = get_day_names("abbreviated", context="stand-alone", locale=language())
    return [names[weekday][:1].upper() + names[weekday][1:] for weekday in range(7)]


def _month_names() -> list[str]:
    names = get_month_names("abbreviated", context="stand-alone", locale=language())
    return [names[number] for number in range(1, 13)]


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
                # polars counts weekdays from 1 (Monday)
                labelExpr=_names_expr(["", *_weekday_names()], "datum.value"),
            ),
        ),
        y=alt.Y("week:O", title=None, axis=None),
    )
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.condition(
            "datum.events > 0",
            alt.Color("state:N", scale=_state_scale(), title=_("Event")),
            alt.value("#f3f4f6"),
        ),
        tooltip=[
            alt.Tooltip("day:T", format="%d.%m.%Y", title=_("Date")),
            alt.Tooltip("titles:N", title=_("Events")),
        ],
    )
    numbers = base.mark_text(align="left", baseline="top", dx=-40, dy=-24, fontSize=11).encode(
        text="number:Q"
    )
    names = base.mark_text(fontSize=10, color="white", dy=6, limit=90).encode(text="titles:N")
    return (rect + numbers + names).properties(height=70 * int(cells["week"].max() + 1))


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
                # "Nov 2026" with the month named in the reader's language
                axis=alt.Axis(
                    labelExpr=_names_expr(_month_names(), "month(datum.value)")
                    + " + ' ' + year(datum.value)"
                ),
            ),
            y=alt.Y("format:N", title=None),
            size=alt.Size(
                "registrations:Q", title=_("Registrations"), scale=alt.Scale(range=[60, 900])
            ),
            color=alt.Color("state:N", scale=_state_scale(), title=_("Event")),
            tooltip=[
                alt.Tooltip("title:N", title=_("Event")),
                alt.Tooltip("starts:T", format="%d.%m.%Y %H:%M", title=_("Starts")),
                alt.Tooltip("registrations:Q", title=_("Registered")),
                alt.Tooltip("attendees:Q", title=_("Came")),
                alt.Tooltip("status:N", title=_("Status")),
            ],
        )
        .properties(height=220)
    )


st.subheader(_label(scale, first))
if listed.is_empty():
    st.info(
        _(
            "No events in {period}. Create one with **New event** above.",
            period=_label(scale, first),
        )
    )
    st.stop()

shown = _shown_values(_local_frame(listed))
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
        "starts": st.column_config.DatetimeColumn(
            _("Starts ({zone})", zone=zone), format="DD.MM.YYYY HH:mm"
        ),
        "title": _("Event"),
        "format": _("Format"),
        "status": _("Status"),
        "registration_target": st.column_config.NumberColumn(_("Target")),
        "registrations": st.column_config.NumberColumn(_("Registered")),
        "attendees": st.column_config.NumberColumn(_("Came")),
        "checkin_rate_pct": st.column_config.NumberColumn(_("Check-in rate"), format="%.1f %%"),
        "new_attendees": st.column_config.NumberColumn(_("First-time")),
        "repeat_attendees": st.column_config.NumberColumn(_("Repeat")),
        "return_rate_pct": st.column_config.NumberColumn(
            _("Came back (90 d)"),
            format="%.1f %%",
            help=_("Attendees active again within 90 days."),
        ),
        "open": st.column_config.LinkColumn("", display_text=_("Open")),
    },
)
csv_download(table.drop("open"), f"events-{first}")

options = dict(zip(listed["event_id"], listed["title"], strict=True))
picked = st.selectbox(
    _("Open an event"),
    [None, *options],
    format_func={None: _("Choose…"), **options}.get,
    key="events_open",
)
if picked:
    st.query_params["event"] = picked
    st.rerun()
