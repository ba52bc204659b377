"""Fifty form entries made while a refresh holds the warehouse are all there afterwards.

A separate process holds the warehouse's write lock, as a scheduled refresh does while it loads and
builds. Meanwhile five people (threads) each make ten entries of a different kind — events,
feedback, partner interactions, KPI targets, role assignments. Every entry waits its short turn,
is kept in the durable inbox, and lands exactly once when the refresh's own build runs.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import pytest

from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import REPO_ROOT, ChatBuilder
from warehouse import app_data, events, feedback, partners, roles, targets
from warehouse.accounts import OPERATOR
from warehouse.connection import read_connection

USER = OPERATOR  # the command line; role rules are tested in test_access.py
PEOPLE = ("Аня", "Борис", "Вера")
ENTRIES_EACH = 10


def rows(sql: str) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def community(tmp_path: Path) -> dict[str, object]:
    chat = ChatBuilder("Клуб", chat_id=5)
    for n, person in enumerate(PEOPLE):
        chat.message(f"2024-05-0{n + 1} 10:00", person, "Привет")
    assert not ingest_telegram_export(chat.write(tmp_path / "club" / "result.json")).failed
    build()
    event = events.save_event(
        events.EventDraft(
            title="Субботник",
            format="offline",
            starts_local=datetime(2024, 5, 10, 11, 0),
            ends_local=datetime(2024, 5, 10, 14, 0),
            timezone="Europe/Moscow",
        ),
        USER,
    )
    partner = partners.save_partner(partners.PartnerDraft("Эко-центр", "ngo"), USER)
    members = [m for (m,) in rows("select member_id from core.members order by member_id")]
    assert event.applied and partner.applied and len(members) == 3
    return {"event": event.event_id, "partner": partner.id, "members": members}


def hold_the_warehouse() -> subprocess.Popen:
    """A process that takes the write lock, like a refresh, until told to stop (stdin closes)."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
                import sys
                from warehouse.connection import write_lock
                with write_lock():
                    print("locked", flush=True)
                    sys.stdin.read()
            """),
        ],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "locked"
    return child


def test_fifty_entries_during_a_refresh_are_all_present_afterwards(
    community: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each entry waits a moment for the refresh, not the 2 s (and 10 s reads) people get
    monkeypatch.setattr(app_data, "FORM_WRITE_TIMEOUT_S", 0.2)
    monkeypatch.setattr(roles, "FORM_WRITE_TIMEOUT_S", 0.2)
    monkeypatch.setattr("warehouse.connection.READ_TIMEOUT_S", 0.2)
    event, partner, members = community["event"], community["partner"], community["members"]

    def make_events() -> list[bool]:
        return [
            events.save_event(
                events.EventDraft(
                    title=f"Встреча {n}",
                    format="online",
                    starts_local=datetime(2024, 6, n + 1, 19, 0),
                    ends_local=datetime(2024, 6, n + 1, 20, 0),
                    timezone="Europe/Moscow",
                ),
                USER,
            ).applied
            for n in range(ENTRIES_EACH)
        ]

    def give_feedback() -> list[bool]:
        return [
            feedback.log_feedback(
                USER,
                text=f"Отзыв {n}",
                score=n % 5 + 1,
                event_id=event,
                received_on=date(2024, 5, 11),
            ).applied
            for n in range(ENTRIES_EACH)
        ]

    def log_interactions() -> list[bool]:
        return [
            partners.log_interaction(
                partner,
                partners.InteractionDraft(date(2024, 5, n + 1), "call", f"Звонок {n}"),
                USER,
            ).applied
            for n in range(ENTRIES_EACH)
        ]

    def set_targets() -> list[bool]:
        return [
            targets.set_target(
                "members_total", "month", date(2025, n + 1, 1), 100 + n, user=USER
            ).applied
            for n in range(ENTRIES_EACH)
        ]

    def assign_roles() -> list[bool]:
        return [
            roles.assign_role(
                USER,
                member_id=members[n % 3],
                role=roles.ROLES[n],
                started_on=date(2024, 5, 1),
                cadence_count=1,
                cadence_per="week",
            ).applied
            for n in range(ENTRIES_EACH)
        ]

    refresh = hold_the_warehouse()
    try:
        with ThreadPoolExecutor(max_workers=5) as people:
            made = [
                people.submit(work)
                for work in (
                    make_events,
                    give_feedback,
                    log_interactions,
                    set_targets,
                    assign_roles,
                )
            ]
            applied = [ok for future in made for ok in future.result()]
        assert applied == [False] * 50  # none could wait for the refresh; all were kept
        assert len(app_data.pending_entries()) == 50
    finally:
        refresh.stdin.close()
        refresh.wait(timeout=30)

    build()  # the refresh's own build applies what waited for it

    assert not app_data.pending_entries()
    assert not list(app_data.inbox_dir().glob("*.rejected"))
    assert rows("select count(*) from core.events where title like 'Встреча %'") == [(10,)]
    assert rows("select count(*) from app.feedback where text like 'Отзыв %'") == [(10,)]
    assert rows("select count(*) from core.partner_interactions where summary like 'Звонок %'") == [
        (10,)
    ]
    assert rows("select count(*) from app.kpi_targets where target >= 100") == [(10,)]
    assert rows("select count(distinct role) from core.member_roles") == [(10,)]
    # each entry once in the bookkeeping: the event and the partner from before, 50 during it
    assert rows("select count(*) from app.applied_entries") == [(52,)]
