"""Shared links: read-only KPI pages for leadership, without an account; revocable at once."""

from datetime import UTC, date, datetime, timedelta

import streamlit as st

from pages._common import PRESET_LABELS, current_user, filters, period_label, require_app_entry
from warehouse import links, queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.i18n import _, moment
from warehouse.periods import Period, month_of, quarter_of

PERIOD_PARAMS = ("period", "month", "quarter", "from", "to")

require_app_entry("manager")
st.title(_("Shared links"))
st.caption(
    _(
        "A shared link opens the Overview, Growth & retention and Channels & content pages "
        "without an account. It shows totals only, never a member; it stops working when it "
        "expires or when you switch it off."
    )
)


def link_address(token: str) -> str:
    base = (st.context.url or "").split("?")[0].rsplit("/", 1)[0]
    return f"{base}/?share={token}"


def channel_names() -> dict[str, str]:
    try:
        rows = queries.channels()
    except (WarehouseEmpty, WarehouseBusy):
        return {}
    return dict(zip(rows["channel_id"].to_list(), rows["name"].to_list(), strict=True))


names = channel_names()
period, _channel = filters()
with st.form("new_link", clear_on_submit=True):
    st.subheader(_("New shared link"))
    label = st.text_input(
        _("For whom or what"), placeholder=_("Board meeting, March"), max_chars=120
    )
    days = st.number_input(_("Works for (days)"), min_value=1, max_value=links.MAX_DAYS, value=30)
    fix_period = st.checkbox(
        _(
            "Fix the period to the one chosen in the sidebar ({period})",
            period=period_label(period),
        ),
        help=_("Otherwise whoever opens the link picks the period."),
    )
    chosen = st.multiselect(
        _("Only these channels"),
        list(names),
        format_func=lambda c: names.get(c, c),
        placeholder=_("All channels"),
    )
    created = st.form_submit_button(_("Create link"), type="primary")

if created:
    fixed = {k: v for k in PERIOD_PARAMS if (v := st.query_params.get(k))} if fix_period else None
    try:
        link, token = links.create_link(
            current_user(), days=int(days), filters=fixed, channels=chosen or None, label=label
        )
    except (ValueError, PermissionError) as exc:
        st.error(str(exc))
    else:
        st.success(_("Link created. Copy it and send it:"))
        st.code(link_address(token), language=None)


def fixed_period_label(params: dict[str, str]) -> str:
    """The period a link is fixed to, as the sidebar says it ("May 2024", "Q2 2024", two days)
    in the reader's language; a rolling one by its name ("Last 30 days")."""
    preset = params.get("period", "")
    first = _parse_day(params.get(preset if preset in ("month", "quarter") else "from"))
    last = _parse_day(params.get("to"))
    if preset == "month" and first:
        return period_label(month_of(first, "UTC"))
    if preset == "quarter" and first:
        return period_label(quarter_of(first, "UTC"))
    if preset == "custom" and first and last and last >= first:
        return period_label(Period(first, last + timedelta(days=1)))
    return _(PRESET_LABELS.get(preset, preset))


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def status_of(link: links.ShareLink, now: datetime) -> str:
    if link.revoked_at is not None:
        return _("switched off")
    return _("works") if link.expires_at > now else _("expired")


st.subheader(_("Links"))
every_link = links.links()
if not every_link:
    st.info(_("No shared links yet."))
now = datetime.now(UTC).replace(tzinfo=None)
for link in every_link:
    with st.container(border=True):
        left, right = st.columns([4, 1])
        left.markdown(
            f"**{link.label or _('Shared link')}** · {status_of(link, now)}  \n"
            + _(
                "Made by {user} on {made}; works until {until}.",
                user=link.created_by,
                made=moment(link.created_at, "short"),
                until=moment(link.expires_at, "short"),
            )
        )
        fixed_to = []
        if link.filters:
            fixed_to.append(_("period fixed: {period}", period=fixed_period_label(link.filters)))
        if link.channels:
            fixed_to.append(", ".join(names.get(c, c) for c in link.channels))
        if fixed_to:
            left.caption(" · ".join(fixed_to))
        if link.active:
            left.code(link_address(links.token_for(link)), language=None)
            if right.button(_("Switch off"), key=f"revoke_{link.link_id}"):
                links.revoke(current_user(), link.link_id)
                st.rerun()
        elif (
            link.revoked_at is not None
            and link.expires_at > now
            and right.button(_("Switch on again"), key=f"restore_{link.link_id}")
        ):
            links.restore(current_user(), link.link_id)
            st.rerun()
