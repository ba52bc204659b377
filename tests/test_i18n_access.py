"""Sign-in, accounts, shared links and administration in Russian and Ukrainian: the pages
before sign-in, the sidebar of a signed-in person, the Shared links, Administration and My
account pages, the accounts' and links' messages, and a bad shared link's refusal."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import (
    AlertBase,
    Block,
    Code,
    Dataframe,
    HeadingBase,
    Markdown,
    Tab,
    Widget,
)

from pages._access import USER_KEY
from tests.conftest import TEST_PASSWORD, app_test, make_account
from warehouse import accounts, links
from warehouse.i18n import LOCALES_DIR, set_language

LANGUAGES = ["ru", "uk"]


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    set_language("en")


def area_english(language: str) -> set[str]:
    """This area's English texts that the language says otherwise (what must not show)."""
    with open(LOCALES_DIR / language / "access.po", "rb") as handle:
        return {m.id for m in read_po(handle) if m.id and m.string and m.string != m.id}


def texts(node: Block, skip_tabs: tuple[str, ...] = ()) -> list[str]:
    """What a person reads in `node`: text elements, widgets' labels, help texts, placeholders
    and options, tab labels, a table's headers and text cells. Not code blocks (addresses) and
    not widgets' values (codes behind the options)."""
    found: list[str] = []
    for child in node.children.values():
        if isinstance(child, Tab):
            if child.label in skip_tabs:
                continue
            found.append(child.label)
        if isinstance(child, Block):
            found += texts(child, skip_tabs)
        elif isinstance(child, Code):
            continue
        elif isinstance(child, Markdown | HeadingBase | AlertBase):
            found.append(str(child.value))
        elif isinstance(child, Widget):
            found += [child.label, child.help or "", getattr(child, "placeholder", None) or ""]
            found += [str(option) for option in getattr(child, "options", None) or []]
        elif isinstance(child, Dataframe):
            frame = child.value
            found += [str(column) for column in frame.columns]
            for column in frame.columns:
                found += [cell for cell in frame[column] if isinstance(cell, str)]
    return [text for text in found if text]


def latin_words(found: list[str]) -> set[str]:
    return {word for text in found for word in re.findall(r"[A-Za-z][A-Za-z-]*", text)}


def assert_no_english(at: AppTest, language: str, data: set[str], skip_tabs=()) -> None:
    """Nothing of this area left in English anywhere on the page, and in the page itself no
    Latin word at all but `data` (names, platforms, formats)."""
    assert not at.exception
    everywhere = texts(at.main) + texts(at.sidebar)
    left = sorted(set(everywhere) & area_english(language))
    assert not left, f"English left in {language}: {left}"
    unexpected = latin_words(texts(at.main, skip_tabs)) - data
    assert not unexpected, f"English left in {language}: {sorted(unexpected)}"


def signed_in(language: str, role: str, page: str) -> AppTest:
    # AppTest calls a selectbox's format_func in this thread too: it speaks the page's language
    set_language(language)
    at = app_test(role, language=language)
    at.switch_page(page)  # before the first run, which goes through app.py
    return at.run()


# --- before sign-in ----------------------------------------------------------------------------

