"""What every page shares: the sidebar filters, KPI labels, number formats and chart style.

Not a page itself (st.navigation lists the pages in app.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import altair as alt
import polars as pl
import streamlit as st
from babel import Locale

from warehouse import queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty, WarehouseNotBuilt
from warehouse.i18n import N_, _, day, language, month, number
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
# labels here and below are marked N_() and translated where shown: _(PRESET_LABELS[key])
PRESET_LABELS = {
    "last_7": N_("Last 7 days"),
    "last_30": N_("Last 30 days"),
    "last_90": N_("Last 90 days"),
    "month": N_("Month"),
    "quarter": N_("Quarter"),
    "custom": N_("Custom"),
}
COMPARISON_LABELS = {
    "previous": N_("Previous period"),
    "year_earlier": N_("Same period a year earlier"),
}


@dataclass(frozen=True)
class Kpi:
    label: str  # English, marked N_(): shown as kpi_label(kpi) / _(label)
    help: str
    kind: str = "count"  # count | pct | minutes | hours | ratio
    lower_is_better: bool = False


KPIS: dict[str, Kpi] = {
    "members_total": Kpi(N_("Members"), N_("Members present at the end of the period.")),
    "members_joined": Kpi(N_("Joined"), N_("Distinct members who joined in the period.")),
    "members_left": Kpi(
        N_("Left"), N_("Distinct members who left in the period."), lower_is_better=True
    ),
    "net_growth": Kpi(N_("Net growth"), N_("Joined minus left.")),
    "growth_rate_pct": Kpi(N_("Growth rate"), N_("Net growth ÷ members at the start."), "pct"),
    "active_members": Kpi(N_("Active members"), N_("Members with at least one activity.")),
    "messages": Kpi(N_("Messages"), N_("Messages and replies by members.")),
    "new_active": Kpi(
        N_("New active"), N_("Active members whose first activity ever is in the period.")
    ),
    "returning_active": Kpi(N_("Returning active"), N_("Active members seen before the period.")),
    "core_members": Kpi(
        N_("Core members"),
        N_(
            "Members at the Leading or Contributing level at the end of the period's last month "
            "(weighted activity of the last 12 months, older months counting less)."
        ),
    ),
    "reactions": Kpi(
        N_("Reactions"), N_("Reactions, comments and replies to content of the period.")
    ),
    "first_reaction_median_minutes": Kpi(
        N_("First reaction"),
        N_("Median time from a post to its first reaction by someone else."),
        "minutes",
        lower_is_better=True,
    ),
    "questions": Kpi(N_("Questions"), N_("Non-reply messages by members that contain “?”.")),
    "first_response_median_minutes": Kpi(
        N_("First response"),
        N_("Median time to the first reply by another person (answered questions)."),
        "minutes",
        lower_is_better=True,
    ),
    "response_rate_pct": Kpi(N_("Response rate"), N_("Questions answered within 7 days."), "pct"),
    "event_registrations": Kpi(
        N_("Registrations"), N_("Registrations for events starting in the period.")
    ),
    "event_attendees": Kpi(
        N_("Attendees"), N_("People who came to events starting in the period.")
    ),
    "checkin_rate_pct": Kpi(N_("Check-in rate"), N_("Attendees ÷ registrations."), "pct"),
    "event_new_participants": Kpi(
        N_("First-time attendees"), N_("Attendees whose first event ever this was.")
    ),
    "event_repeat_participants": Kpi(
        N_("Repeat attendees"), N_("Attendees who had come to an earlier event.")
    ),
    "new_to_repeat_ratio": Kpi(
        N_("New ÷ repeat"), N_("First-time attendees per repeat attendee."), "ratio"
    ),
    "feedback_items": Kpi(N_("Feedback"), N_("Feedback received in the period.")),
    "feedback_response_median_hours": Kpi(
        N_("Time to answer"),
        N_("Median hours from receiving feedback to answering it (answered items)."),
        "hours",
        lower_is_better=True,
    ),
    "feedback_response_rate_pct": Kpi(
        N_("Answered"), N_("Feedback of the period answered so far."), "pct"
    ),
    "content_views": Kpi(
        N_("Views"), N_("Views of content published in the period (where known).")
    ),
    "views_per_post": Kpi(
        N_("Views per post"),
        N_("Views ÷ posts of the period, for posts whose views are known."),
        "ratio",
    ),
    "engagement_rate_pct": Kpi(
        N_("Engagement rate"),
        N_("Reactions, comments and replies ÷ views, for content whose views are known."),
        "pct",
    ),
    "stickiness_pct": Kpi(
        N_("Stickiness"),
        N_("Average daily active members ÷ active in the period (DAU/MAU for a month)."),
        "pct",
    ),
    "retention_pct": Kpi(
        N_("Retention"), N_("Members active in the previous period who are active again."), "pct"
    ),
    "connected_members_pct": Kpi(
        N_("Connected members"),
        N_("Active members who replied to, or got a reply from, another member."),
        "pct",
    ),
    "ugc_share_pct": Kpi(
        N_("Member content"), N_("Content of the period written by members, not the team."), "pct"
    ),
    "newcomer_welcome_rate_pct": Kpi(
        N_("Newcomers welcomed"),
        N_("Members who joined and got a reply or reaction within 48 h of their first message."),
        "pct",
    ),
}


def kpi_label(kpi: str) -> str:
    """A KPI's name in the current language."""
    return _(KPIS[kpi].label)


