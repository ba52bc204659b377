"""Google Forms responses (en, ru in cp1251, uk) → raw_gforms → the events staging contract."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import pipelines.sources
from pipelines import google_forms as forms
from pipelines.ingest import IngestResult, ingest_file
from tests.test_zoom_participants import EVENTS, IDENTITIES, PARTICIPANTS
from warehouse.connection import read_connection, write_connection
from warehouse.models import run_models
from warehouse.settings import SQL_DIR

ORIGINAL_FILE_SOURCES = pipelines.sources.file_sources

EN = [
    [
        "Timestamp",
        "Email Address",
        "Your name",
        "Phone number",
        "Telegram username",
        "How did you hear about us? (Telegram, VK, a friend…)",
    ],
    ["1/2/2024 12:30:00", "Anna@Example.com", "Anna Smith", "", "@AnnaS", "Telegram channel"],
    ["1/13/2024 9:05:00", "bob@example.com", "Bob", "+1 (555) 010-2030", "", "A friend"],
    # Anna again, later, with a new handle: one registration, at her first answer
    ["1/20/2024 18:00:00", "anna@example.com ", "Anna Smith", "", "https://t.me/anna_new", ""],
]
RU = [
    [
        "Отметка времени",
        "Адрес электронной почты",
        "ФИО",
        "Телефон",
        "Ник в Telegram",
        "Откуда вы узнали о встрече?",
    ],
    ["02.01.2024 12:30:00", "", "Иванов Иван", "8 (916) 123-45-67", "@Ivanov", "Из чата"],
    ["03.01.2024 8:00:00", "petr@mail.ru", "Пётр Петров", "", "", "ВКонтакте"],
    # Иван again, phone written another way and now with an e-mail: the same person
    ["05.01.2024 10:00:00", "ivan@mail.ru", "Иван Иванов", "+7 916 123 45 67", "", ""],
]
UK = [
    [
        "Позначка часу",
        "Електронна адреса",
        "Ім'я та прізвище",
        "Номер телефону",
        "Телеграм",
        "Звідки ви дізналися про нас?",
    ],
    [
        "15.03.2024 19:45:10",
        "olena@ukr.net",
        "Олена Коваль",
        "380501234567",
        "olena_k",
        "Instagram",
    ],
    ["16.03.2024 7:00:00", "taras@ukr.net", "Тарас", "", "", ""],
]


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Google Forms as a known file source (until pipelines/sources.py lists it)."""
    sources = lambda: {**ORIGINAL_FILE_SOURCES(), forms.SOURCE: forms.SPEC}  # noqa: E731
    monkeypatch.setattr("pipelines.sources.file_sources", sources)
    monkeypatch.setattr("pipelines.ingest.file_sources", sources)


def write(path: Path, table: list[list[str]], encoding: str = "utf-8") -> Path:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(table)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def load(path: Path, **options: Any) -> IngestResult:
    return ingest_file(forms.SOURCE, path, **{"event_id": "app:7", "timezone": "UTC", **options})


def build(tmp_path: Path) -> None:
    sql = tmp_path / "sql"
    shutil.rmtree(sql, ignore_errors=True)
    (sql / "staging").mkdir(parents=True)
    (sql / "tests").mkdir()
    for model in (SQL_DIR / "staging").glob("stg_gforms__*.sql"):
        shutil.copy(model, sql / "staging")
    with write_connection() as con:
        run_models(con, forms.SPEC.raw_tables, sql_dir=sql)


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def participants() -> list[tuple]:
    return rows(
        "select event_id, identity_id, display_name, email, phone, handle, registered_at,"
        " attended, checked_in_at, participant_role, source_channel"
        " from staging.stg_gforms__event_participants order by registered_at"
    )


def assert_contract() -> None:
    for model, columns in (
        ("events", EVENTS),
        ("event_participants", PARTICIPANTS),
        ("identities", IDENTITIES),
    ):
        described = rows(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'staging' and table_name = ? order by ordinal_position",
            [f"stg_gforms__{model}"],
        )
        assert ", ".join(f"{n} {t}" for n, t in described) == columns, model
    for model, unique in (
        ("event_participants", "participation_id"),
        ("event_participants", "event_id, identity_id"),
        ("identities", "identity_id"),
    ):
        assert (
            rows(
                f"select {unique} from staging.stg_gforms__{model} group by all having count(*) > 1"
            )
            == []
        ), (model, unique)
    assert (
        rows(
            "select identity_id from staging.stg_gforms__event_participants"
            " anti join staging.stg_gforms__identities using (identity_id)"
        )
        == []
    )


def test_english_form_month_first_and_a_repeated_person(tmp_path: Path) -> None:
    result = load(write(tmp_path / "Meetup (Responses).csv", EN))
    assert result.status == "warning", result.messages  # Anna answered twice: said so
    assert "1 responses repeat" in result.messages[0]
    build(tmp_path)
    assert_contract()
    assert participants() == [
        (
            "app:7",
            "gforms:anna@example.com",
            "Anna Smith",
            "anna@example.com",
            None,
            "anna_new",  # the latest answer wins for her handle
            datetime(2024, 1, 2, 12, 30),  # her first answer; 1/13 makes the column month-first
            False,
            None,
            "guest",
            "Telegram channel",
        ),
        (
            "app:7",
            "gforms:bob@example.com",
            "Bob",
            "bob@example.com",
            "+15550102030",
            None,
            datetime(2024, 1, 13, 9, 5),
            False,
            None,
            "guest",
            "A friend",
        ),
    ]
    assert rows("select count(*) from staging.stg_gforms__events") == [(0,)]


