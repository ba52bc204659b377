"""The Timepad API source, against a local fake of api.timepad.ru answering in Timepad's format."""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import pipelines.sources
from pipelines import timepad as timepad_source
from pipelines.ingest import IngestResult, refresh_api
from tests.fake_timepad_api import FakeTimepadApi
from warehouse.connection import read_connection, write_connection
from warehouse.models import run_models
from warehouse.settings import SQL_DIR

TOKEN_ENV = "PULSE_TEST_TIMEPAD_TOKEN"
ORG = 123
MSK = timezone(timedelta(hours=3))
# Event status depends on the real clock (the staging view compares with now), so the fixture's
# dates are relative to it.
NOW = datetime.fromtimestamp(int(time.time()), UTC).replace(minute=0, second=0)
OLD_EVENTS = 101  # with the others: more than one page of events (100)
BIG_ORDERS = 260  # more than one page of orders (250)
ORIGINAL_API_SOURCES = pipelines.sources.api_sources


def at(days: float, hour: int = 19, *, colon: bool = True) -> str:
    """A Moscow time `days` from now as Timepad writes it (+03:00, or +0300 as the API often
    does)."""
    moment = (NOW + timedelta(days=days)).astimezone(MSK).replace(hour=hour, minute=0)
    text = moment.isoformat(timespec="seconds")
    return text if colon else text[:-3] + text[-2:]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


# --- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Timepad as a known API source (until pipelines/sources.py lists it)."""
    sources = lambda: {**ORIGINAL_API_SOURCES(), "timepad": timepad_source.SPEC}  # noqa: E731
    monkeypatch.setattr("pipelines.sources.api_sources", sources)
    monkeypatch.setattr("pipelines.ingest.api_sources", sources)


class Org:
    """The fake organisation's notable events and orders."""

    def __init__(self, fake: FakeTimepadApi) -> None:
        self.fake = fake
        for n in range(OLD_EVENTS):  # long over, no orders: read once, then settled
            fake.add_event(f"Встреча {n}", at(-400 + n), at(-400 + n, 21), registration_open=False)
        self.old = fake.add_event(
            "Субботник", at(-200, colon=False), at(-200, 22, colon=False), registration_open=False
        )
        self.old_order = fake.add_order(
            self.old["id"],
            at(-210),
            mail="",
            tickets=[{"name": "Гриша", "surname": "Без Почты", "phone": "8 (912) 345-67-89"}],
        )
        self.recent = fake.add_event("Митап", at(-10), at(-10, 22), registration_open=False)
        self.anna_first = fake.add_order(
            self.recent["id"],
            at(-20, 10),
            mail="Anna@Example.com",
            tickets=[
                {
                    "name": "Анна",
                    "surname": "Петрова",
                    "mail": " ANNA@example.com ",
                    "phone": "+7 912 000-11-22",
                    "telegram": "@AnnaP",
                    "checked_in_at": at(-10, 18),
                }
            ],
            utm_source="VK",
        )
        # the same person registered again: one participant, first registration, checked in
        fake.add_order(
            self.recent["id"],
            at(-15, 10),
            mail="anna@example.com",
            tickets=[{"name": "Анна", "surname": "Петрова", "mail": "anna@example.com"}],
            status="booked",
        )
        self.boris = fake.add_order(
            self.recent["id"],
            at(-12, 9),
            mail="boris@example.com",
            tickets=[{"name": "Борис", "surname": "Иванов", "phone": "89160001122"}],
            status="ok",
        )
        fake.add_order(
            self.recent["id"],
            at(-11, 9),
            mail="viktor@example.com",
            tickets=[{"name": "Виктор", "surname": "Отказов", "mail": "viktor@example.com"}],
            status="rejected",
        )
        self.big = fake.add_event("Конференция", at(20), at(21, 18), tickets_total=300)
        for n in range(BIG_ORDERS):
            fake.add_order(
                self.big["id"],
                at(-5 + n / 1000, 12),
                mail=f"guest{n}@example.com",
                tickets=[{"name": f"Гость{n}", "surname": "Тест", "mail": f"guest{n}@example.com"}],
                status="paid" if n % 2 else "not_paid",
            )
        self.online = fake.add_event(
            "Вебинар", at(5), at(5, 21), city="Онлайн", address=None, registration_open=False
        )
        self.deleted = fake.add_event("Отменённая встреча", at(3), at(3, 21), status="deleted")


