"""The member, role and feedback pages in Russian and Ukrainian: every page rendered through
AppTest in both languages shows its titles, labels, messages and code words (levels, roles,
activity kinds, merge reasons, cadences) translated, and none of the English texts of the area's
catalogue (locales/<lang>/members.po); the warehouse's validation messages follow the language
of the person who made the entry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from babel.messages.pofile import read_po
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from pages._common import escaped
from pages._member_parts import reasons
from tests.conftest import ChatBuilder, app_test
from tests.test_events_page import texts, widget
from tests.test_kpis import load
from tests.test_members import community, member_of, tg  # noqa: F401
from tests.test_roles import at, community_chat
from warehouse import feedback, members, roles
from warehouse.accounts import OPERATOR
from warehouse.i18n import LOCALES_DIR, _, number, set_language

# what each language must show (a few per page; the catalogue check below covers the rest)
WORDS = {
    "ru": {
        "members": "Участники",
        "search": "Поиск",
        "six": "Участников: 6",
        "suggested": "Возможно, один и тот же человек (2)",
        "similar": "похожее имя: ",
        "level_over_time": "Уровень по месяцам",
        "accounts": "Аккаунты",
        "message": "Сообщение",
        "mentor_held": ["Наставник", "действует", "2 в неделю"],
        "back": "← Все участники",
        "roles": "Роли",
        "covered": "Занятые роли",
        "none_of_12": "0 из 12",
        "nobody_holds": "Роли без носителей: Наставник, Партнёр",
        "member": "Участник",
        "choose_member": "Выберите участника.",
        "hero": "Герой",
        "assign_role": "Назначить роль",
        "per_month": "1 в месяц",
        "expected": "Ожидается",
        "feedback": "Обратная связь",
        "what_was_said": "Что сказали",
        "write_or_score": "Напишите, что сказали, или поставьте оценку.",
        "log_feedback": "Записать отзыв",
        "logged": "Отзыв записан.",
        "mark_answered": "Отметить: ответ дан",
        "all_answered": "На все отзывы уже ответили.",
        "recently_answered": "Недавно ответили",
    },
    "uk": {
        "members": "Учасники",
        "search": "Пошук",
        "six": "Учасників: 6",
        "suggested": "Можливо, та сама людина (2)",
        "similar": "схоже ім'я: ",
        "level_over_time": "Рівень за місяцями",
        "accounts": "Акаунти",
        "message": "Повідомлення",
        "mentor_held": ["Наставник", "діє", "2 на тиждень"],
        "back": "← Усі учасники",
        "roles": "Ролі",
        "covered": "Зайняті ролі",
        "none_of_12": "0 з 12",
        "nobody_holds": "Ролі без носіїв: Наставник, Партнер",
        "member": "Учасник",
        "choose_member": "Виберіть учасника.",
        "hero": "Герой",
        "assign_role": "Призначити роль",
        "per_month": "1 на місяць",
        "expected": "Очікується",
        "feedback": "Зворотний зв'язок",
        "what_was_said": "Що сказали",
        "write_or_score": "Напишіть, що сказали, або поставте оцінку.",
        "log_feedback": "Записати відгук",
        "logged": "Відгук записано.",
        "mark_answered": "Позначити: відповідь надано",
        "all_answered": "На всі відгуки вже відповіли.",
        "recently_answered": "Нещодавно відповіли",
    },
}
LANGUAGES = tuple(WORDS)


@pytest.fixture(autouse=True)
def speaking() -> Iterator[None]:
    """Tests that switch this thread's language leave it English for the next test."""
    yield
    set_language("en")


class _ServedPages(PagesManager):
    """AppTest forgets before every run that app.py's st.navigation is in charge, and with a
    pages/ folder beside app.py it then reruns a page file on its own (Streamlit's old
    pages-folder mode), skipping app.py and with it set_language(): every run after the first
    would speak English. A served app decides once (require_app_entry); so does this."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def served_pages(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(app_test_module, "PagesManager", _ServedPages)
    yield
    PagesManager.uses_pages_directory = None  # as AppTest leaves it for the next test


def catalogue_english(language: str) -> set[str]:
    """The area's English texts that the language translates differently (what must not show)."""
    with open(LOCALES_DIR / language / "members.po", "rb") as handle:
        return {m.id for m in read_po(handle) if m.id and m.string and m.string != m.id}


def shown(page: AppTest) -> list[str]:
    """Every text the page shows a person: elements' values, widgets' labels, placeholders,
    help texts and options, expanders' and metrics' labels."""
    found: list[str] = []
    for kind in ("title", "subheader", "header", "caption", "info", "success", "error"):
        found += [str(e.value) for e in getattr(page, kind)]
    found += [str(e.value) for e in (*page.warning, *page.markdown, *page.text)]
    for kind in (
        "button",
        "text_input",
        "text_area",
        "selectbox",
        "multiselect",
        "date_input",
        "number_input",
        "checkbox",
        "radio",
    ):
        for widget_ in getattr(page, kind):
            found.append(widget_.label)
            found += [getattr(widget_, "placeholder", None) or "", getattr(widget_, "help", "")]
            found += [str(option) for option in getattr(widget_, "options", [])]
    found += [e.label for e in page.expander] + [m.label for m in page.metric]
    return [text for text in found if text]


