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
from warehouse.i18n import N_, _, day, number
from warehouse.periods import today_in

NOTICE = "roles_notice"  # what the last change did, shown after the rerun it causes
UNDO = "roles_undo"  # (role_id, description) of the role just removed, while Undo is offered
PICKED = "roles_picked"  # (member_id, name) a candidate's Assign button put in the form
# the role a candidate's Assign button picked: its notice is worded in the page, because a
# callback runs before app.py has set the reader's language for the run
PICK_NOTICE = "roles_pick_notice"
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
CADENCE_LABELS = {"week": N_("per week"), "month": N_("per month")}
CANDIDATE_HELP = {
    "greeter": N_("newcomers' first messages they were the first to answer (within 48 h)"),
    "mentor": N_("questions they answered first"),
    "catalyst": N_("different members they replied to or got a reply from"),
    "storyteller": N_("reactions on what they published"),
    "scout": N_(
        "people they added to a chat who were still there 90 days later "
        "(only invites at least 90 days old can tell)"
    ),
    "ambassador": N_(
        "event registrations whose source (UTM source, “how did you hear about us”) "
        "is their @handle"
    ),
}
FIELD_LABELS = {
    "member_id": N_("Member"),
    "role": N_("Role"),
    "started_on": N_("Starts"),
    "ended_on": N_("Ends"),
    "cadence_count": N_("Expected activities"),
    "cadence_per": N_("Per"),
    "note": N_("Note"),
}


def _done(submitted: Submitted | roles.Assigned, message: str) -> None:
    st.session_state[NOTICE] = message + ("" if submitted.applied else _(QUEUED))
    st.rerun()


def _pick(member_id: str, name: str, role: str) -> None:
    """A candidate's Assign button: fill the form with them and the role (a callback, so it runs
    before the form's widgets exist in the next run)."""
    st.session_state[PICKED] = (member_id, name)
    st.session_state["assign_member"] = member_id
    st.session_state["assign_role"] = role
    st.session_state[PICK_NOTICE] = role


def _role_name(role: str) -> str:
    """A role's name in the reader's language (an unknown code word as it is)."""
    return _(roles.ROLE_LABELS[role]) if role in roles.ROLE_LABELS else role


def _describe(row: dict) -> str:
    name = row["display_name"] or row["member_id"]
    role = _role_name(row["role"])
    if row["ended_on"]:
        return _(
            "{name} — {role} ({start} to {end})",
            name=name,
            role=role,
            start=day(row["started_on"]),
            end=day(row["ended_on"]),
        )
    return _("{name} — {role} (since {start})", name=name, role=role, start=day(row["started_on"]))


require_app_entry("manager")
period, _channel = filters()  # candidates are community-wide
st.title(_("Roles"))
if st.session_state.pop(RESET, False):
    for key in (*FORM_KEYS, PICKED):
        st.session_state.pop(key, None)
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)
if picked_role := st.session_state.pop(PICK_NOTICE, None):
    st.success(_("{role}: check the form below and assign.", role=_role_name(picked_role)))
role_names = {role: _role_name(role) for role in roles.ROLES}

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
    text.info(_("Removed: {assignment}", assignment=escaped(removed[1])))
    if action.button(_("Undo"), key="undo_remove_role"):
        try:
            restored = roles.restore_role(removed[0], current_user())
        except (roles.UnknownRole, EntryRejected, WarehouseBusy) as exc:
            st.error(str(exc))
        else:
            st.session_state.pop(UNDO, None)
            _done(restored, _("Role restored."))

# --- the coverage board ----------------------------------------------------------------------

st.subheader(_("Coverage"))
empty_roles = coverage.filter(pl.col("is_empty"))["role"].to_list()
below = holders.filter(~pl.col("meets_cadence")) if not holders.is_empty() else holders
covered, held, meeting, lagging = st.columns(4)
covered.metric(
    _("Roles covered"),
    _(
        "{covered} of {total}",
        covered=number(len(roles.ROLES) - len(empty_roles)),
        total=number(len(roles.ROLES)),
    ),
)
held.metric(_("Holders"), number(holders.height))
meeting.metric(_("Meeting their cadence"), number(holders.height - below.height))
lagging.metric(_("Below their cadence"), number(below.height))
if empty_roles:
    st.warning(
        _("Nobody holds: {roles}", roles=", ".join(role_names[r] for r in empty_roles)),
        icon="⚠️",
    )

