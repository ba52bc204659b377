"""Members: the directory with search and filters, merge suggestions with one-click merge, and
recent merges with undo; `?member=<id>` opens one member's profile."""

import math

import polars as pl
import streamlit as st

from pages._common import csv_download, require_app_entry, show_field_errors, warehouse_problem
from pages._member_parts import (
    ask_to_merge,
    confirm_merge,
    local_times,
    profile_url,
    show_notice,
    undo_buttons,
)
from pages._member_profile import show_member
from warehouse import members, queries, roles
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.events import InvalidEntry

FILTER_KEYS = (
    "members_search",
    "members_level",
    "members_role",
    "members_channel",
    "members_tag",
    "members_who",
    "members_joined_from",
    "members_joined_to",
    "members_active_from",
    "members_active_to",
)
FILTER_FIELDS = {
    "query": "Search",
    "level": "Level",
    "who": "Who",
    "joined": "Joined between",
    "active": "Last active between",
}
LEVEL_LABELS = {**{level: level for level in members.LEVELS}, members.NO_LEVEL: "No level"}
WHO_LABELS = {"members": "Members (not team, not bots)", "team": "Team", "bots": "Bots"}
SUGGESTIONS_SHOWN = 30
OPEN = "members_open"


def _open_chosen() -> None:
    """The "Open a profile" picker: go to the profile, and leave the picker empty for the way
    back."""
    chosen = st.session_state.get(OPEN)
    if chosen:
        st.query_params["member"] = chosen
        st.session_state[OPEN] = None


require_app_entry()

# The directory's filters are widgets that are not drawn while a profile is open, and Streamlit
# forgets an undrawn widget's value (or keeps it server-side while the box shows empty). Setting
# each again every run keeps the search and filters as they were when the manager comes back.
for key in FILTER_KEYS:
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]

if st.query_params.get("member"):
    show_member(st.query_params["member"])
    st.stop()

st.title("Members")
show_notice()
try:
    zone = queries.timezone()
    channel_rows = queries.channels()
    tags = members.tag_choices()
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

confirm_merge()

with st.container(border=True):
    query = st.text_input(
        "Search",
        key="members_search",
        placeholder="Name, @handle or e-mail",
        max_chars=members.MAX_SEARCH,
    )
    columns = st.columns(4)
    level = columns[0].selectbox(
        "Level now",
        list(LEVEL_LABELS),
        format_func=LEVEL_LABELS.get,
        index=None,
        placeholder="Any",
        key="members_level",
    )
    role = columns[1].selectbox(
        "Role", roles.ROLES, index=None, placeholder="Any", key="members_role", help="Held today."
    )
    channel_names = dict(zip(channel_rows["channel_id"], channel_rows["name"], strict=True))
    channel_id = columns[2].selectbox(
        "Active in channel",
        list(channel_names),
        format_func=lambda c: channel_names.get(c) or c,
        index=None,
        placeholder="Any",
        key="members_channel",
    )
    tag = columns[3].selectbox("Tag", tags, index=None, placeholder="Any", key="members_tag")
    columns = st.columns(5)
    who = columns[0].selectbox(
        "Who",
        list(WHO_LABELS),
        format_func=WHO_LABELS.get,
        index=None,
        placeholder="Everyone",
        key="members_who",
    )
    joined_from = columns[1].date_input(
        "Joined from", value=None, format="DD.MM.YYYY", key="members_joined_from"
    )
    joined_to = columns[2].date_input(
        "Joined to", value=None, format="DD.MM.YYYY", key="members_joined_to"
    )
    active_from = columns[3].date_input(
        "Last active from", value=None, format="DD.MM.YYYY", key="members_active_from"
    )
    active_to = columns[4].date_input(
        "Last active to", value=None, format="DD.MM.YYYY", key="members_active_to"
    )

