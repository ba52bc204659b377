"""The Data page in Russian and Ukrainian: titles, labels, statuses and numbers translated."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import app_test
from tests.test_scheduled_refresh import make_runs, refresh_run_table
from warehouse.i18n import set_language

EXPECTED = {
    "ru": {
        "title": "Данные",
        "subheaders": ["Загрузить выгрузку", "Источники", "Запуски обновления"],
        "kind": "Что вы загружаете?",
        "option": "Выгрузка Telegram Desktop (result.json)",
        "statuses": ["прервано", "ошибка", "пропущено", "успешно"],
        "triggers": ["разовый запуск", "разовый запуск", "каждые 30m", "разовый запуск"],
    },
    "uk": {
        "title": "Дані",
        "subheaders": ["Завантажити експорт", "Джерела", "Запуски оновлення"],
        "kind": "Що ви завантажуєте?",
        "option": "Експорт Telegram Desktop (result.json)",
        "statuses": ["перервано", "помилка", "пропущено", "успішно"],
        "triggers": ["разовий запуск", "разовий запуск", "кожні 30m", "разовий запуск"],
    },
}


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    set_language("en")


def data_page(language: str, **state: str) -> AppTest:
    # AppTest calls widgets' format_func from this thread too, when it runs the script again
    set_language(language)
    at = app_test(language=language)
    for key, value in state.items():  # widgets set up front: a second run skips app.py
        at.session_state[key] = value
    at.switch_page("pages/data.py")  # before the first run: later, the page runs without app.py
    return at.run()


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_the_data_page_speaks_the_readers_language(language: str) -> None:
    make_runs()
    expected = EXPECTED[language]

    at = data_page(language)

    assert not at.exception
    assert [t.value for t in at.title] == [expected["title"]]
    assert [s.value for s in at.subheader] == expected["subheaders"]
    kind = at.selectbox(key="upload_kind")
    assert kind.label == expected["kind"]
    assert expected["option"] in kind.options
    assert not any("Telegram Desktop export" in o for o in kind.options)
    assert [b.label for b in at.button if b.label == "Load export"] == []
    table = refresh_run_table(at)
    assert list(table["status"]) == expected["statuses"]
    assert list(table["trigger"]) == expected["triggers"]
    # numbers in the reader's format: a (non-breaking) space between thousands
    assert table["rows_by_source"][3] == "telegram-export: 1\xa0204 · vk: 80"


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_the_csv_choice_and_the_empty_run_list_are_translated(language: str) -> None:
    at = data_page(language, upload_kind="csv")

    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "CSV" in captions and "Save the sheet" not in captions
    info = " ".join(i.value for i in at.info)
    assert "python -m pipelines refresh" in info and "No refresh has run yet" not in info
    assert ("Обновление ещё не запускалось" if language == "ru" else "Оновлення ще не") in info
