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
from pages._event_form import FORMAT_LABELS, STATUS_LABELS, event_form
from pages._uploads import csv_mapping_form, run_with_progress, save_upload
from warehouse import events, queries
from warehouse.app_data import EntryRejected, Submitted
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.pace import current_pace

NOTICE = "event_notice"  # a message to show after the rerun that follows a change
PROBLEM = "event_problem"  # an error from a change made in a widget callback
FOLLOWUPS = {
    "thanks": "Thanks sent",
    "materials": "Photos and materials sent",
    "feedback": "Feedback collected",
    "introductions": "Participants introduced to each other",
    "story": "Story written for the community's history",
    "invitation": "Invitation to the community",
}
ROLE_LABELS = {"guest": "Guest", "speaker": "Speaker", "host": "Host", "volunteer": "Volunteer"}
SHOWN_AT_ONCE = 60


def _done(submitted: Submitted, message: str) -> None:
    """After a write: say what happened on the next run (queued entries say when they land)."""
    if not submitted.applied:
        message += QUEUED
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
        return "date not set"
    text = f"{starts:%d.%m.%Y %H:%M}"
    if ends is not None:
        text += f"–{ends:%H:%M}" if ends.date() == starts.date() else f" – {ends:%d.%m.%Y %H:%M}"
    return f"{text} ({zone})"


def show_event(event_id: str) -> None:
    if st.button("← All events", key="back_to_events"):
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
            if st.button("Undo delete", type="primary"):
                restored = events.restore_event(event_id, current_user())
                st.session_state.pop("deleted_event", None)
                _done(restored, "Event restored.")
        else:
            st.error(
                f"There is no event `{event_id}`. It may have been deleted, or the link is wrong."
            )
        return

    st.title(event["title"] or event_id)
    facts = [
        _when(event),
        FORMAT_LABELS.get(event["format"], event["format"] or ""),
        STATUS_LABELS.get(event["status"], event["status"] or ""),
    ]
    st.caption(" · ".join(f for f in facts if f))
    details = {
        "Place": event["place"],
        "Channel": event["channel_name"],
        "Organisers": event["organisers"],
        "Partner co-hosts": event["co_hosts"],
        "Budget": f"{event['budget']:,.2f} {event['currency'] or ''}".replace(",", " ")
        if event["budget"] is not None
        else None,
    }
    st.markdown("  \n".join(f"**{k}:** {v}" for k, v in details.items() if v))

    summary, checkin, imports, followup, feedback, edit = st.tabs(
        ["Summary", "Check-in", "Import", "Follow-up", "Feedback", "Edit"]
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
        f"the curves of {pace['history_events']} past events"
        if pace["basis"] == "history"
        else "an even pace from when registration opened"
    )
    # on the Overview the event is named and linked; on its own page it needs neither
    name = f"**[{escaped(title)}](/events?event={pace['event_id']})**: " if title else ""
    text = (
        f"{name}{pace['registrations_so_far']} registered of {pace['registration_target']}, "
        f"{pace['expected_by_now']:g} expected by now ({basis}), {pace['days_left']} days to go."
    )
    if pace["projected_final"] is not None and pace["registrations_so_far"] > 0:
        text += f" At this pace: about {pace['projected_final']:.0f}."
    if not pace["behind"]:
        st.success(text, icon=":material/check_circle:")
        return
    actions = [a.strip(" -•\t") for a in (pace["backup_actions"] or "").splitlines() if a.strip()]
    plan = (
        "\n\nBackup actions:\n" + "\n".join(f"- {escaped(a)}" for a in actions)
        if actions
        else "\n\nNo backup actions noted yet (add them under **Edit**)."
    )
    st.warning(f"Behind pace. {text}{plan}", icon=":material/trending_down:")


