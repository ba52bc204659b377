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
    reasons,
    show_notice,
    undo_buttons,
)
from pages._member_profile import show_member
from warehouse import members, queries, roles
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.events import InvalidEntry
from warehouse.i18n import N_, _, number

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
    "query": N_("Search"),
    "level": N_("Level"),
    "who": N_("Who"),
    "joined": N_("Joined between"),
    "active": N_("Last active between"),
}
WHO_LABELS = {
    "members": N_("Members (not team, not bots)"),
    "team": N_("Team"),
    "bots": N_("Bots"),
}
SUGGESTIONS_SHOWN = 30
OPEN = "members_open"


def _open_chosen() -> None:
    """The "Open a profile" picker: go to the profile, and leave the picker empty for the way
    back."""
    chosen = st.session_state.get(OPEN)
    if chosen:
        st.query_params["member"] = chosen
        st.session_state[OPEN] = None


require_app_entry("manager")

# The directory's filters are widgets that are not drawn while a profile is open, and Streamlit
# forgets an undrawn widget's value (or keeps it server-side while the box shows empty). Setting
# each again every run keeps the search and filters as they were when the manager comes back.
for key in FILTER_KEYS:
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]

if st.query_params.get("member"):
    show_member(st.query_params["member"])
    st.stop()

st.title(_("Members"))
show_notice()
try:
    zone = queries.timezone()
    channel_rows = queries.channels()
    tags = members.tag_choices()
except (WarehouseEmpty, WarehouseBusy) as exc:
    warehouse_problem(exc)
    st.stop()

confirm_merge()

# the pickers' option names, worded once per run: a format_func that translated would speak the
# language of whichever thread calls it
level_names = {level: _(label) for level, label in members.LEVEL_LABELS.items()}
role_names = {role: _(label) for role, label in roles.ROLE_LABELS.items()}
who_names = {who: _(label) for who, label in WHO_LABELS.items()}
with st.container(border=True):
    query = st.text_input(
        _("Search"),
        key="members_search",
        placeholder=_("Name, @handle or e-mail"),
        max_chars=members.MAX_SEARCH,
    )
    columns = st.columns(4)
    level = columns[0].selectbox(
        _("Level now"),
        list(members.LEVEL_LABELS),
        format_func=level_names.get,
        index=None,
        placeholder=_("Any"),
        key="members_level",
    )
    role = columns[1].selectbox(
        _("Role"),
        roles.ROLES,
        format_func=role_names.get,
        index=None,
        placeholder=_("Any"),
        key="members_role",
        help=_("Held today."),
    )
    channel_names = dict(zip(channel_rows["channel_id"], channel_rows["name"], strict=True))
    channel_id = columns[2].selectbox(
        _("Active in channel"),
        list(channel_names),
        format_func=lambda c: channel_names.get(c) or c,
        index=None,
        placeholder=_("Any"),
        key="members_channel",
    )
    tag = columns[3].selectbox(_("Tag"), tags, index=None, placeholder=_("Any"), key="members_tag")
    columns = st.columns(5)
    who = columns[0].selectbox(
        _("Who"),
        list(WHO_LABELS),
        format_func=who_names.get,
        index=None,
        placeholder=_("Everyone"),
        key="members_who",
    )
    joined_from = columns[1].date_input(
        _("Joined from"), value=None, format="DD.MM.YYYY", key="members_joined_from"
    )
    joined_to = columns[2].date_input(
        _("Joined to"), value=None, format="DD.MM.YYYY", key="members_joined_to"
    )
    active_from = columns[3].date_input(
        _("Last active from"), value=None, format="DD.MM.YYYY", key="members_active_from"
    )
    active_to = columns[4].date_input(
        _("Last active to"), value=None, format="DD.MM.YYYY", key="members_active_to"
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
if matches == 1:
    st.subheader(_("{count} member", count=number(matches)))
else:
    st.subheader(_("{count} members", count=number(matches)))
if matches == 0:
    st.info(_("Nobody matches. Clear a filter or search for less."))
else:
    pages = max(1, math.ceil(matches / members.PAGE_SIZE))
    if pages > 1:
        st.number_input(
            _("Page (of {pages}, most recently active first)", pages=number(pages)),
            min_value=1,
            max_value=pages,
            key="members_page",
        )
    table = local_times(listed, ["first_seen_at", "last_seen_at"], zone).select(
        "display_name",
        pl.col("level").replace_strict(level_names, default=pl.col("level")),
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
            "display_name": _("Name"),
            "level": _("Level"),
            "platforms": _("Platforms"),
            "handles": _("Handles"),
            "tags": _("Tags"),
            "first_seen_at": st.column_config.DatetimeColumn(
                _("First seen ({zone})", zone=zone), format="DD.MM.YYYY"
            ),
            "last_seen_at": st.column_config.DatetimeColumn(
                _("Last active ({zone})", zone=zone), format="DD.MM.YYYY"
            ),
            "is_team": st.column_config.CheckboxColumn(_("Team")),
            "is_bot": st.column_config.CheckboxColumn(_("Bot")),
            "profile": st.column_config.LinkColumn(_("Profile"), display_text=_("Open")),
        },
    )
    csv_download(table.drop("profile"), "members")
    names = dict(zip(listed["member_id"], listed["display_name"], strict=True))
    st.selectbox(
        _("Open a profile"),
        list(names),
        format_func=lambda m: f"{names[m]} ({m})",
        index=None,
        placeholder=_("Choose a member of this page"),
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
st.subheader(_("Possibly the same person ({count})", count=number(total)))
st.caption(
    _(
        "Accounts that share an e-mail or a phone are linked automatically. These share a "
        "handle, or the same or a very similar name, on two platforms: merge them if they are "
        "one person."
    )
)
if suggested.is_empty():
    st.info(_("No suggestions."))
else:
    for row in suggested.head(SUGGESTIONS_SHOWN).iter_rows(named=True):
        text, action = st.columns([5, 1])
        text.text(
            f"{row['name_a']} ({row['platforms_a']}) — {row['name_b']} ({row['platforms_b']})"
            f" · {reasons(row['reasons'])}"
        )
        if action.button(_("Merge"), key=f"suggested_{row['member_a']}_{row['member_b']}"):
            ask_to_merge(row["member_a"], row["member_b"])
    if total > SUGGESTIONS_SHOWN:
        st.caption(
            _(
                "…and {more} more: the first {shown} in the table below; merging some brings "
                "the next.",
                more=number(total - SUGGESTIONS_SHOWN),
                shown=number(suggested.height),
            )
        )
    shown = suggested.select(
        "name_a",
        "platforms_a",
        "name_b",
        "platforms_b",
        pl.Series("reasons", [reasons(text) for text in suggested["reasons"].to_list()]),
    )
    with st.expander(_("All suggestions as a table")):
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                "name_a": _("Member"),
                "platforms_a": _("Platforms"),
                "name_b": _("May be the same as"),
                "platforms_b": _("Platforms"),
                "reasons": _("Why"),
            },
        )
        csv_download(shown, "merge_suggestions")

if not recent.is_empty():
    st.subheader(_("Recent merges"))
    undo_buttons(recent, "recent")
