"""Community Pulse — the Streamlit entry: page config, sign-in, sidebar filters, navigation."""

import streamlit as st

from pages import _access as access
from pages._common import APP_RAN, sidebar_filters
from warehouse.app_data import apply_pending_quietly, pending_entries
from warehouse.i18n import set_language

st.set_page_config(page_title="Community Pulse", page_icon="📈", layout="wide")
st.session_state[APP_RAN] = True
visitor = access.identify()
st.session_state[access.LANGUAGE_NOW] = visitor.language if visitor else access.session_language()
set_language(st.session_state[access.LANGUAGE_NOW])
st.session_state[access.ROLE_KEY] = visitor.role if visitor else None
access.language_picker(visitor)

navigation = st.navigation(
    access.navigation_for(visitor), position="sidebar" if visitor else "hidden", expanded=True
)
if visitor is not None:  # else the first-admin form or the sign-in form, nothing more
    if pending_entries() and visitor.role != "viewer":
        apply_pending_quietly()  # form entries a refresh kept waiting land once it is over
    link = visitor.link
    st.session_state["period"], st.session_state["channel"] = sidebar_filters(
        fixed=link.filters if link else None, channels=link.channels if link else None
    )
    access.who_box(visitor)
    access.keep_session_cookie()
navigation.run()
