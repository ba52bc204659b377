"""One member's profile: who they are, level over time, roles, notes and tags, everything they
did, the edit form, merging another member into them and undoing merges.

Not a page itself: pages/members.py shows it for `?member=<id>`.
"""

from __future__ import annotations

import math

import altair as alt
import polars as pl
import streamlit as st

from pages._common import (
    PALETTE,
    csv_download,
    current_user,
    escaped,
    show_field_errors,
    warehouse_problem,
)
from pages._member_parts import (
    ask_to_merge,
    confirm_merge,
    done,
    local_times,
    profile_url,
    reasons,
    show_notice,
    undo_buttons,
)
from warehouse import members, queries, roles
from warehouse.app_data import EntryRejected
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.events import InvalidEntry
from warehouse.i18n import N_, _, day, number

EDIT_FIELDS = {
    "display_name": N_("Name"),
    "notes": N_("Notes"),
    "tags": N_("Tags"),
    "member": N_("Member"),
}
# worded apart from the KPI names "Joined", "Left", "Came" (one catalogue, other meanings)
ACTIVITY_LABELS = {
    "message": N_("Message"),
    "reply": N_("Reply"),
    "post": N_("Post"),
    "comment": N_("Comment"),
    "reaction": N_("Reaction"),
    "join": N_("Joined the channel"),
    "leave": N_("Left the channel"),
    "registration": N_("Registered for the event"),
    "attendance": N_("Came to the event"),
    "feedback": N_("Feedback"),
}


def _level_name(level: str | None) -> str | None:
    return _(members.LEVEL_LABELS[level]) if level in members.LEVEL_LABELS else level


def _back() -> None:
    if st.button(_("← All members"), key="back_to_members"):
        del st.query_params["member"]
        st.rerun()


def _headline(found: dict) -> None:
    st.title(escaped(found["display_name"] or found["member_id"]))
    if found["level"]:
        facts = [_("Level now: {level}", level=_level_name(found["level"]))]
    else:
        facts = [_("Level now: none")]
    if found["first_seen_at"] is not None:
        facts.append(_("first seen {day}", day=day(found["first_seen_at"])))
    if found["last_seen_at"] is not None:
        facts.append(_("last active {day}", day=day(found["last_seen_at"])))
    if found["is_team"]:
        facts.append(_("team"))
    if found["is_bot"]:
        facts.append(_("bot"))
    if found["display_name"] != found["platform_display_name"]:
        facts.append(_("on the platforms: {name}", name=found["platform_display_name"]))
    if found["first_seen_event_title"]:
        facts.append(_("first met at {event}", event=found["first_seen_event_title"]))
    st.caption(escaped(" · ".join(facts)))


def _level_chart(history: pl.DataFrame) -> None:
    st.subheader(_("Level over time"))
    if history.is_empty():
        st.info(_("No weighted activity in the last 12 months of any month yet: no level."))
        return
    # levels in the reader's language (made here: the data is cached for everyone); month names
    # on the axis and in the tooltip follow the chart theme's locale (pages/_common.py)
    shown = history.with_columns(
        pl.Series("level", [_level_name(level) for level in history["level"].to_list()])
    )
    levels = [_level_name(level) for level in members.LEVELS]
    chart = (
        alt.Chart(shown)
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True), color="#9ca3af")
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("score:Q", title=_("Score")),
        )
    )
    points = (
        alt.Chart(shown)
        .mark_circle(size=80)
        .encode(
            x="month:T",
            y="score:Q",
            color=alt.Color(
                "level:N",
                scale=alt.Scale(domain=levels, range=PALETTE[: len(levels)]),
                title=_("Level"),
            ),
            tooltip=[
                alt.Tooltip("month:T", format="%B %Y", title=_("Month")),
                alt.Tooltip("score:Q", format=",.1f", title=_("Score")),
                alt.Tooltip("level:N", title=_("Level")),
            ],
        )
    )
    st.altair_chart((chart + points).properties(height=220), width="stretch")
    csv_download(history, "member_levels")