BEFORE_SIGN_IN = {
    "ru": {
        "welcome": "Добро пожаловать в Community Pulse",
        "labels": ["Имя пользователя", "Ваше имя (его видят другие пользователи)", "Пароль"],
        "create": "Создать аккаунт администратора",
        "too_short": "Слишком коротко. Минимум символов: 10.",
        "differ": "Пароли не совпадают.",
        "sign_in_title": "Вход в Community Pulse",
        "sign_in": "Войти",
        "wrong": "Неверное имя пользователя или пароль, либо аккаунт отключён.",
        "language": "Язык",
    },
    "uk": {
        "welcome": "Ласкаво просимо до Community Pulse",
        "labels": ["Ім'я користувача", "Ваше ім'я (його бачать інші користувачі)", "Пароль"],
        "create": "Створити акаунт адміністратора",
        "too_short": "Занадто коротко. Мінімум символів: 10.",
        "differ": "Паролі не збігаються.",
        "sign_in_title": "Вхід до Community Pulse",
        "sign_in": "Увійти",
        "wrong": "Неправильне ім'я користувача або пароль, або акаунт вимкнено.",
        "language": "Мова",
    },
}
PRODUCT = {"Community", "Pulse"}
LANGUAGE_NAMES = {"English"}  # the language picker names each language in its own words


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_admin_page_speaks_the_visitors_language(language: str) -> None:
    expected = BEFORE_SIGN_IN[language]
    set_language(language)
    at = app_test(None, language=language).run()

    assert [t.value for t in at.title] == [expected["welcome"]]
    assert [t.label for t in at.text_input][:3] == expected["labels"]
    assert at.button[0].label == expected["create"]
    assert at.sidebar.selectbox[0].label == expected["language"]
    # "anna": the user name's example (names are lower-case Latin)
    assert_no_english(at, language, PRODUCT | LANGUAGE_NAMES | {"anna"})

    # a too short password, typed differently twice: both problems, each under its field
    at.text_input[0].input("anna")
    at.text_input[2].input("short")
    at.text_input[3].input("shorter")
    at.button[0].click().run()
    assert expected["differ"] in at.error[0].value
    at.text_input[3].input("short")
    at.button[0].click().run()
    assert expected["too_short"] in at.error[0].value
    assert f"**{expected['labels'][2]}**" in at.error[0].value
    assert accounts.needs_first_admin()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sign_in_page_speaks_the_visitors_language(language: str) -> None:
    expected = BEFORE_SIGN_IN[language]
    make_account("manager", "boris")
    set_language(language)
    at = app_test(None, language=language).run()

    assert [t.value for t in at.title] == [expected["sign_in_title"]]
    assert at.button[0].label == expected["sign_in"]
    assert_no_english(at, language, PRODUCT | LANGUAGE_NAMES)

    at.text_input(key="sign_in_user").input("boris")
    at.text_input(key="sign_in_password").input("wrong password!")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [expected["wrong"]]
    assert USER_KEY not in at.session_state


# --- the sidebar of a signed-in person ---------------------------------------------------------