if not holders.is_empty():  # with nobody holding anything there is nothing to draw
    cadence_names = {
        "meeting_cadence": _("meeting cadence"),
        "below_cadence": _("below cadence"),
    }
    bars = coverage.unpivot(
        index="role", on=["meeting_cadence", "below_cadence"], variable_name="cadence"
    ).with_columns(
        pl.col("role").replace_strict(role_names),
        pl.col("cadence").replace_strict(cadence_names),
    )
    st.altair_chart(
        alt.Chart(bars)
        .mark_bar()
        .encode(
            y=alt.Y("role:N", title=None, sort=list(role_names.values())),
            x=alt.X("value:Q", title=_("Holders today"), axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "cadence:N",
                title=None,
                scale=alt.Scale(
                    domain=list(cadence_names.values()), range=[PALETTE[2], PALETTE[4]]
                ),
            ),
            tooltip=[
                alt.Tooltip("role:N", title=_("Role")),
                alt.Tooltip("cadence:N", title=_("Cadence")),
                alt.Tooltip("value:Q", title=_("Holders")),
            ],
        )
        .properties(height=320),
        width="stretch",
    )
csv_download(coverage, "role_coverage")

st.dataframe(
    coverage.select(
        pl.col("role").replace_strict(role_names).alias(_("Role")),
        pl.col("holders").alias(_("Holders")),
        pl.col("meeting_cadence").alias(_("Meeting cadence")),
        pl.col("below_cadence").alias(_("Below cadence")),
        pl.when(pl.col("is_empty"))
        .then(pl.lit(_("⚠️ nobody")))
        .when(pl.col("below_cadence") > 0)
        .then(pl.lit(_("some below cadence")))
        .otherwise(pl.lit(_("covered")))
        .alias(_("Status")),
    ),
    hide_index=True,
    height=35 * (len(roles.ROLES) + 1) + 3,  # every role in view, no scrolling
)

if not below.is_empty():
    st.markdown(_("**Below their cadence**"))
    st.dataframe(
        below.select(
            pl.col("display_name").alias(_("Member")),
            pl.col("role").replace_strict(role_names).alias(_("Role")),
            roles.cadence_text().alias(_("Expected")),
            pl.col("activities").alias(_("Activities")),
            pl.col("needed").alias(_("Needed")),
            pl.col("window_days").alias(_("In the last (days)")),
        ),
        hide_index=True,
    )
st.caption(
    _(
        "A holder meets “n per week” with at least 4 × n activities anywhere in the community in "
        "the last 28 days, and “n per month” with at least n in the last 30 days. Joining or "
        "leaving a chat is not an activity."
    )
)

if not listed.is_empty():
    state_names = {state: _(label) for state, label in roles.STATE_LABELS.items()}
    with st.expander(_("Every assignment ({count})", count=number(listed.height))):
        st.dataframe(
            listed.select(
                pl.col("display_name").alias(_("Member")),
                pl.col("role").replace_strict(role_names).alias(_("Role")),
                pl.col("state").replace_strict(state_names).alias(_("State")),
                pl.col("started_on").alias(_("From")),
                pl.col("ended_on").alias(_("To")),
                roles.cadence_text().alias(_("Expected")),
                pl.col("activities").alias(_("Activities")),
                pl.col("meets_cadence").alias(_("Meets cadence")),
                pl.col("note").alias(_("Note")),
                pl.col("updated_by").alias(_("Changed by")),
            ),
            hide_index=True,
            column_config={
                _("From"): st.column_config.DateColumn(format="DD.MM.YYYY"),
                _("To"): st.column_config.DateColumn(format="DD.MM.YYYY"),
            },
        )
        csv_download(listed, "role_assignments")

# --- assign ----------------------------------------------------------------------------------

