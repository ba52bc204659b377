"""Any CSV of event registrations or attendance (ru in cp1251, en, uk) → raw_csv.registrations →
core.event_participants, with events made by loading Zoom participants reports."""

from __future__ import annotations

import codecs
import csv
import io
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from pipelines import csv_import
from pipelines.csv_import import (
    CsvError,
    normalize_attended,
    normalize_role,
    parse,
    suggest_mapping,
)
from pipelines.ingest import IngestResult, build, ingest_file
from tests.conftest import REPO_ROOT, app_test
from tests.test_event_kpis import zoom_report
from warehouse.connection import read_connection
from warehouse.kpis import compute_kpis
from warehouse.periods import Period

A, B = "zoom:111222333", "zoom:444555666"  # 10 May 2024 and 10 June 2024
DIMA = "zoom:dima@example.org"  # at B in the Zoom report only
DIMA_AT_B = (DIMA, None, True, datetime(2024, 6, 10, 10), "guest", None)

RU = [  # a Russian Excel "CSV": cp1251, `;`, day-first dates, Moscow time
    ["ФИО", "Эл. почта", "Телефон", "Дата регистрации", "Пришёл(ла)", "Роль", "Откуда узнали"],
    ["Анна Смирнова", "Anna@Example.org", "", "02.05.2024 12:30", "да", "", "Телеграм-канал"],
    ["Борис Петров", "", "8 (916) 123-45-67", "03.05.2024 09:00", "нет", "Спикер", ""],
    ["Вера Иванова", "vera@example.org", "", "08.05.2024 8:00", "-", "Волонтёр", "ВКонтакте"],
    # Вера again, registered earlier and marked present: one registration
    ["Вера Иванова", "vera@example.org", "", "07.05.2024 20:15", "+", "", ""],
]
EN = [  # English Google Sheets: month-first dates (5/28 tells), an event id per row, UTC
    [
        "Event ID",
        "Full name",
        "Email",
        "Registered at",
        "Attended",
        "Check-in time",
        "Role",
        "Source",
    ],
    [
        B,
        "Dima K",
        "dima@example.org",
        "6/1/2024 9:00 AM",
        "",
        "6/10/2024 10:02 AM",
        "host",
        "partner X",
    ],
    [B, "Egor", "egor@example.org", "5/28/2024 1:15 PM", "FALSE", "", "", "telegram"],
    [A, "Anna Smirnova", "anna@example.org", "5/1/2024 6:00 PM", "TRUE", "", "speaker", ""],
    [B, "Zoe", "", "6/3/2024 3:00 PM", "no", "", "", ""],
]
UK = [  # Ukrainian, UTF-8 with a BOM, surname and first name apart
    ["Прізвище", "Ім'я", "Електронна пошта", "Дата реєстрації", "Був присутній", "Роль", "Канал"],
    ["Коваль", "Олена", "olena@ukr.net", "01.06.2024 19:45", "так", "Волонтер", "Instagram"],
    ["Шевченко", "Тарас", "taras@ukr.net", "02.06.2024 7:00", "ні", "", ""],
]


