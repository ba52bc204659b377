"""Who is looking, and what they may see: sign-in, shared links, each role's pages, language.

app.py asks `identify()` at the top of every run. A person is signed in with a local account
(session), through OpenID Connect (`st.login`, when `[auth]` is configured in
.streamlit/secrets.toml, matched to an account by e-mail), or opened a shared KPI link (`?share=`,
checked again on every run so a revoked link stops at once). Pages a role may not use are left
out of its navigation, and each page refuses such a visitor again (`require_app_entry(role)`).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from warehouse import accounts, control, links
from warehouse.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _, set_language

USER_KEY = "_signed_in"  # the signed-in account's username (server-side session state only)
LINK_KEY = "_share_token"
ROLE_KEY = "_role"
LANGUAGE_KEY = "language"  # this session's language, once picked
LANGUAGE_NOW = "_language_now"  # the language app.py settled on for this session
SESSION_KEY = "_remembered"  # the id of this browser's remembered sign-in
COOKIE = "pulse_session"


@dataclass(frozen=True)
class PageEntry:
    path: str
    title: str
    icon: str
    role: str  # the least role that may open it
    section: str
    accounts_only: bool = False  # not for shared links, even though a viewer may open it


DASHBOARDS, WORK, SETUP = N_("Dashboards"), N_("Community work"), N_("Setup")
PAGES: tuple[PageEntry, ...] = (
    PageEntry("pages/overview.py", N_("Overview"), ":material/monitoring:", "viewer", DASHBOARDS),
    PageEntry(
        "pages/growth.py", N_("Growth & retention"), ":material/trending_up:", "viewer", DASHBOARDS
    ),
    PageEntry(
        "pages/channels.py", N_("Channels & content"), ":material/forum:", "viewer", DASHBOARDS
    ),
    PageEntry("pages/members.py", N_("Members"), ":material/group:", "manager", WORK),
    PageEntry("pages/roles.py", N_("Roles"), ":material/badge:", "manager", WORK),
    PageEntry("pages/events.py", N_("Events"), ":material/event:", "manager", WORK),
    PageEntry("pages/partners.py", N_("Partners"), ":material/handshake:", "manager", WORK),
    PageEntry("pages/feedback.py", N_("Feedback"), ":material/reviews:", "manager", WORK),
    PageEntry("pages/targets.py", N_("Targets"), ":material/flag:", "manager", WORK),
    PageEntry("pages/data.py", N_("Data"), ":material/database:", "manager", SETUP),
    PageEntry("pages/sharing.py", N_("Shared links"), ":material/share:", "manager", SETUP),
    PageEntry(
        "pages/admin.py", N_("Administration"), ":material/admin_panel_settings:", "admin", SETUP
    ),
    PageEntry("pages/account.py", N_("My account"), ":material/person:", "viewer", SETUP, True),
)


@dataclass(frozen=True)
class Visitor:
    role: str
    username: str | None  # None: someone who opened a shared link
    name: str
    language: str
    link: links.ShareLink | None = None


def default_language() -> str:
    return control.preference("default_language", DEFAULT_LANGUAGE)


def session_language() -> str:
    """Before sign-in: what this session picked, else the install's default."""
    return st.session_state.get(LANGUAGE_KEY) or default_language()


def speak_session_language() -> None:
    """The language of this run again: a page can run without app.py before it (AppTest's
    reruns, a fresh server's first visitor)."""
    set_language(st.session_state.get(LANGUAGE_NOW) or session_language())


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own error type
        return False


def identify() -> Visitor | None:
    """The visitor of this run, or None when nobody is signed in yet. A bad shared link stops
    the run with the reason."""
    token = st.query_params.get("share") or st.session_state.get(LINK_KEY)
    if token and not st.session_state.get(USER_KEY):
        return _link_visitor(token)
    username = st.session_state.get(USER_KEY)
    if username is None:
        username = _remembered_username()
    if username is None and oidc_configured() and st.user.get("is_logged_in"):
        found = accounts.sign_in_by_email(str(st.user.get("email") or ""))
        username = found.username if found else None
    if username is None:
        return None
    account = accounts.account(username)
    if account is None or not account.active:
        sign_out()
        return None
    st.session_state[USER_KEY] = account.username
    language = st.session_state.get(LANGUAGE_KEY) or account.language or default_language()
    return Visitor(account.role, account.username, account.name, language)


def _link_visitor(token: str) -> Visitor:
    language = session_language()
    set_language(language)  # before open_link: its refusal is written in the visitor's language
    try:
        link = links.open_link(token)
    except links.LinkInvalid as exc:
        st.session_state.pop(LINK_KEY, None)
        st.title(_("Community Pulse"))
        st.error(str(exc), icon=":material/link_off:")
        st.stop()
    st.session_state[LINK_KEY] = token
    st.query_params["share"] = token  # kept in the address, so a reload or bookmark still works
    return Visitor("viewer", None, _("Shared link"), language, link)


