"""Feedback: the feedback KPIs for the period, logging feedback, and the inbox of unanswered
feedback, oldest first, each markable as answered (with undo)."""

import streamlit as st

from pages._common import (
    QUEUED,
    compared_note,
    comparison,
    current_user,
    escaped,
    filters,
    kpi_metrics,
    require_app_entry,
    show_field_errors,
    warehouse_problem,
)
from warehouse import events, feedback, queries
from warehouse.app_data import EntryRejected, Submitted
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.events import InvalidEntry
from warehouse.periods import today_in

NOTICE = "feedback_notice"  # what the last change did, shown after the rerun it causes
HEADLINE = ("feedback_items", "feedback_response_median_hours", "feedback_response_rate_pct")
SOURCES = {"general": "General", "event": "An event", "channel": "A channel"}
FIELD_LABELS = {
    "text": "What was said",
    "score": "Score",
    "received_on": "Received",
    "event_id": "Event",
    "channel_id": "Channel",
    "answered_at": "Answered",
}


def _done(submitted: Submitted | feedback.Logged, message: str) -> None:
    st.session_state[NOTICE] = message + ("" if submitted.applied else QUEUED)
    st.rerun()


def _origin(row: dict) -> str:
    parts = [f"{row['received_at']:%d.%m.%Y}", f"{row['age_days']} d old"]
    if row["event_title"]:
        parts.append(f"event: {row['event_title']}")
    if row["channel_name"]:
        parts.append(f"channel: {row['channel_name']}")
    if row["member_name"]:
        parts.append(f"from {row['member_name']}")
    if row["score"] is not None:
        parts.append(f"score {row['score']}/5")
    return escaped(" · ".join(parts))


require_app_entry()
period, channel = filters()
st.title("Feedback")
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)

try:
    now = queries.kpis(period, channel, HEADLINE)
    before = queries.kpis(period.compared(comparison()), channel, HEADLINE)
    event_rows = queries.event_choices()
    channel_rows = queries.channels()
    waiting = feedback.unanswered()
    answered = feedback.recently_answered(10)
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

kpi_metrics(HEADLINE, now, before, compared=compared_note())

with st.expander("Log feedback", icon=":material/add:", expanded=True):
    # outside the form: choosing the source changes which picker the form shows
    source = st.radio(
        "About", list(SOURCES), format_func=SOURCES.get, horizontal=True, key="feedback_source"
    )
    # outside the form too: what is typed changes the members offered
    query = st.text_input(
        "From (optional)", key="feedback_member_search", placeholder="Find a member: name, @handle"
    )
    found = events.search_members(query)
    people = {
        row["member_id"]: row["display_name"] or row["member_id"]
        for row in (found.iter_rows(named=True) if not found.is_empty() else ())
    }
    if len(query.strip()) >= 2 and not people:
        st.caption("Nobody by that name, handle or e-mail.")
    with st.form("log_feedback", clear_on_submit=True, border=False):
        member_id = st.selectbox(
            "Member",
            list(people),
            format_func=lambda m: people.get(m, m),
            index=0 if people else None,
            placeholder="Nobody (find a member above)",
        )
        event_id = channel_id = None
        if source == "event":
            titles = dict(zip(event_rows["event_id"], event_rows["title"], strict=True))
            event_id = st.selectbox(
                "Event", list(titles), format_func=lambda e: titles.get(e) or e, index=None
            )
        elif source == "channel":
            names = dict(zip(channel_rows["channel_id"], channel_rows["name"], strict=True))
            channel_id = st.selectbox(
                "Channel", list(names), format_func=lambda c: names.get(c) or c, index=None
            )
        left, right = st.columns([1, 3])
        score = left.selectbox(
            "Score", [None, 5, 4, 3, 2, 1], format_func=lambda s: "—" if s is None else str(s)
        )
        received = left.date_input(
            "Received", value=today_in(queries.timezone()), format="DD.MM.YYYY"
        )
        text = right.text_area("What was said", max_chars=feedback.MAX_TEXT)
        logged = st.form_submit_button("Log feedback")
    if logged:
        problems: dict[str, str] = {}
        if source == "event" and not event_id:
            problems["event_id"] = "Choose the event."
        if source == "channel" and not channel_id:
            problems["channel_id"] = "Choose the channel."
        try:
            if problems:
                raise InvalidEntry(problems)
            submitted = feedback.log_feedback(
                current_user(),
                text=text,
                score=score,
                received_on=received,
                event_id=event_id,
                channel_id=channel_id,
                member_id=member_id,
            )
        except InvalidEntry as exc:
            show_field_errors(exc.errors, FIELD_LABELS)
        except EntryRejected as exc:
            st.error(str(exc))
        else:
            _done(submitted, "Feedback logged.")

st.subheader(f"Waiting for an answer ({waiting.height})")
if waiting.is_empty():
    st.info("Every piece of feedback has been answered.")
for row in waiting.iter_rows(named=True):
    with st.container(border=True):
        body, action = st.columns([5, 1])
        body.caption(_origin(row))
        body.text(row["text"] or "(score only)")
        if action.button("Mark answered", key=f"answer_{row['feedback_id']}"):
            try:
                _done(
                    feedback.mark_answered(row["feedback_id"], current_user()), "Marked answered."
                )
            except (feedback.UnknownFeedback, InvalidEntry, EntryRejected) as exc:
                st.error(str(exc))

if not answered.is_empty():
    with st.expander("Recently answered"):
        for row in answered.iter_rows(named=True):
            body, action = st.columns([5, 1])
            body.caption(_origin(row) + f" · answered {row['responded_at']:%d.%m.%Y %H:%M} UTC")
            body.text(row["text"] or "(score only)")
            if action.button("Undo", key=f"undo_{row['feedback_id']}"):
                try:
                    _done(
                        feedback.mark_unanswered(row["feedback_id"], current_user()),
                        "Back in the inbox.",
                    )
                except (feedback.UnknownFeedback, EntryRejected) as exc:
                    st.error(str(exc))
