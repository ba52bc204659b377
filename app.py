"""Community Pulse — the Streamlit entry: page config, sidebar filters, navigation."""

import streamlit as st

from pages._common import APP_RAN, sidebar_filters

st.set_page_config(page_title="Community Pulse", page_icon="📈", layout="wide")
st.session_state[APP_RAN] = True

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/monitoring:", default=True),
        st.Page("pages/data.py", title="Data", icon=":material/database:"),
    ]
)
st.session_state["period"], st.session_state["channel"] = sidebar_filters()
navigation.run()