def test_russian_cp1251_form_day_first_and_merged_by_phone(tmp_path: Path) -> None:
    path = write(tmp_path / "Регистрация.csv", RU, encoding="cp1251")
    assert not load(path, timezone="Europe/Moscow").failed
    build(tmp_path)
    assert_contract()
    assert participants() == [
        (
            "app:7",
            "gforms:+79161234567",  # the key of his first answer: a phone, no e-mail yet
            "Иван Иванов",
            "ivan@mail.ru",
            "+79161234567",
            "ivanov",
            datetime(2024, 1, 2, 9, 30),  # 12:30 in Moscow
            False,
            None,
            "guest",
            "Из чата",
        ),
        (
            "app:7",
            "gforms:petr@mail.ru",
            "Пётр Петров",
            "petr@mail.ru",
            None,
            None,
            datetime(2024, 1, 3, 5, 0),
            False,
            None,
            "guest",
            "ВКонтакте",
        ),
    ]
    assert rows(
        "select identity_id, display_name, email, phone, handle"
        " from staging.stg_gforms__identities order by identity_id"
    ) == [
        ("gforms:+79161234567", "Иван Иванов", "ivan@mail.ru", "+79161234567", "ivanov"),
        ("gforms:petr@mail.ru", "Пётр Петров", "petr@mail.ru", None, None),
    ]


def test_ukrainian_form(tmp_path: Path) -> None:
    assert load(write(tmp_path / "uk.csv", UK), event_id="timepad:555").status == "ok"
    build(tmp_path)
    assert_contract()
    got = participants()
    assert [(p[0], p[1], p[4], p[5], p[6], p[10]) for p in got] == [
        (
            "timepad:555",
            "gforms:olena@ukr.net",
            "+380501234567",
            "olena_k",
            datetime(2024, 3, 15, 19, 45, 10),
            "Instagram",
        ),
        ("timepad:555", "gforms:taras@ukr.net", None, None, datetime(2024, 3, 16, 7, 0), None),
    ]


def test_guessed_columns_and_the_mapping_option() -> None:
    assert forms.guess_mapping(RU[0]) == {
        "source_channel": "Откуда вы узнали о встрече?",
        "name": "ФИО",
        "email": "Адрес электронной почты",
        "phone": "Телефон",
        "handle": "Ник в Telegram",
    }
    assert forms.guess_mapping(EN[0])["source_channel"].startswith("How did you hear")
    assert "handle" not in forms.guess_mapping(["Timestamp", "Откуда узнали: Telegram, VK?"])


def test_mapping_overrides_the_guess(tmp_path: Path) -> None:
    table = [["Timestamp", "Контакт", "Кто вы"], ["1/2/2024 10:00:00", "+7 900 000-00-01", "Ira"]]
    path = write(tmp_path / "f.csv", table)
    assert not load(path, mapping={"phone": "Контакт", "name": "кто вы"}).failed
    build(tmp_path)
    assert [(p[1], p[2], p[4]) for p in participants()] == [
        ("gforms:+79000000001", "Ira", "+79000000001")
    ]
    assert "not a field" in load(path, mapping={"age": "Контакт"}).messages[0]
    assert "no column «Нет такого»" in load(path, mapping={"phone": "Нет такого"}).messages[0]


def test_event_id_is_required(tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", EN)
    result = load(path, event_id=None)
    assert result.failed and result.messages[0].startswith("f.csv:")
    assert "event_id" in result.messages[0]
    assert load(path, event_id="12").failed  # not '<platform>:<id>'


def test_bad_dates_are_named_by_line_and_nothing_loads(tmp_path: Path) -> None:
    table = [row[:] for row in RU]
    table[2][0] = "31.02.2024 10:00:00"
    table[3][0] = "вчера"
    result = load(write(tmp_path / "bad.csv", table, encoding="cp1251"))
    assert result.failed
    message = result.messages[0]
    assert message.startswith("bad.csv: 2 rows cannot be read")
    assert "line 3, column «Отметка времени» = '31.02.2024 10:00:00'" in message
    assert "line 4, column «Отметка времени» = 'вчера'" in message
    not_a_form = write(tmp_path / "x.csv", [["Name", "Email"], ["A", "a@b.cd"]])
    assert "Timestamp" in load(not_a_form).messages[0]
    build(tmp_path)
    assert participants() == []


def test_loading_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", EN)
    assert not load(path).failed
    build(tmp_path)
    first = rows("select * from staging.stg_gforms__event_participants order by all")
    assert not load(path).failed
    build(tmp_path)
    assert rows("select * from staging.stg_gforms__event_participants order by all") == first
    assert rows("select count(*) from raw_gforms.registrations") == [(2,)]
