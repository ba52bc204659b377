"""The leadership Overview: headline KPIs against the previous period or the same period a year
earlier, targets, trends, upcoming events, the PNG/PDF report — and no member named anywhere.

A chat whose members arrive one a year apart, so every comparison is worked out by hand:
- Аня joins 2 May 2023 and writes on 3 May 2023 and 20 May 2024;
- Борис joins 10 April 2024 and writes that day;
- Вера joins 5 May 2024 and writes on 6 May 2024.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pages._common import KPIS, format_value
from pages._report import report_pdf, report_png
from pipelines.cli import main
from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import ChatBuilder, app_test
from warehouse.accounts import OPERATOR
from warehouse.kpis import KPI_IDS
from warehouse.overview import HEADLINE_IDS, TREND_POINTS, overview
from warehouse.periods import Period
from warehouse.targets import set_target

MAY_2024 = Period.from_inclusive("2024-05-01", "2024-05-31")
NAMES = ("Аня", "Борис", "Вера")


@pytest.fixture
def community(tmp_path: Path) -> None:
    chat = ChatBuilder("Клуб", chat_id=7)
    chat.join("2023-05-02 10:00", "Аня")
    chat.message("2023-05-03 10:00", "Аня", "Привет")
    chat.join("2024-04-10 10:00", "Борис")
    chat.message("2024-04-10 11:00", "Борис", "Здравствуйте")
    chat.join("2024-05-05 10:00", "Вера")
    chat.message("2024-05-06 10:00", "Вера", "Добрый день")
    chat.message("2024-05-20 10:00", "Аня", "Как дела?")
    assert not ingest_telegram_export(chat.write(tmp_path / "club" / "result.json")).failed
    build()


def test_every_headline_card_is_a_catalogue_kpi() -> None:
    assert set(HEADLINE_IDS) <= set(KPI_IDS)


@pytest.mark.usefixtures("community")
def test_previous_month_and_the_same_month_a_year_earlier() -> None:
    previous = overview(MAY_2024, comparison="previous")
    assert previous.compared_with == Period.from_inclusive("2024-04-01", "2024-04-30")
    # end of May 2024: Аня, Борис, Вера; end of April: Аня, Борис; end of May 2023: Аня
    assert previous.now["members_total"] == 3 and previous.before["members_total"] == 2
    # active in May 2024: Вера, Аня; in April 2024: Борис
    assert previous.now["active_members"] == 2 and previous.before["active_members"] == 1

    year = overview(MAY_2024, comparison="year_earlier")
    assert year.compared_with == Period.from_inclusive("2023-05-01", "2023-05-31")
    assert year.before["members_total"] == 1 and year.before["active_members"] == 1
    assert year.before["net_growth"] == 1  # Аня joined in May 2023


@pytest.mark.usefixtures("community")
def test_trends_are_the_last_months_oldest_first() -> None:
    data = overview(MAY_2024)
    assert [p.start for p in data.trend_periods] == [
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2024, 3, 1),
        date(2024, 4, 1),
        date(2024, 5, 1),
    ]
    assert len(data.trends["members_total"]) == TREND_POINTS
    # Аня alone until Борис in April, Вера in May
    assert data.trends["members_total"] == [1, 1, 1, 1, 2, 3]
    assert data.trends["active_members"] == [0, 0, 0, 0, 1, 2]


@pytest.mark.usefixtures("community")
def test_the_page_shows_changes_targets_and_no_member_names() -> None:
    set_target("members_total", "month", date(2024, 5, 1), 4, user=OPERATOR)
    at = app_test()
    at.query_params.update(
        {"period": "custom", "from": "2024-05-01", "to": "2024-05-31", "compare": "year_earlier"}
    )
    at.run()
    assert not at.exception
    assert at.selectbox(key="filter_compare").value == "year_earlier"
    cards = {m.label: m for m in at.metric}
    assert cards["Members"].value == "3"
    assert cards["Members"].delta == "+2"  # vs May 2023: 1
    assert any("Target 4" in c.value for c in at.caption)  # 3 of 4 reached
    assert cards["Active partners"].value == "0"  # partnerships have their own section
    shown = " ".join(
        [str(e.value) for e in (*at.markdown, *at.caption, *at.metric, *at.warning, *at.info)]
        + [df.value.to_csv() for df in at.dataframe]
    )
    for name in NAMES:
        assert name not in shown
    assert {b.proto.label for b in at.get("download_button")} >= {
        "Report as PNG",
        "Report as PDF",
    }

    # the previous period is the default comparison (sidebar widgets are read from the URL in
    # AppTest: it drops the entry script's widgets after an interaction with st.navigation)
    at = app_test()
    at.query_params.update({"period": "custom", "from": "2024-05-01", "to": "2024-05-31"})
    at.run()
    assert {m.label: m.delta for m in at.metric}["Members"] == "+1"  # vs April 2024: 2


@pytest.mark.usefixtures("community")
def test_the_report_renders_as_png_and_pdf() -> None:
    data = overview(MAY_2024)
    png, pdf = report_png(data), report_pdf(data)
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000


@pytest.mark.usefixtures("community")
def test_every_catalogue_kpi_is_on_the_page_with_the_cli_json_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["kpis", "--start", "2024-05-01", "--end", "2024-06-01"]) == 0
    from_cli = json.loads(capsys.readouterr().out)["kpis"]
    at = app_test()
    at.query_params.update({"period": "custom", "from": "2024-05-01", "to": "2024-05-31"})
    at.run()
    every = at.dataframe[-1].value.set_index("id")["value"].to_dict()
    assert set(every) == set(KPI_IDS) <= set(from_cli)
    assert {kpi: format_value(kpi, from_cli[kpi]) for kpi in KPI_IDS} == every
    cards = {m.label: m.value for m in at.metric}
    for kpi in HEADLINE_IDS:
        assert cards[KPIS[kpi].label] == format_value(kpi, from_cli[kpi])