def kpi_help(kpi: str) -> str:
    """What a KPI counts, in the current language."""
    return _(KPIS[kpi].help)


def _figure(value: float, digits: int = 0, *, signed: bool = False) -> str:
    """A number with `digits` decimals grouped the language's way (1 234,5 in ru/uk); English
    keeps the space-grouped thousands the app has always shown (1 234.5). `signed`: +/- first."""
    text = number(abs(value) if signed else value, digits)
    if language() == "en":
        text = text.replace(",", " ")
    if signed:
        text = ("-" if value < 0 else "+") + text  # st.metric reads the direction off the sign
    return text


def format_count(value: float | int | None) -> str:
    """A plain count, grouped like the KPI cards' numbers."""
    return "—" if value is None else _figure(value)


def format_value(kpi: str, value: float | int | None) -> str:
    if value is None:
        return "—"
    kind = KPIS[kpi].kind if kpi in KPIS else "count"
    if kind == "pct":
        return f"{_figure(value, 1)} %"
    if kind == "ratio":
        return _figure(value, 2)
    if kind == "minutes":
        if value >= 120:
            return _("{value} h", value=_figure(value / 60, 1))
        return _("{value} min", value=_figure(value))
    if kind == "hours":
        return _("{value} h", value=_figure(value, 1))
    return _figure(value)


def format_delta(kpi: str, now: float | int | None, before: float | int | None) -> str | None:
    if now is None or before is None:
        return None
    change = now - before
    if KPIS[kpi].kind == "pct":
        return _("{value} pp", value=_figure(change, 1, signed=True))  # percentage points
    if KPIS[kpi].kind == "minutes":
        return _("{value} min", value=_figure(change, signed=True))
    if KPIS[kpi].kind == "hours":
        return _("{value} h", value=_figure(change, 1, signed=True))
    if KPIS[kpi].kind == "ratio":
        return _figure(change, 2, signed=True)
    return _figure(change, signed=True)


def target_note(kpi: str, actual: float | int | None, target: float) -> str:
    """Progress against a target, e.g. "Target 500 · 92 % reached", "Target 30 min · met",
    "Target 30 min · 15 min over" (for KPIs where lower is better)."""
    wanted = format_value(kpi, target)
    if actual is None:
        return _("Target {target} · no value yet", target=wanted)
    if KPIS[kpi].lower_is_better:
        if actual <= target:
            return _("Target {target} · met", target=wanted)
        excess = format_value(kpi, actual - target)
        return _("Target {target} · {excess} over", target=wanted, excess=excess)
    if actual >= target:
        return _("Target {target} · met", target=wanted)
    if target <= 0 or actual < 0:  # net growth below zero: no share of the target to show
        return _("Target {target} · behind", target=wanted)
    # rounded down: 499 of 500 is not yet "100 %"
    reached = math.floor(100 * actual / target)
    return _("Target {target} · {share} % reached", target=wanted, share=reached)


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
                kpi_label(kpi),
                format_value(kpi, now[kpi]),
                format_delta(kpi, now[kpi], before[kpi]),
                delta_color="inverse" if KPIS[kpi].lower_is_better else "normal",
                delta_description=compared,
                help=kpi_help(kpi),
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
    "posts": Kpi(N_("Posts"), N_("Posts (top-level content) published in the period.")),
    "views": Kpi(
        N_("Views"), N_("Views of the period's content, where the platform reports them.")
    ),
    "event_registrations": Kpi(
        N_("Registrations via"),
        N_("Registrations for the period's events that came through this channel."),
    ),
    "registration_attendance_pct": Kpi(
        N_("Came"), N_("Attendees ÷ registrations, for registrations through this channel."), "pct"
    ),
}


def _column(about: Kpi) -> st.column_config.NumberColumn:
    unit = {
        "pct": "%.1f %%",
        "minutes": _("{value} min", value="%.0f"),
        "hours": _("{value} h", value="%.1f"),
        "ratio": "%.2f",
    }.get(about.kind, "%d")
    return st.column_config.NumberColumn(_(about.label), help=_(about.help), format=unit)


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