with st.expander(_("Assign a role"), icon=":material/person_add:", expanded=True):
    # outside the form: what is typed changes the members offered
    query = st.text_input(
        _("Find a member"), key="roles_search", placeholder=_("A name, @handle or e-mail")
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
        st.caption(_("Nobody by that name, handle or e-mail."))
    if members and st.session_state.get("assign_member") not in members:
        # a new search: offer its first match (set before the widget exists in this run)
        st.session_state["assign_member"] = next(iter(members))
    with st.form("assign_role_form", border=False):
        member_id = st.selectbox(
            _("Member"),
            list(members),
            format_func=lambda m: members.get(m, m),
            index=None,
            placeholder=_("Find the member above first"),
            key="assign_member",
        )
        role = st.selectbox(
            _("Role"), roles.ROLES, format_func=role_names.get, index=None, key="assign_role"
        )
        left, right = st.columns(2)
        started_on = left.date_input(
            _("Starts"), value=today, format="DD.MM.YYYY", key="assign_start"
        )
        ended_on = right.date_input(
            _("Ends (optional)"), value=None, format="DD.MM.YYYY", key="assign_end"
        )
        left, right = st.columns(2)
        cadence_count = left.number_input(
            _("Expected activities"), value=1, step=1, key="assign_cadence"
        )
        cadence_per = right.selectbox(
            _("Per"),
            roles.CADENCE_UNITS,
            format_func={per: _(label) for per, label in CADENCE_LABELS.items()}.get,
            key="assign_per",
        )
        note = st.text_area(_("Note"), max_chars=roles.MAX_NOTE, key="assign_note")
        assigned = st.form_submit_button(_("Assign role"), type="primary")
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
            _done(saved, _("{role}: {name}.", role=role_names[role], name=escaped(name)))

# --- end or remove ---------------------------------------------------------------------------

open_roles = listed.filter(pl.col("state") != "ended") if not listed.is_empty() else listed
if not open_roles.is_empty():
    with st.expander(_("End or remove a role"), icon=":material/event_busy:"):
        by_id = {row["role_id"]: row for row in open_roles.iter_rows(named=True)}
        described = {role_id: _describe(row) for role_id, row in by_id.items()}
        chosen = st.selectbox(
            _("Assignment"),
            list(by_id),
            format_func=described.get,
            key="change_role",
        )
        ended_on = st.date_input(_("Last day"), value=today, format="DD.MM.YYYY", key="end_on")
        end_it, remove_it = st.columns(2)
        if end_it.button(_("End role"), key="end_role"):
            try:
                submitted = roles.end_role(chosen, ended_on, current_user())
            except InvalidEntry as exc:
                show_field_errors(exc.errors, FIELD_LABELS)
            except (roles.UnknownRole, EntryRejected, WarehouseBusy) as exc:
                st.error(str(exc))
            else:
                ended = escaped(_describe(by_id[chosen]))
                _done(
                    submitted,
                    _("Ended: {assignment}, last day {day}.", assignment=ended, day=day(ended_on)),
                )
        st.caption(_("Remove is for an assignment made by mistake; it can be undone."))
        if remove_it.button(_("Remove"), key="remove_role"):
            try:
                submitted = roles.remove_role(chosen, current_user())
            except (roles.UnknownRole, EntryRejected, WarehouseBusy) as exc:
                st.error(str(exc))
            else:
                st.session_state[UNDO] = (chosen, _describe(by_id[chosen]))
                _done(submitted, _("Role removed."))

# --- candidates ------------------------------------------------------------------------------

st.subheader(_("Suggested for a role"))
st.caption(
    _(
        "From what members did in {period}, the whole community; team, bots and people holding "
        "the role today are left out. The number is what earned the place.",
        period=period_label(period),
    )
)
columns = st.columns(2)
for index, role in enumerate(roles.CANDIDATE_ROLES):
    with columns[index % 2].container(border=True):
        st.markdown(f"**{role_names[role]}**")
        st.caption(_(CANDIDATE_HELP[role]))
        mine = suggested.filter(pl.col("role") == role) if not suggested.is_empty() else suggested
        if mine.is_empty():
            st.caption(_("Nobody in this period."))
        for row in mine.iter_rows(named=True):
            name = row["display_name"] or row["member_id"]
            text, action = st.columns([3, 1])
            text.text(f"{row['rank']}. {name} · {row['score']}")
            action.button(
                _("Assign"),
                key=f"pick_{role}_{row['member_id']}",
                on_click=_pick,
                args=(row["member_id"], name, role),
            )
if not suggested.is_empty():
    csv_download(suggested, "role_candidates")