def _roles(member_id: str) -> None:
    st.subheader(_("Roles"))
    held = members.roles_of(member_id)
    if held.is_empty():
        st.caption(_("No roles."))
        return
    # code words and "2 per week" in the reader's language (the cached data is everyone's)
    role_names = {role: _(label) for role, label in roles.ROLE_LABELS.items()}
    state_names = {state: _(label) for state, label in roles.STATE_LABELS.items()}
    shown = held.select(
        pl.col("role").replace_strict(role_names, default=pl.col("role")),
        pl.col("state").replace_strict(state_names, default=pl.col("state")),
        "started_on",
        "ended_on",
        roles.cadence_text().alias("expected_cadence"),
        "meets_cadence",
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "role": _("Role"),
            "state": _("Now"),
            "started_on": st.column_config.DateColumn(_("From"), format="DD.MM.YYYY"),
            "ended_on": st.column_config.DateColumn(_("To"), format="DD.MM.YYYY"),
            "expected_cadence": _("Expected"),
            "meets_cadence": st.column_config.CheckboxColumn(_("Keeps it")),
        },
    )


def _timeline(member_id: str, zone: str) -> None:
    # the page asked for last run (the number input below is drawn once the total is known)
    key = f"timeline_page_{member_id}"
    page = int(st.session_state.get(key, 1))
    shown = members.timeline(member_id, offset=(page - 1) * members.PAGE_SIZE)
    if shown.is_empty() and page > 1:
        st.session_state[key] = 1
        shown = members.timeline(member_id)
    total = int(shown["total"][0]) if not shown.is_empty() else 0
    st.subheader(_("Timeline ({count})", count=number(total)))
    if total == 0:
        st.info(_("Nothing recorded yet."))
        return
    pages = max(1, math.ceil(total / members.PAGE_SIZE))
    if pages > 1:
        st.number_input(
            _("Page (of {pages}, newest first)", pages=number(pages)),
            min_value=1,
            max_value=pages,
            key=key,
        )
    activity_names = {kind: _(label) for kind, label in ACTIVITY_LABELS.items()}
    shown = local_times(shown, ["occurred_at"], zone).with_columns(
        pl.col("activity_type").replace_strict(activity_names, default=pl.col("activity_type")),
        pl.coalesce("event_title", "channel_name").alias("where"),
    )
    table = shown.select("occurred_at", "activity_type", "where", "platform", "text")
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "occurred_at": st.column_config.DatetimeColumn(
                _("When ({zone})", zone=zone), format="DD.MM.YYYY HH:mm"
            ),
            "activity_type": _("What"),
            "where": _("Where"),
            "platform": _("Platform"),
            "text": st.column_config.TextColumn(_("Message"), width="large"),
        },
    )
    csv_download(table, "member_timeline")


def _edit_form(found: dict) -> None:
    member_id = found["member_id"]
    with st.form(f"edit_member_{member_id}", border=False):
        name = st.text_input(
            _("Name"),
            value=found["display_name"]
            if found["display_name"] != found["platform_display_name"]
            else "",
            placeholder=found["platform_display_name"] or "",
            help=_("Empty: the name the platforms give."),
        )
        left, right = st.columns(2)
        is_team = left.checkbox(
            _("Team member"), value=bool(found["is_team"]), help=_("Left out of community KPIs.")
        )
        is_bot = right.checkbox(
            _("Bot"), value=bool(found["is_bot"]), help=_("Left out of every KPI.")
        )
        notes = st.text_area(_("Notes"), value=found["notes"] or "")
        added = list(found["added_tags"])
        tags = st.multiselect(
            _("Tags"),
            sorted(set(members.tag_choices()) | set(added), key=str.casefold),
            default=added,
            accept_new_options=True,
            help=_("Tags added here. Type a new one and press Enter."),
        )
        if found["imported_tags"]:
            st.caption(
                _(
                    "From member lists (change them in the list): {tags}",
                    tags=escaped(", ".join(found["imported_tags"])),
                )
            )
        saved = st.form_submit_button(_("Save changes"), type="primary")
    if saved:
        edit = members.ProfileEdit(name, is_team, is_bot, notes, tuple(tags))
        try:
            submitted = members.save_profile(member_id, edit, current_user())
        except InvalidEntry as exc:
            show_field_errors(exc.errors, EDIT_FIELDS)
        except EntryRejected as exc:
            st.error(str(exc))
        else:
            done(submitted, _("Changes saved."))


