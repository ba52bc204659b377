"""My account: change the password (the language is picked in the sidebar)."""

import streamlit as st

from pages._common import current_user, require_app_entry, show_field_errors
from warehouse import accounts
from warehouse.i18n import _

require_app_entry("viewer")
me = accounts.account(current_user())
if me is None:  # a shared link has no account
    st.stop()

st.title(_("My account"))
st.write(
    _(
        "**{name}** · {username} · {role}",
        name=me.name,
        username=me.username,
        role=_(accounts.ROLE_LABELS[me.role]),
    )
)
st.caption(_("Your language is chosen in the sidebar and kept for your next visits."))

if me.has_password:
    st.subheader(_("Change your password"))
    fields = {"password": _("New password"), "repeat": _("New password again")}
    with st.form("own_password", clear_on_submit=True):
        current = st.text_input(_("Current password"), type="password")
        new = st.text_input(fields["password"], type="password")
        repeat = st.text_input(fields["repeat"], type="password")
        changed = st.form_submit_button(_("Change password"), type="primary")
    if changed:
        try:
            current_ok = accounts.authenticate(me.username, current) is not None
        except accounts.SignInPaused as exc:  # too many wrong tries: wait, or an admin resets
            st.error(str(exc))
            st.stop()
        if not current_ok:
            st.error(_("The current password is wrong."))
        elif new != repeat:
            show_field_errors({"repeat": _("The two passwords differ.")}, fields)
        else:
            try:
                accounts.set_password(me.username, me.username, new)
            except accounts.InvalidAccount as exc:
                show_field_errors(exc.errors, fields)
            else:
                st.success(_("Password changed."))
else:
    st.caption(_("You sign in through your organisation's account; there is no password here."))
