"""Real-browser tests: Streamlit served on 127.0.0.1, driven by Playwright in Debian's chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import REPO_ROOT, TEST_PASSWORD, ChatBuilder, make_account

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(data_dir: Path, tmp_path: Path) -> Iterator[str]:
    chat = ChatBuilder("Волонтёры — чат", chat_id=1)
    chat.join("2024-05-01 09:00", "Аня")
    q = chat.message("2024-05-02 10:00", "Аня", "Во сколько сбор?")
    chat.message("2024-05-02 10:30", "Борис", "В десять", reply_to=q)
    ingest_telegram_export(chat.write(tmp_path / "seed.json"))
    build()

    port = free_port()
    log = (tmp_path / "streamlit.log").open("w")
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "PULSE_DATA_DIR": str(data_dir)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        child.kill()
        pytest.fail("streamlit did not start: " + (tmp_path / "streamlit.log").read_text())
    yield url
    child.terminate()
    child.wait(timeout=20)
    log.close()


@pytest.fixture
def tab() -> Iterator:
    """A fresh browser tab, nobody signed in."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1600})
        tab.set_default_timeout(60_000)
        yield tab
        browser.close()


def sign_in(tab, server: str, username: str, password: str = TEST_PASSWORD) -> None:  # noqa: ANN001
    """Sign in through the form; the browser keeps the session cookie for later visits."""
    tab.goto(f"{server}/data")  # a fresh server's first visitor, straight to a page's URL
    wait_idle(tab)
    tab.get_by_label("User name").fill(username)
    tab.get_by_role("textbox", name="Password").fill(password)
    tab.get_by_role("textbox", name="Password").press("Enter")
    tab.get_by_text("Signed in as").wait_for()
    wait_idle(tab)


@pytest.fixture
def page(server: str, tab):  # noqa: ANN001, ANN201
    """A tab signed in as a manager."""
    make_account("manager")
    sign_in(tab, server, "manager")
    return tab


def metric(page, label: str) -> str:  # noqa: ANN001
    card = page.locator("[data-testid='stMetric']", has_text=label).first
    return card.locator("[data-testid='stMetricValue']").inner_text()


def wait_idle(page) -> None:  # noqa: ANN001
    page.wait_for_selector(IDLE)
    page.wait_for_timeout(300)  # a rerun may start right after the first one
    page.wait_for_selector(IDLE)


def test_overview_shows_kpis_and_keeps_the_filters_in_the_url(server: str, page) -> None:  # noqa: ANN001
    page.goto(f"{server}/?period=custom&from=2024-05-01&to=2024-05-31")
    wait_idle(page)
    page.get_by_text("Every KPI").wait_for()

    assert metric(page, "Members") == "2"
    assert metric(page, "Active members") == "2"
    assert metric(page, "First response") == "30 min"
    assert page.get_by_role("button", name="Report as PDF").is_visible()
    page.emulate_media(media="print")  # printing leaves out the sidebar and the buttons
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    assert not page.get_by_role("button", name="Report as PDF").is_visible()
    assert page.get_by_text("Every KPI").is_visible()
    page.emulate_media(media="screen")

    page.get_by_role("combobox", name="Compare with").click()
    page.get_by_role("option", name="Same period a year earlier").click()
    wait_idle(page)
    page.wait_for_url("**compare=year_earlier**")

    page.get_by_role("combobox", name="Period").click()
    page.get_by_role("option", name="Last 7 days").click()
    wait_idle(page)
    page.wait_for_url("**period=last_7**")
    assert "from=" not in page.url