def sidebar_filters(
    fixed: dict[str, str] | None = None, channels: list[str] | None = None
) -> tuple[Period, str | None]:
    """Period and channel pickers, mirrored in the URL so a view can be shared by link.

    A shared KPI link may fix the period (`fixed`, the same parameters the URL carries) and the
    channels one may pick from (`channels`); its visitor can't change what it fixes."""
    params = fixed or st.query_params
    locked = fixed is not None
    try:
        timezone = queries.timezone()
        channel_rows = queries.channels()
    except (WarehouseEmpty, WarehouseBusy):
        timezone, channel_rows = "UTC", pl.DataFrame({"channel_id": [], "name": []})
    today = today_in(timezone)

    preset = params.get("period", "last_30")
    preset = preset if preset in PRESETS else "last_30"
    with st.sidebar:
        st.header(_("Filters"))
        preset = st.selectbox(
            _("Period"),
            PRESETS,
            index=PRESETS.index(preset),
            format_func=lambda p: _(PRESET_LABELS[p]),
            key="filter_period",
            disabled=locked,
        )
        if preset == "month":
            months = recent_months(today)
            chosen = _parse_day(params.get("month"))
            start = st.selectbox(
                _("Month"),
                months,
                index=months.index(chosen) if chosen in months else 0,
                format_func=_month_label,
                key="filter_month",
                disabled=locked,
            )
            period = month_of(start, timezone)
            st.query_params["month"] = start.isoformat()
        elif preset == "quarter":
            quarters = recent_quarters(today)
            chosen = _parse_day(params.get("quarter"))
            start = st.selectbox(
                _("Quarter"),
                quarters,
                index=quarters.index(chosen) if chosen in quarters else 0,
                format_func=_quarter_label,
                key="filter_quarter",
                disabled=locked,
            )
            period = quarter_of(start, timezone)
            st.query_params["quarter"] = start.isoformat()
        elif preset == "custom":
            first = _parse_day(params.get("from")) or today - timedelta(days=29)
            last = _parse_day(params.get("to")) or today
            picked = st.date_input(
                _("From – to (inclusive)"), (first, last), key="filter_custom", disabled=locked
            )
            if isinstance(picked, tuple) and len(picked) == 2:
                first, last = picked
            if last < first:
                st.error(_("The period ends before it starts; showing one day."))
                last = first
            period = Period(first, last + timedelta(days=1), timezone)
            st.query_params["from"], st.query_params["to"] = first.isoformat(), last.isoformat()
        else:
            period = last_days(int(preset.split("_")[1]), today, timezone)

        ids = [None, *channel_rows["channel_id"].to_list()]
        if channels:  # a link fixed to some channels: only those, never the whole community
            ids = [c for c in ids if c in channels] or channels
        names = dict(
            zip(channel_rows["channel_id"].to_list(), channel_rows["name"].to_list(), strict=True)
        )
        wanted = params.get("channel")
        channel = st.selectbox(
            _("Channel"),
            ids,
            index=ids.index(wanted) if wanted in ids else 0,
            format_func=lambda c: _("All channels") if c is None else f"{names.get(c, c)}",
            key="filter_channel",
        )
        wanted = params.get("compare")
        comparison = st.selectbox(
            _("Compare with"),
            COMPARISONS,
            index=COMPARISONS.index(wanted) if wanted in COMPARISONS else 0,
            format_func=lambda c: _(COMPARISON_LABELS[c]),
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


def require_app_entry(role: str = "viewer") -> None:
    """Make sure app.py (sign-in, filters, navigation) ran before this page, and that the
    visitor's role may open it (a page left out of the navigation can still be asked for).

    A fresh Streamlit server whose first visitor opens a page's URL directly runs that file alone,
    in its legacy "pages/ directory" mode, because app.py has not yet called st.navigation. Turn
    that mode off and run again: the rerun goes through app.py to the same page.
    """
    if st.session_state.get(APP_RAN):
        from pages._access import refuse_unless

        refuse_unless(role)
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
# (marked N_: pages add _(QUEUED), with its leading space, after their own message)
QUEUED = N_(" A refresh is running: it shows here once the refresh finishes.")


def current_user() -> str:
    """The signed-in account making a change: the audit log names it, and every write checks
    its role (a shared link has no account, so it can't write anything)."""
    from pages._access import USER_KEY

    return st.session_state.get(USER_KEY) or ""


def show_field_errors(errors: dict[str, str], labels: dict[str, str]) -> None:
    """Every problem of a form, each under the name of its field, nothing saved."""
    # labels and messages may come marked N_() or already translated: _() leaves those as they are
    lines = [f"- **{_(labels.get(name, name))}**: {_(message)}" for name, message in errors.items()]
    st.error(_("Not saved. Please fix:") + "\n" + "\n".join(lines))


def filters() -> tuple[Period, str | None]:
    """The filters app.py put in the session for this run."""
    return st.session_state["period"], st.session_state.get("channel")


def comparison() -> str:
    """What the period is compared with: "previous" or "year_earlier" (sidebar)."""
    return st.session_state.get("comparison", COMPARISONS[0])


def compared_note() -> str:
    """Under a KPI card's change: what it is compared with, in two words."""
    return _("vs a year earlier") if comparison() == "year_earlier" else _("vs previous")


def period_label(period: Period) -> str:
    """The period as people say it: "March 2026", "Q1 2026", or "Mar 1, 2026 – Mar 30, 2026"
    (in the current language: "Март 2026", "1 кв. 2026", "1 мар. 2026 г. – 30 мар. 2026 г.")."""
    if period.kind == "month":
        return _month_label(period.start)
    if period.kind == "quarter":
        return _quarter_label(period.start)
    last = period.end - timedelta(days=1)
    return f"{day(period.start)} – {day(last)}"


def _month_label(first: date) -> str:
    """A month picked or shown on its own: "March 2026", "Март 2026" (Babel's stand-alone
    month name is lower case in Russian and Ukrainian; a label starts with a capital)."""
    text = month(first)
    return text[:1].upper() + text[1:]


def _quarter_label(first: date) -> str:
    return _("Q{quarter} {year}", quarter=(first.month - 1) // 3 + 1, year=str(first.year))


def chart_theme() -> None:
    alt.theme.enable("pulse")


@alt.theme.register("pulse", enable=True)
def _pulse_theme() -> alt.theme.ThemeConfig:
    # Altair calls this for every chart it turns into a spec, in the thread drawing the page,
    # so the locale follows the reader's language
    config = {
        "range": {"category": PALETTE},
        "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True, "gridOpacity": 0.4},
        "view": {"stroke": None},
        "line": {"color": PALETTE[0], "strokeWidth": 2},
        "bar": {"color": PALETTE[0]},
        "numberFormat": ",.0f",
    }
    if language() != "en":
        config["locale"] = _vega_locale(language())
    return {"config": config}


@cache
def _vega_locale(code: str) -> dict:
    """Vega's number and time locale (d3 definitions) for a language, from Babel's data: axis
    and tooltip numbers as "1 234,5", months and weekdays by their names ("март", "пн")."""
    about = Locale.parse(code)
    symbols = about.number_symbols["latn"]
    months, days = about.months["stand-alone"], about.days["stand-alone"]
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # Babel counts weekdays from Monday, d3 from Sunday
    return {
        "number": {
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": ["", ""],
        },
        "time": {
            "dateTime": "%d.%m.%Y, %H:%M:%S",
            "date": "%d.%m.%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": [days["wide"][d] for d in sunday_first],
            "shortDays": [days["abbreviated"][d] for d in sunday_first],
            "months": [months["wide"][m] for m in range(1, 13)],
            "shortMonths": [months["abbreviated"][m] for m in range(1, 13)],
        },
    }


def csv_download(frame: pl.DataFrame, name: str) -> None:
    st.download_button(
        _("Download CSV"),
        frame.write_csv().encode("utf-8"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv_{name}",
    )


def warehouse_problem(exc: Exception) -> None:
    """A friendly message instead of a traceback when the warehouse can't answer."""
    if isinstance(exc, WarehouseNotBuilt):
        st.warning(str(exc), icon="🛠️")
    elif isinstance(exc, WarehouseEmpty):
        st.info(
            _(
                "No data yet. Load a Telegram export on the **Data** page, or run `make run` "
                "for the demo community."
            ),
            icon="📭",
        )
    else:
        st.warning(f"{exc}", icon="⏳")  # WarehouseBusy says it in the reader's language


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
    "growth": N_("Growth"),
    "activity": N_("Activity"),
    "reactions": N_("Reactions"),
    "questions": N_("Questions"),
    "events": N_("Events"),
    "feedback": N_("Feedback"),
    "content": N_("Content"),
    "engagement": N_("Engagement"),
    "connections": N_("Connections"),
    "levels": N_("Engagement levels"),
}


def kpi_table(
    now: dict[str, float | int | None],
    before: dict[str, float | int | None],
    targets: dict[str, float],
) -> pl.DataFrame:
    """Every KPI of the catalogue, formatted: value, the compared period's value, change, target."""
    rows = [
        {
            "group": _(KPI_GROUP_LABELS.get(group, group)),
            "kpi": kpi_label(kpi),
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
