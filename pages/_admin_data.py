"""The Administration page's data parts: backups, and deleting a person's data on request.

Not a page itself (st.navigation lists the pages in app.py): pages/admin.py calls
`draw_backup()` and `draw_forget_person()` in its tabs. Both write as `current_user()`, and the
warehouse checks again that it is an admin.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages._common import current_user, escaped, warehouse_problem
from warehouse import members, privacy
from warehouse.accounts import NotAllowed
from warehouse.backup import BackupError, backup, list_backups, zipped
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.i18n import N_, _, number
from warehouse.settings import data_dir

MAX_ZIP_BYTES = 200 * 1024 * 1024  # a bigger backup is copied from the server, not downloaded
_REPORT = "admin_forget_report"  # the last deletion's report, shown once after the rerun
_ROUND = "admin_forget_round"  # bumped after a deletion, so the form's fields start empty

# activity types are code words in the data; what each is called here
ACTIVITY_LABELS = {
    "message": N_("Messages"),
    "reply": N_("Replies"),
    "post": N_("Posts"),
    "comment": N_("Comments"),
    "reaction": N_("Reactions"),
    "join": N_("Joins"),
    "leave": N_("Leaves"),
    "registration": N_("Event registrations"),
    "attendance": N_("Events attended"),
    "feedback": N_("Feedback"),
}
LEFTOVER_TEXTS = {
    "backup": N_(
        "A backup taken earlier still holds their data: {path}. Delete it if it must not."
    ),
    "source_file": N_(
        "An export file configured as a source still holds their data: {path}. It is removed "
        "again whenever the file loads; replace or delete the file."
    ),
    "bot_page": N_("A saved Telegram bot page that is not loaded yet holds their data: {path}."),
    "others_texts": N_(
        "Other people's messages and notes that mention them by first name only, or in their "
        "own words, are not changed."
    ),
}


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return _("{size} MB", size=number(count / 1024 / 1024, 1))
    return _("{size} KB", size=number(max(count, 1) / 1024, 1))


# --- backups ----------------------------------------------------------------------------------


def draw_backup() -> None:
    """Make a backup now, list the backups in the data folder, say how to restore one."""
    st.subheader(_("Backups"))
    st.caption(
        _(
            "A backup holds the whole warehouse, the accounts with their password hashes, the "
            "shared links and the settings. Keep it as safe as the server itself."
        )
    )
    if st.button(_("Make a backup now"), key="admin_backup_now", type="primary"):
        _make_backup()
    found = list_backups()
    if not found:
        st.info(_("No backups in the data folder yet."))
    for folder in found:
        name, details, download = st.columns([3, 3, 2], vertical_alignment="center")
        name.markdown(f"**{escaped(folder.path.name)}**")
        details.caption(
            _(
                "{size} · {rows} rows · {path}",
                size=_size(folder.bytes),
                rows=number(folder.rows),
                path=str(folder.path),
            )
        )
        if folder.bytes <= MAX_ZIP_BYTES:
            download.download_button(
                _("Download as zip"),
                data=lambda path=folder.path: zipped(path),
                file_name=f"pulse-backup-{folder.path.name}.zip",
                mime="application/zip",
                key=f"admin_backup_zip_{folder.path.name}",
                on_click="ignore",
            )
        else:
            download.caption(_("Too large to download here: copy the folder from the server."))
    _restore_help(found[0].path if found else None)


def _make_backup() -> None:
    bar = st.progress(0.0, text=_("Writing the backup…"))

    def progress(fraction: float, table: str) -> None:
        bar.progress(min(fraction, 1.0), text=_("Writing the backup: {table}", table=table))

    try:
        manifest = backup(None, current_user(), progress)
    except NotAllowed as exc:
        st.error(str(exc))
    except WarehouseEmpty:
        st.info(_("There is nothing to back up yet: no data has been loaded."))
    except WarehouseBusy as exc:
        warehouse_problem(exc)
    except BackupError as exc:
        st.error(_("The backup was not made: {reason}", reason=str(exc)))
    else:
        st.success(
            _(
                "Backup made: {tables} tables, {rows} rows.",
                tables=number(len(manifest.tables)),
                rows=number(manifest.rows),
            )
        )
    finally:
        bar.empty()


def _restore_help(latest: Path | None) -> None:
    st.markdown(
        _(
            "**Restoring** a backup is done on the server's command line only: it goes into an "
            "empty data folder (no warehouse, no accounts), so it can't run inside this app. "
            "Run this with a new, empty folder, then start the app on that folder:"
        )
    )
    source = str(latest) if latest else str(data_dir() / "backups" / "<backup>")
    st.code(
        f"PULSE_DATA_DIR=/srv/pulse-restored .venv/bin/python -m pipelines restore {source}\n"
        "PULSE_DATA_DIR=/srv/pulse-restored make run",
        language="bash",
    )


# --- deleting a person's data -----------------------------------------------------------------


def draw_forget_person() -> None:
    """Find a member, show what goes and what stays counted, confirm twice, delete."""
    st.subheader(_("Delete a person's data"))
    st.caption(
        _(
            "When a person asks: their names, handles, e-mails, phones, message texts, notes, "
            "tags and feedback texts are deleted everywhere. What they did still counts, under "
            "a pseudonym, so the KPIs stay the same. This can't be undone."
        )
    )
    report = st.session_state.pop(_REPORT, None)
    if report is not None:
        _show_report(report)
    round_ = st.session_state.get(_ROUND, 0)
    query = st.text_input(
        _("Find the member"),
        placeholder=_("Name, @handle or e-mail"),
        key=f"admin_forget_query_{round_}",
    )
    if not query.strip():
        return
    try:
        found = members.search(query, limit=20)
    except (WarehouseEmpty, WarehouseBusy) as exc:
        warehouse_problem(exc)
        return
    if found.is_empty():
        st.info(_("Nobody matches."))
        return
    choices = {
        row["member_id"]: " · ".join(
            part
            for part in (row["display_name"] or row["member_id"], row["handles"], row["platforms"])
            if part
        )
        for row in found.iter_rows(named=True)
    }
    member_id = st.selectbox(
        _("Member"), list(choices), format_func=choices.get, key=f"admin_forget_member_{round_}"
    )
    try:
        preview = privacy.forget_preview(member_id)
    except privacy.UnknownMember:
        st.info(_("This member is not in the data any more."))
        return
    except (WarehouseEmpty, WarehouseBusy) as exc:
        warehouse_problem(exc)
        return
    _show_preview(preview)
    _confirm_and_forget(preview, round_)


def _show_preview(preview: privacy.ForgetPreview) -> None:
    removed, kept = st.columns(2)
    with removed:
        st.markdown(_("**Will be deleted**"))
        lines = [
            _("Accounts: {accounts}", accounts=", ".join(_account(a) for a in preview.accounts)),
            _("Names, handles, e-mails and phones on every platform"),
            _("Texts of messages and posts: {count}", count=number(preview.texts)),
            _("Tags: {count}", count=number(preview.tags)),
            _("Feedback texts and role notes"),
        ]
        if preview.has_notes:
            lines.append(_("Profile notes"))
        st.markdown("\n".join(f"- {escaped(line)}" for line in lines))
    with kept:
        st.markdown(_("**Stays counted, under a pseudonym**"))
        lines = [
            _(
                "{what}: {count}",
                what=_(ACTIVITY_LABELS.get(kind, kind)),
                count=number(count),
            )
            for kind, count in preview.activities.items()
        ]
        lines.append(_("Roles held: {count}", count=number(preview.roles)))
        lines.append(_("Feedback scores: {count}", count=number(preview.feedback_items)))
        st.markdown("\n".join(f"- {escaped(line)}" for line in lines))


def _account(account: privacy.Account) -> str:
    shown = account.handle or account.display_name or account.email or account.identity_id
    return f"{account.platform}: {shown}"


def _confirm_and_forget(preview: privacy.ForgetPreview, round_: int) -> None:
    shown_name = (preview.display_name or preview.member_id).strip()
    reason = st.text_input(
        _("Reason"),
        help=_("Kept in the audit log. Don't write the person's name."),
        key=f"admin_forget_reason_{round_}",
    )
    understood = st.checkbox(
        _("I understand that this deletes the person's data for good"),
        key=f"admin_forget_understood_{round_}",
    )
    typed = st.text_input(
        _("Type the member's name to confirm: {name}", name=shown_name),
        key=f"admin_forget_typed_{round_}",
    )
    ready = understood and typed.strip().casefold() == shown_name.casefold()
    if not st.button(
        _("Delete this person's data"),
        type="primary",
        disabled=not ready,
        key=f"admin_forget_go_{round_}",
    ):
        return
    try:
        with st.spinner(_("Deleting their data and updating the KPIs…")):
            report = privacy.forget_member(preview.member_id, current_user(), reason)
    except NotAllowed as exc:
        st.error(str(exc))
        return
    except privacy.AlreadyForgotten:
        st.info(_("This person's data was deleted already."))
        return
    except privacy.UnknownMember:
        st.info(_("This member is not in the data any more."))
        return
    except privacy.ForgetIncomplete:
        st.error(
            _(
                "Their data was deleted, but updating the KPIs failed; the pages show them "
                "until a refresh succeeds. Run a refresh, or `python -m pipelines build`."
            )
        )
        return
    except WarehouseBusy as exc:
        warehouse_problem(exc)
        return
    st.session_state[_REPORT] = report
    st.session_state[_ROUND] = round_ + 1  # the next run shows empty fields
    st.rerun()


def _show_report(report: privacy.ForgetReport) -> None:
    st.success(
        _(
            "Done: their data is deleted. What they did now counts as {label}.",
            label=report.label,
        )
    )
    st.caption(
        _(
            "Rows changed: {rows}. Files deleted: {deleted}, cleaned: {cleaned}.",
            rows=number(sum(report.rows_changed.values())),
            deleted=number(len(report.files_deleted)),
            cleaned=number(len(report.files_cleaned)),
        )
    )
    for leftover in report.left_behind:
        text = LEFTOVER_TEXTS.get(leftover.kind)
        if text is not None:
            st.warning(_(text, path=leftover.path))
