"""The leadership pages and the shared helpers in Russian and Ukrainian: numbers, units, periods,
target notes, chart locales, warehouse messages, the PNG/PDF report, and every page (Overview,
Growth & retention, Channels & content, Targets) rendered through AppTest.

One tiny community, May 2024 (UTC):
- «Клуб» (a chat): Аня joins 2 May and asks a question on 3 May; Борис joins 4 May, answers her
  (she reacts 10 minutes later) and leaves on 20 May;
- «Новости» (a broadcast channel): one post with a photo on 5 May, Аня reacts to it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

import warehouse.i18n as i18n
from pages._common import (
    _pulse_theme,
    format_delta,
    format_value,
    kpi_table,
    period_label,
    target_note,
)
from pages._report import _in_this_language, report_chart, report_png
from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import REPO_ROOT, ChatBuilder, app_test, speak
from warehouse.connection import WarehouseEmpty, _busy, read_connection
from warehouse.i18n import _, set_language
from warehouse.kpis import KPI_IDS
from warehouse.overview import overview
from warehouse.periods import Period, month_of, quarter_of, today_in
from warehouse.targets import validate_target

MAY_2024 = {"period": "custom", "from": "2024-05-01", "to": "2024-05-31"}
NBSP, NNBSP = "\u00a0", "\u202f"  # Babel's group separator, and the space before "г."/"р."


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """Tests set the language of their own thread: leave it English for the next test."""
    yield
    set_language("en")


@pytest.fixture
def community(tmp_path: Path) -> None:
    club = ChatBuilder("Клуб", chat_id=7)
    club.join("2024-05-02 10:00", "Аня")
    question = club.message("2024-05-03 10:00", "Аня", "Где встречаемся?")
    club.join("2024-05-04 10:00", "Борис")
    club.message(
        "2024-05-04 11:00",
        "Борис",
        "У входа",
        reply_to=question,
        reactions=[("👍", "Аня", "2024-05-04 11:10")],
    )
    club.leave("2024-05-20 10:00", "Борис")
    news = ChatBuilder("Новости", chat_id=8, kind="public_channel")
    news.message(
        "2024-05-05 12:00",
        "Новости",
        "Анонс встречи",
        from_id="channel8",
        photo="photos/photo_1.jpg",
        reactions=[("🔥", "Аня", "2024-05-05 12:30")],
    )
    for builder in (club, news):
        path = tmp_path / str(builder.chat["id"]) / "result.json"
        assert not ingest_telegram_export(builder.write(path)).failed
    build()


# --- numbers, units, periods ----------------------------------------------------------------


def test_numbers_and_units_follow_the_language() -> None:
    set_language("ru")
    assert format_value("members_total", 1500) == f"1{NBSP}500"
    assert format_value("response_rate_pct", 80) == "80,0 %"
    assert format_value("first_response_median_minutes", 45) == "45 мин"
    assert format_value("first_response_median_minutes", 150) == "2,5 ч"  # 150 min ≥ 2 h
    assert format_value("feedback_response_median_hours", 3.25) == "3,2 ч"  # half to even
    assert format_value("new_to_repeat_ratio", 1.5) == "1,50"
    # the sign comes first, so st.metric still colours the change by direction
    assert format_delta("retention_pct", 50, 47.5) == "+2,5 п. п."
    assert format_delta("first_response_median_minutes", 40, 45) == "-5 мин"
    assert format_delta("members_total", 900, 2100) == f"-1{NBSP}200"

    set_language("uk")
    assert format_value("first_response_median_minutes", 150) == "2,5 год"
    assert format_delta("retention_pct", 40, 47.5) == "-7,5 в. п."
    assert format_delta("feedback_response_median_hours", 5, 2) == "+3,0 год"

    set_language("en")  # English reads as it always has: thousands by spaces
    assert format_value("members_total", 1500) == "1 500"
    assert format_delta("retention_pct", 50, 47.5) == "+2.5 pp"


def test_target_notes_follow_the_language() -> None:
    set_language("ru")
    # 460 of 500 is 92 %; 45 minutes against 30 is 15 over; net growth below zero is behind
    assert target_note("members_total", 460, 500) == "Цель 500 · выполнено на 92 %"
    assert target_note("first_response_median_minutes", 45, 30) == (
        "Цель 30 мин · превышение на 15 мин"
    )
    assert target_note("first_response_median_minutes", 25, 30) == "Цель 30 мин · достигнута"
    assert target_note("net_growth", -3, 10) == "Цель 10 · отставание"
    assert target_note("members_total", None, 1500) == f"Цель 1{NBSP}500 · значения пока нет"
    set_language("uk")
    assert target_note("members_total", 499, 500) == "Ціль 500 · виконано на 99 %"
    assert target_note("members_left", 12, 10) == "Ціль 10 · перевищення на 2"


def test_periods_are_named_in_the_language() -> None:
    may = month_of(date(2024, 5, 1), "UTC")
    second_quarter = quarter_of(date(2024, 4, 1), "UTC")
    two_weeks = Period.from_inclusive("2024-05-06", "2024-05-19")
    set_language("ru")
    assert period_label(may) == "Май 2024"  # a label starts with a capital
    assert period_label(second_quarter) == "2 кв. 2024"
    assert period_label(two_weeks) == f"6 мая 2024{NNBSP}г. – 19 мая 2024{NNBSP}г."
    set_language("uk")
    assert period_label(may) == "Травень 2024"
    assert period_label(two_weeks) == f"6 трав. 2024{NNBSP}р. – 19 трав. 2024{NNBSP}р."
    set_language("en")
    assert period_label(may) == "May 2024" and period_label(second_quarter) == "Q2 2024"


def test_the_full_kpi_table_names_groups_and_kpis_in_the_language() -> None:
    set_language("uk")
    values = {"members_total": 3, "first_response_median_minutes": 45}
    now = {kpi: values.get(kpi) for kpi in KPI_IDS}
    table = kpi_table(now, dict.fromkeys(KPI_IDS), {"members_total": 4}).to_dicts()
    rows = {row["id"]: row for row in table}
    assert rows["members_total"]["group"] == "Зростання"
    assert rows["members_total"]["kpi"] == "Учасники"
    assert rows["members_total"]["target"] == "4"
    assert rows["first_response_median_minutes"]["value"] == "45 хв"
    assert rows["core_members"]["group"] == "Рівні залученості"


# --- the catalogues ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_every_translation_keeps_placeholders_markup_and_the_leading_sign(language: str) -> None:
    with open(REPO_ROOT / "locales" / language / "common.po", "rb") as handle:
        catalogue = [m for m in read_po(handle, locale=language) if m.id]
    assert len(catalogue) > 250
    fields = re.compile(r"\{(\w*)\}")
    for message in catalogue:
        assert message.string, message.id
        assert sorted(fields.findall(message.id)) == sorted(fields.findall(message.string))
        for marker in ("**", "`", "⏳"):
            assert message.id.count(marker) == message.string.count(marker), message.id
        # " A refresh is running…" is added after a page's own message, space included
        assert message.id.startswith(" ") == message.string.startswith(" "), message.id
        if message.id.startswith("{value}"):  # units after a signed change: "+5 мин"
            assert message.string.startswith("{value}"), message.id


# --- warehouse messages, charts, the report ---------------------------------------------------


def test_warehouse_messages_speak_the_readers_language() -> None:
    set_language("ru")
    errors = validate_target("members_total", "month", date(2024, 5, 2), None)
    assert errors == {
        "period_start": "Выберите первый день месяца.",
        "target": "Укажите значение цели.",
    }
    assert validate_target("retention_pct", "quarter", date(2024, 4, 1), 150) == {
        "target": "Цель в процентах — не больше 100."
    }
    with pytest.raises(WarehouseEmpty, match="Данных пока нет"), read_connection():
        pass  # nothing loaded in this test's data folder
    set_language("uk")
    assert _busy(False, 10).startswith("Сховище зайняте")
    assert "не вдалося прочитати дані за 10 с" in _busy(False, 10)
    set_language("en")
    assert "could not write to it within 0.3 s" in _busy(True, 0.3)


def test_charts_use_the_languages_number_and_month_names() -> None:
    set_language("ru")
    locale = _pulse_theme()["config"]["locale"]
    assert locale["number"]["decimal"] == "," and locale["number"]["thousands"] == NBSP
    assert locale["time"]["months"][4] == "май"  # on an axis of months, standing alone
    assert locale["time"]["shortDays"][:2] == ["вс", "пн"]  # d3 counts from Sunday
    set_language("uk")
    assert _pulse_theme()["config"]["locale"]["time"]["months"][0] == "січень"
    set_language("en")
    assert "locale" not in _pulse_theme()["config"]  # Vega's own English


@pytest.mark.usefixtures("community")
def test_the_report_is_made_in_the_language_of_whoever_asked() -> None:
    may = Period.from_inclusive("2024-05-01", "2024-05-31")
    set_language("ru")
    chart = report_chart(overview(may)).to_dict()
    title = chart["title"]
    assert title["text"] == "Community Pulse — Май 2024"
    assert title["subtitle"].startswith("Для сравнения: Апрель 2024 · отчёт от ")
    assert chart["config"]["locale"]["number"]["decimal"] == ","
    words = json.dumps(chart, ensure_ascii=False)
    assert "Активные участники по каналам" in words and "Партнёрства" in words
    assert "Участники" in words and "Active members" not in words
    assert report_png(overview(may)).startswith(b"\x89PNG")

    # Streamlit makes the file later, in a thread of its own: it still speaks Russian
    made: list[str] = []
    render = _in_this_language(lambda data: _("Overview") + data, " ✓")
    set_language("en")
    worker = threading.Thread(target=lambda: made.append(render()))
    worker.start()
    worker.join()
    assert made == ["Обзор ✓"]
    assert _("Overview") == "Overview"  # and nothing leaked into this thread


# --- the pages --------------------------------------------------------------------------------


def shown(at: AppTest) -> list[str]:
    """Every text a person reads on the page: elements, labels, options, table headers, and the
    charts' titles."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown"):
        texts += [str(e.value) for e in at.get(kind)]
    for kind in ("info", "warning", "error", "success"):
        texts += [str(e.value) for e in at.get(kind)]
    texts += [m.label for m in at.metric]
    texts += [b.proto.label for b in at.get("download_button")]
    texts += [b.label for b in at.button]
    texts += [e.label for e in at.get("expander")]
    for widget in (*at.selectbox, *at.radio):
        texts += [widget.label, *widget.options]
    for group in at.get("button_group"):
        texts += [group.proto.label, *(option.content for option in group.proto.options)]
    texts += [w.label for w in (*at.number_input, *at.checkbox)]
    for table in at.dataframe:
        config = json.loads(table.proto.columns or "{}")
        texts += [c["label"] for c in config.values() if isinstance(c, dict) and "label" in c]
    for chart in at.get("vega_lite_chart"):
        texts += _titles(json.loads(chart.proto.spec))
    return [t for t in texts if t]