def write(
    path: Path, table: list[list[str]], encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(table)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def load(path: Path, **options: Any) -> IngestResult:
    return ingest_file("csv", path, **{"what": "registrations", "timezone": "UTC", **options})


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture
def events(tmp_path: Path) -> None:
    """Event A (Zoom meeting 111 222 333, 10 May 2024): Анна and Гена attended. Event B (444 555
    666, 10 June 2024): Дима attended."""
    for name, meeting, day, joins in (
        (
            "a.csv",
            "111 222 333",
            "05/10/2024",
            [
                ("Анна", "anna@example.org", "10:01", "10:31"),
                ("Гена", "gena@example.org", "10:05", "10:50"),
            ],
        ),
        ("b.csv", "444 555 666", "06/10/2024", [("Дима", "dima@example.org", "10:00", "11:30")]),
    ):
        result = ingest_file("zoom-participants", zoom_report(tmp_path / name, meeting, day, joins))
        assert not result.failed, result.messages
    build()


R = "csv-registrations:"  # the registrants' identity ids; a member id is its smallest identity id


def participants(event_id: str) -> list[tuple]:
    """(member, registered_at, attended, checked_in_at, role, source) per member at the event.

    Members by id: their display name is whichever account was seen last, a tie for people who
    never wrote anything."""
    return rows(
        "select member_id, registered_at, attended, checked_in_at, participant_role,"
        " source_channel from core.event_participants where event_id = ? order by member_id",
        [event_id],
    )


def event_kpis(first: str, last: str) -> tuple:
    with read_connection() as con:
        values = compute_kpis(con, Period.from_inclusive(first, last))
    return values["event_registrations"], values["event_attendees"]


# --- header recognition and values ----------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            RU[0],
            {
                "name": "ФИО",
                "email": "Эл. почта",
                "phone": "Телефон",
                "registered_at": "Дата регистрации",
                "attended": "Пришёл(ла)",
                "participant_role": "Роль",
                "source_channel": "Откуда узнали",
            },
        ),
        (
            EN[0],
            {
                "name": "Full name",
                "email": "Email",
                "event_id": "Event ID",
                "registered_at": "Registered at",
                "attended": "Attended",
                "checked_in_at": "Check-in time",
                "participant_role": "Role",
                "source_channel": "Source",
            },
        ),
        (
            UK[0],
            {
                "first_name": "Ім'я",
                "last_name": "Прізвище",
                "email": "Електронна пошта",
                "registered_at": "Дата реєстрації",
                "attended": "Був присутній",
                "participant_role": "Роль",
                "source_channel": "Канал",
            },
        ),
        (
            # a Google Form: its timestamp is the registration; the event's date is not
            ["Отметка времени", "Дата мероприятия", "Ваше имя", "Ник в Telegram", "Присутствовал"],
            {
                "name": "Ваше имя",
                "handle": "Ник в Telegram",
                "registered_at": "Отметка времени",
                "attended": "Присутствовал",
            },
        ),
        (
            ["Дата реєстрації", "ПІБ", "Час приходу", "Звідки ви дізналися про нас?"],
            {
                "name": "ПІБ",
                "registered_at": "Дата реєстрації",
                "checked_in_at": "Час приходу",
                "source_channel": "Звідки ви дізналися про нас?",
            },
        ),
    ],
)
def test_registration_headers_are_recognised_in_three_languages(
    headers: list[str], expected: dict[str, str]
) -> None:
    assert suggest_mapping(headers, "registrations") == expected


def test_a_members_file_still_reads_the_registration_date_as_joining() -> None:
    mapping = suggest_mapping(["ФИО", "Дата регистрации", "Пришёл"], "members")
    assert mapping == {"name": "ФИО", "joined_at": "Дата регистрации"}


@pytest.mark.parametrize(
    ("value", "attended"),
    [
        ("yes", True),
        ("TRUE", True),
        ("1", True),
        ("+", True),
        ("Да", True),
        ("так", True),
        ("Пришёл", True),
        ("присутствовал(а)", True),
        ("Був присутній", True),
        ("ИСТИНА", True),  # Russian Excel's TRUE
        ("✓", True),
        ("10.05.2024 10:03", True),  # a check-in time in the column
        ("no", False),
        ("False", False),
        ("0", False),
        ("нет", False),
        ("ні", False),
        ("не пришла", False),
        ("ЛОЖЬ", False),
        ("no-show", False),
    ],
)
def test_attended_reads_yes_and_no_in_three_languages(value: str, attended: bool) -> None:
    assert normalize_attended(value) is attended


def test_roles_in_three_languages() -> None:
    assert [
        normalize_role(v) for v in ("Спикер", "доповідач", "Host", "Ведущая", "волонтёр", "Гость")
    ] == ["speaker", "speaker", "host", "host", "volunteer", "guest"]
    with pytest.raises(csv_import.BadValue, match="unknown role"):
        normalize_role("бариста")


# --- end to end -----------------------------------------------------------------------------


