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
from warehouse.i18n import N_, _, day, moment, number
from warehouse.periods import today_in

NOTICE = "feedback_notice"  # what the last change did, shown after the rerun it causes
HEADLINE = ("feedback_items", "feedback_response_median_hours", "feedback_response_rate_pct")
SOURCES = {"general": N_("General"), "event": N_("An event"), "channel": N_("A channel")}
FIELD_LABELS = {
    "text": N_("What was said"),
    "score": N_("Score"),
    "received_on": N_("Received"),
    "event_id": N_("Event"),
    "channel_id": N_("Channel"),
    "answered_at": N_("Answered"),
}


def _done(submitted: Submitted | feedback.Logged, message: str) -> None:
    st.session_state[NOTICE] = message + ("" if submitted.applied else _(QUEUED))
    st.rerun()


def _origin(row: dict) -> str:
    parts = [day(row["received_at"]), _("{days} d old", days=number(row["age_days"]))]
    if row["event_title"]:
        parts.append(_("event: {title}", title=row["event_title"]))
    if row["channel_name"]:
        parts.append(_("channel: {name}", name=row["channel_name"]))
    if row["member_name"]:
        parts.append(_("from {name}", name=row["member_name"]))
    if row["score"] is not None:
        parts.append(_("score {score}/5", score=row["score"]))
    return escaped(" · ".join(parts))


require_app_entry("manager")
period, channel = filters()
st.title(_("Feedback"))
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

with st.expander(_("Log feedback"), icon=":material/add:", expanded=True):
    # outside the form: choosing the source changes which picker the form shows
    source = st.radio(
        _("About"),
        list(SOURCES),
        format_func={source: _(label) for source, label in SOURCES.items()}.get,
        horizontal=True,
        key="feedback_source",
    )
    # outside the form too: what is typed changes the members offered
    query = st.text_input(
        _("From (optional)"),
        key="feedback_member_search",
        placeholder=_("Find a member: name, @handle"),
    )
    found = events.search_members(query)
    people = {
        row["member_id"]: row["display_name"] or row["member_id"]
        for row in (found.iter_rows(named=True) if not found.is_empty() else ())
    }
    if len(query.strip()) >= 2 and not people:
        st.caption(_("Nobody by that name, handle or e-mail."))
    with st.form("log_feedback", clear_on_submit=True, border=False):
        member_id = st.selectbox(
            _("Member"),
            list(people),
            format_func=lambda m: people.get(m, m),
            index=0 if people else None,
            placeholder=_("Nobody (find a member above)"),
        )
        event_id = channel_id = None
        if source == "event":
            titles = dict(zip(event_rows["event_id"], event_rows["title"], strict=True))
            event_id = st.selectbox(
                _("Event"), list(titles), format_func=lambda e: titles.get(e) or e, index=None
            )
        elif source == "channel":
            names = dict(zip(channel_rows["channel_id"], channel_rows["name"], strict=True))
            channel_id = st.selectbox(
                _("Channel"), list(names), format_func=lambda c: names.get(c) or c, index=None
            )
        left, right = st.columns([1, 3])
        score = left.selectbox(
            _("Score"), [None, 5, 4, 3, 2, 1], format_func=lambda s: "—" if s is None else str(s)
        )
        received = left.date_input(
            _("Received"), value=today_in(queries.timezone()), format="DD.MM.YYYY"
        )
        text = right.text_area(_("What was said"), max_chars=feedback.MAX_TEXT)
        logged = st.form_submit_button(_("Log feedback"))
    if logged:
        problems: dict[str, str] = {}
        if source == "event" and not event_id:
            problems["event_id"] = _("Choose the event.")
        if source == "channel" and not channel_id:
            problems["channel_id"] = _("Choose the channel.")
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
            _done(submitted, _("Feedback logged."))

st.subheader(_("Waiting for an answer ({count})", count=number(waiting.height)))
if waiting.is_empty():
    st.info(_("Every piece of feedback has been answered."))
for row in waiting.iter_rows(named=True):
    with st.container(border=True):
        body, action = st.columns([5, 1])
        body.caption(_origin(row))
        body.text(row["text"] or _("(score only)"))
        if action.button(_("Mark answered"), key=f"answer_{row['feedback_id']}"):
            try:
                _done(
                    feedback.mark_answered(row["feedback_id"], current_user()),
                    _("Marked answered."),
                )
            except (feedback.UnknownFeedback, InvalidEntry, EntryRejected) as exc:
                st.error(str(exc))

if not answered.is_empty():
    with st.expander(_("Recently answered")):
        for row in answered.iter_rows(named=True):
            body, action = st.columns([5, 1])
            answered_at = _("answered {when} UTC", when=moment(row["responded_at"], "short"))
            body.caption(_origin(row) + escaped(" · " + answered_at))
            body.text(row["text"] or _("(score only)"))
            if action.button(_("Undo"), key=f"undo_{row['feedback_id']}"):
                try:
                    _done(
                        feedback.mark_unanswered(row["feedback_id"], current_user()),
                        _("Back in the inbox."),
                    )
                except (feedback.UnknownFeedback, EntryRejected) as exc:
                    st.error(str(exc))
