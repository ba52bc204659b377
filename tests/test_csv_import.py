"""The CSV/TSV members-and-activities source, on files the tests write the way Excel and Google
Sheets save them (UTF-8, UTF-8 with BOM, Windows-1251; `,` `;` tab) and on the real Zoom sample."""

from __future__ import annotations

import codecs
import csv
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipelines import csv_import, sources
from pipelines.csv_import import (
    DAY_FIRST,
    MONTH_FIRST,
    SPEC,
    BadRowsError,
    BadValue,
    CsvError,
    CsvReport,
    date_order,
    mapping_from_pairs,
    normalize_email,
    normalize_handle,
    normalize_phone,
    parse,
    parse_datetime,
    preview,
    suggest_mapping,
)
from pipelines.errors import SourceError
from pipelines.ingest import IngestResult, build, ingest_file
from tests.conftest import SAMPLES
from warehouse.accounts import OPERATOR
from warehouse.community import set_setting
from warehouse.connection import read_connection, write_connection
from warehouse.models import run_models
from warehouse.settings import SQL_DIR

ZOOM_SAMPLE = SAMPLES / "zoom_csv" / "participants_heroes.csv"
ZOOM_FULL_SAMPLE = SAMPLES / "zoom_csv" / "participants_heroes_full.csv"
_FILE_SOURCES = sources.file_sources


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The csv source as if it were registered (ingest imported the function by name)."""
    with_csv = lambda: {**_FILE_SOURCES(), SPEC.kind: SPEC}  # noqa: E731
    monkeypatch.setattr("pipelines.sources.file_sources", with_csv)
    monkeypatch.setattr("pipelines.ingest.file_sources", with_csv)


# --- helpers --------------------------------------------------------------------------------


def write_csv(
    path: Path,
    rows: list[list[str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """Rows saved as Excel / Google Sheets save them: CRLF line ends, minimal quoting."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def load(path: Path, **options: object) -> IngestResult:
    result = ingest_file("csv", path, **options)
    return result


def build_staging(tmp_path: Path) -> None:
    """Build only this source's staging models: other sources' models need their raw tables,
    which exist only once every source is registered."""
    sql = tmp_path / "sql_csv_only"
    if sql.exists():
        shutil.rmtree(sql)
    for layer in ("staging", "core", "marts", "tests"):
        (sql / layer).mkdir(parents=True)
    for model in SQL_DIR.glob("staging/stg_csv__*.sql"):
        shutil.copy(model, sql / "staging" / model.name)
    with write_connection() as con:
        run_models(con, SPEC.raw_tables, sql_dir=sql)


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql, params or []).fetchall()


def utc(text: str) -> datetime:
    """'2024-01-02 09:30' as the naive UTC timestamp staging returns."""
    return datetime.fromisoformat(text)


def parsed(path: Path, **options: object) -> tuple[dict[str, list[dict]], CsvReport]:
    """parse() without loading: table → rows."""
    report = CsvReport(path)
    tables: dict[str, list[dict]] = {}
    for table, batch in parse(path, report, None, **options):
        tables.setdefault(table, []).extend(batch.to_pylist())
    return tables, report


def raw_count(table: str) -> int:
    with read_connection() as con:
        exists = con.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = 'raw_csv' and table_name = ?",
            [table],
        ).fetchone()[0]
        return con.execute(f"select count(*) from raw_csv.{table}").fetchone()[0] if exists else 0


# --- members files --------------------------------------------------------------------------


def test_english_members_file_loads_people_joins_leaves_and_tags(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "members.csv",
        [
            ["Member ID", "Full Name", "E-mail", "Phone", "Telegram", "Joined", "Left", "Tags"],
            [
                "101",
                "Alice  Smith",
                " Alice@Example.COM ",
                "+1 (555) 010-0000",
                "@AliceS",
                "2024-01-02 12:30",
                "",
                "volunteer; speaker",
            ],
            [
                "102",
                "Bob",
                "bob@example.com",
                "-",
                "https://t.me/Bobby",
                "2024-01-03T08:00:00+03:00",
                "2024/02/01",
                "",
            ],
            ["", "Carol", "", "", "", "2024-01-04", "", ""],
        ],
    )
    mapping = {
        "external_id": "Member ID",
        "name": "Full Name",
        "email": "E-mail",
        "phone": "Phone",
        "handle": "Telegram",
        "joined_at": "Joined",
        "left_at": "Left",
        "tags": "Tags",
    }

    result = load(path, mapping=mapping, what="members", channel="Volunteers")
    build_staging(tmp_path)

    assert result.status == "ok", result.messages
    assert rows("select * from staging.stg_csv__identities order by identity_id") == [
        (
            "csv:101",
            "csv",
            "101",
            "alices",
            "Alice Smith",
            "alice@example.com",
            "+15550100000",
            False,
            False,
        ),
        ("csv:102", "csv", "102", "bobby", "Bob", "bob@example.com", None, False, False),
        # no id, e-mail, phone or handle: the name is the key
        ("csv:Carol", "csv", "Carol", None, "Carol", None, None, False, False),
    ]
    assert rows(
        "select identity_id, activity_type, occurred_at, channel_id, content_id"
        " from staging.stg_csv__activities order by occurred_at"
    ) == [
        ("csv:101", "join", utc("2024-01-02 12:30"), "csv:Volunteers", None),
        ("csv:102", "join", utc("2024-01-03 05:00"), "csv:Volunteers", None),  # +03:00 honoured
        ("csv:Carol", "join", utc("2024-01-04 00:00"), "csv:Volunteers", None),
        ("csv:102", "leave", utc("2024-02-01 00:00"), "csv:Volunteers", None),  # 2024/02/01
    ]
    assert rows("select * from staging.stg_csv__channels") == [
        ("csv:Volunteers", "csv", "Volunteers", "Volunteers", "chat", None)
    ]
    assert rows("select identity_id, tag from staging.stg_csv__member_tags order by tag") == [
        ("csv:101", "speaker"),
        ("csv:101", "volunteer"),
    ]
    assert rows("select count(*) from staging.stg_csv__content") == [(0,)]