@pytest.fixture
def timepad(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTimepadApi]:
    with FakeTimepadApi(ORG) as fake:
        monkeypatch.setenv(TOKEN_ENV, fake.token)
        yield fake


@pytest.fixture
def org(timepad: FakeTimepadApi) -> Org:
    return Org(timepad)


def refresh(fake: FakeTimepadApi, **options: Any) -> IngestResult:
    settings = {
        "organization_id": ORG,
        "base_url": fake.base_url,
        "token_env": TOKEN_ENV,
        "retry_backoff": 0.001,
        **options,
    }
    return refresh_api("timepad", {"kind": "timepad", "name": "org", **settings})


def build_timepad_models(tmp_path: Path) -> None:
    """Build only the Timepad staging models with the real model runner."""
    sql = tmp_path / "sql"
    shutil.rmtree(sql, ignore_errors=True)
    (sql / "staging").mkdir(parents=True)
    (sql / "tests").mkdir()
    for model in (SQL_DIR / "staging").glob("stg_timepad__*.sql"):
        shutil.copy(model, sql / "staging")
    with write_connection() as con:
        run_models(con, timepad_source.SPEC.raw_tables, sql_dir=sql)


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def staging(model: str) -> list[tuple]:
    return rows(f"select * from staging.stg_timepad__{model} order by all")


# --- the staging contract ---------------------------------------------------------------------
CONTRACT = {
    "events": "event_id VARCHAR, title VARCHAR, format VARCHAR, starts_at TIMESTAMP, "
    "ends_at TIMESTAMP, place VARCHAR, channel_id VARCHAR, status VARCHAR, "
    "registration_target BIGINT",
    "event_participants": "participation_id VARCHAR, event_id VARCHAR, identity_id VARCHAR, "
    "display_name VARCHAR, email VARCHAR, phone VARCHAR, handle VARCHAR, "
    "registered_at TIMESTAMP, attended BOOLEAN, checked_in_at TIMESTAMP, "
    "minutes_attended DOUBLE, participant_role VARCHAR, source_channel VARCHAR",
    "identities": "identity_id VARCHAR, platform VARCHAR, external_user_id VARCHAR, "
    "handle VARCHAR, display_name VARCHAR, email VARCHAR, phone VARCHAR, is_team BOOLEAN, "
    "is_bot BOOLEAN",
}
UNIQUE = {
    "events": "event_id",
    "event_participants": "participation_id",
    "identities": "identity_id",
}


def assert_contract() -> None:
    for model, columns in CONTRACT.items():
        described = rows(f"describe staging.stg_timepad__{model}")
        assert ", ".join(f"{name} {kind}" for name, kind, *_ in described) == columns, model
        column = UNIQUE[model]
        duplicates = rows(
            f"select {column} from staging.stg_timepad__{model} group by 1 having count(*) > 1"
        )
        assert duplicates == [], model


def test_models_build_on_empty_raw_tables_before_any_refresh(tmp_path: Path) -> None:
    build_timepad_models(tmp_path)
    assert_contract()
    assert staging("events") == []


