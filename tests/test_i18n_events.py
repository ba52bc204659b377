"""The events pages and their messages in Russian and Ukrainian: the catalogues cover every text
of the area, validation errors speak the reader's language, and the calendar and an event's page
render translated (with nothing English left in the parts checked), while English stays the
default."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import app_test, speak
from tests.test_events_page import _open_registration_days_ago, new_event, texts, widget
from warehouse import events
from warehouse.i18n import set_language


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """Tests that switch this thread's language leave it English for the next test."""
    yield
    set_language("en")


def events_page(language: str, **params: str) -> AppTest:
    """The Events page's first run, through app.py, which sets the session's language."""
    # AppTest calls widgets' format_func from this thread too (to find a choice's index when it
    # runs again), so this thread speaks the page's language as well
    set_language(language)
    at = app_test(language=language)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/events.py")
    return at.run()


def test_validation_errors_speak_the_readers_language() -> None:
    starts = datetime(2026, 3, 14, 18, 0)
    draft = events.EventDraft(
        title=" ",
        format="offline",
        starts_local=starts,
        ends_local=starts - timedelta(hours=1),
        timezone="Europe/Moscow",
        budget="много",
    )
    walk_in = events.WalkIn(name="Гена", email="не почта")

    english = events.validate_event(draft)  # nobody chose a language: English
    assert english["title"] == "Give the event a title."
    assert english["budget"] == "Budget must be a number, not 'много'."

    set_language("ru")
    russian = events.validate_event(draft)
    assert russian == {
        "title": "Укажите название мероприятия.",
        "ends": "Мероприятие должно заканчиваться позже, чем начинается.",
        "budget": "Бюджет должен быть числом, а не «много».",
    }
    assert events.validate_walk_in(walk_in) == {"email": "«не почта» не похоже на адрес e-mail."}

    set_language("uk")
    ukrainian = events.validate_event(draft)
    assert ukrainian["ends"] == "Подія має закінчуватися пізніше, ніж починається."
    assert ukrainian["budget"] == "Бюджет має бути числом, а не «много»."
    # the limit is a number in Ukrainian conventions: a non-breaking space groups thousands
    too_many = events.validate_event(
        events.EventDraft(
            "Лекція", "online", starts, starts + timedelta(hours=1), "UTC", registration_target=-1
        )
    )
    assert too_many == {
        "registration_target": "Ціль за реєстраціями має бути від 0 до 1\u00a0000\u00a0000."
    }