def test_russian_cp1251_semicolon_file_in_the_community_time_zone(tmp_path: Path) -> None:
    set_setting("timezone", "Europe/Moscow", OPERATOR)  # UTC+3 all year
    path = write_csv(
        tmp_path / "Участники.csv",
        [
            ["ФИО", "Электронная почта", "Телефон", "Дата регистрации", "Дата выхода"],
            ["Иванов Иван", "IVAN@mail.ru", "8 (916) 123-45-67", "02.01.2024 12:30", ""],
            ["Петрова Анна", "", "7 916 765-43-21", "05.01.2024", "01.02.2024 10:00:00"],
            ["Сидоров Пётр", "", "79161112233.0", "31.12.23", ""],
        ],
        delimiter=";",
        encoding="cp1251",
    )
    headers, _, delimiter, encoding = preview(path)
    mapping = suggest_mapping(headers, "members")
    assert (delimiter, encoding) == (";", "cp1251")
    assert mapping == {
        "name": "ФИО",
        "email": "Электронная почта",
        "phone": "Телефон",
        "joined_at": "Дата регистрации",
        "left_at": "Дата выхода",
    }

    result = load(path, mapping=mapping, what="members")
    build_staging(tmp_path)

    assert result.status == "ok", result.messages
    assert "Europe/Moscow" in result.messages[0]
    people = rows(
        "select identity_id, display_name, email, phone from staging.stg_csv__identities"
        " order by display_name"
    )
    assert people == [
        ("csv:ivan@mail.ru", "Иванов Иван", "ivan@mail.ru", "+79161234567"),  # 8… → +7…
        ("csv:+79167654321", "Петрова Анна", None, "+79167654321"),  # 7… → +7…, phone is key
        ("csv:+79161112233", "Сидоров Пётр", None, "+79161112233"),  # Excel's .0 undone
    ]
    assert rows(
        "select identity_id, activity_type, occurred_at, channel_id"
        " from staging.stg_csv__activities order by occurred_at"
    ) == [
        # day first, and Moscow time → UTC
        ("csv:+79161112233", "join", utc("2023-12-30 21:00"), "csv:Участники"),
        ("csv:ivan@mail.ru", "join", utc("2024-01-02 09:30"), "csv:Участники"),
        ("csv:+79167654321", "join", utc("2024-01-04 21:00"), "csv:Участники"),
        ("csv:+79167654321", "leave", utc("2024-02-01 07:00"), "csv:Участники"),
    ]


def test_ukrainian_google_forms_registrations_with_name_parts(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "реєстрація.csv",
        [
            ["Позначка часу", "Прізвище", "Ім'я", "Електронна пошта", "Телефон", "Дата народження"],
            [
                "02.01.2024 12:30:00",
                "Коваленко",
                "Олена",
                "olena@ukr.net",
                "380501234567",
                "01.05.1990",
            ],
            [
                "03.01.2024 09:05:00",
                "Шевченко",
                "Тарас",
                "Taras@Ukr.Net",
                "+380 67 765 43 21",
                "09.03.1994",
            ],
        ],
    )
    headers, _, _, encoding = preview(path)
    mapping = suggest_mapping(headers, "members")
    assert encoding == "utf-8"
    assert mapping == {
        "first_name": "Ім'я",
        "last_name": "Прізвище",
        "email": "Електронна пошта",
        "phone": "Телефон",
        "joined_at": "Позначка часу",  # not the birthday
    }

    result = load(path, mapping=mapping, what="members", timezone="Europe/Kyiv")
    build_staging(tmp_path)

    assert result.status == "ok", result.messages
    assert rows(
        "select i.display_name, i.phone, a.occurred_at from staging.stg_csv__identities i"
        " join staging.stg_csv__activities a using (identity_id) order by a.occurred_at"
    ) == [
        ("Олена Коваленко", "+380501234567", utc("2024-01-02 10:30")),  # Kyiv is UTC+2 in winter
        ("Тарас Шевченко", "+380677654321", utc("2024-01-03 07:05")),
    ]


