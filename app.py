"""Community Pulse — the Streamlit entry: page config, sidebar filters, navigation."""

import streamlit as st

from pages._common import APP_RAN, sidebar_filters
from warehouse.app_data import apply_pending_quietly, pending_entries

st.set_page_config(page_title="Community Pulse", page_icon="📈", layout="wide")
st.session_state[APP_RAN] = True
if pending_entries():
    apply_pending_quietly()  # form entries a refresh kept waiting land as soon as it is over

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/monitoring:", default=True),
        st.Page("pages/growth.py", title="Growth & retention", icon=":material/trending_up:"),
        st.Page("pages/channels.py", title="Channels & content", icon=":material/forum:"),
        st.Page("pages/members.py", title="Members", icon=":material/group:"),
        st.Page("pages/roles.py", title="Roles", icon=":material/badge:"),
        st.Page("pages/events.py", title="Events", icon=":material/event:"),
        st.Page("pages/partners.py", title="Partners", icon=":material/handshake:"),
        st.Page("pages/feedback.py", title="Feedback", icon=":material/reviews:"),
        st.Page("pages/targets.py", title="Targets", icon=":material/flag:"),
        st.Page("pages/data.py", title="Data", icon=":material/database:"),
    ]
)
st.session_state["period"], st.session_state["channel"] = sidebar_filters()
navigation.run()
