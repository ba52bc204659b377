"""What every page shares: the sidebar filters, KPI labels, number formats and chart style.

Not a page itself (st.navigation lists the pages in app.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

import altair as alt
import polars as pl
import streamlit as st

from warehouse import queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.kpis import KPI_QUERIES
from warehouse.periods import (
    COMPARISONS,
    PRESETS,
    Period,
    last_days,
    month_of,
    quarter_of,
    recent_months,
    recent_quarters,
    today_in,
)

PALETTE = ["#2563eb", "#f97316", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04"]
PRESET_LABELS = {
    "last_7": "Last 7 days",
    "last_30": "Last 30 days",
    "last_90": "Last 90 days",
    "month": "Month",
    "quarter": "Quarter",
    "custom": "Custom",
}
COMPARISON_LABELS = {"previous": "Previous period", "year_earlier": "Same period a year earlier"}


@dataclass(frozen=True)
class Kpi:
    label: str
    help: str
    kind: str = "count"  # count | pct | minutes | hours | ratio
    lower_is_better: bool = False


KPIS: dict[str, Kpi] = {
    "members_total": Kpi("Members", "Members present at the end of the period."),
    "members_joined": Kpi("Joined", "Distinct members who joined in the period."),
    "members_left": Kpi("Left", "Distinct members who left in the period.", lower_is_better=True),
    "net_growth": Kpi("Net growth", "Joined minus left."),
    "growth_rate_pct": Kpi("Growth rate", "Net growth ÷ members at the start.", "pct"),
    "active_members": Kpi("Active members", "Members with at least one activity."),
    "messages": Kpi("Messages", "Messages and replies by members."),
    "new_active": Kpi("New active", "Active members whose first activity ever is in the period."),
    "returning_active": Kpi("Returning active", "Active members seen before the period."),
    "core_members": Kpi(
        "Core members",
        "Members at the Leading or Contributing level at the end of the period's last month "
        "(weighted activity of the last 12 months, older months counting less).",
    ),
    "reactions": Kpi("Reactions", "Reactions, comments and replies to content of the period."),
    "first_reaction_median_minutes": Kpi(
        "First reaction",
        "Median time from a post to its first reaction by someone else.",
        "minutes",
        lower_is_better=True,
    ),
    "questions": Kpi("Questions", "Non-reply messages by members that contain “?”."),
    "first_response_median_minutes": Kpi(
        "First response",
        "Median time to the first reply by another person (answered questions).",
        "minutes",
        lower_is_better=True,
    ),
    "response_rate_pct": Kpi("Response rate", "Questions answered within 7 days.", "pct"),
    "event_registrations": Kpi("Registrations", "Registrations for events starting in the period."),
    "event_attendees": Kpi("Attendees", "People who came to events starting in the period."),
    "checkin_rate_pct": Kpi("Check-in rate", "Attendees ÷ registrations.", "pct"),
    "event_new_participants": Kpi(
        "First-time attendees", "Attendees whose first event ever this was."
    ),
    "event_repeat_participants": Kpi(
        "Repeat attendees", "Attendees who had come to an earlier event."
    ),
    "new_to_repeat_ratio": Kpi(
        "New ÷ repeat", "First-time attendees per repeat attendee.", "ratio"
    ),
    "feedback_items": Kpi("Feedback", "Feedback received in the period."),
    "feedback_response_median_hours": Kpi(
        "Time to answer",
        "Median hours from receiving feedback to answering it (answered items).",
        "hours",
        lower_is_better=True,
    ),
    "feedback_response_rate_pct": Kpi("Answered", "Feedback of the period answered so far.", "pct"),
    "content_views": Kpi("Views", "Views of content published in the period (where known)."),
    "views_per_post": Kpi(
        "Views per post", "Views ÷ posts of the period, for posts whose views are known.", "ratio"
    ),
    "engagement_rate_pct": Kpi(
        "Engagement rate",
        "Reactions, comments and replies ÷ views, for content whose views are known.",
        "pct",
    ),
    "stickiness_pct": Kpi(
        "Stickiness",
        "Average daily active members ÷ active in the period (DAU/MAU for a month).",
        "pct",
    ),
    "retention_pct": Kpi(
        "Retention", "Members active in the previous period who are active again.", "pct"
    ),
    "connected_members_pct": Kpi(
        "Connected members",
        "Active members who replied to, or got a reply from, another member.",
        "pct",
    ),
    "ugc_share_pct": Kpi(
        "Member content", "Content of the period written by members, not the team.", "pct"
    ),
    "newcomer_welcome_rate_pct": Kpi(
        "Newcomers welcomed",
        "Members who joined and got a reply or reaction within 48 h of their first message.",
        "pct",
    ),
}


def format_value(kpi: str, value: float | int | None) -> str:
    if value is None:
        return "—"
    kind = KPIS[kpi].kind if kpi in KPIS else "count"
    if kind == "pct":
        return f"{value:,.1f} %".replace(",", " ")
    if kind == "ratio":
        return f"{value:,.2f}".replace(",", " ")
    if kind == "minutes":
        if value >= 120:
            return f"{value / 60:,.1f} h".replace(",", " ")
        return f"{value:,.0f} min".replace(",", " ")
    if kind == "hours":
        return f"{value:,.1f} h".replace(",", " ")
    return f"{value:,.0f}".replace(",", " ")


def format_delta(kpi: str, now: float | int | None, before: float | int | None) -> str | None:
    if now is None or before is None:
        return None
    change = now - before
    if KPIS[kpi].kind == "pct":
        return f"{change:+,.1f} pp".replace(",", " ")
    if KPIS[kpi].kind == "minutes":
        return f"{change:+,.0f} min".replace(",", " ")
    if KPIS[kpi].kind == "hours":
        return f"{change:+,.1f} h".replace(",", " ")
    if KPIS[kpi].kind == "ratio":
        return f"{change:+,.2f}".replace(",", " ")
    return f"{change:+,.0f}".replace(",", " ")


def target_note(kpi: str, actual: float | int | None, target: float) -> str:
    """Progress against a target, e.g. "Target 500 · 92 % reached", "Target 30 min · met",
    "Target 30 min · 15 min over" (for KPIs where lower is better)."""
    wanted = f"Target {format_value(kpi, target)}"
    if actual is None:
        return f"{wanted} · no value yet"
    if KPIS[kpi].lower_is_better:
        if actual <= target:
            return f"{wanted} · met"
        return f"{wanted} · {format_value(kpi, actual - target)} over"
    if actual >= target:
        return f"{wanted} · met"
    if target <= 0 or actual < 0:  # net growth below zero: no share of the target to show
        return f"{wanted} · behind"
    # rounded down: 499 of 500 is not yet "100 %"
    return f"{wanted} · {math.floor(100 * actual / target)} % reached"


def kpi_metrics(
    kpis: tuple[str, ...],
    now: dict[str, float | int | None],
    before: dict[str, float | int | None],
    *,
    compared: str | None = None,
    trends: dict[str, list[float | int | None]] | None = None,
    targets: dict[str, float] | None = None,
) -> None:
    """A row of KPI cards: the value, its change against `compared` (default: the previous
    period), a small trend when given, and progress against the target when one is set."""
    for column, kpi in zip(st.columns(len(kpis)), kpis, strict=True):
        with column.container(border=True):
            st.metric(
                KPIS[kpi].label,
                format_value(kpi, now[kpi]),
                format_delta(kpi, now[kpi], before[kpi]),
                delta_color="inverse" if KPIS[kpi].lower_is_better else "normal",
                delta_description=compared,
                help=KPIS[kpi].help,
                chart_data=_trend_points(trends.get(kpi)) if trends else None,
                chart_type="area",
            )
            if targets and kpi in targets:
                st.caption(target_note(kpi, now[kpi], targets[kpi]))


def _trend_points(values: list[float | int | None] | None) -> list[float] | None:
    """A sparkline's points: periods without a value are left out (not drawn as 0); fewer than
    two known points make no line."""
    if not values:
        return None
    known = [float(v) for v in values if v is not None]
    return known if len(known) >= 2 else None


# columns of the channel comparison that are not KPIs, or mean something narrower per channel
CHANNEL_MEASURES: dict[str, Kpi] = {
    "posts": Kpi("Posts", "Posts (top-level content) published in the period."),
    "views": Kpi("Views", "Views of the period's content, where the platform reports them."),
    "event_registrations": Kpi(
        "Registrations via", "Registrations for the period's events that came through this channel."
    ),
    "registration_attendance_pct": Kpi(
        "Came", "Attendees ÷ registrations, for registrations through this channel.", "pct"
    ),
}


def _column(about: Kpi) -> st.column_config.NumberColumn:
    unit = {"pct": "%.1f %%", "minutes": "%.0f min", "hours": "%.1f h", "ratio": "%.2f"}.get(
        about.kind, "%d"
    )
    return st.column_config.NumberColumn(about.label, help=about.help, format=unit)


def number_column(kpi: str) -> st.column_config.NumberColumn:
    """A table column for a KPI, with its label, help and unit."""
    return _column(KPIS[kpi])


def channel_column(name: str) -> st.column_config.NumberColumn:
    """A column of the channels-side-by-side table."""
    return _column(CHANNEL_MEASURES.get(name) or KPIS[name])


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def sidebar_filters() -> tuple[Period, str | None]:
    """Period and channel pickers, mirrored in the URL so a view can be shared by link."""
    params = st.query_params
    try:
        timezone = queries.timezone()
        channel_rows = queries.channels()
    except (WarehouseEmpty, WarehouseBusy):
        timezone, channel_rows = "UTC", pl.DataFrame({"channel_id": [], "name": []})
    today = today_in(timezone)

    preset = params.get("period", "last_30")
    preset = preset if preset in PRESETS else "last_30"
    with st.sidebar:
        st.header("Filters")
        preset = st.selectbox(
            "Period",
            PRESETS,
            index=PRESETS.index(preset),
            format_func=PRESET_LABELS.get,
            key="filter_period",
        )
        if preset == "month":
            months = recent_months(today)
            chosen = _parse_day(params.get("month"))
            start = st.selectbox(
                "Month",
                months,
                index=months.index(chosen) if chosen in months else 0,
                format_func=lambda d: d.strftime("%B %Y"),
                key="filter_month",
            )
            period = month_of(start, timezone)
            st.query_params["month"] = start.isoformat()
        elif preset == "quarter":
            quarters = recent_quarters(today)
            chosen = _parse_day(params.get("quarter"))
            start = st.selectbox(
                "Quarter",
                quarters,
                index=quarters.index(chosen) if chosen in quarters else 0,
                format_func=lambda d: f"Q{(d.month - 1) // 3 + 1} {d.year}",
                key="filter_quarter",
            )
            period = quarter_of(start, timezone)
            st.query_params["quarter"] = start.isoformat()
        elif preset == "custom":
            first = _parse_day(params.get("from")) or today - timedelta(days=29)
            last = _parse_day(params.get("to")) or today
            picked = st.date_input("From – to (inclusive)", (first, last), key="filter_custom")
            if isinstance(picked, tuple) and len(picked) == 2:
                first, last = picked
            if last < first:
                st.error("The period ends before it starts; showing one day.")
                last = first
            period = Period(first, last + timedelta(days=1), timezone)
            st.query_params["from"], st.query_params["to"] = first.isoformat(), last.isoformat()
        else:
            period = last_days(int(preset.split("_")[1]), today, timezone)

        ids = [None, *channel_rows["channel_id"].to_list()]
        names = dict(
            zip(channel_rows["channel_id"].to_list(), channel_rows["name"].to_list(), strict=True)
        )
        wanted = params.get("channel")
        channel = st.selectbox(
            "Channel",
            ids,
            index=ids.index(wanted) if wanted in ids else 0,
            format_func=lambda c: "All channels" if c is None else f"{names.get(c, c)}",
            key="filter_channel",
        )
        wanted = params.get("compare")
        comparison = st.selectbox(
            "Compare with",
            COMPARISONS,
            index=COMPARISONS.index(wanted) if wanted in COMPARISONS else 0,
            format_func=COMPARISON_LABELS.get,
            key="filter_compare",
        )
        st.caption(f"{period_label(period)} · {timezone}")

    st.session_state["comparison"] = comparison
    if comparison == COMPARISONS[0]:
        st.query_params.pop("compare", None)
    else:
        st.query_params["compare"] = comparison

    st.query_params["period"] = preset
    if channel is None:
        st.query_params.pop("channel", None)
    else:
        st.query_params["channel"] = channel
    for key, keep in (
        ("month", "month"),
        ("quarter", "quarter"),
        ("from", "custom"),
        ("to", "custom"),
    ):
        if preset != keep:
            st.query_params.pop(key, None)
    return period, channel


APP_RAN = "_app_ran"


def require_app_entry() -> None:
    """Make sure app.py (filters, navigation, later sign-in) ran before this page.

    A fresh Streamlit server whose first visitor opens a page's URL directly runs that file alone,
    in its legacy "pages/ directory" mode, because app.py has not yet called st.navigation. Turn
    that mode off and run again: the rerun goes through app.py to the same page.
    """
    if st.session_state.get(APP_RAN):
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escaped(text: object) -> str:
    """Text from platforms or typed by people, for markdown (titles, captions, messages): every
    ASCII punctuation mark escaped, so "**x**", "[a](b)" or ":red[x]" show as typed."""
    return _PUNCTUATION.sub(r"\\\1", "" if text is None else str(text))


# added to a change's confirmation when a running refresh keeps it waiting (warehouse.app_data)
QUEUED = " A refresh is running: it shows here once the refresh finishes."


def current_user() -> str:
    """Who is making a change, for the audit log (sign-in arrives with accounts)."""
    user = getattr(st, "user", None)
    if user is not None and user.get("is_logged_in"):
        return str(user.get("email") or user.get("name") or "signed-in user")
    return "manager"


def show_field_errors(errors: dict[str, str], labels: dict[str, str]) -> None:
    """Every problem of a form, each under the name of its field, nothing saved."""
    lines = [f"- **{labels.get(name, name)}**: {message}" for name, message in errors.items()]
    st.error("Not saved. Please fix:\n" + "\n".join(lines))


def filters() -> tuple[Period, str | None]:
    """The filters app.py put in the session for this run."""
    return st.session_state["period"], st.session_state.get("channel")


def comparison() -> str:
    """What the period is compared with: "previous" or "year_earlier" (sidebar)."""
    return st.session_state.get("comparison", COMPARISONS[0])


def compared_note() -> str:
    """Under a KPI card's change: what it is compared with, in two words."""
    return {"previous": "vs previous", "year_earlier": "vs a year earlier"}[comparison()]