@pytest.mark.usefixtures("events")
def test_three_real_format_files_land_in_core_event_participants(tmp_path: Path) -> None:
    ru = write(tmp_path / "Регистрации.csv", RU, "cp1251", ";")
    result = load(
        ru, event_id=A, timezone="Europe/Moscow", mapping=suggest_mapping(RU[0], "registrations")
    )
    assert result.status == "warning", result.messages  # Вера is on two rows: said so
    assert "line 5" in result.messages[0]
    en = write(tmp_path / "signups.csv", EN)
    result = load(en)  # headers guessed ("said so"); month first told by 5/28
    assert result.status == "warning" and "guessed" in result.messages[0], result.messages
    uk = write(tmp_path / "uk.csv", UK, "utf-8-sig", ";")
    assert not load(uk, event_id=B).failed
    build()

    d = datetime
    # A: Анна (form via e-mail = her Zoom account; registered earliest in the English file, at
    # 18:00 UTC, as a speaker), Борис (by phone only), Вера (two rows: the earlier one, present),
    # and Гена, who came without registering (Zoom).
    assert participants(A) == [
        (f"{R}+79161234567", d(2024, 5, 3, 6, 0), False, None, "speaker", None),
        (
            f"{R}anna@example.org",
            d(2024, 5, 1, 18, 0),
            True,
            d(2024, 5, 10, 10, 1),  # joined the Zoom call
            "speaker",
            "Телеграм-канал",
        ),
        (f"{R}vera@example.org", d(2024, 5, 7, 17, 15), True, None, "volunteer", "ВКонтакте"),
        ("zoom:gena@example.org", None, True, d(2024, 5, 10, 10, 5), "guest", None),
    ]
    # B: Дима checked in at 10:02 (so attended; Zoom has him from 10:00, the earlier counts),
    # Егор said no, Zoe has only a name,
    # Олена and Тарас from the Ukrainian list (Moscow time only for the Russian file: UTC here)
    assert participants(B) == [
        (f"{R}dima@example.org", d(2024, 6, 1, 9), True, d(2024, 6, 10, 10), "host", "partner X"),
        (f"{R}egor@example.org", d(2024, 5, 28, 13, 15), False, None, "guest", "telegram"),
        (f"{R}olena@ukr.net", d(2024, 6, 1, 19, 45), True, None, "volunteer", "Instagram"),
        (f"{R}taras@ukr.net", d(2024, 6, 2, 7, 0), False, None, "guest", None),
        (f"{R}zoe", d(2024, 6, 3, 15, 0), False, None, "guest", None),
    ]
    # registrations (a registration date) and attendees per month of the events
    assert event_kpis("2024-05-01", "2024-05-31") == (3, 3)
    assert event_kpis("2024-06-01", "2024-06-30") == (5, 2)
    # registrants are their own identities, apart from a members file's `csv:` ones
    assert rows(
        "select identity_id, member_id from core.identities"
        " where identity_id = 'csv-registrations:zoe' or email = 'anna@example.org' order by 1"
    ) == [
        ("csv-registrations:anna@example.org", "csv-registrations:anna@example.org"),
        ("csv-registrations:zoe", "csv-registrations:zoe"),
        ("zoom:anna@example.org", "csv-registrations:anna@example.org"),
    ]


@pytest.mark.usefixtures("events")
def test_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    en = write(tmp_path / "signups.csv", EN)
    assert not load(en).failed
    build()
    raw = "select * exclude (loaded_at_us) from raw_csv.registrations order by all"
    before = rows(raw), participants(A), participants(B)
    assert len(before[0]) == 4

    assert not load(en).failed
    build()
    assert (rows(raw), participants(A), participants(B)) == before
    assert rows("select count(*) from raw_csv.identities")[0][0] == 4


@pytest.mark.usefixtures("events")
def test_an_attendance_sheet_loaded_later_keeps_the_registration_dates(tmp_path: Path) -> None:
    registered = write(
        tmp_path / "registered.csv",
        [["Email", "Registered at"], ["egor@example.org", "2024-06-02 10:00"]],
    )
    came = write(tmp_path / "door.csv", [["Email", "Attended"], ["EGOR@example.org", "yes"]])
    mapping = {"email": "Email", "registered_at": "Registered at"}
    assert load(registered, event_id=B, mapping=mapping).status == "ok"
    result = load(came, event_id=B, mapping={"email": "Email", "attended": "Attended"})
    assert result.status == "warning" and "attendance only" in result.messages[0]
    build()
    egor = (f"{R}egor@example.org", datetime(2024, 6, 2, 10), True, None, "guest", None)
    assert participants(B) == [egor, DIMA_AT_B]


@pytest.mark.usefixtures("events")
def test_a_bad_date_or_yes_no_refuses_the_file_by_line_and_loads_nothing(tmp_path: Path) -> None:
    bad = [
        EN[0],
        EN[1],
        [B, "Egor", "egor@example.org", "31/31/2024 1:15 PM", "FALSE", "", "", ""],
        [B, "Zoe", "", "6/3/2024 3:00 PM", "maybe", "", "", ""],
    ]
    result = load(write(tmp_path / "bad.csv", bad))
    assert result.failed
    message = result.messages[0]
    assert "2 rows cannot be read" in message and "nothing was loaded" in message
    assert "line 3, column «Registered at» = '31/31/2024 1:15 PM'" in message
    assert "line 4, column «Attended» = 'maybe'" in message
    build()
    assert rows("select count(*) from raw_csv.registrations")[0][0] == 0
    assert [p[0] for p in participants(B)] == [DIMA]