# --- loading ----------------------------------------------------------------------------------
def test_first_refresh_loads_every_page_of_events_and_orders(
    timepad: FakeTimepadApi, org: Org, tmp_path: Path
) -> None:
    result = refresh(timepad)
    assert result.status == "ok", result.messages
    events_total = OLD_EVENTS + 5
    assert f"{events_total} events" in result.messages[0]

    skips = [q["skip"] for path, q in timepad.calls if path == "/events"]
    assert skips == ["0", "100"]
    assert timepad.orders_read().count(org.big["id"]) == 2  # 260 orders: two pages
    assert rows("select count(*) from raw_timepad.events") == [(events_total,)]
    assert rows("select count(*) from raw_timepad.orders where event_id = ?", [org.big["id"]]) == [
        (BIG_ORDERS,)
    ]

    build_timepad_models(tmp_path)
    assert_contract()
    events = {r[0]: r for r in staging("events")}
    assert len(events) == events_total
    recent = events[f"timepad:{org.recent['id']}"]
    assert recent[1:] == (
        "Митап",
        "offline",
        utc(org.recent["starts_at"]),
        utc(org.recent["ends_at"]),
        "Москва, ул. Тверская, 1",
        None,
        "done",
        100,
    )
    assert events[f"timepad:{org.old['id']}"][3] == utc(org.old["starts_at"][:-2] + ":00")
    big = events[f"timepad:{org.big['id']}"]
    assert (big[2], big[7], big[8]) == ("offline", "registration", 300)
    online = events[f"timepad:{org.online['id']}"]
    assert (online[2], online[5], online[7]) == ("online", org.online["url"], "planned")
    assert events[f"timepad:{org.deleted['id']}"][7] == "cancelled"


def test_participants_are_one_per_person_checked_in_or_not_rejected_left_out(
    timepad: FakeTimepadApi, org: Org, tmp_path: Path
) -> None:
    assert refresh(timepad).status == "ok"
    build_timepad_models(tmp_path)

    recent = f"timepad:{org.recent['id']}"
    participants = rows(
        "select identity_id, display_name, email, phone, handle, registered_at, attended, "
        "checked_in_at, participant_role, source_channel "
        "from staging.stg_timepad__event_participants where event_id = ? order by identity_id",
        [recent],
    )
    anna_checkin = org.anna_first["tickets"][0]["attendance"]["starts_at"]
    assert participants == [
        (
            "timepad:anna@example.com",
            "Анна Петрова",
            "anna@example.com",
            "+79120001122",
            "annap",
            utc(org.anna_first["created_at"]),  # the first of her two orders
            True,
            utc(anna_checkin),
            "guest",
            "vk",
        ),
        (
            # no e-mail in the ticket's answers: the order's e-mail identifies him
            "timepad:boris@example.com",
            "Борис Иванов",
            "boris@example.com",
            "+79160001122",
            None,
            utc(org.boris["created_at"]),
            False,
            None,
            "guest",
            None,
        ),
    ]
    # e-mail missing everywhere: the phone is the person key
    assert rows(
        "select identity_id, email, phone from staging.stg_timepad__identities "
        "where display_name = 'Гриша Без Почты'"
    ) == [("timepad:+79123456789", None, "+79123456789")]
    assert rows(
        "select count(*) from staging.stg_timepad__event_participants where event_id = ?",
        [f"timepad:{org.big['id']}"],
    ) == [(BIG_ORDERS,)]
    assert rows("select count(*) from staging.stg_timepad__identities") == [(BIG_ORDERS + 3,)]
    assert rows(
        "select count(*) from staging.stg_timepad__identities where email like 'viktor%'"
    ) == [(0,)]


def test_second_refresh_rereads_orders_of_upcoming_and_recent_events_only(
    timepad: FakeTimepadApi, org: Org, tmp_path: Path
) -> None:
    assert refresh(timepad).status == "ok"
    first_read = set(timepad.orders_read())
    assert len(first_read) == OLD_EVENTS + 5

    timepad.calls.clear()
    late = timepad.add_order(
        org.recent["id"],
        at(-10, 17),
        mail="dina@example.com",
        tickets=[{"name": "Дина", "mail": "dina@example.com", "checked_in_at": at(-10, 19)}],
    )
    # a change to a long-finished event is not read again: its orders were final
    timepad.add_order(org.old["id"], at(-199), mail="late@example.com", tickets=[{"name": "X"}])
    result = refresh(timepad)
    assert result.status == "ok", result.messages

    assert set(timepad.orders_read()) == {
        org.recent["id"],
        org.big["id"],
        org.online["id"],
        org.deleted["id"],
    }
    assert f"{OLD_EVENTS + 1} long finished" in result.messages[0]
    assert rows("select count(*) from raw_timepad.orders where order_id = ?", [late["id"]]) == [
        (1,)
    ]
    assert rows("select count(*) from raw_timepad.orders where event_id = ?", [org.old["id"]]) == [
        (1,)
    ]


