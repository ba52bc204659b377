"""One event's page: its funnel and pace, check-in, imports, follow-ups, feedback, editing.

Not a page itself: pages/events.py shows it for `?event=<id>`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import altair as alt
import polars as pl
import streamlit as st

from pages._common import QUEUED, current_user, escaped, show_field_errors, warehouse_problem
from pages._event_form import FORMAT_LABELS, STATUS_LABELS, event_form, shown_label
from pages._uploads import csv_mapping_form, run_with_progress, save_upload
from warehouse import events, queries
from warehouse.app_data import EntryRejected, Submitted
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.i18n import N_, _, day, number, percent
from warehouse.pace import current_pace

NOTICE = "event_notice"  # a message to show after the rerun that follows a change
PROBLEM = "event_problem"  # an error from a change made in a widget callback
# the follow-up checklist (warehouse.events.FOLLOWUP_ITEMS), translated where shown
FOLLOWUPS = {
    "thanks": N_("Thanks sent"),
    "materials": N_("Photos and materials sent"),
    "feedback": N_("Feedback collected"),
    "introductions": N_("Participants introduced to each other"),
    "story": N_("Story written for the community's history"),
    "invitation": N_("Invitation to the community"),
}
ROLE_LABELS = {
    "guest": N_("Guest"),
    "speaker": N_("Speaker"),
    "host": N_("Host"),
    "volunteer": N_("Volunteer"),
}
SHOWN_AT_ONCE = 60


def _done(submitted: Submitted, message: str) -> None:
    """After a write: say what happened on the next run (queued entries say when they land)."""
    if not submitted.applied:
        message += _(QUEUED)
    st.session_state[NOTICE] = message
    st.rerun()


def _when(event: dict) -> str:
    zone = event["timezone"] or queries.timezone()

    def local(moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))

    starts, ends = local(event["starts_at"]), local(event["ends_at"])
    if starts is None:
        return _("date not set")
    text = f"{day(starts)}, {starts:%H:%M}"
    if ends is not None:
        text += (
            f"–{ends:%H:%M}" if ends.date() == starts.date() else f" – {day(ends)}, {ends:%H:%M}"
        )
    return f"{text} ({zone})"


def show_event(event_id: str) -> None:
    if st.button(_("← All events"), key="back_to_events"):
        del st.query_params["event"]
        st.rerun()
    try:
        event = events.event(event_id)
    except (WarehouseEmpty, WarehouseBusy) as exc:
        warehouse_problem(exc)
        return
    # always one element here, message or not: the tabs below keep their place in the page, so
    # the tab a manager is on stays open across reruns
    notice = st.empty()
    if NOTICE in st.session_state:
        notice.success(st.session_state.pop(NOTICE))
    elif PROBLEM in st.session_state:
        notice.error(st.session_state.pop(PROBLEM))
    if event is None:
        if st.session_state.get("deleted_event") == event_id:
            if st.button(_("Undo delete"), type="primary"):
                restored = events.restore_event(event_id, current_user())
                st.session_state.pop("deleted_event", None)
                _done(restored, _("Event restored."))
        else:
            st.error(
                _(
                    "There is no event `{event_id}`. It may have been deleted, or the link is "
                    "wrong.",
                    event_id=event_id,
                )
            )
        return

    st.title(event["title"] or event_id)
    facts = [
        _when(event),
        shown_label(FORMAT_LABELS, event["format"]),
        shown_label(STATUS_LABELS, event["status"]),
    ]
    st.caption(" · ".join(f for f in facts if f))
    details = {
        _("Place"): event["place"],
        _("Channel"): event["channel_name"],
        _("Organisers"): event["organisers"],
        _("Partner co-hosts"): event["co_hosts"],
        _("Budget"): f"{number(event['budget'], 2)} {event['currency'] or ''}".strip()
        if event["budget"] is not None
        else None,
    }
    st.markdown("  \n".join(f"**{k}:** {v}" for k, v in details.items() if v))

    summary, checkin, imports, followup, feedback, edit = st.tabs(
        [_("Summary"), _("Check-in"), _("Import"), _("Follow-up"), _("Feedback"), _("Edit")]
    )
    with summary:
        _summary(event)
    with checkin:
        _check_in(event)
    with imports:
        _imports(event)
    with followup:
        _followups(event)
    with feedback:
        _feedback(event)
    with edit:
        _edit(event)


def pace_of(event_id: str) -> dict | None:
    try:
        paced = current_pace()
    except (WarehouseEmpty, WarehouseBusy):
        return None
    found = paced.filter(pl.col("event_id") == event_id)
    return None if found.is_empty() else found.row(0, named=True)


def show_pace(pace: dict, title: str | None = None) -> None:
    """Registrations against the pace needed to reach the target; the backup plan when behind."""
    basis = (
        _("the curves of past events: {count}", count=number(pace["history_events"]))
        if pace["basis"] == "history"
        else _("an even pace from when registration opened")
    )
    expected = pace["expected_by_now"]
    text = _(
        "{registered} registered of {target}, {expected} expected by now ({basis}), "
        "{days} days to go.",
        registered=number(pace["registrations_so_far"]),
        target=number(pace["registration_target"]),
        # 16.7, or 20 when it is whole
        expected=number(expected, 0 if float(expected).is_integer() else 1),
        basis=basis,
        days=number(pace["days_left"]),
    )
    if title:  # on the Overview the event is named and linked; on its own page it needs neither
        link = f"**[{escaped(title)}](/events?event={pace['event_id']})**"
        text = _("{event}: {pace}", event=link, pace=text)
    if pace["projected_final"] is not None and pace["registrations_so_far"] > 0:
        text += " " + _("At this pace: about {count}.", count=number(pace["projected_final"]))
    if not pace["behind"]:
        st.success(text, icon=":material/check_circle:")
        return
    actions = [a.strip(" -•\t") for a in (pace["backup_actions"] or "").splitlines() if a.strip()]
    plan = (
        _("Backup actions:") + "\n" + "\n".join(f"- {escaped(a)}" for a in actions)
        if actions
        else _("No backup actions noted yet (add them under **Edit**).")
    )
    st.warning(_("Behind pace. {pace}", pace=text) + "\n\n" + plan, icon=":material/trending_down:")


def _summary(event: dict) -> None:
    pace = pace_of(event["event_id"])
    if pace is not None:
        show_pace(pace)
    columns = st.columns(6)
    rate = event["checkin_rate_pct"]
    back = event["return_rate_pct"]
    values = [
        (_("Registered"), number(event["registrations"]), None),
        (_("Came"), number(event["attendees"]), None),
        (_("Check-in rate"), "—" if rate is None else percent(rate), _("Came ÷ registered.")),
        (
            _("First-time"),
            number(event["new_attendees"]),
            _("Attendees whose first event this was."),
        ),
        (
            _("Repeat"),
            number(event["repeat_attendees"]),
            _("Attendees who came to an earlier event."),
        ),
        (
            _("Returned"),
            "—" if back is None else percent(back),
            _("Attendees who came to another event or were active in a channel within 90 days."),
        ),
    ]
    for column, (label, value, help_text) in zip(columns, values, strict=True):
        column.metric(label, value, help=help_text, border=True)
    funnel = pl.DataFrame(
        {
            "step": [_("Registered"), _("Came"), _("First-time"), _("Repeat")],
            "people": [
                event["registrations"],
                event["attendees"],
                event["new_attendees"],
                event["repeat_attendees"],
            ],
        }
    )
    chart = (
        alt.Chart(funnel)
        .mark_bar()
        .encode(
            y=alt.Y("step:N", sort=None, title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X("people:Q", title=_("People"), axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.Color("step:N", legend=None),
            tooltip=[
                alt.Tooltip("step:N", title=_("Step")),
                alt.Tooltip("people:Q", title=_("People")),
            ],
        )
        .properties(height=220, title=_("Registration → attendance, new vs repeat"))
    )
    st.altair_chart(chart, width="stretch")


def _check_in(event: dict) -> None:
    event_id = event["event_id"]
    people = events.participants(event_id)
    query = st.text_input(
        _("Find a person"),
        placeholder=_("Start typing a name or @handle"),
        key=f"checkin_query_{event_id}",
    )
    came = int(people["attended"].sum()) if not people.is_empty() else 0
    st.caption(
        _(
            "{came} of {total} people here so far. Ticking saves at once.",
            came=number(came),
            total=number(people.height),
        )
    )
    shown = people
    if query.strip() and not people.is_empty():
        needle = query.strip().lower().lstrip("@")
        shown = people.filter(
            pl.col("display_name").str.to_lowercase().str.contains(needle, literal=True)
            | pl.col("handles").fill_null("").str.to_lowercase().str.contains(needle, literal=True)
        )
    for row in shown.head(SHOWN_AT_ONCE).iter_rows(named=True):
        parts = [row["display_name"] or row["member_id"]]
        if row["handles"]:
            parts.append(f"@{row['handles']}")
        if row["registered_at"] is None:
            parts.append(_("not registered"))
        if row["first_met_here"]:
            parts.append(_("new to the community"))
        label = " · ".join(parts)
        # the key carries the stored state: when an import or another manager changes it, the
        # box is drawn afresh from the data instead of keeping a stale tick
        attended = bool(row["attended"])
        st.checkbox(
            label,
            value=attended,
            key=f"present_{event_id}_{row['member_id']}_{int(attended)}",
            on_change=_on_tick,
            args=(event_id, row["member_id"], not attended, row["display_name"]),
        )
    if shown.height > SHOWN_AT_ONCE:
        st.caption(
            _("{count} more: narrow the search.", count=number(shown.height - SHOWN_AT_ONCE))
        )

    if query.strip() and len(query.strip()) >= 2:
        known = set(people["member_id"]) if not people.is_empty() else set()
        others = events.search_members(query)
        others = (
            others.filter(~pl.col("member_id").is_in(list(known)))
            if not others.is_empty()
            else others
        )
        if not others.is_empty():
            st.markdown(_("**Not registered, but known to the community:**"))
            for row in others.iter_rows(named=True):
                label = row["display_name"] or row["member_id"]
                if row["handles"]:
                    label += f" · @{row['handles']}"
                if st.button(
                    _("Check in {person}", person=label),
                    key=f"checkin_member_{event_id}_{row['member_id']}",
                ):
                    _save_check_in(event_id, row["member_id"], True, row["display_name"])
        elif shown.is_empty():
            st.info(
                _(
                    "Nobody called “{name}” yet. Add them as a walk-in below.",
                    name=escaped(query.strip()),
                )
            )

    st.markdown(_("**Add a walk-in**"))
    with st.form(f"walk_in_{event_id}", clear_on_submit=False, border=True):
        left, right = st.columns(2)
        name = left.text_input(_("Name"), max_chars=events.MAX_TITLE)
        role = right.selectbox(
            _("Role"),
            events.ROLES,
            # names worked out now, in this run's language (see pages/events.py)
            format_func={r: shown_label(ROLE_LABELS, r) for r in events.ROLES}.get,
        )
        left, middle, right = st.columns(3)
        email = left.text_input(_("E-mail (optional)"))
        phone = middle.text_input(_("Phone (optional)"))
        handle = right.text_input(_("Telegram or other @handle (optional)"))
        st.caption(_("An e-mail, phone or handle we know links the walk-in to their member."))
        added = st.form_submit_button(_("Add and check in"), type="primary")
    if added:
        walk_in = events.WalkIn(name=name, email=email, phone=phone, handle=handle, role=role)
        try:
            submitted = events.add_walk_in(event_id, walk_in, current_user())
        except events.InvalidEntry as exc:
            show_field_errors(
                exc.errors,
                {
                    "name": _("Name"),
                    "email": _("E-mail"),
                    "phone": _("Phone"),
                    "handle": _("Handle"),
                    "role": _("Role"),
                },
            )
        except (events.UnknownEvent, EntryRejected) as exc:
            st.error(str(exc))
        else:
            _done(submitted, _("{name} added and checked in.", name=name.strip()))


def _on_tick(event_id: str, member_id: str, present: bool, name: str | None) -> None:
    """A box was ticked or unticked: save it before the page draws again."""
    _save_check_in(event_id, member_id, present, name, rerun=False)


def _save_check_in(
    event_id: str, member_id: str, present: bool, name: str | None, *, rerun: bool = True
) -> None:
    try:
        submitted = events.check_in(event_id, member_id, present, current_user())
    except (events.UnknownEvent, EntryRejected) as exc:
        st.session_state[PROBLEM] = str(exc)
        return
    who = name or member_id
    message = (
        _("{name} checked in.", name=who)
        if present
        else _("{name} is no longer checked in.", name=who)
    )
    if not submitted.applied:
        message += _(QUEUED)
    st.session_state[NOTICE] = message
    if rerun:
        st.rerun()


ZOOM_HOW = N_(
    "**Zoom attendance** — Zoom → Reports → Usage → the meeting's participants → *Export* "
    "(with or without the meeting header). People who left and rejoined count once, with all "
    "their minutes."
)
REGISTRATIONS_HOW = N_(
    "**Registrations** — A Google Forms responses sheet, Timepad's order export or any list of "
    "registrations saved as CSV. Choose which column is which below."
)


def _imports(event: dict) -> None:
    event_id = event["event_id"]
    st.markdown(_(REGISTRATIONS_HOW))
    upload = st.file_uploader(
        _("Registrations CSV"), type=["csv", "tsv", "txt"], key=f"reg_upload_{event_id}"
    )
    if upload is not None:
        saved_key = f"reg_saved_{event_id}"
        if st.session_state.get(saved_key + "_name") != upload.name:
            st.session_state[saved_key] = save_upload(upload)
            st.session_state[saved_key + "_name"] = upload.name
        csv_mapping_form(st.session_state[saved_key], upload.name, event_id=event_id)
    st.markdown(_(ZOOM_HOW))
    with st.form(f"zoom_{event_id}", clear_on_submit=True, border=True):
        zoom = st.file_uploader(_("Zoom participants report (CSV)"), type=["csv"])
        load = st.form_submit_button(_("Load attendance"), type="primary")
    if load and zoom is None:
        st.error(_("Choose the Zoom report first."))
    elif load and zoom is not None:
        run_with_progress(
            "zoom-participants", save_upload(zoom), zoom.name, ["--event-id", event_id]
        )
    st.caption(_("Loading the same file again changes nothing; a file with errors loads nothing."))


def _followups(event: dict) -> None:
    event_id = event["event_id"]
    checklist = events.followups(event_id)
    if checklist.is_empty():
        st.info(_("The follow-up checklist starts once the event has a date."))
        return
    st.caption(_("Each item: who does it, by when, and the day it was done."))
    today = datetime.now(UTC).date()
    with st.form(f"followups_{event_id}", border=True):
        edited: dict[str, tuple[bool, str, date | None, date | None]] = {}
        for row in checklist.iter_rows(named=True):
            item = row["item"]
            label = _(FOLLOWUPS[item])
            if row["is_overdue"]:
                label = _("{item} · :red[overdue]", item=label)
            done_col, owner_col, due_col, when_col = st.columns([3, 2, 2, 2])
            done = done_col.checkbox(
                label, value=row["done_on"] is not None, key=f"fu_done_{event_id}_{item}"
            )
            owner = owner_col.text_input(
                _("Who"), value=row["owner"] or "", key=f"fu_owner_{event_id}_{item}"
            )
            due = due_col.date_input(
                _("Due"), value=row["due_on"], format="DD.MM.YYYY", key=f"fu_due_{event_id}_{item}"
            )
            done_on = when_col.date_input(
                _("Done on"),
                value=row["done_on"],
                format="DD.MM.YYYY",
                key=f"fu_when_{event_id}_{item}",
                help=_("Today if left empty when ticked."),
            )
            edited[item] = (done, owner, due, done_on)
        save = st.form_submit_button(_("Save checklist"), type="primary")
    if not save:
        return
    before = {row["item"]: row for row in checklist.iter_rows(named=True)}
    try:
        for item, (done, owner, due, done_on) in edited.items():
            was = before[item]
            when = (done_on or today) if done else None
            if (owner or None, due, when) == (was["owner"], was["due_on"], was["done_on"]):
                continue  # untouched rows write nothing (and no audit line)
            events.save_followup(
                event_id, item, current_user(), owner=owner, due_on=due, done_on=when
            )
    except events.InvalidEntry as exc:
        show_field_errors(
            exc.errors,
            {
                "owner": _("Who"),
                "due_on": _("Due"),
                "done_on": _("Done on"),
                "note": _("Note"),
                "item": _("Follow-up"),
            },
        )
        return
    except (events.UnknownEvent, EntryRejected) as exc:
        st.error(str(exc))
        return
    st.session_state[NOTICE] = _("Checklist saved.")
    st.rerun()


def _feedback(event: dict) -> None:
    event_id = event["event_id"]
    items = events.feedback(event_id)
    if items.is_empty():
        st.info(_("No feedback logged for this event yet."))
    else:
        scores = items["score"].drop_nulls()
        left, right = st.columns(2)
        left.metric(_("Feedback items"), number(items.height), border=True)
        right.metric(
            _("Average score"),
            "—" if scores.is_empty() else f"{number(scores.mean(), 1)} / 5",
            help=_("Of the items that have a score."),
            border=True,
        )
        st.dataframe(
            items.select("received_at", "score", "text", "display_name"),
            hide_index=True,
            width="stretch",
            column_config={
                "received_at": st.column_config.DatetimeColumn(_("Received"), format="DD.MM.YYYY"),
                "score": st.column_config.NumberColumn(_("Score")),
                "text": _("What was said"),
                "display_name": _("Who said it"),
            },
        )
    with st.form(f"feedback_{event_id}", clear_on_submit=True, border=True):
        st.markdown(_("**Log feedback**"))
        left, right = st.columns([1, 3])
        score = left.selectbox(
            _("Score"), [None, 5, 4, 3, 2, 1], format_func=lambda s: "—" if s is None else str(s)
        )
        received = left.date_input(
            _("Received"), value=datetime.now(UTC).date(), format="DD.MM.YYYY"
        )
        text = right.text_area(_("What was said"), max_chars=events.MAX_TEXT)
        logged = st.form_submit_button(_("Log feedback"))
    if logged:
        try:
            submitted = events.log_feedback(
                event_id, current_user(), score=score, text=text, received_on=received
            )
        except events.InvalidEntry as exc:
            show_field_errors(
                exc.errors,
                {"score": _("Score"), "text": _("What was said"), "received_on": _("Received")},
            )
        except (events.UnknownEvent, EntryRejected) as exc:
            st.error(str(exc))
        else:
            _done(submitted, _("Feedback logged."))


def _edit(event: dict) -> None:
    event_id = event["event_id"]
    if event["origin"] == "imported":
        st.caption(_("Imported event: your edits are kept over what its source says."))
    saved = event_form(f"edit_{event_id}", event)
    if saved is not None:
        _done(Submitted("", saved.applied), _("Changes saved."))
    st.divider()
    left, right = st.columns(2)
    with left:
        if event["status"] != "cancelled":
            st.markdown(_("**Cancel the event**: it stays listed as cancelled."))
            sure = st.checkbox(_("Yes, cancel it"), key=f"cancel_sure_{event_id}")
            if st.button(_("Cancel event"), disabled=not sure, key=f"cancel_{event_id}"):
                _done(events.cancel_event(event_id, current_user()), _("Event cancelled."))
    with right:
        st.markdown(
            _("**Delete the event**: it disappears from every page and KPI (undo possible).")
        )
        sure = st.checkbox(_("Yes, delete it"), key=f"delete_sure_{event_id}")
        if st.button(
            _("Delete event"), type="primary", disabled=not sure, key=f"delete_{event_id}"
        ):
            submitted = events.delete_event(event_id, current_user())
            st.session_state["deleted_event"] = event_id
            _done(submitted, _("Event deleted."))
