"""What the Members page and a member's profile share: escaping names, local times, merge
suggestions' reasons in the reader's language, and the merge confirmation and undo buttons. Not
a page itself."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

import polars as pl
import streamlit as st

from pages._common import QUEUED, current_user, show_field_errors
from warehouse import members
from warehouse.app_data import EntryRejected, Submitted
from warehouse.events import InvalidEntry
from warehouse.i18n import N_, _, moment

NOTICE = "member_notice"  # what the last change did, shown after the rerun it causes
PENDING_MERGE = "member_pending_merge"  # (kept id, merged id) waiting for confirmation
MERGE_FIELDS = {
    "kept_member_id": N_("Member to keep"),
    "merged_member_id": N_("Member to merge"),
    "merge_id": N_("Merge"),
}
# why two members may be one person: the code words marts.merge_suggestions writes in `reasons`
# ("same handle: anya; similar name: Борис Орлов ~ Борис Орлв")
REASON_LABELS = {
    "same handle": N_("same handle"),
    "same name": N_("same name"),
    "similar name": N_("similar name"),
}
_REASON = re.compile(r"(^|; )(" + "|".join(REASON_LABELS) + r"): ")


def profile_url(member_id: str) -> str:
    """A member's profile page (ids may hold spaces, parentheses, Cyrillic)."""
    return "/members?member=" + quote(member_id, safe="")


def reasons(text: str | None) -> str:
    """A suggestion's reasons with their code words in the reader's language (the values after
    them are names and handles: data, left as they are)."""
    if not text:
        return ""
    return _REASON.sub(lambda found: f"{found[1]}{_(REASON_LABELS[found[2]])}: ", text)


def done(submitted: Submitted | members.Merged, message: str) -> None:
    """After a write: say what happened on the next run (queued entries say when they land)."""
    st.session_state[NOTICE] = message + ("" if submitted.applied else _(QUEUED))
    st.rerun()


def show_notice() -> None:
    if notice := st.session_state.pop(NOTICE, None):
        st.success(notice)


def local_times(frame: pl.DataFrame, columns: Iterable[str], zone: str) -> pl.DataFrame:
    """Naive UTC timestamps (as stored) shown in the community's time zone."""
    present = [c for c in columns if c in frame.columns]
    return frame.with_columns(
        pl.col(c).dt.replace_time_zone("UTC").dt.convert_time_zone(zone).dt.replace_time_zone(None)
        for c in present
    )


def ask_to_merge(kept_id: str, merged_id: str) -> None:
    """Show the confirmation for merging `merged_id` into `kept_id` (confirm_merge draws it)."""
    st.session_state[PENDING_MERGE] = (kept_id, merged_id)
    st.rerun()


def confirm_merge() -> None:
    """The pending merge's confirmation, if one is pending: which of the two to keep, then
    Confirm or Cancel."""
    pending = st.session_state.get(PENDING_MERGE)
    if not pending:
        return
    first, second = pending
    names = {m: (members.member(m) or {}).get("display_name") or m for m in pending}
    with st.container(border=True):
        st.markdown(_("**Merge these two members?**"))
        st.caption(
            _(
                "Everything the merged member did, their accounts, check-ins, feedback and roles "
                "become the kept member's, in every KPI. You can undo it."
            )
        )
        kept = st.radio(
            _("Keep"),
            [first, second],
            format_func=lambda m: f"{names[m]} ({m})",
            key="merge_keep",
        )
        merged = second if kept == first else first
        st.text(_("Merged into it: {name} ({id})", name=names[merged], id=merged))
        confirm, cancel = st.columns(2)
        if confirm.button(_("Confirm merge"), type="primary", key="merge_confirm"):
            st.session_state.pop(PENDING_MERGE, None)
            try:
                merged_entry = members.merge_members(kept, merged, current_user())
            except InvalidEntry as exc:
                show_field_errors(exc.errors, MERGE_FIELDS)
            except EntryRejected as exc:
                st.error(str(exc))
            else:
                if st.query_params.get("member") == merged:
                    st.query_params["member"] = kept  # the profile shown is merged away
                done(merged_entry, _("Merged. Undo it under “Merged into this member”."))
        if cancel.button(_("Cancel"), key="merge_cancel"):
            st.session_state.pop(PENDING_MERGE, None)
            st.rerun()


def undo_buttons(merges: pl.DataFrame, key: str) -> None:
    """One line per merge with "Undo merge" for those not undone yet."""
    for row in merges.iter_rows(named=True):
        text, action = st.columns([5, 1])
        line = _(
            "{merged} merged into {kept} · {when} UTC by {user}",
            merged=row["merged_name"],
            kept=row["kept_name"],
            when=moment(row["merged_at"], "short"),
            user=row["merged_by"],
        )
        if row["undone_at"] is not None:
            undone = _(
                "undone {when} UTC by {user}",
                when=moment(row["undone_at"], "short"),
                user=row["undone_by"],
            )
            line = f"{line} · {undone}"
        text.text(line)
        if row["undone_at"] is None and action.button(
            _("Undo merge"), key=f"undo_merge_{key}_{row['merge_id']}"
        ):
            try:
                submitted = members.undo_merge(row["merge_id"], current_user())
            except InvalidEntry as exc:
                show_field_errors(exc.errors, MERGE_FIELDS)
            except (members.UnknownMerge, EntryRejected) as exc:
                st.error(str(exc))
            else:
                done(
                    submitted,
                    _(
                        "Merge undone: {name} is a member of their own again.",
                        name=row["merged_name"],
                    ),
                )