# --- activities files -----------------------------------------------------------------------


def ru_chat_rows() -> list[list[str]]:
    return [
        ["Отметка времени", "Канал", "Имя", "Ник", "Тип", "Текст", "ID сообщения", "Ответ на"],
        [
            "02.01.2024 10:00:00",
            "Чат волонтёров",
            "Аня",
            "@anya",
            "Сообщение",
            "Кто идёт\nна субботник?",
            "1",
            "",
        ],
        ["02.01.2024 10:05:00", "Чат волонтёров", "Борис", "boris", "Ответ", "Я иду", "2", "1"],
        ["02.01.2024 10:06:00", "Чат волонтёров", "Вера", "vera", "Реакция", "", "1", ""],
        ["02.01.2024 10:07:00", "Чат волонтёров", "Вера", "vera", "пост", "Итоги недели", "3", ""],
    ]


def test_russian_utf8_bom_tab_activities_make_content_replies_and_reactions(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "chat.tsv", ru_chat_rows(), delimiter="\t", encoding="utf-8-sig")
    headers, first_rows, delimiter, encoding = preview(path)
    assert (delimiter, encoding) == ("\t", "utf-8-sig")
    assert headers[0] == "Отметка времени"  # no BOM left in the first header
    assert first_rows[0][5] == "Кто идёт\nна субботник?"  # a quoted cell spanning two lines
    mapping = suggest_mapping(headers, "activities")
    assert mapping == {
        "name": "Имя",
        "handle": "Ник",
        "activity_type": "Тип",
        "occurred_at": "Отметка времени",
        "channel": "Канал",
        "text": "Текст",
        "content_id": "ID сообщения",
        "parent_content_id": "Ответ на",
    }

    result = load(path, mapping=mapping, what="activities")
    build_staging(tmp_path)

    assert result.status == "ok", result.messages
    channel = "csv:Чат волонтёров"
    assert rows(
        "select identity_id, activity_type, occurred_at, content_id, parent_content_id"
        " from staging.stg_csv__activities order by occurred_at"
    ) == [
        ("csv:anya", "message", utc("2024-01-02 10:00"), f"{channel}:1", None),
        ("csv:boris", "reply", utc("2024-01-02 10:05"), f"{channel}:2", f"{channel}:1"),
        ("csv:vera", "reaction", utc("2024-01-02 10:06"), None, f"{channel}:1"),
        ("csv:vera", "post", utc("2024-01-02 10:07"), f"{channel}:3", None),
    ]
    assert rows(
        "select content_id, author_identity_id, published_at, parent_content_id, text,"
        " reactions, replies from staging.stg_csv__content order by published_at"
    ) == [
        (
            f"{channel}:1",
            "csv:anya",
            utc("2024-01-02 10:00"),
            None,
            "Кто идёт\nна субботник?",
            1,
            1,
        ),
        (f"{channel}:2", "csv:boris", utc("2024-01-02 10:05"), f"{channel}:1", "Я иду", 0, 0),
        (f"{channel}:3", "csv:vera", utc("2024-01-02 10:07"), None, "Итоги недели", 0, 0),
    ]
    assert rows("select channel_id, name from staging.stg_csv__channels") == [
        (channel, "Чат волонтёров")
    ]


def test_zoom_participants_sample_loads_as_attendance(tmp_path: Path) -> None:
    headers, _, delimiter, _ = preview(ZOOM_SAMPLE)
    mapping = suggest_mapping(headers, "activities")
    assert delimiter == ","
    assert mapping == {
        "name": "Name (Original Name)",
        "email": "User Email",
        "occurred_at": "Join Time",
    }
    lines = ZOOM_SAMPLE.read_text(encoding="utf-8").splitlines()
    emails = {line.split(",")[1] for line in lines[1:]}

    result = load(
        ZOOM_SAMPLE,
        mapping=mapping,
        what="activities",
        activity_type="attendance",
        channel="Heroes meeting",
        channel_kind="events",
    )
    build_staging(tmp_path)

    assert not result.failed, result.messages
    assert rows(
        "select count(*), count(distinct identity_id) from staging.stg_csv__activities"
    ) == [(len(lines) - 1, len(emails))]  # re-joins are separate rows
    # 11/19/2021: the 19 proves month first; 9:54 AM stays 9:54 (the community time is UTC)
    assert rows(
        "select min(occurred_at) from staging.stg_csv__activities"
        " where identity_id = 'csv:loki_asgardian@marvel.com'"
    ) == [(utc("2021-11-19 09:54:15"),)]
    assert rows("select kind from staging.stg_csv__channels") == [("events",)]
    assert not any("month/day" in m for m in result.messages)