def _merge_picker(found: dict) -> None:
    member_id = found["member_id"]
    st.caption(
        _(
            "Find the other member by name, handle or e-mail. Their accounts and everything they "
            "did become this member's."
        )
    )
    text = st.text_input(
        _("Find the member to merge"),
        key=f"merge_search_{member_id}",
        max_chars=members.MAX_SEARCH,
    )
    if not text.strip():
        return
    found_rows = members.search(text, exclude=member_id)
    if found_rows.is_empty():
        st.info(_("Nobody else matches."))
        return
    choices = dict(
        zip(
            found_rows["member_id"].to_list(),
            (
                f"{row['display_name']} · {row['platforms'] or ''} · {row['member_id']}"
                for row in found_rows.iter_rows(named=True)
            ),
            strict=True,
        )
    )
    other = st.selectbox(
        _("Member to merge"),
        list(choices),
        format_func=choices.get,
        index=None,
        key=f"merge_other_{member_id}",
    )
    if st.button(_("Merge…"), key="merge_start", disabled=other is None):
        ask_to_merge(member_id, other)


def _suggestions(member_id: str) -> None:
    pairs = members.suggestions(member_id)
    if pairs.is_empty():
        return
    st.subheader(_("Possibly the same person"))
    for row in pairs.iter_rows(named=True):
        other_is_a = row["member_b"] == member_id
        other = row["member_a"] if other_is_a else row["member_b"]
        name = row["name_a"] if other_is_a else row["name_b"]
        where = row["platforms_a"] if other_is_a else row["platforms_b"]
        text, action = st.columns([5, 1])
        text.text(f"{name} ({where}) — {reasons(row['reasons'])}")
        text.markdown(_("[Open their profile]({url})", url=profile_url(other)))
        if action.button(_("Merge"), key=f"suggested_{other}"):
            ask_to_merge(member_id, other)


def show_member(member_id: str) -> None:
    _back()
    try:
        found = members.member(member_id)
        zone = queries.timezone()
    except (WarehouseEmpty, WarehouseBusy) as exc:
        warehouse_problem(exc)
        return
    show_notice()
    if found is None:
        st.warning(_("There is no such member."))
        return
    if found["member_id"] != member_id:
        # an old link to a member merged since: their profile is the kept member's now
        st.info(_("This member was merged into the one below."))
        st.query_params["member"] = found["member_id"]
    member_id = found["member_id"]
    _headline(found)
    try:
        history = members.level_history(member_id)
        accounts = members.accounts(member_id)
        into = members.merges(member_id)
    except (WarehouseEmpty, WarehouseBusy) as exc:
        warehouse_problem(exc)
        return

    confirm_merge()
    left, right = st.columns([3, 2])
    with left:
        _level_chart(history)
    with right:
        st.subheader(_("Accounts"))
        st.dataframe(
            accounts.drop("identity_id"),
            hide_index=True,
            width="stretch",
            column_config={
                "platform": _("Platform"),
                "handle": _("Handle"),
                "display_name": _("Name there"),
                "email": _("E-mail"),
                "phone": _("Phone"),
            },
        )
        st.subheader(_("Notes and tags"))
        st.text(found["notes"] or _("No notes."))
        if found["tags"]:
            st.text(_("Tags: {tags}", tags=", ".join(found["tags"])))
        else:
            st.text(_("Tags: none"))
    _roles(member_id)
    _timeline(member_id, zone)

    with st.expander(_("Edit"), icon=":material/edit:"):
        _edit_form(found)
    with st.expander(_("Merge another member into this one"), icon=":material/merge:"):
        _merge_picker(found)
    if not into.is_empty():
        st.subheader(_("Merged into this member"))
        undo_buttons(into, "profile")
    _suggestions(member_id)
