"""Roles: who holds each of the twelve community roles and whether they keep the cadence expected
of them (the coverage board), assigning a role, ending or removing one (with undo), and members
whose behaviour in the period suggests them for a role, each one click from being assigned."""

import altair as alt
import polars as pl
import streamlit as st

from pages._common import (
    PALETTE,
    QUEUED,
    csv_download,
    current_user,
    escaped,
    filters,
    period_label,
    require_app_entry,
    show_field_errors,
    warehouse_problem,
)
from warehouse import events, queries, roles
from warehouse.app_data import EntryRejected, Submitted
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.events import InvalidEntry
from warehouse.periods import today_in

NOTICE = "roles_notice"  # what the last change did, shown after the rerun it causes
UNDO = "roles_undo"  # (role_id, description) of the role just removed, while Undo is offered
PICKED = "roles_picked"  # (member_id, name) a candidate's Assign button put in the form
RESET = "roles_reset"  # the form was saved: start the next run with it empty
FORM_KEYS = (
    "roles_search",
    "assign_member",
    "assign_role",
    "assign_start",
    "assign_end",
    "assign_cadence",
    "assign_per",
    "assign_note",
)
ROLE_LABELS = {role: role.capitalize() for role in roles.ROLES}
CADENCE_LABELS = {"week": "per week", "month": "per month"}
CANDIDATE_HELP = {
    "greeter": "newcomers' first messages they were the first to answer (within 48 h)",
    "mentor": "questions they answered first",
    "catalyst": "different members they replied to or got a reply from",
    "storyteller": "reactions on what they published",
    "scout": "people they added to a chat who were still there 90 days later "
    "(only invites at least 90 days old can tell)",
    "ambassador": "event registrations whose source (UTM source, “how did you hear about us”) "
    "is their @handle",
}
FIELD_LABELS = {
    "member_id": "Member",
    "role": "Role",
    "started_on": "Starts",
    "ended_on": "Ends",
    "cadence_count": "Expected activities",
    "cadence_per": "Per",
    "note": "Note",
}
STATE_LABELS = {"current": "held", "upcoming": "starts later", "ended": "ended"}


def _done(submitted: Submitted | roles.Assigned, message: str) -> None:
    st.session_state[NOTICE] = message + ("" if submitted.applied else QUEUED)
    st.rerun()


def _pick(member_id: str, name: str, role: str) -> None:
    """A candidate's Assign button: fill the form with them and the role (a callback, so it runs
    before the form's widgets exist in the next run)."""
    st.session_state[PICKED] = (member_id, name)
    st.session_state["assign_member"] = member_id
    st.session_state["assign_role"] = role
    st.session_state[NOTICE] = f"{ROLE_LABELS[role]}: check the form below and assign."


def _describe(row: dict) -> str:
    until = f" to {row['ended_on']:%d.%m.%Y}" if row["ended_on"] else ""
    name = row["display_name"] or row["member_id"]
    role = ROLE_LABELS.get(row["role"], row["role"])
    return f"{name} — {role} ({row['started_on']:%d.%m.%Y}{until})"


require_app_entry()
period, _ = filters()
st.title("Roles")
if st.session_state.pop(RESET, False):
    for key in (*FORM_KEYS, PICKED):
        st.session_state.pop(key, None)
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)

try:
    today = today_in(queries.timezone())
    coverage = roles.role_coverage()
    listed = roles.assignments()
    suggested = roles.candidates(period)
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()
holders = listed.filter(pl.col("state") == "current") if not listed.is_empty() else listed

if removed := st.session_state.get(UNDO):
    text, action = st.columns([5, 1])
    text.info("Removed: " + escaped(removed[1]))
    if action.button("Undo", key="undo_remove_role"):
        try:
            restored = roles.restore_role(removed[0], current_user())
        except (roles.UnknownRole, EntryRejected, WarehouseBusy) as exc:
            st.error(str(exc))
        else:
            st.session_state.pop(UNDO, None)
            _done(restored, "Role restored.")

# --- the coverage board ----------------------------------------------------------------------

st.subheader("Coverage")
empty_roles = coverage.filter(pl.col("is_empty"))["role"].to_list()
below = holders.filter(~pl.col("meets_cadence")) if not holders.is_empty() else holders
covered, held, meeting, lagging = st.columns(4)
covered.metric("Roles covered", f"{len(roles.ROLES) - len(empty_roles)} of {len(roles.ROLES)}")
held.metric("Holders", holders.height)
meeting.metric("Meeting their cadence", holders.height - below.height)
lagging.metric("Below their cadence", below.height)
if empty_roles:
    st.warning("Nobody holds: " + ", ".join(ROLE_LABELS[r] for r in empty_roles), icon="⚠️")

