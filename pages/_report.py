"""The Overview as a one-page report: an Altair chart rendered to PNG or PDF by vl-convert
(bundled with its own renderer and fonts lookup, so nothing downloads), made only when asked for.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from datetime import UTC, datetime

import altair as alt
import polars as pl
import streamlit as st
import vl_convert

from pages._common import KPIS, format_count, format_delta, format_value, kpi_label, period_label
from warehouse.i18n import _, day, language, set_language
from warehouse.overview import HEADLINE_IDS, Overview

CARD_COLUMNS = 4
WIDTH = 760
GOOD, BAD, NEUTRAL = "#16a34a", "#dc2626", "#6b7280"


def _direction(kpi: str, now: float | None, before: float | None) -> str:
    if now is None or before is None or now == before:
        return NEUTRAL
    better = (now < before) if KPIS[kpi].lower_is_better else (now > before)
    return GOOD if better else BAD


def _cards(data: Overview) -> alt.LayerChart:
    """The headline KPIs as a grid of cards: label, value, change, target."""
    rows = []
    for index, kpi in enumerate(HEADLINE_IDS):
        now, before = data.now[kpi], data.before[kpi]
        target = data.targets.get(kpi)
        rows.append(
            {
                "column": index % CARD_COLUMNS,
                "row": index // CARD_COLUMNS,
                "label": kpi_label(kpi),
                "value": format_value(kpi, now),
                "change": format_delta(kpi, now, before) or "",
                "colour": _direction(kpi, now, before),
                "target": _("target {value}", value=format_value(kpi, target))
                if target is not None
                else "",
            }
        )
    base = alt.Chart(pl.DataFrame(rows)).encode(
        alt.X("column:O", axis=None), alt.Y("row:O", axis=None)
    )
    return alt.layer(
        base.mark_text(dy=-22, fontSize=11, color=NEUTRAL).encode(text="label:N"),
        base.mark_text(dy=0, fontSize=20, fontWeight="bold").encode(text="value:N"),
        base.mark_text(dy=20, fontSize=11).encode(
            text="change:N", color=alt.Color("colour:N", scale=None)
        ),
        base.mark_text(dy=34, fontSize=10, color=NEUTRAL).encode(text="target:N"),
    ).properties(width=WIDTH, height=90 * (len(HEADLINE_IDS) // CARD_COLUMNS))


def _trends(data: Overview) -> alt.FacetChart:
    """One small line per headline KPI over the trend periods."""
    labels = [period_label(p) for p in data.trend_periods]
    rows = [
        {"kpi": kpi_label(kpi), "order": i, "period": labels[i], "value": value}
        for kpi in HEADLINE_IDS
        for i, value in enumerate(data.trends[kpi])
        if value is not None
    ]
    frame = pl.DataFrame(
        rows, schema={"kpi": pl.String, "order": pl.Int64, "period": pl.String, "value": pl.Float64}
    )
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            alt.X("order:O", axis=None),
            alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
        )
        .properties(width=WIDTH // CARD_COLUMNS - 30, height=40)
        .facet(
            alt.Facet("kpi:N", title=None, sort=[kpi_label(k) for k in HEADLINE_IDS]),
            columns=CARD_COLUMNS,
        )
        .resolve_scale(y="independent")
    )


def _channels(channels: pl.DataFrame) -> alt.Chart:
    return (
        alt.Chart(channels, title=_("Active members by channel"))
        .mark_bar()
        .encode(
            alt.X("active_members:Q", title=_("Active members")),
            alt.Y("name:N", title=None, sort="-x"),
            alt.Color("platform:N", title=_("Platform"), legend=alt.Legend(orient="bottom")),
        )
        .properties(width=WIDTH - 200)
    )


def _lines(title: str, lines: list[str]) -> alt.Chart:
    """Plain lines of text as a chart part (the report is one chart)."""
    frame = pl.DataFrame({"order": list(range(len(lines))), "line": lines})
    return (
        alt.Chart(frame, title=title)
        .mark_text(align="left", fontSize=11)
        .encode(alt.Y("order:O", axis=None), text="line:N")
        .properties(width=WIDTH, height=18 * max(len(lines), 1))
    )


def _upcoming_line(row: dict) -> str:
    if row["registration_target"] is None:
        return _(
            "{day} · {title} · registered: {registered}",
            day=day(row["starts_at"]),
            title=row["title"],
            registered=format_count(row["registrations"]),
        )
    return _(
        "{day} · {title} · registered: {registered} of {target}",
        day=day(row["starts_at"]),
        title=row["title"],
        registered=format_count(row["registrations"]),
        target=format_count(row["registration_target"]),
    )


def _upcoming(upcoming: pl.DataFrame) -> alt.Chart:
    return _lines(
        _("Upcoming events"), [_upcoming_line(row) for row in upcoming.iter_rows(named=True)]
    )


def _partnerships(found: dict) -> alt.Chart:
    lines = [
        _(
            "Active partners: {partners} · projects running: {projects} · new members through "
            "partners: {members} · registrations through partners: {registrations}",
            partners=format_count(found["active_partners"]),
            projects=format_count(found["projects_running"]),
            members=format_count(found["new_members"]),
            registrations=format_count(found["registrations"]),
        )
    ]
    lines += [
        _(
            "{partner}: new members: {members}, registrations: {registrations}",
            partner=row["name"],
            members=format_count(row["new_members"]),
            registrations=format_count(row["registrations"]),
        )
        for row in found["top_partners"].iter_rows(named=True)
    ]
    return _lines(_("Partnerships"), lines)


def report_chart(data: Overview) -> alt.VConcatChart:
    """The whole report as one chart, so one renderer makes both PNG and PDF."""
    parts: list[alt.TopLevelMixin] = [_cards(data), _trends(data)]
    if data.channels is not None and data.channels.height:
        parts.append(_channels(data.channels))
    if data.upcoming.height:
        parts.append(_upcoming(data.upcoming.head(10)))
    parts.append(_partnerships(data.partnerships))
    now = datetime.now(UTC)
    made = f"{day(now)} {now:%H:%M} UTC"
    return alt.vconcat(*parts, spacing=24).properties(
        title=alt.TitleParams(
            _("Community Pulse — {period}", period=period_label(data.period)),
            subtitle=_(
                "Compared with {period} · made {made}",
                period=period_label(data.compared_with),
                made=made,
            ),
            anchor="start",
            fontSize=18,
        ),
        padding=24,
    )


def report_png(data: Overview) -> bytes:
    return vl_convert.vegalite_to_png(report_chart(data).to_dict(), scale=2)


def report_pdf(data: Overview) -> bytes:
    return vl_convert.vegalite_to_pdf(report_chart(data).to_dict())


def _in_this_language(render: Callable[[Overview], bytes], data: Overview) -> Callable[[], bytes]:
    """`render(data)` for a download button: Streamlit calls it later, in another thread that
    does not speak the reader's language; run it in a context that does (and leaks nowhere)."""
    code = language()

    def run() -> bytes:
        set_language(code)
        return render(data)

    return lambda: contextvars.copy_context().run(run)


def report_downloads(data: Overview) -> None:
    """PNG and PDF buttons; the report is rendered only when one is clicked."""
    name = f"community-pulse-{data.period.start:%Y-%m-%d}"
    st.divider()
    left, right, hint = st.columns([1, 1, 3])
    left.download_button(
        _("Report as PNG"),
        _in_this_language(report_png, data),
        file_name=f"{name}.png",
        mime="image/png",
        icon=":material/image:",
        on_click="ignore",
    )
    right.download_button(
        _("Report as PDF"),
        _in_this_language(report_pdf, data),
        file_name=f"{name}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
    )
    hint.caption(_("Or print this page from the browser: the sidebar and buttons are left out."))