def _titles(spec: Any) -> list[str]:
    if isinstance(spec, dict):
        found = [spec["title"]] if isinstance(spec.get("title"), str) else []
        return found + [t for value in spec.values() for t in _titles(value)]
    if isinstance(spec, list):
        return [t for value in spec for t in _titles(value)]
    return []


def english_left(at: AppTest, language: str) -> list[str]:
    """Texts on the page that are an English text of this area's catalogue, untranslated."""
    translated = i18n.catalogue(language)
    with open(REPO_ROOT / "locales" / language / "common.po", "rb") as handle:
        ours = {m.id for m in read_po(handle, locale=language) if m.id}
    english = {text for text in ours if translated.get(text, text) != text}
    return [text for text in shown(at) if text in english]


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def page(path: str | None, language: str, **params: str) -> AppTest:
    at = app_test("manager", language)
    at.query_params.update(params)
    at.run()
    if path is not None:
        at.switch_page(path).run()
    assert not at.exception
    return at


@pytest.mark.usefixtures("community")
def test_the_overview_in_russian_and_ukrainian(monkeypatch: pytest.MonkeyPatch) -> None:
    speak("ru", monkeypatch)
    at = page(None, "ru", **MAY_2024)
    texts = shown(at)
    assert at.title[0].value == "Обзор"
    cards = {m.label: m for m in at.metric}
    # end of May: Аня (Борис left); joined Аня and Борис, left Борис
    assert cards["Участники"].value == "1" and cards["Чистый прирост"].value == "1"
    assert "Активные партнёры" in cards and "Members" not in cards
    assert (
        "**Май 2024** в сравнении с предыдущим периодом (Апрель 2024). "
        "Тренды: последние периоды (всего 6)." in texts
    )
    assert {"Сравнение каналов", "Ближайшие мероприятия", "Партнёрства"} <= set(texts)
    assert "На ближайшие 60 дн. мероприятий не запланировано." in texts
    assert {"Скачать CSV", "Отчёт в PNG", "Отчёт в PDF", "Все KPI"} <= set(texts)
    assert {"Период", "Свой период", "Канал", "Все каналы", "Сравнить с"} <= set(texts)
    every = at.dataframe[-1].value.set_index("id")
    assert every.loc["members_total", "group"] == "Рост"
    # asked 3 May 10:00, answered 4 May 11:00: 1 500 minutes, shown in hours
    assert every.loc["first_response_median_minutes", "value"] == "25,0 ч"
    assert {"Группа", "Изменение", "Май 2024", "Апрель 2024"} <= set(texts)
    channels_chart = chart_specs(at)[0]
    assert channels_chart["encoding"]["x"]["title"] == "Активные участники"
    assert channels_chart["config"]["locale"]["number"]["decimal"] == ","
    assert english_left(at, "ru") == []

    speak("uk", monkeypatch)
    at = page(None, "uk", **MAY_2024, compare="year_earlier")
    texts = shown(at)
    assert at.title[0].value == "Огляд"
    assert (
        "**Травень 2024** порівняно з тим самим періодом рік тому (Травень 2023). "
        "Тренди: останні періоди (усього 6)." in texts
    )
    assert {m.label: m.delta for m in at.metric}["Учасники"] == "+1"  # May 2023: nobody
    assert "рік до року" in [m.proto.delta_description for m in at.metric]
    assert {"Завантажити CSV", "Звіт у PNG", "Порівняти з"} <= set(texts)
    assert english_left(at, "uk") == []


