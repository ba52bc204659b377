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
    show_notice,
    undo_buttons,
)
from warehouse import members, queries
from warehouse.app_data import EntryRejected
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.events import InvalidEntry

EDIT_FIELDS = {
    "display_name": "Name",
    "notes": "Notes",
    "tags": "Tags",
    "member": "Member",
}
ACTIVITY_LABELS = {
    "message": "Message",
    "reply": "Reply",
    "post": "Post",
    "comment": "Comment",
    "reaction": "Reaction",
    "join": "Joined",
    "leave": "Left",
    "registration": "Registered",
    "attendance": "Came",
    "feedback": "Feedback",
}
LEVEL_COLORS = alt.Scale(domain=list(members.LEVELS), range=PALETTE[: len(members.LEVELS)])


def _back() -> None:
    if st.button("← All members", key="back_to_members"):
        del st.query_params["member"]
        st.rerun()


def _headline(found: dict) -> None:
    st.title(escaped(found["display_name"] or found["member_id"]))
    facts = [f"Level now: {found['level'] or 'none'}"]
    if found["first_seen_at"] is not None:
        facts.append(f"first seen {found['first_seen_at']:%d.%m.%Y}")
    if found["last_seen_at"] is not None:
        facts.append(f"last active {found['last_seen_at']:%d.%m.%Y}")
    if found["is_team"]:
        facts.append("team")
    if found["is_bot"]:
        facts.append("bot")
    if found["display_name"] != found["platform_display_name"]:
        facts.append(f"on the platforms: {found['platform_display_name']}")
    if found["first_seen_event_title"]:
        facts.append(f"first met at {found['first_seen_event_title']}")
    st.caption(escaped(" · ".join(facts)))


def _level_chart(history: pl.DataFrame) -> None:
    st.subheader("Level over time")
    if history.is_empty():
        st.info("No weighted activity in the last 12 months of any month yet: no level.")
        return
    chart = (
        alt.Chart(history)
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True), color="#9ca3af")
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("score:Q", title="Score"),
        )
    )
    points = (
        alt.Chart(history)
        .mark_circle(size=80)
        .encode(
            x="month:T",
            y="score:Q",
            color=alt.Color("level:N", scale=LEVEL_COLORS, title="Level"),
            tooltip=[
                alt.Tooltip("month:T", format="%B %Y"),
                alt.Tooltip("score:Q", format=",.1f"),
                "level:N",
            ],
        )
    )
    st.altair_chart((chart + points).properties(height=220), width="stretch")
    csv_download(history, "member_levels")


def _roles(member_id: str) -> None:
    st.subheader("Roles")
    held = members.roles_of(member_id)
    if held.is_empty():
        st.caption("No roles.")
        return
    shown = [
        c
        for c in ("role", "state", "started_on", "ended_on", "expected_cadence", "meets_cadence")
        if c in held.columns
    ]
    st.dataframe(
        held.select(shown),
        hide_index=True,
        width="stretch",
        column_config={
            "role": "Role",
            "state": "Now",
            "started_on": st.column_config.DateColumn("From", format="DD.MM.YYYY"),
            "ended_on": st.column_config.DateColumn("To", format="DD.MM.YYYY"),
            "expected_cadence": "Expected",
            "meets_cadence": st.column_config.CheckboxColumn("Keeps it"),
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
    st.subheader(f"Timeline ({total:,})".replace(",", " "))
    if total == 0:
        st.info("Nothing recorded yet.")
        return
    pages = max(1, math.ceil(total / members.PAGE_SIZE))
    if pages > 1:
        st.number_input(f"Page (of {pages}, newest first)", min_value=1, max_value=pages, key=key)
    shown = local_times(shown, ["occurred_at"], zone).with_columns(
        pl.col("activity_type").replace_strict(ACTIVITY_LABELS, default=pl.col("activity_type")),
        pl.coalesce("event_title", "channel_name").alias("where"),
    )
    table = shown.select("occurred_at", "activity_type", "where", "platform", "text")
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "occurred_at": st.column_config.DatetimeColumn(
                f"When ({zone})", format="DD.MM.YYYY HH:mm"
            ),
            "activity_type": "What",
            "where": "Where",
            "platform": "Platform",
            "text": st.column_config.TextColumn("Message", width="large"),
        },
    )
    csv_download(table, "member_timeline")