SIDEBAR = {
    "ru": ("Язык", "Вы вошли как manager · Менеджер", "Выйти"),
    "uk": ("Мова", "Ви увійшли як manager · Менеджер", "Вийти"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sidebar_names_the_language_the_person_and_signing_out(language: str) -> None:
    picker, who, sign_out = SIDEBAR[language]
    at = signed_in(language, "manager", "pages/sharing.py")

    assert not at.exception
    language_pick = at.sidebar.selectbox(key="language_pick")
    assert language_pick.label == picker
    assert language_pick.options == ["English", "Русский", "Українська"]
    assert language_pick.value == language
    assert who in [c.value for c in at.sidebar.caption]
    assert [b.label for b in at.sidebar.button] == [sign_out]
    assert not set(texts(at.sidebar)) & area_english(language)


def test_a_viewer_is_named_by_the_chosen_word_for_the_role() -> None:
    at = signed_in("uk", "viewer", "pages/account.py")

    assert not at.exception
    assert "Ви увійшли як viewer · Читач" in [c.value for c in at.sidebar.caption]


# --- Shared links ------------------------------------------------------------------------------

SHARING = {
    "ru": {
        "title": "Общие ссылки",
        "subheaders": ["Новая общая ссылка", "Ссылки"],
        "create": "Создать ссылку",
        "board": "**Совет** · действует",
        "unnamed": "**Общая ссылка** · отключена",
        "fixed": "период зафиксирован: Май 2024",
        "buttons": ["Включить снова", "Отключить"],
        "created": "Ссылка создана. Скопируйте и отправьте её:",
    },
    "uk": {
        "title": "Спільні посилання",
        "subheaders": ["Нове спільне посилання", "Посилання"],
        "create": "Створити посилання",
        "board": "**Совет** · діє",
        "unnamed": "**Спільне посилання** · вимкнено",
        "fixed": "період зафіксовано: Травень 2024",
        "buttons": ["Увімкнути знову", "Вимкнути"],
        "created": "Посилання створено. Скопіюйте та надішліть його:",
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shared_links_page_speaks_the_readers_language(language: str) -> None:
    expected = SHARING[language]
    make_account("manager")
    links.create_link(
        "manager", days=7, label="Совет", filters={"period": "month", "month": "2024-05-01"}
    )
    switched_off, _token = links.create_link("manager", days=7)
    links.revoke("manager", switched_off.link_id)

    at = signed_in(language, "manager", "pages/sharing.py")

    assert [t.value for t in at.title] == [expected["title"]]
    assert [s.value for s in at.subheader] == expected["subheaders"]
    shown = [m.value for m in at.markdown]
    # the newest link first: the switched-off one, then the board's
    assert [m.split("  \n")[0] for m in shown if m.startswith("**")] == [
        expected["unnamed"],
        expected["board"],
    ]
    assert expected["fixed"] in [c.value for c in at.caption]
    assert [b.label for b in at.main.button] == [expected["create"], *expected["buttons"]]
    assert_no_english(at, language, {"manager"})

    at.text_input[0].input("Правление")
    at.button[0].click().run()
    assert [s.value for s in at.success] == [expected["created"]]
    assert len(links.links()) == 3


# --- Administration and My account ---------------------------------------------------------------

ADMINISTRATION = {
    "ru": {
        "title": "Администрирование",
        "tabs": ["Аккаунты", "Настройки", "Резервное копирование", "Удалить данные человека"],
        "columns": ["Имя пользователя", "Имя", "E-mail", "Роль", "Активный", "Способ входа"],
        "roles": ["Администратор", "Менеджер", "Читатель"],
        "last_admin": "Последнего администратора нельзя лишить роли или отключить.",
        "added": "Аккаунт olga добавлен.",
    },
    "uk": {
        "title": "Адміністрування",
        "tabs": ["Акаунти", "Налаштування", "Резервне копіювання", "Видалити дані людини"],
        "columns": ["Ім'я користувача", "Ім'я", "E-mail", "Роль", "Активний", "Спосіб входу"],
        "roles": ["Адміністратор", "Менеджер", "Читач"],
        "last_admin": "Останнього адміністратора не можна позбавити ролі чи вимкнути.",
        "added": "Акаунт olga додано.",
    },
}
# platforms, formats and settings' own names the admin page may show as they are
ADMIN_DATA = {
    "admin",
    "E-mail",
    "e-mail",
    "KPI",
    "OpenID",
    "Connect",
    "IANA",
    "Europe",
    "Moscow",
    "Kyiv",
    "auth",
    "streamlit",
    "secrets",
    "toml",
    "README",
    "Sign-in",
} | LANGUAGE_NAMES


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_administration_page_speaks_the_readers_language(language: str) -> None:
    expected = ADMINISTRATION[language]
    at = signed_in(language, "admin", "pages/admin.py")

    assert [t.value for t in at.title] == [expected["title"]]
    assert [t.label for t in at.tabs] == expected["tabs"]
    table = at.dataframe[0].value
    assert list(table.columns) == expected["columns"]
    assert list(table[expected["columns"][3]]) == [expected["roles"][0]]
    role = at.selectbox[0]
    assert role.options == expected["roles"]
    # the backup and privacy tabs belong to another area (and its test)
    assert_no_english(at, language, ADMIN_DATA, skip_tabs=tuple(expected["tabs"][2:]))

    # an account added in the form: its message and its role's name in the table
    at.text_input[0].input("olga")
    at.text_input[2].input(TEST_PASSWORD)
    at.selectbox[0].select("viewer")
    at.button[0].click().run()
    assert not at.exception
    assert expected["added"] in [s.value for s in at.success]
    assert accounts.account("olga").role == "viewer"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_last_admins_refusal_is_in_the_readers_language(language: str) -> None:
    at = signed_in(language, "admin", "pages/admin.py")

    at.selectbox(key="change_who").select("admin")
    at.selectbox(key="change_role_admin").select("viewer")
    at.button[1].click().run()  # "Save changes"

    assert not at.exception
    assert any(ADMINISTRATION[language]["last_admin"] in e.value for e in at.error)
    assert accounts.account("admin").role == "admin"


MY_ACCOUNT = {
    "ru": ("Мой аккаунт", "**viewer** · viewer · Читатель", "Смена пароля", "Сменить пароль"),
    "uk": ("Мій акаунт", "**viewer** · viewer · Читач", "Зміна пароля", "Змінити пароль"),
}
WRONG_CURRENT = {
    "ru": "Текущий пароль введён неверно.",
    "uk": "Поточний пароль введено неправильно.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_my_account_speaks_the_readers_language(language: str) -> None:
    title, who, subheader, button = MY_ACCOUNT[language]
    at = signed_in(language, "viewer", "pages/account.py")

    assert [t.value for t in at.title] == [title]
    assert who in [m.value for m in at.markdown]
    assert [s.value for s in at.subheader] == [subheader]
    assert [b.label for b in at.main.button] == [button]
    assert_no_english(at, language, {"viewer"})

    at.text_input[0].input("not my password")
    at.text_input[1].input(TEST_PASSWORD + "!")
    at.text_input[2].input(TEST_PASSWORD + "!")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [WRONG_CURRENT[language]]


# --- messages raised by the accounts and the links ---------------------------------------------


def test_accounts_and_links_refuse_in_the_current_language() -> None:
    make_account("manager")
    set_language("ru")
    with pytest.raises(accounts.InvalidAccount) as invalid:
        accounts.create_account("admin", "Оля", "boss", "short")
    assert invalid.value.errors == {
        "username": "От 2 до 40 символов: строчные латинские буквы, цифры, точки, дефисы или "
        "подчёркивания; первый символ — буква или цифра.",
        "role": "Выберите роль: администратор, менеджер или читатель.",
        "password": "Слишком коротко. Минимум символов: 10.",
    }
    with pytest.raises(
        accounts.NotAllowed, match="^Недостаточно прав: нужна роль «администратор».$"
    ):
        accounts.create_account("manager", "olga", "viewer", TEST_PASSWORD)

    set_language("uk")
    with pytest.raises(ValueError, match=r"^Строк дії посилання в днях: від 1 до 366\.$"):
        links.create_link("manager", days=400)
    with pytest.raises(links.LinkInvalid, match="^Посилання неповне"):
        links.open_link("no-dots-here")


BAD_LINK = {
    "ru": "Команда сообщества отключила эту ссылку.",
    "uk": "Команда спільноти вимкнула це посилання.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_switched_off_link_says_why_in_the_visitors_language(language: str) -> None:
    make_account("manager")
    link, token = links.create_link("manager", days=7)
    links.revoke("manager", link.link_id)
    at = app_test(None, language=language)
    at.query_params["share"] = token
    at.run()

    assert not at.exception
    assert [e.value for e in at.error] == [BAD_LINK[language]]
    assert not at.metric


def test_a_cut_short_link_says_so_in_russian() -> None:
    make_account("manager")
    _link, token = links.create_link("manager", days=7)
    at = app_test(None, language="ru")
    at.query_params["share"] = token.rsplit(".", 1)[0]  # the signature lost when copying
    at.run()

    assert [e.value for e in at.error] == ["Ссылка неполная: скопируйте адрес ещё раз целиком."]
