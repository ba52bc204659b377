"""Accounts, roles and shared links: who sees which page, who may write, and links that are
signed, expire and can be switched off."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages._access import PAGES, ROLE_KEY, USER_KEY
from pages._common import APP_RAN
from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import REPO_ROOT, TEST_PASSWORD, ChatBuilder, app_test, make_account
from warehouse import accounts, community, events, feedback, links, members, roles, targets
from warehouse.connection import read_connection
from warehouse.control import control_path

ALL_PAGES = [page.path for page in PAGES]
VIEWER_PAGES = ["pages/overview.py", "pages/growth.py", "pages/channels.py"]
MANAGER_PAGES = [p for p in ALL_PAGES if p != "pages/admin.py"]


@pytest.fixture
def community_data(tmp_path: Path) -> None:
    chat = ChatBuilder("Волонтёры — чат", chat_id=1)
    chat.join("2024-05-01 09:00", "Аня")
    chat.join("2024-05-01 09:30", "Борис")
    q = chat.message("2024-05-02 10:00", "Аня", "Где собираемся? Личное сообщение Ани")
    chat.message("2024-05-02 10:45", "Борис", "У входа в парк", reply_to=q)
    assert not ingest_telegram_export(chat.write(tmp_path / "chat.json")).failed
    build()


# --- first start and sign-in -------------------------------------------------------------


def test_a_fresh_install_asks_for_the_first_admin_and_signs_them_in() -> None:
    at = app_test(role=None).run()
    assert at.title[0].value == "Welcome to Community Pulse"
    assert not at.metric  # nothing else is reachable

    at.text_input[0].input("anna")
    at.text_input[2].input("short")
    at.text_input[3].input("short")
    at.button[0].click().run()
    assert "at least 10 characters" in at.error[0].value
    assert accounts.needs_first_admin()

    at.text_input[2].input(TEST_PASSWORD)
    at.text_input[3].input(TEST_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state[USER_KEY] == "anna"
    assert accounts.account("anna").role == "admin"
    assert not accounts.needs_first_admin()


def test_once_an_admin_exists_the_first_admin_form_refuses_another() -> None:
    accounts.create_first_admin("anna", TEST_PASSWORD)
    with pytest.raises(accounts.NotAllowed):
        accounts.create_first_admin("mallory", TEST_PASSWORD)
    at = app_test(role=None).run()
    assert at.title[0].value == "Sign in to Community Pulse"


def test_sign_in_with_a_wrong_then_the_right_password() -> None:
    make_account("manager", "boris")
    at = app_test(role=None).run()
    at.text_input(key="sign_in_user").input("boris")
    at.text_input(key="sign_in_password").input("wrong password!")
    at.button[0].click().run()
    assert "Wrong user name or password" in at.error[0].value
    assert USER_KEY not in at.session_state

    at.text_input(key="sign_in_password").input(TEST_PASSWORD)
    at.button[0].click().run()
    assert at.session_state[USER_KEY] == "boris"
    # the app itself then runs as boris (AppTest re-runs only the page, so start it again)
    at = app_test(role=None)
    at.session_state[USER_KEY] = "boris"
    at.run()
    assert at.title[0].value == "Overview"
    assert "Signed in as boris · Manager" in [c.value for c in at.caption]


def test_a_switched_off_account_cannot_sign_in_and_its_session_ends() -> None:
    make_account("manager", "boris")
    at = app_test(role=None)
    at.session_state[USER_KEY] = "boris"
    at.run()
    assert at.title[0].value == "Overview"
    accounts.update_account("admin", "boris", role="manager", active=False)
    at.run()  # the open page asks for a sign-in at once, whatever the session remembers
    assert at.title[0].value == "Sign in to Community Pulse"
    assert not at.metric
    at = app_test(role=None)
    at.session_state[USER_KEY] = "boris"
    at.run()  # and the app signs the session out
    assert at.title[0].value == "Sign in to Community Pulse"
    assert USER_KEY not in at.session_state
    assert accounts.authenticate("boris", TEST_PASSWORD) is None


def test_five_wrong_passwords_pause_that_user_name_for_fifteen_minutes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_account("manager", "boris")
    now = [1_000_000.0]
    monkeypatch.setattr(accounts, "_clock", lambda: now[0])
    for minute in range(5):  # five wrong tries, a minute apart: 00:00 … 00:04
        now[0] = 1_000_000.0 + 60 * minute
        assert accounts.authenticate("boris", f"wrong password {minute}") is None
    # 00:05: even the right password is refused now, and nothing is verified
    now[0] = 1_000_000.0 + 300
    with pytest.raises(accounts.SignInPaused, match="Try again in 10 min"):
        accounts.authenticate("Boris ", TEST_PASSWORD)
    # 15 minutes after the first wrong try it has aged out: four remain, the right one passes
    now[0] = 1_000_000.0 + 900
    assert accounts.authenticate("boris", TEST_PASSWORD).username == "boris"
    # a success forgets the wrong tries: four more wrong ones do not pause it
    for _ in range(4):
        assert accounts.authenticate("boris", "wrong again!") is None
    assert accounts.authenticate("boris", TEST_PASSWORD) is not None


def test_the_pause_also_covers_unknown_names_and_an_admin_lifts_it() -> None:
    make_account("admin", "anna")
    make_account("manager", "boris")
    for _ in range(5):
        assert accounts.authenticate("nobody", "guess guess") is None  # says nothing of names
        assert accounts.authenticate("boris", "guess guess") is None
    with pytest.raises(accounts.SignInPaused):
        accounts.authenticate("nobody", "guess guess")
    assert accounts.authenticate("anna", TEST_PASSWORD) is not None  # others sign in as usual
    accounts.set_password("anna", "boris", "a brand new password")
    assert accounts.authenticate("boris", "a brand new password").username == "boris"


def test_the_sign_in_form_says_when_to_try_again() -> None:
    make_account("manager", "boris")
    for _ in range(5):
        accounts.authenticate("boris", "wrong password!")
    at = app_test(role=None).run()
    at.text_input(key="sign_in_user").input("boris")
    at.text_input(key="sign_in_password").input(TEST_PASSWORD)
    at.button[0].click().run()
    assert "Too many wrong passwords" in at.error[0].value
    assert "Try again in 15 min" in at.error[0].value
    assert USER_KEY not in at.session_state


def test_passwords_are_stored_as_argon2_hashes() -> None:
    make_account("viewer", "vera")
    with sqlite3.connect(control_path()) as con:
        stored = con.execute("select password_hash from users where username = 'vera'").fetchone()
    assert stored[0].startswith("$argon2id$")
    assert TEST_PASSWORD not in stored[0]
    assert accounts.authenticate("vera", TEST_PASSWORD).username == "vera"


def test_the_last_admin_stays() -> None:
    make_account("admin", "admin")
    with pytest.raises(accounts.InvalidAccount, match="last admin"):
        accounts.update_account("admin", "admin", role="manager", active=True)
    with pytest.raises(accounts.InvalidAccount, match="last admin"):
        accounts.update_account("admin", "admin", role="admin", active=False)
    assert accounts.account("admin").role == "admin"


# --- each role × each page ----------------------------------------------------------------


@pytest.mark.usefixtures("community_data")
@pytest.mark.parametrize("role", ["admin", "manager", "viewer"])
@pytest.mark.parametrize("page", ALL_PAGES)
def test_each_role_opens_its_pages_and_is_refused_the_others(role: str, page: str) -> None:
    """Allowed pages open through the app's navigation and draw without an error; the others,
    asked for by their address (the page runs on its own), refuse before drawing anything."""
    allowed = page in {"admin": ALL_PAGES, "manager": MANAGER_PAGES, "viewer": VIEWER_PAGES}[role]
    allowed = allowed or page == "pages/account.py"
    if allowed:
        at = app_test(role)
        at.query_params["period"] = "month"
        at.query_params["month"] = "2024-05-01"
        at.run()
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert not [e for e in at.error if "don't have access" in e.value]
        assert at.title, f"{page} drew nothing for {role}"
        return
    at = AppTest.from_file(str(REPO_ROOT / page), default_timeout=60)
    at.session_state[APP_RAN] = True
    at.session_state[USER_KEY] = make_account(role)
    at.session_state[ROLE_KEY] = "admin"  # what the session claims does not count, the store does
    at.run()
    assert not at.exception, at.exception
    assert [e for e in at.error if "don't have access" in e.value]
    assert not at.title and not at.metric and not at.dataframe


def test_a_page_asked_for_before_signing_in_asks_for_the_sign_in() -> None:
    make_account("manager")
    at = AppTest.from_file(str(REPO_ROOT / "pages/members.py"), default_timeout=60)
    at.session_state[APP_RAN] = True
    at.run()
    assert at.title[0].value == "Sign in to Community Pulse"
    assert not at.dataframe


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("viewer", [*VIEWER_PAGES, "pages/account.py"]),
        ("manager", MANAGER_PAGES),
        ("admin", ALL_PAGES),
    ],
)
def test_navigation_lists_only_the_pages_of_the_role(role: str, expected: list[str]) -> None:
    from pages._access import Visitor, pages_for

    assert [page.path for page in pages_for(Visitor(role, role, role, "en"))] == expected


def test_a_shared_link_lists_the_kpi_pages_but_not_the_account_page() -> None:
    from pages._access import Visitor, pages_for

    make_account("manager")
    link, _token = links.create_link("manager", days=7)
    assert [page.path for page in pages_for(Visitor("viewer", None, "link", "en", link))] == (
        VIEWER_PAGES
    )


@pytest.mark.usefixtures("community_data")
def test_a_viewer_sees_no_post_texts_on_channels_and_content() -> None:
    for role, sees_text in (("manager", True), ("viewer", False)):
        at = app_test(role)
        at.query_params["period"] = "custom"
        at.query_params["from"], at.query_params["to"] = "2024-05-01", "2024-05-31"
        at.run()
        at.switch_page("pages/channels.py").run()
        assert not at.exception
        top = at.dataframe[1].value
        assert ("excerpt" in top.columns) is sees_text, role
        shown = " ".join(str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel())
        assert ("Личное сообщение" in shown) is sees_text


# --- every write checks the role ------------------------------------------------------------


def _member_ids() -> list[str]:
    with read_connection() as con:
        return [
            r[0] for r in con.execute("select member_id from core.members order by 1").fetchall()
        ]


def _writes() -> list[tuple[str, Callable[[str], object]]]:
    first, second = _member_ids()[:2]
    return [
        (
            "target",
            lambda who: targets.set_target("members_total", "month", date(2024, 5, 1), 5, user=who),
        ),
        (
            "event",
            lambda who: events.save_event(
                events.EventDraft(
                    title="Субботник",
                    format="offline",
                    starts_local=datetime(2024, 5, 10, 10),
                    ends_local=datetime(2024, 5, 10, 12),
                    timezone="UTC",
                ),
                who,
            ),
        ),
        ("feedback", lambda who: feedback.log_feedback(who, score=5, text="ok")),
        ("merge", lambda who: members.merge_members(first, second, who)),
        (
            "role",
            lambda who: roles.assign_role(
                who,
                member_id=first,
                role="mentor",
                started_on=date(2024, 5, 1),
                cadence_count=1,
                cadence_per="month",
            ),
        ),
        ("link", lambda who: links.create_link(who, days=7)),
        ("setting", lambda who: community.set_setting("timezone", "Europe/Kyiv", who)),
        ("account", lambda who: accounts.create_account(who, "newbie", "viewer", TEST_PASSWORD)),
    ]


MANAGER_MAY = {"target", "event", "feedback", "merge", "role", "link"}


WRITES = ["target", "event", "feedback", "merge", "role", "link", "setting", "account"]


@pytest.mark.usefixtures("community_data")
@pytest.mark.parametrize("what", WRITES)
@pytest.mark.parametrize("role", ["viewer", "manager", "nobody", "switched-off"])
def test_writes_refuse_who_may_not_make_them(role: str, what: str) -> None:
    write = dict(_writes())[what]
    if role == "switched-off":
        who = make_account("manager", "gone")
        accounts.update_account("admin", who, role="manager", active=False)
    elif role == "nobody":
        who = ""  # a shared link's session has no account
    else:
        who = make_account(role)
    if role == "manager" and what in MANAGER_MAY:
        write(who)  # allowed (what it writes is tested elsewhere)
        return
    with pytest.raises(accounts.NotAllowed):
        write(who)


def test_an_admin_may_make_every_write_including_accounts_and_settings() -> None:
    make_account("admin")
    accounts.create_account("admin", "vera", "viewer", TEST_PASSWORD)
    community.set_setting("timezone", "Europe/Kyiv", "admin")
    assert accounts.account("vera").role == "viewer"


# --- shared links ---------------------------------------------------------------------------


def test_a_link_is_signed_expires_and_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    make_account("manager")
    link, token = links.create_link("manager", days=30, channels=["telegram:1"], label="Board")
    assert links.open_link(token).channels == ["telegram:1"]

    link_id, expires, signature = token.split(".")
    forged_expiry = f"{link_id}.{int(expires) + 86400}.{signature}"
    with pytest.raises(links.LinkInvalid, match="changed"):
        links.open_link(forged_expiry)
    with pytest.raises(links.LinkInvalid, match="changed"):
        links.open_link(f"{link_id}.{expires}.{signature[:-2]}xx")
    with pytest.raises(links.LinkInvalid, match="incomplete"):
        links.open_link(link_id)

    links.revoke("manager", link.link_id)
    with pytest.raises(links.LinkInvalid, match="switched off"):
        links.open_link(token)
    links.restore("manager", link.link_id)
    assert links.open_link(token).link_id == link.link_id

    later = links._now() + timedelta(days=31)  # noqa: SLF001
    monkeypatch.setattr(links, "_now", lambda: later)
    with pytest.raises(links.LinkInvalid, match="expired"):
        links.open_link(token)


def test_a_link_made_with_another_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    make_account("manager")
    _link, token = links.create_link("manager", days=1)
    monkeypatch.setenv("PULSE_SECRET_KEY", "another install")
    with pytest.raises(links.LinkInvalid, match="changed"):
        links.open_link(token)


def test_a_link_lasts_between_one_day_and_a_year() -> None:
    make_account("manager")
    for days in (0, 367):
        with pytest.raises(ValueError, match="1 to 366 days"):
            links.create_link("manager", days=days)


@pytest.mark.usefixtures("community_data")
def test_opening_a_shared_link_shows_the_overview_without_an_account_until_revoked() -> None:
    make_account("manager")
    link, token = links.create_link(
        "manager", days=7, filters={"period": "month", "month": "2024-05-01"}
    )
    at = app_test(role=None)
    at.query_params["share"] = token
    at.run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert at.metric  # the KPIs are there
    assert not [b for b in at.button if b.label == "Sign out"]
    assert at.selectbox(key="filter_period").disabled  # the link fixed the period
    assert at.selectbox(key="filter_period").value == "month"
    assert at.session_state[ROLE_KEY] == "viewer"

    links.revoke("manager", link.link_id)
    at.run()  # the open page stops at once
    assert at.error and not at.metric
    at = app_test(role=None)
    at.query_params["share"] = token
    at.run()  # and opening the link again says why
    assert "switched off" in at.error[0].value
    assert not at.metric


def test_a_link_fixed_to_channels_offers_only_those(tmp_path: Path) -> None:
    chat = ChatBuilder("Чат", chat_id=1)
    chat.message("2024-05-02 10:00", "Аня", "Привет")
    news = ChatBuilder("Новости", chat_id=2, kind="public_channel")
    news.message("2024-05-04 12:00", "Новости", "Анонс", from_id="channel2")
    for builder, name in ((chat, "chat.json"), (news, "news.json")):
        assert not ingest_telegram_export(builder.write(tmp_path / name)).failed
    build()
    with read_connection() as con:
        channel_ids = [
            r[0] for r in con.execute("select channel_id from core.channels order by 1").fetchall()
        ]
    assert len(channel_ids) == 2
    make_account("manager")
    _link, token = links.create_link("manager", days=7, channels=channel_ids[1:])
    at = app_test(role=None)
    at.query_params["share"] = token
    at.run()
    assert not at.exception
    assert (
        at.selectbox(key="filter_channel").options == [channel_ids[1]]
        or len(at.selectbox(key="filter_channel").options) == 1
    )
    assert at.session_state["channel"] == channel_ids[1]