def _edit_form(found: dict) -> None:
    member_id = found["member_id"]
    with st.form(f"edit_member_{member_id}", border=False):
        name = st.text_input(
            "Name",
            value=found["display_name"]
            if found["display_name"] != found["platform_display_name"]
            else "",
            placeholder=found["platform_display_name"] or "",
            help="Empty: the name the platforms give.",
        )
        left, right = st.columns(2)
        is_team = left.checkbox(
            "Team member", value=bool(found["is_team"]), help="Left out of community KPIs."
        )
        is_bot = right.checkbox("Bot", value=bool(found["is_bot"]), help="Left out of every KPI.")
        notes = st.text_area("Notes", value=found["notes"] or "")
        added = list(found["added_tags"])
        tags = st.multiselect(
            "Tags",
            sorted(set(members.tag_choices()) | set(added), key=str.casefold),
            default=added,
            accept_new_options=True,
            help="Tags added here. Type a new one and press Enter.",
        )
        if found["imported_tags"]:
            st.caption(
                "From member lists (change them in the list): "
                + escaped(", ".join(found["imported_tags"]))
            )
        saved = st.form_submit_button("Save changes", type="primary")
    if saved:
        edit = members.ProfileEdit(name, is_team, is_bot, notes, tuple(tags))
        try:
            submitted = members.save_profile(member_id, edit, current_user())
        except InvalidEntry as exc:
            show_field_errors(exc.errors, EDIT_FIELDS)
        except EntryRejected as exc:
            st.error(str(exc))
        else:
            done(submitted, "Changes saved.")


def _merge_picker(found: dict) -> None:
    member_id = found["member_id"]
    st.caption(
        "Find the other member by name, handle or e-mail. Their accounts and everything they did "
        "become this member's."
    )
    text = st.text_input(
        "Find the member to merge", key=f"merge_search_{member_id}", max_chars=members.MAX_SEARCH
    )
    if not text.strip():
        return
    found_rows = members.search(text, exclude=member_id)
    if found_rows.is_empty():
        st.info("Nobody else matches.")
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
        "Member to merge",
        list(choices),
        format_func=choices.get,
        index=None,
        key=f"merge_other_{member_id}",
    )
    if st.button("Merge…", key="merge_start", disabled=other is None):
        ask_to_merge(member_id, other)


def _suggestions(member_id: str) -> None:
    pairs = members.suggestions(member_id)
    if pairs.is_empty():
        return
    st.subheader("Possibly the same person")
    for row in pairs.iter_rows(named=True):
        other_is_a = row["member_b"] == member_id
        other = row["member_a"] if other_is_a else row["member_b"]
        name = row["name_a"] if other_is_a else row["name_b"]
        where = row["platforms_a"] if other_is_a else row["platforms_b"]
        text, action = st.columns([5, 1])
        text.text(f"{name} ({where}) — {row['reasons']}")
        text.markdown(f"[Open their profile]({profile_url(other)})")
        if action.button("Merge", key=f"suggested_{other}"):
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
        st.warning("There is no such member.")
        return
    if found["member_id"] != member_id:
        # an old link to a member merged since: their profile is the kept member's now
        st.info("This member was merged into the one below.")
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
        st.subheader("Accounts")
        st.dataframe(
            accounts.drop("identity_id"),
            hide_index=True,
            width="stretch",
            column_config={
                "platform": "Platform",
                "handle": "Handle",
                "display_name": "Name there",
                "email": "E-mail",
                "phone": "Phone",
            },
        )
        st.subheader("Notes and tags")
        st.text(found["notes"] or "No notes.")
        st.text("Tags: " + (", ".join(found["tags"]) if found["tags"] else "none"))
    _roles(member_id)
    _timeline(member_id, zone)

    with st.expander("Edit", icon=":material/edit:"):
        _edit_form(found)
    with st.expander("Merge another member into this one", icon=":material/merge:"):
        _merge_picker(found)
    if not into.is_empty():
        st.subheader("Merged into this member")
        undo_buttons(into, "profile")
    _suggestions(member_id)