@pytest.mark.usefixtures("community")
def test_growth_and_retention_in_russian_and_ukrainian(monkeypatch: pytest.MonkeyPatch) -> None:
    speak("ru", monkeypatch)
    at = page("pages/growth.py", "ru", **MAY_2024)
    texts = shown(at)
    assert at.title[0].value == "Рост и удержание"
    cards = {m.label: m.value for m in at.metric}
    assert cards["Вступили"] == "2" and cards["Вышли"] == "1" and cards["Ядро сообщества"] == "0"
    assert "**Май 2024**, для сравнения: Апрель 2024." in texts
    assert {"Уровни вовлечённости, май 2024", "Вступления и выходы по дням"} <= set(texts)
    assert any(t.endswith("На конец месяца (май 2024): **0**.") for t in texts)
    # the levels are code words in the data, shown in Russian; in May Аня explores (a question
    # and a reaction), Борис too (a reply), and neither held a level in April
    levels = at.dataframe[0].value.set_index("level")
    assert "Знакомящийся" in levels.index and "Exploring" not in levels.index
    assert levels.loc["Знакомящийся", "members"] == 2
    assert {"Уровень", "Сейчас", "Поднялись"} <= set(texts)
    domains = [
        spec["encoding"]["color"]["scale"]["domain"]
        for spec in chart_specs(at)
        if "color" in spec.get("encoding", {}) and "domain" in spec["encoding"]["color"]["scale"]
    ]
    assert ["Вступили", "Вышли"] in domains
    assert ["Поднялись", "Остались", "Опустились"] in domains
    assert english_left(at, "ru") == []

    speak("uk", monkeypatch)
    at = page("pages/growth.py", "uk", **MAY_2024)
    texts = shown(at)
    assert at.title[0].value == "Зростання та утримання"
    assert "Рівні залученості, травень 2024" in texts
    assert "Знайомиться" in set(at.dataframe[0].value["level"])
    assert english_left(at, "uk") == []