def chart_texts(at: AppTest) -> set[str]:
    """Every title, axis label expression and format string of the page's one chart."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("title", "labelExpr", "format") and isinstance(value, str):
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    (chart,) = at.get("vega_lite_chart")
    walk(json.loads(chart.proto.spec))
    return found


CALENDAR = {
    "ru": {
        "title": "Мероприятия",
        "new": "Новое мероприятие",
        "show": ("Показать", ["Месяц", "Квартал", "Год"]),
        "status": "Запланировано",
        "format": "Офлайн",
        "weekdays": ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"],
        "legend": "Мероприятие",
        "january": "янв.",
        "create": "Создать мероприятие",
    },
    "uk": {
        "title": "Події",
        "new": "Нова подія",
        "show": ("Показати", ["Місяць", "Квартал", "Рік"]),
        "status": "Запланована",
        "format": "Офлайн",
        "weekdays": ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Нд"],
        "legend": "Подія",
        "january": "січ.",
        "create": "Створити подію",
    },
}


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_the_calendar_in_russian_and_ukrainian(
    language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_event(0, title="Сегодняшняя встреча")
    expected = CALENDAR[language]
    at = events_page(language)
    assert not at.exception
    assert [t.value for t in at.title] == [expected["title"]]
    assert [e.label for e in at.expander] == [expected["new"]]
    label, options = expected["show"]
    scale = at.radio(key="events_scale")
    assert scale.label == label and list(scale.options) == options
    assert widget(at.button, expected["create"])  # the form inside "New event"
    # the month's heading is the month's name in the language, not "March 2026"
    heading = at.subheader[0].value
    assert re.fullmatch(r"[А-ЯІЇЄҐ][а-яіїєґʼ']+ \d{4}", heading), heading

    # formats and statuses are shown translated; titles are data and stay as typed
    table = at.dataframe[0].value
    assert list(table["title"]) == ["Сегодняшняя встреча"]
    assert list(table["status"]) == [expected["status"]]
    assert list(table["format"]) == [expected["format"]]

    # the calendar's weekday header and legend are in the language too
    chart = chart_texts(at)
    assert any(json.dumps(["", *expected["weekdays"]], ensure_ascii=False) in t for t in chart)
    assert expected["legend"] in chart
    assert not any("Mon" in t for t in chart) and "Event" not in chart

    # a year: months on the time axis named in the language
    speak(language, monkeypatch)
    at.radio(key="events_scale").set_value("year").run()
    assert not at.exception
    chart = chart_texts(at)
    assert any(expected["january"] in t for t in chart), chart
    assert "Registrations" not in chart and "%b %Y" not in chart

    everything = " ".join(
        [*texts(at.markdown).split("\n"), *texts(at.info).split("\n")]
        + [w.label for w in [*at.radio, *at.selectbox, *at.text_input, *at.button]]
    )
    for english in ("Events", "New event", "Show", "Period", "Open an event", "Create event"):
        assert not re.search(rf"\b{english}\b", everything), english


EVENT_PAGE = {
    "ru": {
        "back": "← Все мероприятия",
        "tabs": [
            "Сводка",
            "Отметка о приходе",
            "Загрузка",
            "После мероприятия",
            "Обратная связь",
            "Изменить",
        ],
        "facts": "Офлайн · Запланировано",
        "budget": "**Бюджет:** 15\u00a0000,00 RUB",
        "metrics": ["Зарегистрировались", "Пришли", "Явка", "Впервые", "Повторно", "Вернулись"],
        "behind": ["Отставание от темпа.", "Регистраций: 0 из 50", "Резервные действия:"],
        "followup": "Благодарность отправлена",
        "save_checklist": "Сохранить чек-лист",
        "walk_in": "Добавить и отметить приход",
        "email": "E-mail (необязательно)",
        "bad_email": "«не почта» не похоже на адрес e-mail.",
        "name": "**Имя**",
        "delete": "Удалить мероприятие",
    },
    "uk": {
        "back": "← Усі події",
        "tabs": [
            "Підсумок",
            "Відмітка про прихід",
            "Завантаження",
            "Після події",
            "Зворотний зв'язок",
            "Редагувати",
        ],
        "facts": "Офлайн · Запланована",
        "budget": "**Бюджет:** 15\u00a0000,00 RUB",
        "metrics": [
            "Зареєструвалися",
            "Прийшли",
            "Явка",
            "Уперше",
            "Повторно",
            "Повернулися",
        ],
        "behind": ["Відставання від темпу.", "Реєстрацій: 0 із 50", "Резервні дії:"],
        "followup": "Подяку надіслано",
        "save_checklist": "Зберегти чек-лист",
        "walk_in": "Додати й відмітити прихід",
        "email": "E-mail (необов'язково)",
        "bad_email": "«не почта» не схоже на адресу e-mail.",
        "name": "**Ім'я**",
        "delete": "Видалити подію",
    },
}


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_an_events_page_in_russian_and_ukrainian(
    language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # in 10 days, target 50, registration open for 5 days and nobody registered: behind pace,
    # with the backup plan listed (as in test_events_page, there in English)
    event_id = new_event(
        10,
        title="Лекция",
        registration_target=50,
        budget="15000",
        backup_actions="Репост партнёра",
    )
    _open_registration_days_ago(event_id, 5)
    expected = EVENT_PAGE[language]
    at = events_page(language, event=event_id)
    assert not at.exception
    assert [t.value for t in at.title] == ["Лекция"]  # the event's title is data
    assert widget(at.button, expected["back"])
    assert [t.label for t in at.tabs] == expected["tabs"]
    assert expected["facts"] in texts(at.caption)
    assert expected["budget"] in texts(at.markdown)
    assert [m.label for m in at.metric] == expected["metrics"]
    warning = texts(at.warning)
    assert all(part in warning for part in expected["behind"]), warning
    assert "- Репост партнёра" in warning and "Behind pace" not in warning
    assert widget(at.checkbox, expected["followup"]) is not None
    assert widget(at.button, expected["save_checklist"]) is not None
    assert widget(at.button, expected["delete"]).disabled

    # a walk-in with a wrong e-mail: the problem is named, by its translated field
    speak(language, monkeypatch)
    widget(at.text_input, EVENT_PAGE[language]["name"].strip("*")).input("Гена")
    widget(at.text_input, expected["email"]).input("не почта")
    widget(at.button, expected["walk_in"]).click().run()
    assert not at.exception
    errors = texts(at.error)
    assert expected["bad_email"] in errors and "**E-mail**" in errors
    assert "is not an e-mail address" not in errors

    shown = " ".join(
        [texts(at.caption), texts(at.markdown), texts(at.info)]
        + [w.label for w in [*at.button, *at.checkbox, *at.text_input, *at.selectbox]]
    )
    for english in ("Registered", "Check-in", "Summary", "Save checklist", "Add a walk-in", "Who"):
        assert not re.search(rf"\b{english}\b", shown), english


def test_english_stays_the_default_on_an_events_page() -> None:
    event_id = new_event(3, title="Встреча", budget="15000")
    at = app_test()  # no language chosen
    at.query_params["event"] = event_id
    at.switch_page("pages/events.py")
    at.run()
    assert not at.exception
    assert [t.label for t in at.tabs][:2] == ["Summary", "Check-in"]
    assert "Offline · Planned" in texts(at.caption)
    assert "**Budget:** 15,000.00 RUB" in texts(at.markdown)