def assert_translated(page: AppTest, language: str) -> None:
    assert not page.exception
    left = sorted(set(shown(page)) & catalogue_english(language))
    assert not left, f"English left in {language}: {left}"


def page_in(language: str, path: str, **params: str) -> AppTest:
    # AppTest calls a selectbox's format_func in this thread to find the chosen option again:
    # this thread speaks the page's language too, so a translating format_func matches
    set_language(language)
    page = app_test(language=language)
    for key, value in params.items():
        page.query_params[key] = value
    page.switch_page(path)
    return page.run()


# --- the warehouse's messages and the code words' names --------------------------------------


def test_validation_messages_and_code_words_follow_the_language() -> None:
    set_language("ru")
    refused = members.validate_profile(members.ProfileEdit(notes="x" * 2001, tags=("a,b",)))
    # 2000 written the Russian way: a no-break space between the thousands
    assert refused == {
        "notes": "Заметки — не длиннее 2\u00a0000 символов.",
        "tags": "В теге не может быть запятой.",
    }
    refused = roles.validate_assignment(
        member_id=None, role="boss", started_on=None, cadence_count=0, cadence_per="day"
    )
    assert refused["member_id"] == "Выберите участника."
    assert refused["role"].startswith("Выберите одну из ролей: Наставник, Партнёр, Рассказчик")
    assert refused["cadence_count"] == "Ожидаемая частота — от 1 до 100 действий."
    assert reasons("same handle: anya; similar name: Борис Орлов ~ Борис Орлв") == (
        "тот же ник: anya; похожее имя: Борис Орлов ~ Борис Орлв"
    )
    cadences = pl.DataFrame({"cadence_count": [2, 1], "cadence_per": ["week", "month"]})
    assert cadences.select(roles.cadence_text().alias("shown"))["shown"].to_list() == [
        "2 в неделю",
        "1 в месяц",
    ]

    set_language("uk")
    assert members.validate_filter(members.DirectoryFilter(who="aliens")) == {
        "who": "Виберіть: учасники, команда або боти."
    }
    assert cadences.select(roles.cadence_text().alias("shown"))["shown"].to_list() == [
        "2 на тиждень",
        "1 на місяць",
    ]

    set_language("en")  # the default, as the CLI and the existing tests read it
    assert members.validate_filter(members.DirectoryFilter(who="aliens")) == {
        "who": "Choose members, team or bots."
    }
    assert number(2000) == "2,000"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_role_level_and_state_has_its_own_name(language: str) -> None:
    set_language(language)
    names = [_(roles.ROLE_LABELS[role]) for role in roles.ROLES]
    assert len(set(names)) == len(roles.ROLES) == 12  # no two roles read the same
    assert not set(names) & set(roles.ROLE_LABELS.values())  # none left English
    levels = [_(members.LEVEL_LABELS[level]) for level in (*members.LEVELS, members.NO_LEVEL)]
    assert len(set(levels)) == 5 and not set(levels) & set(members.LEVEL_LABELS.values())
    states = [_(label) for label in roles.STATE_LABELS.values()]
    assert len(set(states)) == 3 and not set(states) & set(roles.STATE_LABELS.values())


# --- the Members page and a profile ----------------------------------------------------------


@pytest.mark.usefixtures("community")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_directory_and_a_profile_in_russian_and_ukrainian(language: str) -> None:
    words = WORDS[language]
    page = page_in(language, "pages/members.py")
    assert [t.value for t in page.title] == [words["members"]]
    assert words["six"] in texts(page.subheader)
    assert words["suggested"] in texts(page.subheader)
    assert widget(page.text_input, words["search"])
    assert words["similar"] in texts(page.text)  # a merge reason's code word, translated
    assert_translated(page, language)
    assert "Members" not in texts(page.title) and "similar name" not in texts(page.text)

    anya = tg("Аня П.")
    roles.assign_role(
        OPERATOR,
        member_id=anya,
        role="mentor",
        started_on=date.today() - timedelta(days=1),
        cadence_count=2,
        cadence_per="week",
    )
    page = page_in(language, "pages/members.py", member=anya)
    assert [t.value for t in page.title] == [escaped("Аня П.")]  # a name is data
    subheaders = texts(page.subheader)
    assert words["level_over_time"] in subheaders and words["accounts"] in subheaders
    assert widget(page.button, words["back"])
    timeline = page.dataframe[-1].value
    assert timeline["activity_type"].to_list() == [words["message"]]
    assert timeline["text"].to_list() == ["Это я, Аня, с нового телефона"]  # data as typed
    [held] = [f.value for f in page.dataframe if "expected_cadence" in f.value.columns]
    assert held[["role", "state", "expected_cadence"]].values.tolist() == [words["mentor_held"]]
    assert_translated(page, language)
    assert "Level over time" not in subheaders