@pytest.mark.usefixtures("events")
def test_unknown_event_ids_refuse_the_file_naming_them(tmp_path: Path) -> None:
    table = [EN[0], EN[1], ["timepad:999", "Egor", "egor@example.org", "5/28/2024", "", "", "", ""]]
    table.append(["zoom:111", "Zoe", "", "6/3/2024", "", "", "", ""])
    result = load(write(tmp_path / "typo.csv", table))
    assert result.failed
    assert "unknown event ids: timepad:999 (line 3), zoom:111 (line 4)" in result.messages[0]
    # the id with another platform's prefix: the known event is suggested
    table[3][0] = "app:111222333"
    assert f"did you mean {A}?" in load(write(tmp_path / "typo.csv", table)).messages[0]
    # no prefix at all is not an event id: a bad row
    table[3][0] = "111222333"
    message = load(write(tmp_path / "typo.csv", table)).messages[0]
    assert "line 4, column «Event ID» = '111222333': not an event id" in message

    ru = write(tmp_path / "ru.csv", RU, "cp1251", ";")
    option = load(ru, event_id="app:404")
    assert option.failed and "app:404 (given for the whole file)" in option.messages[0]
    build()
    assert rows("select count(*) from raw_csv.registrations")[0][0] == 0


def test_without_any_events_every_id_is_unknown(tmp_path: Path) -> None:
    path = write(tmp_path / "ru.csv", RU, "cp1251", ";")
    with pytest.raises(CsvError, match=f"unknown event id: {A}"):
        list(parse(path, what="registrations", event_id=A, timezone="UTC"))


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({}, "say which event"),
        ({"event_id": "12"}, "must look like '<platform>:<id>'"),
        ({"event_id": A, "channel": "Чат"}, "channel are not options"),
        ({"event_id": A, "mapping": {"name": "ФИО"}}, "registered_at"),
        ({"event_id": A, "mapping": {"name": "ФИО", "event_id": "Роль", "attended": "Роль"}}, ""),
    ],
)
def test_registration_options_name_the_problem(tmp_path: Path, options: dict, reason: str) -> None:
    path = write(tmp_path / "ru.csv", RU, "cp1251", ";")
    if not reason:  # a mapped event column that holds no event ids: bad rows
        with pytest.raises(csv_import.BadRowsError, match="not an event id"):
            list(parse(path, what="registrations", timezone="UTC", **options))
        return
    with pytest.raises(CsvError, match=reason):
        list(parse(path, what="registrations", timezone="UTC", **options))