def test_a_summary_block_above_the_header_is_skipped() -> None:
    mapping = {"email": "User Email", "occurred_at": "Join Time"}
    tables, report = parsed(
        ZOOM_FULL_SAMPLE, mapping=mapping, what="activities", activity_type="attendance"
    )
    first = min(tables["activities"], key=lambda r: r["line"])
    assert first["line"] == 5  # header on line 4, under the meeting summary and a blank row
    assert first["identity_id"] == "csv:loki_asgardian@marvel.com"
    lines = ZOOM_FULL_SAMPLE.read_text(encoding="utf-8").splitlines()
    assert report.rows == len(lines) - 4 == len(tables["activities"])


# --- dates ----------------------------------------------------------------------------------

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("value", "expected_utc"),
    [
        ("2024-01-02", "2024-01-01 21:00"),
        ("2024-01-02 12:30", "2024-01-02 09:30"),
        ("2024-01-02T12:30:15", "2024-01-02 09:30:15"),
        ("2024-01-02T12:30:15.250", "2024-01-02 09:30:15.250"),
        ("2024-01-02T12:30:00Z", "2024-01-02 12:30"),
        ("2024-01-02 12:30:00+02:00", "2024-01-02 10:30"),
        ("2024-01-02T12:30:00-0500", "2024-01-02 17:30"),
        ("02.01.2024", "2024-01-01 21:00"),
        ("02.01.2024 12:30", "2024-01-02 09:30"),
        ("02.01.2024 12:30:00", "2024-01-02 09:30"),
        ("2.1.2024, 12:30", "2024-01-02 09:30"),
        ("02.01.24", "2024-01-01 21:00"),
        ("2024/01/02", "2024-01-01 21:00"),
        ("2024/1/2 12:30", "2024-01-02 09:30"),
        ("1/2/2024 9:54:15 AM", "2024-01-02 06:54:15"),
        ("1/2/2024 12:05:00 AM", "2024-01-01 21:05"),
        ("1/2/2024 12:05:00 PM", "2024-01-02 09:05"),
        ("1/2/2024 1:05 pm", "2024-01-02 10:05"),
    ],
)
def test_each_date_format_reads_in_the_community_zone(value: str, expected_utc: str) -> None:
    moment = parse_datetime(value, None, MOSCOW)  # None: slashed dates read month first
    assert moment == datetime.fromisoformat(expected_utc).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "31.02.2024",
        "2024-13-01",
        "yesterday",
        "45293",
        "13:30 PM 1/2/2024",
        "1/2/2024 13:30 PM",
        "2024-01-02 25:00",
    ],
)
def test_values_that_are_not_dates_are_refused(value: str) -> None:
    with pytest.raises(BadValue):
        parse_datetime(value, None, MOSCOW)


def test_slashed_dates_are_day_first_only_when_a_value_proves_it() -> None:
    google_forms_en = ["2/1/2024 12:30:00", "3/4/2024 9:00:00"]
    assert date_order(google_forms_en) is None  # nothing tells: read month first
    assert date_order([*google_forms_en, "1/13/2024 8:00:00"]) == MONTH_FIRST
    assert date_order([*google_forms_en, "13/1/2024 8:00:00"]) == DAY_FIRST
    assert date_order(["02.01.2024", "2024-01-02"]) is None  # dotted dates are always day first
    assert parse_datetime("2/1/2024 12:30:00", DAY_FIRST, UTC) == datetime(
        2024, 1, 2, 12, 30, tzinfo=UTC
    )
    assert parse_datetime("2/1/2024 12:30:00", MONTH_FIRST, UTC) == datetime(
        2024, 2, 1, 12, 30, tzinfo=UTC
    )


def activities_file(path: Path, dates: list[str]) -> Path:
    return write_csv(
        path,
        [["Timestamp", "Email Address", "Type"]]
        + [[d, f"p{i}@example.com", "registration"] for i, d in enumerate(dates)],
    )


def occurred(tables: dict[str, list[dict]]) -> list[datetime]:
    return [
        datetime.fromtimestamp(r["occurred_us"] / 1e6, UTC).replace(tzinfo=None)
        for r in sorted(tables["activities"], key=lambda r: r["line"])
    ]


def test_day_or_month_first_is_decided_per_file_column(tmp_path: Path) -> None:
    mapping = {"occurred_at": "Timestamp", "email": "Email Address", "activity_type": "Type"}
    options = {"mapping": mapping, "what": "activities", "timezone": "UTC"}

    day_first, report = parsed(
        activities_file(tmp_path / "a.csv", ["2/1/2024 12:30:00", "25/1/2024 8:00:00"]), **options
    )
    assert occurred(day_first) == [utc("2024-01-02 12:30"), utc("2024-01-25 08:00")]
    assert report.warnings == []

    month_first, report = parsed(
        activities_file(tmp_path / "b.csv", ["2/1/2024 12:30:00", "3/4/2024 9:00:00"]), **options
    )
    assert occurred(month_first) == [utc("2024-02-01 12:30"), utc("2024-03-04 09:00")]
    assert any("month/day" in w and "Timestamp" in w for w in report.warnings)


