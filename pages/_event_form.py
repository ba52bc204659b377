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
from warehouse.i18n import N_, _

# field → label, marked here and translated where shown (field_label)
LABELS = {
    "title": N_("Title"),
    "format": N_("Format"),
    "starts": N_("Starts"),
    "ends": N_("Ends"),
    "timezone": N_("Time zone"),
    "place": N_("Place or link"),
    "channel_id": N_("Channel"),
    "organisers": N_("Organisers"),
    "partner_ids": N_("Partner co-hosts"),
    "co_hosts": N_("Other co-hosts"),
    "registration_target": N_("Registration target"),
    "budget": N_("Budget"),
    "currency": N_("Currency"),
    "status": N_("Status"),
    "backup_actions": N_("Backup actions if registrations lag"),
}
FORMAT_LABELS = {"online": N_("Online"), "offline": N_("Offline"), "hybrid": N_("Hybrid")}
STATUS_LABELS = {"planned": N_("Planned"), "done": N_("Done"), "cancelled": N_("Cancelled")}
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


def field_label(field: str) -> str:
    """A form field's label in the reader's language."""
    return _(LABELS[field])


def shown_label(labels: dict[str, str], code: str | None) -> str:
    """A code word (a format, a status) as people read it; unknown codes as they are."""
    if code is None:
        return ""
    return _(labels[code]) if code in labels else code


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
        title = st.text_input(
            field_label("title"), value=value("title"), max_chars=events.MAX_TITLE
        )
        left, middle, right = st.columns(3)
        format_ = left.selectbox(
            field_label("format"),
            events.FORMATS,
            index=events.FORMATS.index(value("format", "offline"))
            if value("format", "offline") in events.FORMATS
            else 1,
            # names worked out now, in this run's language (see pages/events.py)
            format_func={f: shown_label(FORMAT_LABELS, f) for f in events.FORMATS}.get,
        )
        status = middle.selectbox(
            field_label("status"),
            events.STATUSES,
            index=events.STATUSES.index(value("status", "planned"))
            if value("status", "planned") in events.STATUSES
            else 0,
            format_func={s: shown_label(STATUS_LABELS, s) for s in events.STATUSES}.get,
        )
        zone = right.selectbox(field_label("timezone"), zones, index=0)
        left, middle, right, last = st.columns(4)
        start_day = left.date_input(_("Start date"), value=starts_local.date(), format="DD.MM.YYYY")
        start_time = middle.time_input(_("Start time"), value=starts_local.time(), step=900)
        end_day = right.date_input(_("End date"), value=ends_local.date(), format="DD.MM.YYYY")
        end_time = last.time_input(_("End time"), value=ends_local.time(), step=900)
        place = st.text_input(field_label("place"), value=value("place"))
        left, right = st.columns(2)
        channel_id = left.selectbox(
            field_label("channel_id"),
            channel_choices,
            index=channel_choices.index(current_channel)
            if current_channel in channel_choices
            else 0,
            format_func=lambda c: "—" if c is None else channels.get(c, c),
            help=_("Where the event is announced; its registrations count for this channel."),
        )
        organisers = right.text_input(
            field_label("organisers"),
            value=value("organisers"),
            help=_("Names, separated by commas."),
        )
        left, right = st.columns(2)
        partner_ids = left.multiselect(
            field_label("partner_ids"),
            list(partner_names),
            default=partner_ids_now,
            format_func=lambda p: partner_names.get(p, p),
            placeholder=_("Choose partners") if partner_names else _("No partners yet"),
            help=_(
                "Partners from the Partners page: people whose first event this is count as "
                "members the partner brought."
            ),
        )
        co_hosts = right.text_input(
            field_label("co_hosts"),
            value=value("co_hosts"),
            help=_("Anyone else co-hosting, by commas (not counted for a partner)."),
        )
        left, middle, right = st.columns(3)
        target = left.number_input(
            field_label("registration_target"),
            value=value("registration_target", None),
            step=1,
            placeholder=_("no target"),
            help=_("Leave empty for no target."),
        )
        budget = middle.text_input(
            field_label("budget"), value=str(value("budget", "")), placeholder=_("e.g. 15000")
        )
        currency = right.text_input(field_label("currency"), value=value("currency", "RUB"))
        backup_actions = st.text_area(
            field_label("backup_actions"),
            value=value("backup_actions"),
            placeholder=_("One per line: a reminder post in the chat, a partner's repost…"),
            help=_(
                "Listed on the event page and the Overview when registrations fall behind pace."
            ),
        )
        submitted = st.form_submit_button(
            _("Create event") if current is None else _("Save changes"), type="primary"
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
        show_field_errors(exc.errors, {field: _(label) for field, label in LABELS.items()})
    except (events.UnknownEvent, EntryRejected) as exc:
        st.error(str(exc))
    return None