def _remembered_username() -> str | None:
    """A browser signed in before (reload, bookmark, new tab) carries its session cookie."""
    session_id = st.context.cookies.get(COOKIE)
    account = accounts.session_account(session_id) if isinstance(session_id, str) else None
    if account is None:
        return None
    st.session_state[SESSION_KEY] = session_id
    return account.username


def sign_in(account: accounts.Account) -> None:
    st.session_state[USER_KEY] = account.username
    st.session_state[SESSION_KEY] = accounts.start_session(account.username)
    st.session_state.pop(LINK_KEY, None)


def sign_out() -> None:
    session_id = st.session_state.get(SESSION_KEY)
    if session_id:
        accounts.end_session(session_id)  # the cookie left in the browser opens nothing now
    for key in (USER_KEY, LINK_KEY, ROLE_KEY, SESSION_KEY):
        st.session_state.pop(key, None)
    if oidc_configured() and st.user.get("is_logged_in"):
        st.logout()


def keep_session_cookie() -> None:
    """Give the browser its session cookie (set from the page: Streamlit can't send headers).
    Drawn on every run until the browser has it; SameSite=Strict, Secure over https."""
    session_id = st.session_state.get(SESSION_KEY)
    if not session_id or st.context.cookies.get(COOKIE) == session_id:
        return
    age = accounts.SESSION_DAYS * 86400
    st.html(
        "<script>document.cookie = '"
        f"{COOKIE}={session_id}; path=/; max-age={age}; SameSite=Strict'"
        " + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


def pages_for(visitor: Visitor) -> list[PageEntry]:
    """The pages of the visitor's role (a shared link: the KPI pages, no account page)."""
    return [
        page
        for page in PAGES
        if accounts.allows(visitor.role, page.role)
        and not (page.accounts_only and visitor.username is None)
    ]


def navigation_for(visitor: Visitor | None) -> list[st.Page] | dict[str, list[st.Page]]:
    """The pages this visitor may open; before sign-in only the first-admin or sign-in page."""
    if visitor is None:
        # every page's address stays known (it asks for the sign-in itself), none is listed
        gate = (
            st.Page("pages/setup.py", title=_("First start"), default=True)
            if accounts.needs_first_admin()
            else st.Page("pages/sign_in.py", title=_("Sign in"), default=True)
        )
        return [gate, *(st.Page(page.path, title=_(page.title)) for page in PAGES)]
    sections: dict[str, list[st.Page]] = {}
    for index, page in enumerate(pages_for(visitor)):
        sections.setdefault(_(page.section), []).append(
            st.Page(page.path, title=_(page.title), icon=page.icon, default=index == 0)
        )
    return sections


def current_role() -> str | None:
    return st.session_state.get(ROLE_KEY)


def role_now() -> str | None:
    """The session's role as the control store says now (an account switched off or a link
    revoked a moment ago counts at once), not as it was when the session began."""
    username = st.session_state.get(USER_KEY)
    if username:
        account = accounts.account(username)
        return account.role if account is not None and account.active else None
    token = st.session_state.get(LINK_KEY)
    if token:
        try:
            links.open_link(token)
        except links.LinkInvalid:
            return None
        return "viewer"
    return None


def refuse_unless(role: str) -> None:
    """Stop a page the visitor's role may not open (asked for by its address); nobody signed
    in yet gets the sign-in form in its place, and the page right after signing in."""
    speak_session_language()
    now = role_now()
    if now is None and not st.session_state.get(LINK_KEY):
        from pages._gate import sign_in_form

        sign_in_form()
        st.stop()
    if not accounts.allows(now, role):
        st.error(_("You don't have access to this page."), icon=":material/lock:")
        st.stop()


def may_see_people() -> bool:
    """Managers and admins see member-level data; viewers and shared links see aggregates."""
    return accounts.allows(current_role(), "manager")


def language_picker(visitor: Visitor | None) -> None:
    """The sidebar's language choice: kept for the session, and saved to the account."""
    current = visitor.language if visitor else st.session_state.get(LANGUAGE_KEY)
    current = current if current in LANGUAGES else default_language()

    def remember() -> None:
        chosen = st.session_state["language_pick"]
        st.session_state[LANGUAGE_KEY] = chosen
        if visitor is not None and visitor.username is not None:
            accounts.set_own_language(visitor.username, chosen)

    st.sidebar.selectbox(
        _("Language"),
        list(LANGUAGES),
        index=list(LANGUAGES).index(current),
        format_func=LANGUAGES.get,
        key="language_pick",
        on_change=remember,
    )


def who_box(visitor: Visitor) -> None:
    with st.sidebar:
        if visitor.link is not None:
            st.caption(_("Read-only view shared by the community team."))
            return
        st.caption(
            _(
                "Signed in as {name} · {role}",
                name=visitor.name,
                role=_(accounts.ROLE_LABELS[visitor.role]),
            )
        )
        if st.button(_("Sign out"), key="sign_out", icon=":material/logout:"):
            sign_out()
            st.rerun()