def test_members_files_cannot_take_an_event_or_the_registrants_platform(tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", [["Имя", "Дата"], ["Аня", "02.01.2024"]])
    with pytest.raises(CsvError, match="event_id is for registrations"):
        list(parse(path, what="members", event_id=A, mapping={"name": "Имя"}))
    with pytest.raises(CsvError, match="kept for registrations"):
        list(parse(path, what="members", platform="csv-registrations", mapping={"name": "Имя"}))


# --- matching by handle, through a real load ------------------------------------------------


@pytest.mark.usefixtures("events")
def test_a_registrant_known_only_by_handle_joins_the_channel_member(tmp_path: Path) -> None:
    members = write(
        tmp_path / "chat.csv",
        [["Имя", "Ник", "Дата вступления"], ["Иван П.", "@Ivan_P", "01.04.2024"]],
    )
    assert not ingest_file("csv", members, what="members", channel="Чат", timezone="UTC").failed
    regs = write(
        tmp_path / "regs.csv", [["Telegram", "Дата регистрации"], ["ivan_p", "05.05.2024 10:00"]]
    )
    assert not load(regs, event_id=A).failed
    build()
    assert rows(
        "select identity_id, member_id from core.identities where handle = 'ivan_p' order by 1"
    ) == [
        ("csv-registrations:@ivan_p", "csv-registrations:@ivan_p"),
        ("csv:ivan_p", "csv-registrations:@ivan_p"),
    ]
    assert (f"{R}@ivan_p", datetime(2024, 5, 5, 10), False, None, "guest", None) in participants(A)
    assert rows(f"select display_name from core.members where member_id = '{R}@ivan_p'") == [
        ("Иван П.",)
    ]


# --- the command line and the upload form ---------------------------------------------------


@pytest.mark.usefixtures("events")
def test_the_command_line_loads_registrations_for_an_event(tmp_path: Path) -> None:
    path = write(tmp_path / "uk.csv", UK, "utf-8-sig", ";")

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipelines", "ingest", "csv", str(path), *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )

    missing = cli("--what", "registrations")
    assert missing.returncode == 1 and "say which event" in missing.stderr
    maps = ["email=Електронна пошта", "registered_at=Дата реєстрації", "attended=Був присутній"]
    loaded = cli("--what", "registrations", "--event-id", B, *(f"--map={m}" for m in maps))
    assert loaded.returncode == 0, loaded.stderr
    assert (
        "2 registrations of 2 people (1 attended) loaded for event zoom:444555666" in loaded.stderr
    )
    assert [p[0] for p in participants(B)] == [f"{R}olena@ukr.net", f"{R}taras@ukr.net", DIMA]
    misplaced = cli("--what", "members", "--event-id", B)
    assert misplaced.returncode == 2 and "--event-id is for" in misplaced.stderr


def _mapping_form(path: str, event_id: str | None) -> None:
    from pathlib import Path

    from pages._uploads import csv_mapping_form

    csv_mapping_form(Path(path), "Регистрации.csv", event_id=event_id)


def form(path: Path, event_id: str | None = None) -> AppTest:
    return AppTest.from_function(
        _mapping_form, args=(str(path), event_id), default_timeout=120
    ).run()


@pytest.mark.usefixtures("events")
def test_the_upload_form_offers_registrations_with_an_event_picker(tmp_path: Path) -> None:
    path = write(tmp_path / "ru.csv", RU, "cp1251", ";")
    at = form(path)
    assert not at.exception
    at.radio(key="csv_what").set_value("registrations").run()
    picker = at.selectbox(key="csv_event")
    assert picker.options[1:] == [
        "Субботник онлайн · 10 Jun 2024",
        "Субботник онлайн · 10 May 2024",
    ]  # newest first
    assert at.selectbox(key="csv_map_registrations_attended").value == "Пришёл(ла)"
    assert not [t for t in at.text_input if t.key == "csv_channel"]  # no channel for events
    picker.set_value(A)
    at.button[0].click().run()
    assert not at.exception
    assert [s.value for s in at.success] or [w.value for w in at.warning]
    assert len(participants(A)) == 4  # Анна, Борис, Вера, Гена


@pytest.mark.usefixtures("events")
def test_an_events_page_fixes_the_event_and_asks_only_for_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "uk.csv", UK, "utf-8-sig", ";")
    at = form(path, event_id=B)
    assert not at.exception
    assert not at.radio and not [s for s in at.selectbox if s.label in ("Event", "event_id")]
    at.button[0].click().run()
    assert not at.exception and at.success, [e.value for e in at.error]
    assert [p[0] for p in participants(B)] == [f"{R}olena@ukr.net", f"{R}taras@ukr.net", DIMA]


def test_the_data_page_helpers_moved_but_the_page_still_runs() -> None:
    at = app_test().run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    at.selectbox(key="upload_kind").set_value("csv").run()
    assert not at.exception
    assert any("event registrations" in o for o in at.selectbox(key="upload_kind").options)


def test_utf16_and_bom_headers_read_too(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    text = "Email\tAttended\r\nanna@example.org\tyes\r\n"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert suggest_mapping(csv_import.preview(path)[0], "registrations") == {
        "email": "Email",
        "attended": "Attended",
    }


@pytest.mark.usefixtures("events")
def test_the_staging_model_has_the_events_contract_columns(tmp_path: Path) -> None:
    assert not load(write(tmp_path / "signups.csv", EN)).failed
    build()
    columns = (
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'staging' and table_name = ? order by ordinal_position"
    )
    assert rows(columns, ["stg_csv__event_participants"]) == rows(
        columns, ["stg_gforms__event_participants"]
    )
    assert rows(
        "select count(*), count(distinct participation_id), count(distinct (event_id, identity_id))"
        " from staging.stg_csv__event_participants"
    ) == [(4, 4, 4)]
