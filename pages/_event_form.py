"""The event form, shared by "New event" and an event's "Edit" tab.

Not a page itself (st.navigation lists the pages in app.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from pages._common import current_user, show_field_errors
from warehouse import events, partners, queries
from warehouse.app_data import EntryRejected
from warehouse.connection import WarehouseBusy, WarehouseEmpty

LABELS = {
    "title": "Title",
    "format": "Format",
    "starts": "Starts",
    "ends": "Ends",
    "timezone": "Time zone",
    "place": "Place or link",
    "channel_id": "Channel",
    "organisers": "Organisers",
    "partner_ids": "Partner co-hosts",
    "co_hosts": "Other co-hosts",
    "registration_target": "Registration target",
    "budget": "Budget",
    "currency": "Currency",
    "status": "Status",
    "backup_actions": "Backup actions if registrations lag",
}
FORMAT_LABELS = {"online": "Online", "offline": "Offline", "hybrid": "Hybrid"}
STATUS_LABELS = {"planned": "Planned", "done": "Done", "cancelled": "Cancelled"}
ZONES = (
    "Europe/Moscow",
    "Europe/Kyiv",
    "Europe/Minsk",
    "Asia/Almaty",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Europe/Berlin",
    "Europe/London",
    "UTC",
)


def _local(moment: datetime | None, zone: str) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _channel_options() -> dict[str, str]:
    try:
        listed = queries.channels()
    except (WarehouseEmpty, WarehouseBusy):
        return {}
    return {
        row["channel_id"]: f"{row['name']} ({row['platform']})"
        for row in listed.iter_rows(named=True)
    }


def _partner_options(event_id: str | None) -> tuple[dict[str, str], list[str]]:
    """Partners to choose from (id → name) and the event's co-hosting partners now."""
    try:
        names = partners.choices()
        chosen = partners.event_partner_ids(event_id) if event_id else []
    except (WarehouseEmpty, WarehouseBusy):
        return {}, []
    return names, [p for p in chosen if p in names]  # a deleted partner is no longer offered


def event_form(key: str, current: dict[str, Any] | None = None) -> events.Saved | None:
    """Draw the form (empty, or filled with `current`); save on submit. Returns what was saved."""
    zone_now = (current or {}).get("timezone") or queries.timezone()
    zones = list(dict.fromkeys((zone_now, *ZONES)))
    starts_local = _local((current or {}).get("starts_at"), zone_now)
    ends_local = _local((current or {}).get("ends_at"), zone_now)
    if current is None:
        tomorrow = datetime.now(ZoneInfo(zone_now)).date() + timedelta(days=7)
        starts_local = datetime.combine(tomorrow, time(18, 0))
        ends_local = starts_local + timedelta(hours=2)
    channels = _channel_options()
    partner_names, partner_ids_now = _partner_options((current or {}).get("event_id"))
    channel_choices = [None, *channels]
    current_channel = (current or {}).get("channel_id")
    if current_channel and current_channel not in channels:
        channel_choices.append(current_channel)

    def value(name: str, default: Any = "") -> Any:
        found = (current or {}).get(name)
        return default if found is None else found

    with st.form(key, border=True):
        title = st.text_input(LABELS["title"], value=value("title"), max_chars=events.MAX_TITLE)
        left, middle, right = st.columns(3)
        format_ = left.selectbox(
            LABELS["format"],
            events.FORMATS,
            index=events.FORMATS.index(value("format", "offline"))
            if value("format", "offline") in events.FORMATS
            else 1,
            format_func=FORMAT_LABELS.get,
        )
        status = middle.selectbox(
            LABELS["status"],
            events.STATUSES,
            index=events.STATUSES.index(value("status", "planned"))
            if value("status", "planned") in events.STATUSES
            else 0,
            format_func=STATUS_LABELS.get,
        )
        zone = right.selectbox(LABELS["timezone"], zones, index=0)
        left, middle, right, last = st.columns(4)
        start_day = left.date_input("Start date", value=starts_local.date(), format="DD.MM.YYYY")
        start_time = middle.time_input("Start time", value=starts_local.time(), step=900)
        end_day = right.date_input("End date", value=ends_local.date(), format="DD.MM.YYYY")
        end_time = last.time_input("End time", value=ends_local.time(), step=900)
        place = st.text_input(LABELS["place"], value=value("place"))
        left, right = st.columns(2)
        channel_id = left.selectbox(
            LABELS["channel_id"],
            channel_choices,
            index=channel_choices.index(current_channel)
            if current_channel in channel_choices
            else 0,
            format_func=lambda c: "—" if c is None else channels.get(c, c),
            help="Where the event is announced; its registrations count for this channel.",
        )
        organisers = right.text_input(
            LABELS["organisers"], value=value("organisers"), help="Names, separated by commas."
        )
        left, right = st.columns(2)
        partner_ids = left.multiselect(
            LABELS["partner_ids"],
            list(partner_names),
            default=partner_ids_now,
            format_func=lambda p: partner_names.get(p, p),
            placeholder="Choose partners" if partner_names else "No partners yet",
            help="Partners from the Partners page: people whose first event this is count as "
            "members the partner brought.",
        )
        co_hosts = right.text_input(
            LABELS["co_hosts"],
            value=value("co_hosts"),
            help="Anyone else co-hosting, by commas (not counted for a partner).",
        )
        left, middle, right = st.columns(3)
        target = left.number_input(
            LABELS["registration_target"],
            value=value("registration_target", None),
            step=1,
            placeholder="no target",
            help="Leave empty for no target.",
        )
        budget = middle.text_input(
            LABELS["budget"], value=str(value("budget", "")), placeholder="e.g. 15000"
        )
        currency = right.text_input(LABELS["currency"], value=value("currency", "RUB"))
        backup_actions = st.text_area(
            LABELS["backup_actions"],
            value=value("backup_actions"),
            placeholder="One per line: a reminder post in the chat, a partner's repost…",
            help="Listed on the event page and the Overview when registrations fall behind pace.",
        )
        submitted = st.form_submit_button(
            "Create event" if current is None else "Save changes", type="primary"
        )
    if not submitted:
        return None
    draft = events.EventDraft(
        title=title,
        format=format_,
        starts_local=datetime.combine(start_day, start_time) if start_day and start_time else None,
        ends_local=datetime.combine(end_day, end_time) if end_day and end_time else None,
        timezone=zone,
        place=place,
        channel_id=channel_id,
        organisers=organisers,
        co_hosts=co_hosts,
        registration_target=int(target) if target is not None else None,
        budget=budget,
        currency=currency,
        status=status,
        backup_actions=backup_actions,
        # untouched when there were and are none: no empty co-host line for every event
        partner_ids=partner_ids if (partner_ids or partner_ids_now) else None,
    )
    try:
        return events.save_event(draft, current_user(), (current or {}).get("event_id"))
    except events.InvalidEntry as exc:
        show_field_errors(exc.errors, LABELS)
    except (events.UnknownEvent, EntryRejected) as exc:
        st.error(str(exc))
    return None