def test_a_manager_uploads_a_telegram_export_and_sees_it_counted(
    server: str,
    page,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    more = ChatBuilder("Волонтёры — второй чат", chat_id=2)
    for minute in range(5):
        more.message(f"2024-05-10 12:0{minute}", "Вера", f"Сообщение {minute}")
    export = more.write(tmp_path / "result.json")

    page.goto(f"{server}/data")  # a fresh server's first visitor, straight to a page's URL
    wait_idle(page)
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert "Filters" in sidebar and "common" not in sidebar  # app.py ran: not legacy pages/ mode
    page.locator("input[type='file']").set_input_files(str(export))
    page.get_by_role("button", name="Load export").click()
    page.get_by_text("result.json loaded").wait_for()
    assert page.get_by_text("5 messages in 1 chats loaded").is_visible()

    page.goto(f"{server}/?period=custom&from=2024-05-01&to=2024-05-31")
    wait_idle(page)
    page.get_by_text("Every KPI").wait_for()
    assert metric(page, "Active members") == "3"  # Вера, from the new file


def test_a_manager_runs_an_event_from_the_browser_and_the_cli_agrees(
    server: str,
    page,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    """Create an event, import its registrations and its Zoom attendance, check in a walk-in, and
    read the funnel, all in the browser; `python -m pipelines events` gives the same numbers."""
    import json
    from urllib.parse import parse_qs, urlparse

    from tests.test_event_kpis import zoom_report

    registrations = tmp_path / "registrations.csv"
    registrations.write_text(
        "Timestamp,Email Address,Name\n"
        "5/1/2024 9:00:00,anna@example.org,Анна\n"
        "5/2/2024 9:00:00,boris@example.org,Борис\n"
        "5/3/2024 9:00:00,vera@example.org,Вера\n",
        encoding="utf-8",
    )
    attendance = zoom_report(
        tmp_path / "zoom.csv",
        "111 222 333",
        "05/10/2024",
        [
            ("Анна", "anna@example.org", "10:01", "10:31"),
            ("Анна", "anna@example.org", "10:40", "11:00"),  # rejoined: one attendance
            ("Борис", "boris@example.org", "10:02", "11:00"),
        ],
    )

    # through the app's entry first: a fresh server's first deep link reruns once more (see
    # require_app_entry), and a rerun landing mid-typing would close the form's expander
    page.goto(server)
    wait_idle(page)
    page.goto(f"{server}/events")
    wait_idle(page)
    page.locator("[data-testid='stExpander'] summary", has_text="New event").click()
    title = page.get_by_role("textbox", name="Title", exact=True)
    title.fill("Онлайн-субботник")
    # Enter in a form's text field submits the form with what was typed (a click right after
    # typing could race the field's commit and be dropped)
    title.press("Enter")
    try:
        page.locator("h1", has_text="Онлайн-субботник").wait_for()  # the new event's own page
    except Exception:
        page.screenshot(path=str(tmp_path / "create-event.png"), full_page=True)
        raise AssertionError(page.locator("[data-testid='stMain']").inner_text()) from None
    wait_idle(page)
    event_id = parse_qs(urlparse(page.url).query)["event"][0]

    page.get_by_role("tab", name="Import").click()
    page.locator("[data-testid='stFileUploader']", has_text="Registrations CSV").locator(
        "input[type='file']"
    ).set_input_files(str(registrations))
    wait_idle(page)
    page.get_by_role("button", name="Load file").click()
    page.get_by_text("registrations.csv loaded").wait_for()
    zoom_uploader = page.locator("[data-testid='stFileUploader']", has_text="Zoom participants")
    zoom_uploader.locator("input[type='file']").set_input_files(str(attendance))
    zoom_uploader.get_by_text("zoom.csv").wait_for()  # uploaded before the form is sent
    page.get_by_role("button", name="Load attendance").click()
    page.get_by_text("zoom.csv loaded").wait_for()

    page.get_by_role("tab", name="Check-in").click()
    name = page.get_by_role("textbox", name="Name", exact=True)
    name.fill("Гена")
    name.press("Enter")  # submits the walk-in form, as for the new event above
    page.get_by_role("checkbox", name="Гена · not registered · new to the community").wait_for()
    wait_idle(page)

    page.get_by_role("tab", name="Summary").click()
    # registered Анна, Борис, Вера; came Анна and Борис (Zoom, matched by e-mail) and Гена
    assert metric(page, "Registered") == "3"
    assert metric(page, "Came") == "3"
    assert metric(page, "Check-in rate") == "100.0\u00a0%"
    assert metric(page, "First-time") == "3"
    assert metric(page, "Repeat") == "0"

    cli = subprocess.run(
        [sys.executable, "-m", "pipelines", "events", "--event-id", event_id],
        cwd=REPO_ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
        check=True,
    )
    (listed,) = json.loads(cli.stdout)["events"]
    assert (listed["registrations"], listed["attendees"], listed["checkin_rate_pct"]) == (
        3,
        3,
        100.0,
    )
    assert (listed["new_attendees"], listed["repeat_attendees"]) == (3, 0)


def test_a_manager_records_a_partner_and_sees_what_its_project_brought(
    server: str,
    page,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    """Record a partner, log three interactions, create a joint project with a tracking code, and
    read the members and registrations it brought and its uplift, all in the browser."""
    from pipelines.ingest import ingest_file
    from tests.test_event_kpis import zoom_report

    # registrations through the real loaders: a Google Form asking where people heard of the
    # meeting (Ира and Олег answer the partner's code "school5", Петя another source), and the
    # Zoom reports of that meeting (Ира and Олег came) and of a later one (Ира came again)
    form = tmp_path / "form.csv"
    form.write_text(
        "Отметка времени,Адрес электронной почты,Имя,Откуда вы узнали о встрече?\n"
        "05.05.2024 09:00:00,ira@example.org,Ира,school5\n"
        "06.05.2024 09:00:00,oleg@example.org,Олег,School5\n"
        "07.05.2024 09:00:00,petya@example.org,Петя,ВКонтакте\n",
        encoding="utf-8",
    )
    first = zoom_report(
        tmp_path / "first.csv",
        "555 666 777",
        "05/15/2024",
        [
            ("Ира", "ira@example.org", "10:00", "11:00"),
            ("Олег", "oleg@example.org", "10:00", "11:00"),
        ],
    )
    later = zoom_report(
        tmp_path / "later.csv",
        "888 999 000",
        "06/10/2024",
        [("Ира", "ira@example.org", "10:00", "11:00")],
    )
    for kind, path, options in (
        ("zoom-participants", first, {}),
        ("zoom-participants", later, {}),
        ("google-forms", form, {"event_id": "zoom:555666777"}),
    ):
        assert not ingest_file(kind, path, **options).failed
    build()

    page.goto(server)  # through the app's entry first (see the event test above)
    wait_idle(page)
    page.goto(f"{server}/partners")
    wait_idle(page)
    page.locator("[data-testid='stExpander'] summary", has_text="New partner").click()
    name = page.get_by_role("textbox", name="Name", exact=True)
    name.fill("Школа №5")
    name.press("Enter")  # submits the form with what was typed
    page.locator("h1", has_text="Школа №5").wait_for()  # the new partner's profile
    wait_idle(page)

    page.get_by_role("tab", name="Log interaction").click()
    interactions = page.locator("[data-testid='stMetric']", has_text="Interactions (90 d)")
    for n, summary in enumerate(("Первый звонок", "Встреча с директором", "Письмо с планом")):
        field = page.get_by_role("textbox", name="Summary", exact=True)
        field.fill(summary)
        field.press("Enter")  # the form clears itself for the next one
        interactions.locator("[data-testid='stMetricValue']", has_text=str(n + 1)).wait_for()
        wait_idle(page)
    assert metric(page, "Last contact") == "today"
    page.get_by_role("tab", name="Timeline").click()
    for summary in ("Первый звонок", "Встреча с директором", "Письмо с планом"):
        assert page.get_by_text(summary, exact=True).is_visible()

    page.get_by_role("tab", name="New project").click()
    page.get_by_role("textbox", name="UTM sources").fill("school5")
    # a date field is three spin buttons; typing the digits fills day, month and year in turn
    for label, digits in (("First day", "01052024"), ("Last day", "10052024")):
        page.get_by_role("spinbutton", name=f"day, {label}").click()
        page.keyboard.type(digits)
    title = page.get_by_role("textbox", name="Project title")
    title.fill("Неделя волонтёра")
    title.press("Enter")
    try:
        page.get_by_text("Project created").wait_for()
    except Exception:
        page.screenshot(path=str(tmp_path / "create-project.png"), full_page=True)
        raise AssertionError(page.locator("[data-testid='stMain']").inner_text()) from None
    wait_idle(page)

    page.get_by_role("tab", name="Projects").click()
    panel = page.locator("[role='tabpanel']:visible")
    panel.locator("[data-testid='stMetric']", has_text="Uplift").wait_for()
    cards = panel.locator("[data-testid='stMetric']")
    shown = {
        cards.nth(i).locator("[data-testid='stMetricLabel']").inner_text(): cards.nth(i)
        .locator("[data-testid='stMetricValue']")
        .inner_text()
        for i in range(cards.count())
    }
    # Ира and Олег: their first activity was the registration with the code (Петя's source is
    # another) -> 2 new members, 2 registrations. Uplift, 60 days around each registration:
    # Ира came to both meetings after it -> 100 × (2/1 − 1) = 100; Олег to one -> 0; average 50
    assert shown == {"New members": "2", "Registrations": "2", "Reach": "—", "Uplift": "50 %"}


def choose(page, label: str, option: str) -> None:  # noqa: ANN001
    """Pick `option` in the select box `label`. The page is tall enough to show whole: opening a
    list near the foot of a page that scrolls scrolls it, and a scroll closes the list."""
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option).first.click()


def test_a_manager_assigns_roles_and_sees_the_coverage_board(server: str, page) -> None:  # noqa: ANN001
    """Find Борис in "Find a member", make him the mentor with the form, and read the coverage
    board: one of the twelve roles covered, Mentor no longer among the roles nobody holds."""
    from playwright.sync_api import expect

    page.goto(server)  # through the app's entry first (see the event test above)
    wait_idle(page)
    page.goto(f"{server}/roles")
    wait_idle(page)
    page.locator("h1", has_text="Roles").wait_for()
    assert metric(page, "Roles covered") == "0 of 12"
    assert "Mentor" in page.get_by_text("Nobody holds:").inner_text()

    search = page.get_by_role("textbox", name="Find a member")
    search.fill("Бор")
    search.press("Enter")  # outside the form: commits the search, which offers its first match
    expect(page.get_by_role("combobox", name="Member", exact=True)).to_have_value(
        "Борис", timeout=60_000
    )
    wait_idle(page)
    choose(page, "Role", "Mentor")
    page.get_by_role("button", name="Assign role").click()  # nothing typed since the search
    page.get_by_text("Mentor: Борис.").wait_for()
    wait_idle(page)

    # Борис holds mentor from today, once a week expected, and wrote nothing in the last 28
    # days (the seed chat is from May 2024): a holder, below his cadence
    assert metric(page, "Roles covered") == "1 of 12"
    assert metric(page, "Holders") == "1"
    assert metric(page, "Meeting their cadence") == "0"
    assert metric(page, "Below their cadence") == "1"
    nobody = page.get_by_text("Nobody holds:").inner_text()
    assert "Mentor" not in nobody and "Partner" in nobody
    assert page.get_by_text("Every assignment (1)").is_visible()


def test_a_manager_merges_two_members_and_undoes_it(
    server: str,
    page,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    """Галина Смирнова writes in two chats from two Telegram accounts: two members (two accounts
    on one platform are never suggested, so the merge starts from her profile). Merge one into
    the other, see one member, undo the merge, see two again."""
    # one chat from her usual account (its id derived from the name), another from a second one
    for chat_id, account in ((2, {}), (3, {"from_id": "user777000777"})):
        chat = ChatBuilder(f"Волонтёры — чат {chat_id}", chat_id=chat_id)
        chat.message("2024-05-03 10:00", "Галина Смирнова", "Привет!", **account)
        ingest_telegram_export(chat.write(tmp_path / f"chat{chat_id}.json"))
    build()

    page.goto(server)  # through the app's entry first (see the event test above)
    wait_idle(page)
    page.goto(f"{server}/members")
    wait_idle(page)
    heading = page.locator("[data-testid='stHeading']")
    heading.filter(has_text="4 members").wait_for()  # Аня, Борис and the two Галина
    search = page.get_by_role("textbox", name="Search")
    search.fill("Галина")
    search.press("Enter")
    heading.filter(has_text="2 members").wait_for()
    wait_idle(page)

    choose(page, "Open a profile", "Галина Смирнова")
    page.locator("h1", has_text="Галина Смирнова").wait_for()
    wait_idle(page)
    page.locator("[data-testid='stExpander'] summary", has_text="Merge another member").click()
    other = page.get_by_role("textbox", name="Find the member to merge")
    other.fill("Галина")
    other.press("Enter")
    page.get_by_role("combobox", name="Member to merge").wait_for()
    wait_idle(page)
    choose(page, "Member to merge", "Галина Смирнова")  # the other one: she is left out
    wait_idle(page)
    page.get_by_role("button", name="Merge…").click()
    page.get_by_text("Merge these two members?").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="Confirm merge").click()
    page.get_by_text("Merged. Undo it under").wait_for()
    wait_idle(page)
    assert heading.filter(has_text="Merged into this member").is_visible()
    assert page.get_by_text("Галина Смирнова merged into Галина Смирнова").is_visible()

    page.get_by_role("button", name="← All members").click()
    heading.filter(has_text="Recent merges").wait_for()
    wait_idle(page)
    # back from the profile, the search is as it was: still "Галина", now one member
    assert search.input_value() == "Галина"
    heading.filter(has_text="1 member").wait_for()  # the two Галина are one now
    wait_idle(page)
    page.get_by_role("button", name="Undo merge").click()
    page.get_by_text("Merge undone: Галина Смирнова is a member of their own again.").wait_for()
    heading.filter(has_text="2 members").wait_for()
    wait_idle(page)
    assert not page.get_by_role("button", name="Undo merge").is_visible()


def nav_links(tab) -> list[str]:  # noqa: ANN001
    tab.locator("[data-testid='stSidebarNav']").wait_for()
    texts = tab.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    return [text.split("\n")[-1].strip() for text in texts]  # the icon's name comes first


def sign_out(tab) -> None:  # noqa: ANN001
    tab.get_by_role("button", name="Sign out").click()
    tab.get_by_text("Sign in to Community Pulse").wait_for()
    wait_idle(tab)


def test_a_fresh_install_an_admin_a_viewer_and_a_shared_link(server: str, tab) -> None:  # noqa: ANN001
    # the first start asks for an admin, and nothing else is reachable
    tab.goto(server)
    tab.get_by_text("Welcome to Community Pulse").wait_for()
    tab.get_by_label("User name").fill("anna")
    tab.get_by_role("textbox", name="Password", exact=True).fill(TEST_PASSWORD)
    tab.get_by_role("textbox", name="Password again").fill(TEST_PASSWORD)
    tab.get_by_role("textbox", name="Password again").press("Enter")
    tab.get_by_text("Signed in as anna").wait_for()
    wait_idle(tab)
    assert "Administration" in nav_links(tab)

    # the admin adds a manager and a viewer
    tab.locator("[data-testid='stSidebarNav'] a", has_text="Administration").click()
    wait_idle(tab)
    for username, role in (("maria", "Manager"), ("vera", "Viewer")):
        form = tab.locator("[data-testid='stForm']", has_text="Add an account")
        form.get_by_label("User name").fill(username)
        form.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
        form.locator("[data-testid='stSelectbox']").click()
        tab.get_by_role("option", name=role, exact=True).click()
        form.get_by_role("button", name="Add account").click()
        tab.get_by_text(f"Account {username} added.").wait_for()
        wait_idle(tab)
    sign_out(tab)

    # the viewer sees the KPI pages only, and a manager's page by address is refused
    sign_in(tab, server, "vera")
    assert nav_links(tab) == ["Overview", "Growth & retention", "Channels & content", "My account"]
    tab.goto(f"{server}/members")
    tab.get_by_text("Page not found").wait_for()  # Streamlit's own refusal; the Overview runs
    assert not tab.get_by_role("heading", name="Members").count()
    tab.goto(server)
    wait_idle(tab)
    sign_out(tab)

    # the manager shares the KPI pages
    sign_in(tab, server, "maria")
    tab.locator("[data-testid='stSidebarNav'] a", has_text="Shared links").click()
    wait_idle(tab)
    tab.get_by_label("For whom or what").fill("Правление")
    tab.get_by_role("button", name="Create link").click()
    tab.get_by_text("Link created").wait_for()
    address = tab.locator("[data-testid='stCode']").first.inner_text().strip()
    assert "?share=" in address

    # someone without an account opens it: the Overview, aggregates only
    reader = tab.context.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    reader.set_default_timeout(60_000)
    reader.goto(address)
    reader.get_by_text("Read-only view shared by the community team.").wait_for()
    reader.get_by_text("Every KPI").wait_for()
    wait_idle(reader)
    assert nav_links(reader) == ["Overview", "Growth & retention", "Channels & content"]
    assert metric(reader, "Active members").isdigit()  # the KPIs, as numbers
    assert not reader.get_by_role("button", name="Sign out").count()

    # switched off, it stops working
    tab.get_by_role("button", name="Switch off").click()
    wait_idle(tab)
    reader.reload()
    reader.get_by_text("switched off").wait_for()
    assert not reader.locator("[data-testid='stMetric']").count()