if not holders.is_empty():  # with nobody holding anything there is nothing to draw
    bars = coverage.unpivot(
        index="role", on=["meeting_cadence", "below_cadence"], variable_name="cadence"
    ).with_columns(
        pl.col("role").replace_strict(ROLE_LABELS),
        pl.col("cadence").replace_strict(
            {"meeting_cadence": "meeting cadence", "below_cadence": "below cadence"}
        ),
    )
    st.altair_chart(
        alt.Chart(bars)
        .mark_bar()
        .encode(
            y=alt.Y("role:N", title=None, sort=[ROLE_LABELS[r] for r in roles.ROLES]),
            x=alt.X("value:Q", title="Holders today", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "cadence:N",
                title=None,
                scale=alt.Scale(
                    domain=["meeting cadence", "below cadence"], range=[PALETTE[2], PALETTE[4]]
                ),
            ),
            tooltip=["role", "cadence", "value"],
        )
        .properties(height=320),
        width="stretch",
    )
csv_download(coverage, "role_coverage")

st.dataframe(
    coverage.select(
        pl.col("role").replace_strict(ROLE_LABELS).alias("Role"),
        pl.col("holders").alias("Holders"),
        pl.col("meeting_cadence").alias("Meeting cadence"),
        pl.col("below_cadence").alias("Below cadence"),
        pl.when(pl.col("is_empty"))
        .then(pl.lit("⚠️ nobody"))
        .when(pl.col("below_cadence") > 0)
        .then(pl.lit("some below cadence"))
        .otherwise(pl.lit("covered"))
        .alias("Status"),
    ),
    hide_index=True,
    height=35 * (len(roles.ROLES) + 1) + 3,  # every role in view, no scrolling
)

if not below.is_empty():
    st.markdown("**Below their cadence**")
    st.dataframe(
        below.select(
            pl.col("display_name").alias("Member"),
            pl.col("role").replace_strict(ROLE_LABELS).alias("Role"),
            pl.col("expected_cadence").alias("Expected"),
            pl.col("activities").alias("Activities"),
            pl.col("needed").alias("Needed"),
            pl.col("window_days").alias("In the last (days)"),
        ),
        hide_index=True,
    )
st.caption(
    "A holder meets “n per week” with at least 4 × n activities anywhere in the community in the "
    "last 28 days, and “n per month” with at least n in the last 30 days. Joining or leaving a "
    "chat is not an activity."
)

if not listed.is_empty():
    with st.expander(f"Every assignment ({listed.height})"):
        st.dataframe(
            listed.select(
                pl.col("display_name").alias("Member"),
                pl.col("role").replace_strict(ROLE_LABELS).alias("Role"),
                pl.col("state").replace_strict(STATE_LABELS).alias("State"),
                pl.col("started_on").alias("From"),
                pl.col("ended_on").alias("To"),
                pl.col("expected_cadence").alias("Expected"),
                pl.col("activities").alias("Activities"),
                pl.col("meets_cadence").alias("Meets cadence"),
                pl.col("note").alias("Note"),
                pl.col("updated_by").alias("Changed by"),
            ),
            hide_index=True,
            column_config={
                "From": st.column_config.DateColumn(format="DD.MM.YYYY"),
                "To": st.column_config.DateColumn(format="DD.MM.YYYY"),
            },
        )
        csv_download(listed, "role_assignments")

# --- assign ----------------------------------------------------------------------------------