@pytest.mark.usefixtures("community")
def test_channels_and_content_in_russian_and_ukrainian(monkeypatch: pytest.MonkeyPatch) -> None:
    speak("ru", monkeypatch)
    at = page("pages/channels.py", "ru", **MAY_2024)
    texts = shown(at)
    assert at.title[0].value == "Каналы и контент"
    assert {"Сравнение каналов", "Лучшие публикации", "Когда участники активны"} <= set(texts)
    assert {"Сравнить по", "Активные участники", "Вовлечённость (ER), %"} <= set(texts)
    channels, posts = at.dataframe[0].value, at.dataframe[1].value
    assert set(channels["kind"]) == {"Чат", "Новостной канал"}  # chat, broadcast
    assert posts.set_index("excerpt").loc["Анонс встречи", "media_type"] == "Фото"
    heatmap = chart_specs(at)[-1]
    assert heatmap["encoding"]["y"]["sort"] == ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
    assert english_left(at, "ru") == []

    speak("uk", monkeypatch)
    at = page("pages/channels.py", "uk", **MAY_2024)
    assert at.title[0].value == "Канали та контент"
    assert chart_specs(at)[-1]["encoding"]["y"]["sort"][-1] == "нд"
    assert set(at.dataframe[0].value["kind"]) == {"Чат", "Новинний канал"}
    assert english_left(at, "uk") == []


