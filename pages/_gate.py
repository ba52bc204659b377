"""The forms before sign-in: the first admin on a new install, and signing in (local account
or OpenID Connect). Shown on their own pages and in place of any page asked for by address
before signing in, so a bookmark leads to its page right after the sign-in."""

import streamlit as st

from pages._access import oidc_configured, sign_in
from pages._common import show_field_errors
from warehouse import accounts
from warehouse.i18n import _


def first_admin_form() -> None:
    fields = {
        "username": _("User name"),
        "password": _("Password"),
        "repeat": _("Password again"),
    }

    st.title(_("Welcome to Community Pulse"))
    st.write(
        _(
            "This is a new install. Create the first admin account: the admin adds managers and "
            "viewers, connects sources and changes settings."
        )
    )
    with st.form("first_admin"):
        username = st.text_input(fields["username"], placeholder="anna", max_chars=40)
        display_name = st.text_input(_("Your name (shown to other users)"), max_chars=80)
        password = st.text_input(
            fields["password"],
            type="password",
            help=_("At least {count} characters.", count=accounts.MIN_PASSWORD),
        )
        repeat = st.text_input(fields["repeat"], type="password")
        created = st.form_submit_button(_("Create the admin account"), type="primary")

    if created:
        if password != repeat:
            show_field_errors({"repeat": _("The two passwords differ.")}, fields)
        else:
            try:
                admin = accounts.create_first_admin(username, password, display_name)
            except accounts.InvalidAccount as exc:
                show_field_errors(exc.errors, fields)
            except accounts.NotAllowed as exc:
                st.error(str(exc))
            else:
                sign_in(admin)
                st.rerun()


def sign_in_form() -> None:
    if accounts.needs_first_admin():
        first_admin_form()
        return
    st.title(_("Sign in to Community Pulse"))
    if oidc_configured():
        if st.user.get("is_logged_in"):
            # signed in with the provider, but no account here has that e-mail
            email = st.user.get("email")
            st.warning(
                _("{email} has no account here. Ask an admin to add this e-mail.", email=email)
                if email
                else _("Your e-mail has no account here. Ask an admin to add it.")
            )
            if st.button(_("Sign out of the provider")):
                st.logout()
        else:
            st.button(
                _("Sign in with your organisation's account"),
                type="primary",
                icon=":material/key:",
                on_click=st.login,
            )
            st.caption(_("Or with a local account:"))

    with st.form("sign_in"):
        username = st.text_input(_("User name"), max_chars=40, key="sign_in_user")
        password = st.text_input(_("Password"), type="password", key="sign_in_password")
        submitted = st.form_submit_button(_("Sign in"), type="primary")

    if submitted:
        try:
            account = accounts.authenticate(username, password)
        except accounts.SignInPaused as exc:  # too many wrong tries: wait, or an admin resets
            st.error(str(exc))
        else:
            if account is None:
                st.error(_("Wrong user name or password, or the account is switched off."))
            else:
                sign_in(account)
                st.rerun()
    st.caption(_("Forgot your password? An admin can set a new one on the Administration page."))