with st.expander("Assign a role", icon=":material/person_add:", expanded=True):
    # outside the form: what is typed changes the members offered
    query = st.text_input(
        "Find a member", key="roles_search", placeholder="A name, @handle or e-mail"
    )
    found = events.search_members(query)
    members: dict[str, str] = {}
    if picked := st.session_state.get(PICKED):
        members[picked[0]] = picked[1]
    for row in found.iter_rows(named=True):
        label = row["display_name"] or row["member_id"]
        if row["handles"]:
            label += f" · @{row['handles']}"
        members.setdefault(row["member_id"], label)
    if len(query.strip()) >= 2 and found.is_empty():
        st.caption("Nobody by that name, handle or e-mail.")
    if members and st.session_state.get("assign_member") not in members:
        # a new search: offer its first match (set before the widget exists in this run)
        st.session_state["assign_member"] = next(iter(members))
    with st.form("assign_role_form", border=False):
        member_id = st.selectbox(
            "Member",
            list(members),
            format_func=lambda m: members.get(m, m),
            index=None,
            placeholder="Find the member above first",
            key="assign_member",
        )
        role = st.selectbox(
            "Role", roles.ROLES, format_func=ROLE_LABELS.get, index=None, key="assign_role"
        )
        left, right = st.columns(2)
        started_on = left.date_input("Starts", value=today, format="DD.MM.YYYY", key="assign_start")
        ended_on = right.date_input(
            "Ends (optional)", value=None, format="DD.MM.YYYY", key="assign_end"
        )
        left, right = st.columns(2)
        cadence_count = left.number_input(
            "Expected activities", value=1, step=1, key="assign_cadence"
        )
        cadence_per = right.selectbox(
            "Per", roles.CADENCE_UNITS, format_func=CADENCE_LABELS.get, key="assign_per"
        )
        note = st.text_area("Note", max_chars=roles.MAX_NOTE, key="assign_note")
        assigned = st.form_submit_button("Assign role", type="primary")
    if assigned:
        try:
            saved = roles.assign_role(
                current_user(),
                member_id=member_id,
                role=role,
                started_on=started_on,
                ended_on=ended_on,
                cadence_count=None if cadence_count is None else int(cadence_count),
                cadence_per=cadence_per,
                note=note,
            )
        except InvalidEntry as exc:
            show_field_errors(exc.errors, FIELD_LABELS)
        except EntryRejected as exc:
            st.error(str(exc))
        else:
            st.session_state[RESET] = True
            name = members.get(member_id, member_id)
            _done(saved, f"{ROLE_LABELS[role]}: {escaped(name)}.")

# --- end or remove ---------------------------------------------------------------------------

open_roles = listed.filter(pl.col("state") != "ended") if not listed.is_empty() else listed
if not open_roles.is_empty():
    with st.expander("End or remove a role", icon=":material/event_busy:"):
        by_id = {row["role_id"]: row for row in open_roles.iter_rows(named=True)}
        chosen = st.selectbox(
            "Assignment", list(by_id), format_func=lambda r: _describe(by_id[r]), key="change_role"
        )
        ended_on = st.date_input("Last day", value=today, format="DD.MM.YYYY", key="end_on")
        end_it, remove_it = st.columns(2)
        if end_it.button("End role", key="end_role"):
            try:
                submitted = roles.end_role(chosen, ended_on, current_user())
            except InvalidEntry as exc:
                show_field_errors(exc.errors, FIELD_LABELS)
            except (roles.UnknownRole, EntryRejected, WarehouseBusy) as exc:
                st.error(str(exc))
            else:
                ended = escaped(_describe(by_id[chosen]))
                _done(submitted, f"Ended: {ended}, last day {ended_on:%d.%m.%Y}.")
        st.caption("Remove is for an assignment made by mistake; it can be undone.")
        if remove_it.button("Remove", key="remove_role"):
            try:
                submitted = roles.remove_role(chosen, current_user())
            except (roles.UnknownRole, EntryRejected, WarehouseBusy) as exc:
                st.error(str(exc))
            else:
                st.session_state[UNDO] = (chosen, _describe(by_id[chosen]))
                _done(submitted, "Role removed.")

# --- candidates ------------------------------------------------------------------------------

st.subheader("Suggested for a role")
st.caption(
    f"From what members did in {period_label(period)}, the whole community; team, bots and "
    "people holding the role today are left out. The number is what earned the place."
)
columns = st.columns(2)
for index, role in enumerate(roles.CANDIDATE_ROLES):
    with columns[index % 2].container(border=True):
        st.markdown(f"**{ROLE_LABELS[role]}**")
        st.caption(CANDIDATE_HELP[role])
        mine = suggested.filter(pl.col("role") == role) if not suggested.is_empty() else suggested
        if mine.is_empty():
            st.caption("Nobody in this period.")
        for row in mine.iter_rows(named=True):
            name = row["display_name"] or row["member_id"]
            text, action = st.columns([3, 1])
            text.text(f"{row['rank']}. {name} · {row['score']}")
            action.button(
                "Assign",
                key=f"pick_{role}_{row['member_id']}",
                on_click=_pick,
                args=(row["member_id"], name, role),
            )
if not suggested.is_empty():
    csv_download(suggested, "role_candidates")