def test_an_undecided_date_column_borrows_the_order_of_another(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "m.csv",
        [["Email", "Joined", "Left"], ["a@x.io", "2/1/2024", "20/3/2024"]],
    )
    tables, report = parsed(
        path,
        mapping={"email": "Email", "joined_at": "Joined", "left_at": "Left"},
        what="members",
        timezone="UTC",
    )
    assert occurred(tables) == [utc("2024-01-02"), utc("2024-03-20")]
    assert report.assumed_orders == {}


# --- bad files ------------------------------------------------------------------------------


def test_a_bad_row_rejects_the_whole_file_naming_line_column_and_value(tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", ru_chat_rows())
    mapping = suggest_mapping(ru_chat_rows()[0], "activities")
    assert load(good, mapping=mapping, what="activities").status == "ok"
    before = raw_count("activities")
    bad_rows = [
        ru_chat_rows()[0],
        ["03.01.2024 10:00:00", "Чат", "Аня", "anya", "Сообщение", "ok", "10", ""],  # line 2
        ["03.01.2024 10:01:00", "Чат", "Аня", "anya", "Сообщение", "две\nстроки", "11", ""],
        ["31.02.2024 10:02:00", "Чат", "Аня", "anya", "Сообщение", "bad date", "12", ""],  # 5
        ["", "", "", "", "", "", "", ""],  # an empty line (6) is skipped, not an error
        ["03.01.2024 10:03:00", "Чат", "", "", "Сообщение", "nobody", "13", ""],  # line 7
        ["03.01.2024 10:04:00", "Чат", "Борис", "boris", "танец", "?", "14", ""],  # line 8
    ]
    bad = write_csv(tmp_path / "bad_chat.csv", bad_rows, delimiter=";")

    result = load(bad, mapping=mapping, what="activities")

    assert result.failed
    message = result.messages[0]
    assert message.startswith("bad_chat.csv: 3 rows cannot be read, so nothing was loaded")
    assert "line 5, column «Отметка времени» = '31.02.2024 10:02:00': not a real date" in message
    assert "line 7, column «Ник / Имя»" in message and "nobody to attribute" in message
    assert "line 8, column «Тип» = 'танец': unknown activity type" in message
    assert "line 2" not in message and "line 3" not in message
    assert raw_count("activities") == before  # nothing from the bad file, the good one intact

    with pytest.raises(BadRowsError) as caught:
        list(parse(bad, mapping=mapping, what="activities"))
    assert [(b.line, b.column) for b in caught.value.bad_rows] == [
        (5, "Отметка времени"),
        (7, "Ник / Имя"),
        (8, "Тип"),
    ]


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (["not-an-email", "2024-01-02"], "Email", "not an e-mail address"),
        (["a@x.io", "2024-01-02", "7,91612E+10"], "Phone", "Excel turned the phone"),
        (["a@x.io", "2024-01-05", "", "2024-01-02"], "Left", "left before joining"),
    ],
)
def test_bad_cells_in_members_files(
    tmp_path: Path, cells: list[str], column: str, reason: str
) -> None:
    path = write_csv(tmp_path / "m.csv", [["Email", "Joined", "Phone", "Left"], cells])
    mapping = {"email": "Email", "joined_at": "Joined", "phone": "Phone", "left_at": "Left"}
    with pytest.raises(BadRowsError, match=f"line 2, column «{column}» = .*{reason}"):
        list(parse(path, mapping=mapping, what="members"))


def test_files_in_other_encodings_or_formats_are_refused(tmp_path: Path) -> None:
    neither = tmp_path / "koi.csv"
    neither.write_bytes("Имя,Email\n".encode() + b"\x98\xc0\x81,a@x.io\n")  # \x98: not cp1251
    workbook = tmp_path / "members.xlsx.csv"
    workbook.write_bytes(b"PK\x03\x04\x14\x00\x06\x00rest of a zip")
    mapping = {"name": "Имя"}
    with pytest.raises(SourceError, match="koi.csv: the file is neither UTF-8 nor Windows-1251"):
        list(parse(neither, mapping=mapping, what="members"))
    with pytest.raises(SourceError, match="Excel workbook"):
        preview(workbook)
    result = load(neither, mapping=mapping, what="members")
    assert result.failed and "neither UTF-8 nor Windows-1251" in result.messages[0]