wanted = members.DirectoryFilter(
    query=query,
    level=level,
    role=role,
    channel_id=channel_id,
    tag=tag,
    who=who,
    joined_from=joined_from,
    joined_to=joined_to,
    active_from=active_from,
    active_to=active_to,
)
# the page asked for last run (the number input below is drawn once the count is known)
page = int(st.session_state.get("members_page", 1))
try:
    listed = members.directory(wanted, offset=(page - 1) * members.PAGE_SIZE)
    if listed.is_empty() and page > 1:  # fewer matches now than that page needs
        st.session_state["members_page"] = 1
        listed = members.directory(wanted)
except InvalidEntry as exc:
    show_field_errors(exc.errors, FILTER_FIELDS)
    st.stop()
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

matches = int(listed["matches"][0]) if not listed.is_empty() else 0
st.subheader(f"{matches:,} {'member' if matches == 1 else 'members'}".replace(",", " "))
if matches == 0:
    st.info("Nobody matches. Clear a filter or search for less.")
else:
    pages = max(1, math.ceil(matches / members.PAGE_SIZE))
    if pages > 1:
        st.number_input(
            f"Page (of {pages}, most recently active first)",
            min_value=1,
            max_value=pages,
            key="members_page",
        )
    table = local_times(listed, ["first_seen_at", "last_seen_at"], zone).select(
        "display_name",
        "level",
        "platforms",
        "handles",
        "tags",
        "first_seen_at",
        "last_seen_at",
        "is_team",
        "is_bot",
        pl.col("member_id").map_elements(profile_url, return_dtype=pl.String).alias("profile"),
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "display_name": "Name",
            "level": "Level",
            "platforms": "Platforms",
            "handles": "Handles",
            "tags": "Tags",
            "first_seen_at": st.column_config.DatetimeColumn(
                f"First seen ({zone})", format="DD.MM.YYYY"
            ),
            "last_seen_at": st.column_config.DatetimeColumn(
                f"Last active ({zone})", format="DD.MM.YYYY"
            ),
            "is_team": st.column_config.CheckboxColumn("Team"),
            "is_bot": st.column_config.CheckboxColumn("Bot"),
            "profile": st.column_config.LinkColumn("Profile", display_text="Open"),
        },
    )
    csv_download(table.drop("profile"), "members")
    names = dict(zip(listed["member_id"], listed["display_name"], strict=True))
    st.selectbox(
        "Open a profile",
        list(names),
        format_func=lambda m: f"{names[m]} ({m})",
        index=None,
        placeholder="Choose a member of this page",
        key=OPEN,
        on_change=_open_chosen,
    )

try:
    suggested = members.suggestions()
    recent = members.merges(limit=10)
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

total = int(suggested["total"][0]) if not suggested.is_empty() else 0
st.subheader(f"Possibly the same person ({total})")
st.caption(
    "Accounts that share an e-mail or a phone are linked automatically. These share a handle, or "
    "the same or a very similar name, on two platforms: merge them if they are one person."
)
if suggested.is_empty():
    st.info("No suggestions.")
else:
    for row in suggested.head(SUGGESTIONS_SHOWN).iter_rows(named=True):
        text, action = st.columns([5, 1])
        text.text(
            f"{row['name_a']} ({row['platforms_a']}) — {row['name_b']} ({row['platforms_b']})"
            f" · {row['reasons']}"
        )
        if action.button("Merge", key=f"suggested_{row['member_a']}_{row['member_b']}"):
            ask_to_merge(row["member_a"], row["member_b"])
    if total > SUGGESTIONS_SHOWN:
        st.caption(
            f"…and {total - SUGGESTIONS_SHOWN} more: the first {suggested.height} in the table "
            "below; merging some brings the next."
        )
    shown = suggested.select("name_a", "platforms_a", "name_b", "platforms_b", "reasons")
    with st.expander("All suggestions as a table"):
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                "name_a": "Member",
                "platforms_a": "On",
                "name_b": "May be the same as",
                "platforms_b": "On",
                "reasons": "Why",
            },
        )
        csv_download(shown, "merge_suggestions")

if not recent.is_empty():
    st.subheader("Recent merges")
    undo_buttons(recent, "recent")
