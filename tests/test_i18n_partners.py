"""The partners pages and their messages in Russian and Ukrainian: the catalogues cover every text
of the area, validation errors speak the reader's language, and the partners page and a partner's
profile render translated (stages, kinds, metrics and reminders too, with nothing English left in
the main area), while English stays the default."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.ingest import build, ingest_file
from tests.conftest import app_test, speak
from tests.test_event_kpis import zoom_report
from tests.test_events_page import texts, widget
from tests.test_partners import form
from tests.test_partners_page import in_form
from warehouse import partners
from warehouse.accounts import OPERATOR
from warehouse.i18n import set_language
from warehouse.partners import (
    AgreementDraft,
    InteractionDraft,
    OutcomeDraft,
    PartnerDraft,
    ProjectDraft,
)

NBSP = "\u00a0"  # Babel groups thousands with it in Russian and Ukrainian


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """Tests that switch this thread's language leave it English for the next test."""
    yield
    set_language("en")


def partners_page(
    language: str | None, monkeypatch: pytest.MonkeyPatch | None = None, **params: str
) -> AppTest:
    """The Partners page's first run, through app.py, which sets the session's language.

    AppTest runs the page alone (without app.py, so in the default English) from the second run
    on, and calls widgets' format_func from this thread to find a choice again; a real session
    always goes through app.py. So with `monkeypatch` every thread speaks `language`."""
    if monkeypatch is not None and language is not None:
        speak(language, monkeypatch)
    at = app_test(language=language)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("pages/partners.py")
    return at.run()


def click(at: AppTest, label: str) -> AppTest:
    widget(at.button, label).click().run()
    assert not at.exception, at.exception
    return at


def main_texts(at: AppTest) -> str:
    """Every label, value, choice, placeholder and help text of the page's main area (the
    sidebar's filters and account box belong to other areas), one per line."""
    found: list[str] = []

    def walk(node: object) -> None:
        for name in ("label", "value", "options", "placeholder", "help", "text"):
            try:
                value = getattr(node, name)
            except Exception:  # noqa: BLE001 - elements have only some of these
                continue
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, list | tuple):
                found.extend(v for v in value if isinstance(v, str))
        proto = getattr(node, "proto", None)
        if getattr(node, "type", None) == "dataframe" and proto is not None:
            for column in json.loads(proto.columns).values():
                found.extend(str(column.get(k) or "") for k in ("label", "help"))
                found.append(str((column.get("type_config") or {}).get("display_text") or ""))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return "\n".join(found)