def period_label(period: Period) -> str:
    """The period as people say it: "March 2026", "Q1 2026", or "1 Mar 2026 – 30 Mar 2026"."""
    if period.kind == "month":
        return f"{period.start:%B %Y}"
    if period.kind == "quarter":
        return f"Q{(period.start.month - 1) // 3 + 1} {period.start.year}"
    last = period.end - timedelta(days=1)
    return f"{period.start:%-d %b %Y} – {last:%-d %b %Y}"


def chart_theme() -> None:
    alt.theme.enable("pulse")


@alt.theme.register("pulse", enable=True)
def _pulse_theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "range": {"category": PALETTE},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True, "gridOpacity": 0.4},
            "view": {"stroke": None},
            "line": {"color": PALETTE[0], "strokeWidth": 2},
            "bar": {"color": PALETTE[0]},
            "numberFormat": ",.0f",
        }
    }


def csv_download(frame: pl.DataFrame, name: str) -> None:
    st.download_button(
        "Download CSV",
        frame.write_csv().encode("utf-8"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv_{name}",
    )


def warehouse_problem(exc: Exception) -> None:
    """A friendly message instead of a traceback when the warehouse can't answer."""
    if isinstance(exc, WarehouseEmpty):
        st.info(
            "No data yet. Load a Telegram export on the **Data** page, or run `make run` "
            "for the demo community.",
            icon="📭",
        )
    else:
        st.warning(f"{exc}", icon="⏳")


_PRINT_CSS = """
<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stSidebarCollapsedControl"], [data-testid="stDownloadButton"],
  [data-testid="stElementToolbar"], [data-testid="stDecoration"] { display: none !important; }
  [data-testid="stMain"] .block-container { padding: 0 !important; max-width: 100% !important; }
  [data-testid="stVerticalBlockBorderWrapper"], [data-testid="stVegaLiteChart"],
  [data-testid="stAlert"] { break-inside: avoid; }
}
</style>
"""


def print_friendly() -> None:
    """Make the browser's print leave out the sidebar, header and buttons, and keep cards and
    charts whole on a page."""
    st.html(_PRINT_CSS)


KPI_GROUP_LABELS = {
    "growth": "Growth",
    "activity": "Activity",
    "reactions": "Reactions",
    "questions": "Questions",
    "events": "Events",
    "feedback": "Feedback",
    "content": "Content",
    "engagement": "Engagement",
    "connections": "Connections",
    "levels": "Engagement levels",
}


def kpi_table(
    now: dict[str, float | int | None],
    before: dict[str, float | int | None],
    targets: dict[str, float],
) -> pl.DataFrame:
    """Every KPI of the catalogue, formatted: value, the compared period's value, change, target."""
    rows = [
        {
            "group": KPI_GROUP_LABELS.get(group, group),
            "kpi": KPIS[kpi].label,
            "id": kpi,
            "value": format_value(kpi, now[kpi]),
            "compared": format_value(kpi, before[kpi]),
            "change": format_delta(kpi, now[kpi], before[kpi]) or "",
            "target": format_value(kpi, targets[kpi]) if kpi in targets else "",
        }
        for group, ids in KPI_QUERIES.items()
        for kpi in ids
    ]
    return pl.DataFrame(rows)