def test_excel_unicode_text_utf16_is_read(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "Имя\tПочта\r\nАня\tanya@x.io\r\n".encode("utf-16-le"))
    assert preview(path) == (["Имя", "Почта"], [["Аня", "anya@x.io"]], "\t", "utf-16")


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"mapping": {"name": "Фамилия"}, "what": "members"}, "no column «Фамилия»"),
        ({"mapping": {"name": "Имя", "colour": "Имя"}, "what": "members"}, "`colour` is not"),
        ({"mapping": {"joined_at": "Дата"}, "what": "members"}, "map at least one column"),
        ({"mapping": {"name": "Имя"}, "what": "activities"}, "occurred_at"),
        (
            {"mapping": {"name": "Имя", "occurred_at": "Дата"}, "what": "activities"},
            "activity_type",
        ),
        ({"mapping": {"name": "Имя"}}, "say what the file lists"),
        ({"mapping": {"name": "Имя"}, "what": "members", "platform": "V K"}, "platform"),
        ({"mapping": {"name": "Имя"}, "what": "members", "sheet": 2}, "unknown option"),
    ],
)
def test_bad_options_name_the_problem(tmp_path: Path, options: dict, reason: str) -> None:
    path = write_csv(tmp_path / "x.csv", [["Имя", "Дата"], ["Аня", "02.01.2024"]])
    with pytest.raises(CsvError, match=reason):
        list(parse(path, **options))


# --- duplicates and reloads -----------------------------------------------------------------


def test_identical_rows_collapse_with_a_warning(tmp_path: Path) -> None:
    chat = ru_chat_rows()
    path = write_csv(tmp_path / "dup.csv", [*chat, chat[2], chat[1]])
    mapping = suggest_mapping(chat[0], "activities")
    tables, report = parsed(path, mapping=mapping, what="activities")
    assert len(tables["activities"]) == 4 and len(tables["content"]) == 3
    assert report.identical_rows == [7, 8]  # row 1 spans lines 2-3
    assert any("2 rows repeat an earlier row" in w and "7, 8" in w for w in report.warnings)


def test_reloading_and_an_overlapping_reexport_change_nothing(tmp_path: Path) -> None:
    chat = ru_chat_rows()
    mapping = suggest_mapping(chat[0], "activities")
    first = write_csv(tmp_path / "chat.csv", chat)
    load(first, mapping=mapping, what="activities")
    load(first, mapping=mapping, what="activities")
    build_staging(tmp_path)
    snapshot = rows("select * from staging.stg_csv__activities order by activity_id")
    content = rows("select * from staging.stg_csv__content order by content_id")
    assert len(snapshot) == 4 and len(content) == 3

    # a later export: columns in another order, an extra column, ; instead of ,, a message
    # edited since, and one new row
    header = [
        "Тип",
        "Текст",
        "Отметка времени",
        "Имя",
        "Ник",
        "Канал",
        "ID сообщения",
        "Ответ на",
        "Лайков",
    ]
    order = [header.index(h) for h in chat[0]]
    reexport = [header]
    edited = [*chat[2][:5], "Я иду!", *chat[2][6:]]
    for row in [
        chat[1],
        edited,
        *chat[3:],
        [
            "03.01.2024 09:00:00",
            "Чат волонтёров",
            "Гена",
            "gena",
            "Сообщение",
            "Доброе утро",
            "4",
            "",
        ],
    ]:
        cells = [""] * len(header)
        for value, i in zip(row, order, strict=True):
            cells[i] = value
        reexport.append(cells)
    second = write_csv(tmp_path / "chat_later.csv", reexport, delimiter=";")
    load(second, mapping=mapping, what="activities")
    build_staging(tmp_path)

    after = rows("select * from staging.stg_csv__activities order by activity_id")
    assert len(after) == 5 and set(snapshot) < set(after)
    assert rows("select text from staging.stg_csv__content order by published_at") == [
        ("Кто идёт\nна субботник?",),
        ("Я иду!",),  # the edit replaced the text: still one message, one activity
        ("Итоги недели",),
        ("Доброе утро",),
    ]
    assert rows("select count(*) from staging.stg_csv__identities") == [(4,)]


def test_a_later_file_without_a_column_keeps_what_an_earlier_file_gave(tmp_path: Path) -> None:
    members = write_csv(
        tmp_path / "members.csv",
        [["ID", "Имя", "Почта"], ["7", "Аня", "anya@x.io"]],
    )
    load(members, mapping={"external_id": "ID", "name": "Имя", "email": "Почта"}, what="members")
    activity = write_csv(
        tmp_path / "activity.csv",
        [["ID", "Имя", "Дата"], ["7", "Анна", "2024-03-01 10:00"]],
    )
    load(
        activity,
        mapping={"external_id": "ID", "name": "Имя", "occurred_at": "Дата"},
        what="activities",
        activity_type="message",
    )
    build_staging(tmp_path)
    assert rows("select identity_id, display_name, email from staging.stg_csv__identities") == [
        ("csv:7", "Анна", "anya@x.io")
    ]  # the newer name, the e-mail kept


# --- the staging contract -------------------------------------------------------------------