def _button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


@pytest.mark.usefixtures("community")
def test_targets_in_russian_and_ukrainian(monkeypatch: pytest.MonkeyPatch) -> None:
    speak("ru", monkeypatch)
    at = page("pages/targets.py", "ru")
    assert at.title[0].value == "Цели"
    assert "Целей пока нет. Задайте цель выше — «Обзор» покажет её рядом с фактическим " in (
        " ".join(shown(at))
    )
    _button(at, "Сохранить цель").click().run()  # no value typed
    assert "Не сохранено. Исправьте, пожалуйста:\n- **Цель**: Укажите значение цели." in [
        e.value for e in at.error
    ]

    at.selectbox(key="target_kpi").set_value("members_joined")
    at.number_input(key="target_value").set_value(40)
    _button(at, "Сохранить цель").click().run()
    assert not at.exception
    this_month = period_label(month_of(today_in("UTC"), "UTC"))  # the picker's default
    assert f"Цель сохранена: Рост · Вступили · {this_month} · все каналы: 40." in [
        e.value for e in at.success
    ]
    row = at.dataframe[0].value.iloc[0]
    assert row["KPI"] == "Рост · Вступили" and row["Channel"] == "Все каналы"
    assert row["Progress"] == "Цель 40 · выполнено на 0 %"  # nobody joined this month
    assert {"Цели и их выполнение", "Удалить цель", "Кто задал", "% от цели"} <= set(shown(at))
    assert english_left(at, "ru") == []

    speak("uk", monkeypatch)
    at = page("pages/targets.py", "uk")
    texts = shown(at)
    assert at.title[0].value == "Цілі"
    assert {"Задати ціль", "Ціль на", "Місяць", "Квартал", "Зберегти ціль"} <= set(texts)
    assert at.dataframe[0].value.iloc[0]["Progress"] == "Ціль 40 · виконано на 0 %"
    assert english_left(at, "uk") == []