def _summary(event: dict) -> None:
    pace = pace_of(event["event_id"])
    if pace is not None:
        show_pace(pace)
    columns = st.columns(6)
    rate = event["checkin_rate_pct"]
    back = event["return_rate_pct"]
    values = [
        ("Registered", f"{event['registrations']}", None),
        ("Came", f"{event['attendees']}", None),
        ("Check-in rate", "—" if rate is None else f"{rate:.1f} %", "Came ÷ registered."),
        ("First-time", f"{event['new_attendees']}", "Attendees whose first event this was."),
        ("Repeat", f"{event['repeat_attendees']}", "Attendees who came to an earlier event."),
        (
            "Returned",
            "—" if back is None else f"{back:.1f} %",
            "Attendees who came to another event or were active in a channel within 90 days.",
        ),
    ]
    for column, (label, value, help_text) in zip(columns, values, strict=True):
        column.metric(label, value, help=help_text, border=True)
    funnel = pl.DataFrame(
        {
            "step": ["Registered", "Came", "First-time", "Repeat"],
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
            x=alt.X("people:Q", title="People", axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.Color("step:N", legend=None),
            tooltip=["step:N", "people:Q"],
        )
        .properties(height=220, title="Registration → attendance, new vs repeat")
    )
    st.altair_chart(chart, width="stretch")


def _check_in(event: dict) -> None:
    event_id = event["event_id"]
    people = events.participants(event_id)
    query = st.text_input(
        "Find a person",
        placeholder="Start typing a name or @handle",
        key=f"checkin_query_{event_id}",
    )
    came = int(people["attended"].sum()) if not people.is_empty() else 0
    st.caption(f"{came} of {people.height} people here so far. Ticking saves at once.")
    shown = people
    if query.strip() and not people.is_empty():
        needle = query.strip().lower().lstrip("@")
        shown = people.filter(
            pl.col("display_name").str.to_lowercase().str.contains(needle, literal=True)
            | pl.col("handles").fill_null("").str.to_lowercase().str.contains(needle, literal=True)
        )
    for row in shown.head(SHOWN_AT_ONCE).iter_rows(named=True):
        label = row["display_name"] or row["member_id"]
        if row["handles"]:
            label += f" · @{row['handles']}"
        if row["registered_at"] is None:
            label += " · not registered"
        if row["first_met_here"]:
            label += " · new to the community"
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
        st.caption(f"{shown.height - SHOWN_AT_ONCE} more: narrow the search.")

    if query.strip() and len(query.strip()) >= 2:
        known = set(people["member_id"]) if not people.is_empty() else set()
        others = events.search_members(query)
        others = (
            others.filter(~pl.col("member_id").is_in(list(known)))
            if not others.is_empty()
            else others
        )
        if not others.is_empty():
            st.markdown("**Not registered, but known to the community:**")
            for row in others.iter_rows(named=True):
                label = row["display_name"] or row["member_id"]
                if row["handles"]:
                    label += f" · @{row['handles']}"
                if st.button(
                    f"Check in {label}", key=f"checkin_member_{event_id}_{row['member_id']}"
                ):
                    _save_check_in(event_id, row["member_id"], True, row["display_name"])
        elif shown.is_empty():
            st.info(f"Nobody called “{escaped(query.strip())}” yet. Add them as a walk-in below.")

    st.markdown("**Add a walk-in**")
    with st.form(f"walk_in_{event_id}", clear_on_submit=False, border=True):
        left, right = st.columns(2)
        name = left.text_input("Name", max_chars=events.MAX_TITLE)
        role = right.selectbox("Role", events.ROLES, format_func=ROLE_LABELS.get)
        left, middle, right = st.columns(3)
        email = left.text_input("E-mail (optional)")
        phone = middle.text_input("Phone (optional)")
        handle = right.text_input("Telegram or other @handle (optional)")
        st.caption("An e-mail, phone or handle we know links the walk-in to their member.")
        added = st.form_submit_button("Add and check in", type="primary")
    if added:
        walk_in = events.WalkIn(name=name, email=email, phone=phone, handle=handle, role=role)
        try:
            submitted = events.add_walk_in(event_id, walk_in, current_user())
        except events.InvalidEntry as exc:
            show_field_errors(
                exc.errors,
                {"name": "Name", "email": "E-mail", "phone": "Phone", "handle": "Handle"},
            )
        except (events.UnknownEvent, EntryRejected) as exc:
            st.error(str(exc))
        else:
            _done(submitted, f"{name.strip()} added and checked in.")


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
    message = f"{who} checked in." if present else f"{who} is no longer checked in."
    if not submitted.applied:
        message += QUEUED
    st.session_state[NOTICE] = message
    if rerun:
        st.rerun()


ZOOM_HOW = (
    "Zoom → Reports → Usage → the meeting's participants → *Export* (with or without the meeting "
    "header). People who left and rejoined count once, with all their minutes."
)
REGISTRATIONS_HOW = (
    "A Google Forms responses sheet, Timepad's order export or any list of registrations saved "
    "as CSV. Choose which column is which below."
)


def _imports(event: dict) -> None:
    event_id = event["event_id"]
    st.markdown("**Registrations** — " + REGISTRATIONS_HOW)
    upload = st.file_uploader(
        "Registrations CSV", type=["csv", "tsv", "txt"], key=f"reg_upload_{event_id}"
    )
    if upload is not None:
        saved_key = f"reg_saved_{event_id}"
        if st.session_state.get(saved_key + "_name") != upload.name:
            st.session_state[saved_key] = save_upload(upload)
            st.session_state[saved_key + "_name"] = upload.name
        csv_mapping_form(st.session_state[saved_key], upload.name, event_id=event_id)
    st.markdown("**Zoom attendance** — " + ZOOM_HOW)
    with st.form(f"zoom_{event_id}", clear_on_submit=True, border=True):
        zoom = st.file_uploader("Zoom participants report (CSV)", type=["csv"])
        load = st.form_submit_button("Load attendance", type="primary")
    if load and zoom is None:
        st.error("Choose the Zoom report first.")
    elif load and zoom is not None:
        run_with_progress(
            "zoom-participants", save_upload(zoom), zoom.name, ["--event-id", event_id]
        )
    st.caption("Loading the same file again changes nothing; a file with errors loads nothing.")


def _followups(event: dict) -> None:
    event_id = event["event_id"]
    checklist = events.followups(event_id)
    if checklist.is_empty():
        st.info("The follow-up checklist starts once the event has a date.")
        return
    st.caption("Each item: who does it, by when, and the day it was done.")
    today = datetime.now(UTC).date()
    with st.form(f"followups_{event_id}", border=True):
        edited: dict[str, tuple[bool, str, date | None, date | None]] = {}
        for row in checklist.iter_rows(named=True):
            item = row["item"]
            label = FOLLOWUPS[item] + (" · :red[overdue]" if row["is_overdue"] else "")
            done_col, owner_col, due_col, when_col = st.columns([3, 2, 2, 2])
            done = done_col.checkbox(
                label, value=row["done_on"] is not None, key=f"fu_done_{event_id}_{item}"
            )
            owner = owner_col.text_input(
                "Who", value=row["owner"] or "", key=f"fu_owner_{event_id}_{item}"
            )
            due = due_col.date_input(
                "Due", value=row["due_on"], format="DD.MM.YYYY", key=f"fu_due_{event_id}_{item}"
            )
            done_on = when_col.date_input(
                "Done on",
                value=row["done_on"],
                format="DD.MM.YYYY",
                key=f"fu_when_{event_id}_{item}",
                help="Today if left empty when ticked.",
            )
            edited[item] = (done, owner, due, done_on)
        save = st.form_submit_button("Save checklist", type="primary")
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
        show_field_errors(exc.errors, {"owner": "Who", "done_on": "Done on", "note": "Note"})
        return
    except (events.UnknownEvent, EntryRejected) as exc:
        st.error(str(exc))
        return
    st.session_state[NOTICE] = "Checklist saved."
    st.rerun()


def _feedback(event: dict) -> None:
    event_id = event["event_id"]
    items = events.feedback(event_id)
    if items.is_empty():
        st.info("No feedback logged for this event yet.")
    else:
        scores = items["score"].drop_nulls()
        left, right = st.columns(2)
        left.metric("Feedback items", items.height, border=True)
        right.metric(
            "Average score",
            "—" if scores.is_empty() else f"{scores.mean():.1f} / 5",
            help="Of the items that have a score.",
            border=True,
        )
        st.dataframe(
            items.select("received_at", "score", "text", "display_name"),
            hide_index=True,
            width="stretch",
            column_config={
                "received_at": st.column_config.DatetimeColumn("Received", format="DD.MM.YYYY"),
                "score": st.column_config.NumberColumn("Score"),
                "text": "What was said",
                "display_name": "From",
            },
        )
    with st.form(f"feedback_{event_id}", clear_on_submit=True, border=True):
        st.markdown("**Log feedback**")
        left, right = st.columns([1, 3])
        score = left.selectbox(
            "Score", [None, 5, 4, 3, 2, 1], format_func=lambda s: "—" if s is None else str(s)
        )
        received = left.date_input("Received", value=datetime.now(UTC).date(), format="DD.MM.YYYY")
        text = right.text_area("What was said", max_chars=events.MAX_TEXT)
        logged = st.form_submit_button("Log feedback")
    if logged:
        try:
            submitted = events.log_feedback(
                event_id, current_user(), score=score, text=text, received_on=received
            )
        except events.InvalidEntry as exc:
            show_field_errors(
                exc.errors, {"score": "Score", "text": "What was said", "received_on": "Received"}
            )
        except (events.UnknownEvent, EntryRejected) as exc:
            st.error(str(exc))
        else:
            _done(submitted, "Feedback logged.")


def _edit(event: dict) -> None:
    event_id = event["event_id"]
    if event["origin"] == "imported":
        st.caption("Imported event: your edits are kept over what its source says.")
    saved = event_form(f"edit_{event_id}", event)
    if saved is not None:
        _done(Submitted("", saved.applied), "Changes saved.")
    st.divider()
    left, right = st.columns(2)
    with left:
        if event["status"] != "cancelled":
            st.markdown("**Cancel the event**: it stays listed as cancelled.")
            sure = st.checkbox("Yes, cancel it", key=f"cancel_sure_{event_id}")
            if st.button("Cancel event", disabled=not sure, key=f"cancel_{event_id}"):
                _done(events.cancel_event(event_id, current_user()), "Event cancelled.")
    with right:
        st.markdown("**Delete the event**: it disappears from every page and KPI (undo possible).")
        sure = st.checkbox("Yes, delete it", key=f"delete_sure_{event_id}")
        if st.button("Delete event", type="primary", disabled=not sure, key=f"delete_{event_id}"):
            submitted = events.delete_event(event_id, current_user())
            st.session_state["deleted_event"] = event_id
            _done(submitted, "Event deleted.")