@pytest.mark.usefixtures("community")
def test_editing_and_merging_a_member_in_russian() -> None:
    anna, anya = tg("Анна Петрова"), tg("Аня П.")
    page = page_in("ru", "pages/members.py", member=anna)
    widget(page.text_area, "Заметки").input("x" * 2001)
    widget(page.button, "Сохранить изменения").click().run()
    refused = texts(page.error)
    assert "**Заметки**: Заметки — не длиннее 2\u00a0000 символов." in refused
    assert "Notes" not in refused

    widget(page.text_input, "Найти участника для объединения").input("Аня").run()
    widget(page.selectbox, "Кого присоединить").set_value(anya).run()
    widget(page.button, "Объединить…").click().run()
    assert "**Объединить этих двух участников?**" in texts(page.markdown)
    assert_translated(page, "ru")
    widget(page.button, "Подтвердить объединение").click().run()
    assert not page.exception
    assert member_of(anya) == anna
    assert "Объединено. Отменить можно в разделе «Присоединены к этому участнику»." in texts(
        page.success
    )
    assert "Присоединены к этому участнику" in texts(page.subheader)
    # "Аня П. → Анна Петрова · объединено 21.11.2026, 14:05 UTC (manager)"
    assert "Аня П. → Анна Петрова · объединено " in texts(page.text)
    assert_translated(page, "ru")

    widget(page.button, "Отменить объединение").click().run()
    assert not page.exception
    assert "Объединение отменено: Аня П. снова отдельный участник." in texts(page.success)
    assert member_of(anya) == anya


# --- the Roles page --------------------------------------------------------------------------


@pytest.fixture
def roles_chat(tmp_path: Path) -> None:
    """As tests/test_roles_page.py: Аня wrote 5 times last week, *Звезда* once, 40 days ago."""
    chat = ChatBuilder("Волонтёры — чат", chat_id=1001)
    chat.message(at(40), "*Звезда*", "Привет")
    for day in range(1, 6):
        chat.message(at(day), "Аня", "Новое")
    load(tmp_path, chat)


@pytest.mark.usefixtures("roles_chat")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_roles_page_in_russian_and_ukrainian(language: str) -> None:
    words = WORDS[language]
    page = page_in(language, "pages/roles.py")
    assert [t.value for t in page.title] == [words["roles"]]
    assert {m.label: m.value for m in page.metric}[words["covered"]] == words["none_of_12"]
    assert words["nobody_holds"] in texts(page.warning)
    assert_translated(page, language)

    widget(page.button, words["assign_role"]).click().run()  # nobody, no role: refused by field
    refused = texts(page.error)
    assert f"**{words['member']}**: {words['choose_member']}" in refused

    page.text_input(key="roles_search").input("Звезда").run()
    page.selectbox(key="assign_role").set_value("hero")
    page.selectbox(key="assign_per").set_value("month")
    widget(page.button, words["assign_role"]).click().run()
    assert not page.exception
    assert f"{words['hero']}: \\*Звезда\\*." in texts(page.success)
    below = [f.value for f in page.dataframe if words["expected"] in f.value.columns]
    # the below-cadence table first: *Звезда* holds "1 per month" and did nothing in 30 days
    assert below[0].values.tolist() == [["*Звезда*", words["hero"], words["per_month"], 0, 1, 30]]
    assert_translated(page, language)


def test_a_candidates_assign_notice_is_in_the_readers_language(tmp_path: Path) -> None:
    """The notice is worded after the callback (which runs before the language is set)."""
    load(tmp_path, community_chat())
    page = page_in(
        "ru", "pages/roles.py", period="custom", **{"from": "2024-06-01", "to": "2024-06-30"}
    )
    assert "**Наставник**" in texts(page.markdown)
    assert "вопросы, на которые они ответили первыми" in texts(page.caption)
    pick = next(b for b in page.button if b.key and b.key.startswith("pick_mentor_"))
    pick.click().run()
    assert not page.exception
    assert "Наставник: проверьте форму ниже и назначьте." in texts(page.success)
    assert page.selectbox(key="assign_role").value == "mentor"
    assert_translated(page, "ru")


# --- the Feedback page -----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_feedback_page_in_russian_and_ukrainian(language: str) -> None:
    from pipelines.ingest import build

    build()
    words = WORDS[language]
    page = page_in(language, "pages/feedback.py")
    assert [t.value for t in page.title] == [words["feedback"]]
    assert_translated(page, language)

    widget(page.button, words["log_feedback"]).click().run()  # neither text nor score
    assert f"**{words['what_was_said']}**: {words['write_or_score']}" in texts(page.error)
    assert feedback.recent().is_empty()

    widget(page.text_area, words["what_was_said"]).input("Спасибо за встречу")
    widget(page.button, words["log_feedback"]).click().run()
    assert words["logged"] in texts(page.success)
    assert_translated(page, language)

    widget(page.button, words["mark_answered"]).click().run()
    assert not page.exception
    assert words["all_answered"] in texts(page.info)
    assert words["recently_answered"] in [e.label for e in page.expander]
    assert_translated(page, language)
    assert feedback.unanswered().is_empty()