def chart_texts(at: AppTest) -> set[str]:
    """The titles of the page's one chart (its own, the axes', the tooltips') and the names of
    its series (the colour scale's domain)."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "title" and isinstance(value, str):
                    found.add(value)
                elif key == "domain" and isinstance(value, list):
                    found.update(str(v) for v in value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    (chart,) = at.get("vega_lite_chart")
    walk(json.loads(chart.proto.spec))
    return found


def column_labels(at: AppTest, index: int) -> list[str]:
    columns = json.loads(at.dataframe[index].proto.columns)
    return [c["label"] for name, c in columns.items() if name != "_index"]


def english_left(shown: str, english: tuple[str, ...]) -> list[str]:
    return [word for word in english if re.search(rf"\b{re.escape(word)}\b", shown)]


@pytest.fixture
def school(tmp_path: Path) -> tuple[str, str]:
    """Школа №5, active: a call on 01.05.2024 whose next step (due 03.05.2024) is overdue and
    long past (no contact for 60+ days), an agreement, and a charity project 01–10.05.2024 (ended,
    no thanks sent) with the UTM code "school5" through which Анна registered for a Zoom meeting
    (so the chart has a bar), a budget of 5 000 RUB and a donations goal of 10 000 RUB of which
    7 500 were entered."""
    meeting = zoom_report(
        tmp_path / "zoom.csv",
        "111 222 333",
        "05/15/2024",
        [("Анна", "anna@x.org", "10:00", "11:00")],
    )
    assert not ingest_file("zoom-participants", meeting).failed
    registrations = form(
        tmp_path / "form.csv", [("05.05.2024 09:00:00", "Анна", "anna@x.org", "school5")]
    )
    assert not ingest_file("google-forms", registrations, event_id="zoom:111222333").failed
    build()
    school = partners.save_partner(
        PartnerDraft("Школа №5", "school", stage="active", owner="Аня"), OPERATOR
    ).id
    step = InteractionDraft(
        date(2024, 5, 1), "call", "Звонок директору", "Прислать афишу", date(2024, 5, 3)
    )
    partners.log_interaction(school, step, OPERATOR)
    agreement = AgreementDraft(
        "Неделя волонтёра", "Проводим уроки", "Даёт зал", signed_on=date(2024, 4, 20)
    )
    partners.save_agreement(school, agreement, OPERATOR)
    project = ProjectDraft(
        "Сбор для приюта",
        "charity",
        [school],
        date(2024, 5, 1),
        date(2024, 5, 10),
        goal_metric="donations",
        goal_target=10_000,
        goal_unit="RUB",
        budget="5000",
        tracking_codes=[("utm", "school5")],
    )
    project_id = partners.save_project(project, OPERATOR).id
    donations = OutcomeDraft("donations", "7 500", "rub", recorded_on=date(2024, 5, 10))
    partners.record_outcome(project_id, donations, OPERATOR)
    assert partners.partner(school)["registrations"] == 1
    return school, project_id


def test_validation_errors_speak_the_readers_language() -> None:
    step = InteractionDraft(None, "call", " ", next_step="", next_step_due=date(2024, 5, 3))
    outcome = OutcomeDraft("registrations", "много")  # computed, not entered; not a number

    assert partners.validate_interaction(step) == {  # nobody chose a language: English
        "occurred_on": "Say when it happened.",
        "summary": "Write what was discussed or done.",
        "next_step": "Say what the next step is, or clear its due date.",
    }

    set_language("ru")
    assert partners.validate_interaction(step) == {
        "occurred_on": "Укажите, когда это было.",
        "summary": "Опишите, что обсудили или сделали.",
        "next_step": "Опишите следующий шаг или уберите его срок.",
    }
    # the choices a message names are the labels people see, in their language
    assert partners.validate_outcome(outcome) == {
        "metric": "«Регистрации» вычисляется по данным; выберите одно из: Лиды, Пожертвования, "
        "Собрано вещей, Волонтёры, Упоминания, Охват по данным партнёра, Другое.",
        "value": "Значение должно быть числом, а не «много».",
    }

    set_language("uk")
    assert partners.validate_outcome(outcome)["value"] == "Значення має бути числом, а не «много»."
    codes = [("utm", "ab"), ("promo_code", "ПРИЮТ 2024")]
    project = ProjectDraft(" ", "charity", [], None, None, tracking_codes=codes)
    assert partners.validate_project(project) == {
        "title": "Вкажіть назву проєкту.",
        "partner_ids": "Виберіть принаймні одного партнера.",
        "starts_on": "Вкажіть перший день проєкту.",
        "ends_on": "Вкажіть останній день проєкту.",
        "tracking_codes": "«ab» закороткий для відстеження: потрібно щонайменше 3 символи.",
    }


LIST_PAGE = {
    "ru": {
        "title": "Партнёры",
        "new": "Новый партнёр",
        "subheaders": ["Доска", "Сводка по партнёрам", "Совместные проекты"],
        "reminders": [
            ":material/alarm: **Напоминания: 3**",
            "- Просрочен следующий шаг — ",
            ": «Прислать афишу», срок 03.05.2024 · Аня",
            "- Нет контакта 60+ дней — ",
            ": последний контакт 01.05.2024 (",
            "- Не поблагодарили после проекта — ",
            ": проект «Сбор для приюта» завершён; благодарность ждёт с 11.05.2024 · Аня",
        ],
        "board": ["**Потенциальный** (0)", "**Активный** (1)", "**На паузе** (0)"],
        "card": r"Школа / вуз · контакт: \d+ дн\. назад · :red\[просрочено: 1\]",
        "chart": {
            "Что принесли партнёры (за всё время)",
            "Люди",
            "Партнёр",
            "Показатель",
            "Новые участники",
            "Регистрации",
        },
        "scorecard": [
            "Партнёр",
            "Этап",
            "Ответственный",
            "Новые участники",
            "Регистрации",
            "Прирост",
            "Контакты (90 дн.)",
            "Дней с контакта",
            "Просроченные шаги",
            "Проекты",
            "",
        ],
        "stage": "Активный",
        "projects": ["Проект", "Партнёры", "Первый день", "Последний день", "Показатель цели"],
        "goal": "Пожертвования",
        "type": ("Тип", "Школа / вуз"),
        "add": "Добавить партнёра",
        "no_name": "- **Имя**: Укажите имя или название партнёра.",
    },
    "uk": {
        "title": "Партнери",
        "new": "Новий партнер",
        "subheaders": ["Дошка", "Зведення за партнерами", "Спільні проєкти"],
        "reminders": [
            ":material/alarm: **Нагадування: 3**",
            "- Прострочено наступний крок — ",
            ": «Прислать афишу», строк 03.05.2024 · Аня",
            "- Немає контакту 60+ днів — ",
            ": останній контакт 01.05.2024 (",
            "- Не подякували після проєкту — ",
            ": проєкт «Сбор для приюта» завершено; подяка чекає з 11.05.2024 · Аня",
        ],
        "board": ["**Потенційний** (0)", "**Активний** (1)", "**На паузі** (0)"],
        "card": r"Школа / університет · контакт: \d+ дн\. тому · :red\[прострочено: 1\]",
        "chart": {
            "Що принесли партнери (за весь час)",
            "Люди",
            "Партнер",
            "Показник",
            "Нові учасники",
            "Реєстрації",
        },
        "scorecard": [
            "Партнер",
            "Етап",
            "Відповідальний",
            "Нові учасники",
            "Реєстрації",
            "Приріст",
            "Контакти (90 дн.)",
            "Днів від контакту",
            "Прострочені кроки",
            "Проєкти",
            "",
        ],
        "stage": "Активний",
        "projects": ["Проєкт", "Партнери", "Перший день", "Останній день", "Показник цілі"],
        "goal": "Пожертви",
        "type": ("Тип", "Школа / університет"),
        "add": "Додати партнера",
        "no_name": "- **Ім'я**: Вкажіть ім'я або назву партнера.",
    },
}
# what must not be left in English on the partners page (words of its texts and choices)
LIST_ENGLISH = (
    "Partners",
    "New partner",
    "Add partner",
    "Reminders",
    "Overdue",
    "No contact",
    "No thanks",
    "Board",
    "Scorecard",
    "Joint projects",
    "Prospect",
    "Active",
    "School",
    "contact",
    "overdue",
    "People",
    "Open",
    "Donations",
    "Goal",
)


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_the_partners_page_in_russian_and_ukrainian(
    language: str, school: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = LIST_PAGE[language]
    at = partners_page(language, monkeypatch)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [expected["title"]]
    assert expected["new"] in [e.label for e in at.expander]
    assert [s.value for s in at.subheader] == expected["subheaders"]

    markdown = texts(at.markdown)
    for part in expected["reminders"] + expected["board"]:
        assert part in markdown, part
    assert "[Школа №5](/partners?partner=" in markdown  # names are data, kept as typed
    assert re.search(expected["card"], texts(at.caption)), texts(at.caption)

    # the chart's titles and series, the tables' columns and the code words in them
    assert chart_texts(at) >= expected["chart"]
    assert column_labels(at, 0) == expected["scorecard"]
    assert list(at.dataframe[0].value["stage"]) == [expected["stage"]]
    assert column_labels(at, 1)[:5] == expected["projects"]
    assert list(at.dataframe[1].value["goal"]) == [expected["goal"]]
    label, school_type = expected["type"]
    assert school_type in widget(at.selectbox, label).options

    left = english_left(main_texts(at), LIST_ENGLISH) + english_left(
        " ".join(chart_texts(at)), LIST_ENGLISH
    )
    assert left == [], left

    # a partner without a name: the problem is named by its translated field, in the language
    click(at, expected["add"])
    assert expected["no_name"] in texts(at.error)
    assert "Give the partner a name." not in texts(at.error)


PROFILE = {
    "ru": {
        "back": "← Все партнёры",
        "facts": "Школа \\/ вуз · Активный · ответственный\\: Аня",
        "metrics": [
            "Новые участники",
            "Регистрации",
            "Прирост активности",
            "Контакты (90 дн.)",
            "Последний контакт",
            "Просроченные шаги",
        ],
        "tabs": [
            "История",
            "Проекты",
            "Записать контакт",
            "Договорённости",
            "Новый проект",
            "Изменить",
        ],
        "timeline": ["**01.05.2024** · Звонок", "**20.04.2024** · Договорённость"],
        "next": "Далее: Прислать афишу до 03.05.2024 · :red[просрочен]",
        "project": "Благотворительность · 01\\.05\\.2024 – 10\\.05\\.2024 · партнёры\\: Школа №5"
        f" · бюджет 5{NBSP}000 RUB",
        "codes": "Коды отслеживания: UTM-источник `school5`",
        "project_metrics": ["Новые участники", "Регистрации", "Охват", "Прирост"],
        "goal": f"Цель: Пожертвования — 7{NBSP}500 из 10{NBSP}000 RUB (75 %)",
        "outcome": f"10.05.2024 · Пожертвования: 7{NBSP}500 RUB",
        "agreement": ["**Мы делаем:** Проводим уроки", "**Партнёр делает:** Даёт зал"],
        "signed": "подписана 20.04.2024",
        "stage": ("Новый этап", "Сменить этап", "Партнёр уже на этапе «Активный»."),
        "step_done": ("Шаг выполнен", "Следующий шаг выполнен."),
        "log": ("Сводка", "Записать контакт", "Контакт записан: Звонок."),
    },
    "uk": {
        "back": "← Усі партнери",
        "facts": "Школа \\/ університет · Активний · відповідальний\\: Аня",
        "metrics": [
            "Нові учасники",
            "Реєстрації",
            "Приріст активності",
            "Контакти (90 дн.)",
            "Останній контакт",
            "Прострочені кроки",
        ],
        "tabs": [
            "Історія",
            "Проєкти",
            "Записати контакт",
            "Домовленості",
            "Новий проєкт",
            "Редагувати",
        ],
        "timeline": ["**01.05.2024** · Дзвінок", "**20.04.2024** · Домовленість"],
        "next": "Далі: Прислать афишу до 03.05.2024 · :red[прострочено]",
        "project": "Благодійність · 01\\.05\\.2024 – 10\\.05\\.2024 · партнери\\: Школа №5"
        f" · бюджет 5{NBSP}000 RUB",
        "codes": "Коди відстеження: UTM-джерело `school5`",
        "project_metrics": ["Нові учасники", "Реєстрації", "Охоплення", "Приріст"],
        "goal": f"Ціль: Пожертви — 7{NBSP}500 з 10{NBSP}000 RUB (75 %)",
        "outcome": f"10.05.2024 · Пожертви: 7{NBSP}500 RUB",
        "agreement": ["**Ми робимо:** Проводим уроки", "**Партнер робить:** Даёт зал"],
        "signed": "підписано 20.04.2024",
        "stage": ("Новий етап", "Змінити етап", "Партнер уже на етапі «Активний»."),
        "step_done": ("Крок виконано", "Наступний крок виконано."),
        "log": ("Підсумок", "Записати контакт", "Контакт записано: Дзвінок."),
    },
}
PROFILE_ENGLISH = (
    "All partners",
    "Timeline",
    "Projects",
    "Log interaction",
    "Agreements",
    "Edit",
    "New members",
    "Registrations",
    "Last contact",
    "Overdue",
    "Next",
    "Step done",
    "Delete",
    "Tracking codes",
    "Goal",
    "Donations",
    "Charity",
    "budget",
    "with",
    "signed",
    "We do",
    "They do",
    "Name",
    "Stage",
    "Save",
    "Create project",
    "Enter",
    "Target",
    "Call",
)


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_a_partners_profile_in_russian_and_ukrainian(
    language: str, school: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    school_id, _project = school
    expected = PROFILE[language]
    at = partners_page(language, monkeypatch, partner=school_id)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Школа №5"]  # the partner's name is data
    assert widget(at.button, expected["back"])
    assert expected["facts"] in texts(at.caption)
    assert [m.label for m in at.metric][:6] == expected["metrics"]
    assert [t.label for t in at.tabs] == expected["tabs"]

    markdown, captions = texts(at.markdown), texts(at.caption)
    for part in [*expected["timeline"], *expected["agreement"]]:
        assert part in markdown, part
    for part in (expected["next"], expected["project"], expected["codes"], expected["signed"]):
        assert part in captions, part
    assert [m.label for m in at.metric][6:] == expected["project_metrics"]
    assert [p.text for p in at.get("progress")] == [expected["goal"]]
    assert expected["outcome"] in [t.value for t in at.text]

    left = english_left(main_texts(at), PROFILE_ENGLISH)
    assert left == [], left

    # actions answer in the language: a stage it already has, a step done, a call logged
    label, button, refused = expected["stage"]
    in_form(at.selectbox, label, f"stage_{school_id}").set_value("active")
    assert refused in texts(click(at, button).error)
    button, done = expected["step_done"]
    assert done in texts(click(at, button).success)
    summary, button, logged = expected["log"]
    in_form(at.text_input, summary, f"interaction_{school_id}").input("Позвонили в школу")
    assert logged in texts(click(at, button).success)


def test_english_stays_the_default_on_a_partners_profile(school: tuple[str, str]) -> None:
    school_id, _project = school
    at = partners_page(None, partner=school_id)  # nobody chose a language
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs][:3] == ["Timeline", "Projects", "Log interaction"]
    assert "School \\/ university · Active · owner\\: Аня" in texts(at.caption)
    assert "Next: Прислать афишу by 03.05.2024 · :red[overdue]" in texts(at.caption)
    # English keeps the app's "7 500" (as before translation), not Babel's "7,500"
    assert [p.text for p in at.get("progress")] == ["Goal: Donations 7 500 of 10 000 RUB (75 %)"]
