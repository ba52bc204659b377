"""Administration: accounts and roles, install settings, backups, deleting a person's data."""

import polars as pl
import streamlit as st

from pages._access import default_language, oidc_configured
from pages._common import current_user, require_app_entry, show_field_errors
from warehouse import accounts, community, queries
from warehouse.connection import WarehouseBusy, WarehouseEmpty
from warehouse.i18n import LANGUAGES, _

require_app_entry("admin")
me = current_user()
st.title(_("Administration"))
accounts_tab, settings_tab, backup_tab, privacy_tab = st.tabs(
    [_("Accounts"), _("Settings"), _("Backup"), _("Delete a person's data")]
)
ROLE_HELP = _(
    "Admin: accounts, sources, settings, backups. Manager: every page and form except "
    "administration. Viewer: the KPI pages only, no member-level data."
)


def role_name(role: str) -> str:
    return _(accounts.ROLE_LABELS[role])


def account_fields() -> dict[str, str]:
    return {
        "username": _("User name"),
        "display_name": _("Name"),
        "role": _("Role"),
        "password": _("Password"),
        "email": _("E-mail"),
    }


with accounts_tab:
    everyone = accounts.accounts()
    st.dataframe(
        pl.DataFrame(
            {
                _("User name"): [a.username for a in everyone],
                _("Name"): [a.display_name for a in everyone],
                _("E-mail"): [a.email or "" for a in everyone],
                _("Role"): [role_name(a.role) for a in everyone],
                _("Active"): [a.active for a in everyone],
                _("Signs in with"): [
                    _("password") if a.has_password else _("organisation account") for a in everyone
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    fields = account_fields()
    with st.form("add_account", clear_on_submit=True):
        st.subheader(_("Add an account"))
        left, right = st.columns(2)
        username = left.text_input(fields["username"], max_chars=40)
        display_name = right.text_input(fields["display_name"], max_chars=80)
        role = left.selectbox(fields["role"], accounts.ROLES, index=1, format_func=role_name)
        left.caption(ROLE_HELP)
        password = right.text_input(
            fields["password"],
            type="password",
            help=_("At least {count} characters.", count=accounts.MIN_PASSWORD),
        )
        email = right.text_input(
            fields["email"],
            help=_(
                "Needed to sign in with the organisation's account (OpenID Connect); the "
                "password may then stay empty."
            ),
        )
        added = st.form_submit_button(_("Add account"), type="primary")
    if added:
        try:
            new = accounts.create_account(
                me,
                username,
                role,
                password or None,
                email=email or None,
                display_name=display_name,
            )
        except accounts.InvalidAccount as exc:
            show_field_errors(exc.errors, fields)
        except accounts.NotAllowed as exc:
            st.error(str(exc))
        else:
            st.success(_("Account {username} added.", username=new.username))

    if everyone:
        with st.form("change_account"):
            st.subheader(_("Change an account"))
            names = [a.username for a in everyone]
            chosen = st.selectbox(fields["username"], names, key="change_who")
            current = next(a for a in everyone if a.username == chosen)
            new_role = st.selectbox(
                fields["role"],
                accounts.ROLES,
                index=accounts.ROLES.index(current.role),
                format_func=role_name,
                key=f"change_role_{chosen}",
            )
            active = st.checkbox(_("Active (may sign in)"), value=current.active)
            new_password = st.text_input(
                _("New password (leave empty to keep)"), type="password", key="change_password"
            )
            changed = st.form_submit_button(_("Save changes"))
        if changed:
            try:
                accounts.update_account(me, chosen, role=new_role, active=active)
                if new_password:
                    accounts.set_password(me, chosen, new_password)
            except accounts.InvalidAccount as exc:
                show_field_errors(exc.errors, fields)
            except accounts.NotAllowed as exc:
                st.error(str(exc))
            else:
                st.success(_("Account {username} saved.", username=chosen))
                st.rerun()

with settings_tab:
    st.subheader(_("Language"))
    languages = list(LANGUAGES)
    with st.form("default_language"):
        language = st.selectbox(
            _("Default language"),
            languages,
            index=languages.index(default_language()),
            format_func=LANGUAGES.get,
            help=_("For everyone who hasn't picked a language, and for shared links."),
        )
        if st.form_submit_button(_("Save language")):
            accounts.set_default_language(me, language)
            st.success(_("Saved."))

    st.subheader(_("Community"))
    try:
        timezone = queries.timezone()
    except (WarehouseEmpty, WarehouseBusy):
        timezone = community.DEFAULT_TIMEZONE
    with st.form("community_settings"):
        zone = st.text_input(
            _("Time zone"),
            value=timezone,
            help=_(
                "An IANA name such as Europe/Moscow or Europe/Kyiv: days and months start here."
            ),
        )
        saved = st.form_submit_button(_("Save time zone"))
    if saved and zone != timezone:
        try:
            community.set_setting("timezone", zone.strip(), me)
        except (ValueError, WarehouseBusy) as exc:
            st.error(str(exc))
        else:
            st.success(_("Saved. The numbers now use {zone}.", zone=zone.strip()))

    st.subheader(_("Sign-in with an organisation account"))
    if oidc_configured():
        st.success(
            _("OpenID Connect is configured: people sign in with their organisation's account.")
        )
    else:
        st.info(
            _(
                "Not configured. Add an [auth] section to .streamlit/secrets.toml (see README, "
                "“Sign-in”) and an account with each person's e-mail here."
            )
        )

with backup_tab:
    from pages._admin_data import draw_backup

    draw_backup()

with privacy_tab:
    from pages._admin_data import draw_forget_person

    draw_forget_person()