def test_refreshing_again_with_identical_answers_changes_nothing(
    timepad: FakeTimepadApi, org: Org, tmp_path: Path
) -> None:
    models = list(CONTRACT)
    raw = "select count(*), count(distinct columns(*)) from raw_timepad.{0}"
    assert refresh(timepad).status == "ok"
    build_timepad_models(tmp_path)
    before = {m: staging(m) for m in models}
    raw_before = [rows(raw.format(t)) for t in timepad_source.TABLES]

    assert refresh(timepad).status == "ok"
    build_timepad_models(tmp_path)

    assert {m: staging(m) for m in models} == before
    assert [rows(raw.format(t)) for t in timepad_source.TABLES] == raw_before


# --- failures ---------------------------------------------------------------------------------
def test_an_invalid_token_fails_and_is_nowhere_to_be_seen(
    timepad: FakeTimepadApi,
    org: Org,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "tp-WRONG-token-4c1d9e"
    monkeypatch.setenv(TOKEN_ENV, wrong)
    caplog.set_level(logging.DEBUG)

    result = refresh(timepad)

    assert result.failed
    message = result.messages[0]
    assert "Timepad source 'org'" in message and "HTTP 401" in message and "invalid" in message
    assert TOKEN_ENV in message and ".dlt/secrets.toml" in message
    assert len(timepad.calls) == 1  # no retries: only a new token helps
    logged = rows("select message from app.source_runs")
    assert logged and wrong not in json.dumps(result.__dict__) + caplog.text + str(logged)
    assert rows(
        "select count(*) from information_schema.tables where table_schema = 'raw_timepad'"
    ) == [(0,)]


def test_forbidden_says_the_token_lacks_access(timepad: FakeTimepadApi, org: Org) -> None:
    timepad.statuses = [403]
    result = refresh(timepad)
    assert result.failed and "HTTP 403" in result.messages[0]
    assert "does not give access" in result.messages[0] and TOKEN_ENV in result.messages[0]


def test_too_many_requests_waits_and_tries_again(timepad: FakeTimepadApi, org: Org) -> None:
    timepad.statuses = [429, 429]
    result = refresh(timepad)
    assert result.status == "ok", result.messages
    assert [q["skip"] for path, q in timepad.calls[:4]] == ["0", "0", "0", "100"]


def test_server_errors_that_persist_fail_after_bounded_tries_naming_the_endpoint(
    timepad: FakeTimepadApi, org: Org
) -> None:
    timepad.always_status = 503
    result = refresh(timepad, retries=2)
    assert result.failed
    assert "events" in result.messages[0] and "after 3 tries" in result.messages[0]
    assert len(timepad.calls) == 3


def test_a_missing_token_or_organisation_is_named(
    timepad: FakeTimepadApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    result = refresh(timepad)
    assert result.failed and TOKEN_ENV in result.messages[0] and timepad.calls == []
    result = refresh(timepad, organization_id=None)
    assert result.failed and "organization_id" in result.messages[0]


def test_a_malformed_event_fails_naming_the_endpoint_and_loads_nothing(
    timepad: FakeTimepadApi, org: Org
) -> None:
    org.big["starts_at"] = "скоро"
    result = refresh(timepad)
    assert result.failed
    assert "events" in result.messages[0] and "starts_at" in result.messages[0]
    assert rows(
        "select count(*) from information_schema.tables where table_schema = 'raw_timepad'"
    ) == [(0,)]