CONTRACT = {
    "stg_csv__channels": [
        ("channel_id", "VARCHAR"),
        ("platform", "VARCHAR"),
        ("external_id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("url", "VARCHAR"),
    ],
    "stg_csv__identities": [
        ("identity_id", "VARCHAR"),
        ("platform", "VARCHAR"),
        ("external_user_id", "VARCHAR"),
        ("handle", "VARCHAR"),
        ("display_name", "VARCHAR"),
        ("email", "VARCHAR"),
        ("phone", "VARCHAR"),
        ("is_team", "BOOLEAN"),
        ("is_bot", "BOOLEAN"),
    ],
    "stg_csv__activities": [
        ("activity_id", "VARCHAR"),
        ("identity_id", "VARCHAR"),
        ("channel_id", "VARCHAR"),
        ("activity_type", "VARCHAR"),
        ("occurred_at", "TIMESTAMP"),
        ("content_id", "VARCHAR"),
        ("parent_content_id", "VARCHAR"),
    ],
    "stg_csv__content": [
        ("content_id", "VARCHAR"),
        ("channel_id", "VARCHAR"),
        ("author_identity_id", "VARCHAR"),
        ("published_at", "TIMESTAMP"),
        ("parent_content_id", "VARCHAR"),
        ("text", "VARCHAR"),
        ("media_type", "VARCHAR"),
        ("views", "BIGINT"),
        ("reactions", "BIGINT"),
        ("replies", "BIGINT"),
        ("shares", "BIGINT"),
    ],
}


def test_staging_models_keep_the_contract_on_loaded_data(tmp_path: Path) -> None:
    chat = ru_chat_rows()
    load(
        write_csv(tmp_path / "chat.csv", chat),
        mapping=suggest_mapping(chat[0], "activities"),
        what="activities",
    )
    header = ["Ник", "Имя", "Дата вступления", "Канал"]
    members = write_csv(
        tmp_path / "members.csv",
        [
            header,
            ["@Anya", "Анна", "01.12.2023", "Чат волонтёров"],
            ["gena", "Гена", "05.12.2023", "Чат волонтёров"],
        ],
    )
    load(members, mapping=suggest_mapping(header, "members"), what="members")
    build_staging(tmp_path)

    for model, columns in CONTRACT.items():
        described = rows(f"describe staging.{model}")
        assert [(name, kind) for name, kind, *_ in described] == columns, model
    for model, key in [
        ("stg_csv__channels", "channel_id"),
        ("stg_csv__identities", "identity_id"),
        ("stg_csv__activities", "activity_id"),
        ("stg_csv__content", "content_id"),
    ]:
        assert rows(f"select count(*) - count(distinct {key}) from staging.{model}") == [(0,)]
    assert rows(
        "select count(*) from staging.stg_csv__activities where activity_id not like 'csv:%'"
        " or activity_type not in ('message', 'reply', 'post', 'comment', 'reaction', 'join',"
        " 'leave') or occurred_at is null"
    ) == [(0,)]
    # every activity's person and channel is known, every content row is an activity's content
    assert rows(
        "select count(*) from staging.stg_csv__activities a"
        " anti join staging.stg_csv__identities i using (identity_id)"
    ) == [(0,)]
    assert rows(
        "select count(*) from staging.stg_csv__activities a"
        " anti join staging.stg_csv__channels c using (channel_id)"
    ) == [(0,)]
    assert rows(
        "select count(*) from staging.stg_csv__content c anti join staging.stg_csv__activities a"
        " on a.content_id = c.content_id"
    ) == [(0,)]
    # anya is in the member list and in the chat under one handle: one identity, the member
    # list's name (loaded later) wins, and her join and her message both belong to it
    assert rows(
        "select i.display_name, list(a.activity_type order by a.occurred_at)"
        " from staging.stg_csv__identities i join staging.stg_csv__activities a"
        " using (identity_id) where identity_id = 'csv:anya' group by all"
    ) == [("Анна", ["join", "message"])]


# --- the helpers the CLI and the Data page use ----------------------------------------------


@pytest.mark.parametrize(
    ("headers", "what", "expected"),
    [
        (
            ["Timestamp", "Email Address", "Full name", "Phone number", "Telegram username"],
            "members",
            {
                "name": "Full name",
                "email": "Email Address",
                "phone": "Phone number",
                "handle": "Telegram username",
                "joined_at": "Timestamp",
            },
        ),
        (
            [
                "Отметка времени",
                "Адрес электронной почты",
                "Как вас зовут?",
                "Ваш телефон для связи",
                "Дата рождения",
            ],
            "members",
            {
                "name": "Как вас зовут?",
                "email": "Адрес электронной почты",
                "phone": "Ваш телефон для связи",
                "joined_at": "Отметка времени",
            },
        ),
        (
            ["Фамилия", "Имя", "Отчество", "E-mail", "Дата", "Теги"],
            "members",
            {
                "first_name": "Имя",
                "middle_name": "Отчество",
                "last_name": "Фамилия",
                "email": "E-mail",
                "joined_at": "Дата",
                "tags": "Теги",
            },
        ),
        (
            ["ПІБ", "Ел. пошта", "Телефон", "Дата реєстрації", "Дата відписки"],
            "members",
            {
                "name": "ПІБ",
                "email": "Ел. пошта",
                "phone": "Телефон",
                "joined_at": "Дата реєстрації",
                "left_at": "Дата відписки",
            },
        ),
        (
            ["Позначка часу", "Ім'я", "Канал", "Тип", "Повідомлення"],
            "activities",
            {
                "name": "Ім'я",
                "activity_type": "Тип",
                "occurred_at": "Позначка часу",
                "channel": "Канал",
                "text": "Повідомлення",
            },
        ),
        (
            ["Date", "User ID", "Name", "Channel", "Type", "Message ID", "Reply to", "Text"],
            "activities",
            {
                "name": "Name",
                "external_id": "User ID",
                "activity_type": "Type",
                "occurred_at": "Date",
                "channel": "Channel",
                "text": "Text",
                "content_id": "Message ID",
                "parent_content_id": "Reply to",
            },
        ),
        (["Сумма заказа", "Город"], "members", {}),
    ],
)
def test_suggest_mapping_recognises_english_russian_and_ukrainian_headers(
    headers: list[str], what: str, expected: dict[str, str]
) -> None:
    assert suggest_mapping(headers, what) == expected


def test_no_mapping_means_a_guess_that_the_report_spells_out(tmp_path: Path) -> None:
    chat = ru_chat_rows()
    tables, report = parsed(write_csv(tmp_path / "c.csv", chat), what="activities")
    assert len(tables["activities"]) == 4
    assert report.guessed_mapping is not None
    assert report.guessed_mapping["occurred_at"] == "Отметка времени"
    assert any("guessed from the headers" in w for w in report.warnings)


def test_normalisation_rules() -> None:
    assert normalize_email(" mailto:Ivan@Mail.RU ") == "ivan@mail.ru"
    assert normalize_phone("8 (916) 123-45-67") == "+79161234567"
    assert normalize_phone("+7 916 123 45 67") == "+79161234567"
    assert normalize_phone("89161234567") == "+79161234567"
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert normalize_phone("380501234567") == "+380501234567"
    assert normalize_phone("(495) 123-45-67") == "4951234567"  # no country code: digits only
    assert normalize_handle("@Ivan_P") == "ivan_p"
    assert normalize_handle("https://t.me/Ivan_P") == "ivan_p"
    assert normalize_handle("vk.com/id123") == "id123"
    assert csv_import.normalize_activity_type(" Комментарий ") == "comment"
    assert csv_import.normalize_activity_type("Відповідь") == "reply"
    assert csv_import.normalize_activity_type("Обратная связь") == "feedback"
    assert mapping_from_pairs(["name=ФИО", "email = Почта", "joined_at=Дата = вступления"]) == {
        "name": "ФИО",
        "email": "Почта",
        "joined_at": "Дата = вступления",
    }
    with pytest.raises(ValueError, match="field=Column"):
        mapping_from_pairs(["name"])


def test_parse_reports_progress_to_the_end(tmp_path: Path) -> None:
    seen: list[float] = []
    path = activities_file(tmp_path / "a.csv", [f"2024-01-01 10:{i % 60:02d}" for i in range(50)])
    mapping = {"occurred_at": "Timestamp", "email": "Email Address", "activity_type": "Type"}
    list(parse(path, CsvReport(path), seen.append, mapping=mapping, what="activities"))
    assert seen and seen[-1] == pytest.approx(1.0)


def test_a_member_list_without_join_dates_says_so(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", [["Имя", "Телефон"], ["Аня", "+7 916 000-00-00"]])
    tables, report = parsed(path, mapping={"name": "Имя", "phone": "Телефон"}, what="members")
    assert len(tables["identities"]) == 1 and "activities" not in tables
    assert any("no joined_at column" in w for w in report.warnings)


def test_the_whole_build_links_csv_people_by_email(tmp_path: Path) -> None:
    """Through core: a member list keyed by e-mail and a chat log keyed by user id are one
    person when the chat log also gives the e-mail; the SQL tests of the build pass."""
    members = write_csv(
        tmp_path / "members.csv",
        [["Почта", "Имя", "Дата вступления"], ["Anya@X.io", "Аня", "01.12.2023"]],
    )
    load(
        members,
        mapping=suggest_mapping(["Почта", "Имя", "Дата вступления"], "members"),
        what="members",
        channel="Чат",
    )
    log = write_csv(
        tmp_path / "log.csv",
        [["User ID", "Email", "Date", "Text"], ["42", "anya@x.io", "2024-01-02 10:00", "Привет?"]],
    )
    load(
        log,
        mapping={"external_id": "User ID", "email": "Email", "occurred_at": "Date", "text": "Text"},
        what="activities",
        activity_type="message",
        channel="Чат",
    )

    build()

    assert rows(
        "select i.identity_id, i.member_id from core.identities i order by i.identity_id"
    ) == [("csv:42", "csv:42"), ("csv:anya@x.io", "csv:42")]
    assert rows("select member_id, activity_type from core.activities order by occurred_at") == [
        ("csv:42", "join"),
        ("csv:42", "message"),
    ]
    assert rows("select text, is_question from core.content") == [("Привет?", True)]
