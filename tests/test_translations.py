"""The interface speaks English, Russian and Ukrainian completely: every text the code shows has
a translation, translations keep their placeholders, and no page shows English in ru or uk."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from pages._access import PAGES
from pipelines.ingest import build, ingest_telegram_export
from tests.conftest import ChatBuilder, app_test, speak
from warehouse import i18n

TRANSLATED = ["ru", "uk"]
# words that stay as they are in every language: platforms, formats, units, names of things
KEPT = {
    "telegram", "vk", "discord", "slack", "zoom", "timepad", "google", "forms", "csv", "tsv",
    "json", "zip", "png", "pdf", "utc", "kpi", "kpis", "url", "utm", "id", "iana", "openid",
    "connect", "oidc", "txt", "excel", "sheets", "desktop", "discordchatexporter", "community",
    "pulse", "europe", "moscow", "kyiv", "readme", "auth", "toml", "secrets", "streamlit",
    "duckdb", "parquet", "http", "https", "api", "ical", "emoji", "e-mail", "email", "dau",
    "mau", "cron", "systemd", "sign-in", "english", "cli", "sql",
}  # fmt: skip


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_the_code_shows_has_a_translation(language: str) -> None:
    missing = i18n.missing(language)
    listed = "\n".join(f"{where[0]}: {text!r}" for text, where in list(missing.items())[:20])
    assert not missing, f"{len(missing)} texts without a {language} translation:\n{listed}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_placeholders_and_markdown_and_are_not_left_in_english(
    language: str,
) -> None:
    problems = []
    for path in sorted((i18n.LOCALES_DIR / language).glob("*.po")):
        with open(path, "rb") as handle:
            for message in read_po(handle, locale=language):
                if not message.id or not message.string:
                    continue
                if placeholders(message.id) != placeholders(message.string):
                    problems.append(f"{path.name}: placeholders differ in {message.id!r}")
                for marker in ("**", "`", ":material/", ":red["):  # markdown must survive
                    if message.string.count(marker) != message.id.count(marker):
                        problems.append(f"{path.name}: {marker} differs in {message.id!r}")
                if english_words(message.string) and english_words(message.string) == (
                    english_words(message.id)
                ):
                    problems.append(f"{path.name}: left in English: {message.string!r}")
    assert not problems, "\n".join(problems[:20])


def test_the_languages_are_offered_and_fall_back_to_english() -> None:
    assert list(i18n.LANGUAGES) == ["en", "ru", "uk"]
    i18n.set_language("xx")
    assert i18n.language() == "en"
    i18n.set_language("ru")
    assert i18n.number(1234567.5, 1) == "1\u00a0234\u00a0567,5"
    assert i18n.month(__import__("datetime").date(2026, 11, 1)) == "ноябрь 2026"
    i18n.set_language("uk")
    assert i18n.month(__import__("datetime").date(2026, 11, 1)) == "листопад 2026"
    i18n.set_language("en")


# --- what the pages show ------------------------------------------------------------------

_CODE = re.compile(
    r"`[^`]*`"  # commands and code
    r"|\{[^}]*\}"  # placeholders
    r"|\b[a-z]+:[\w.-]+"  # member ids such as telegram:user1
    r"|\b[A-Z][a-z]+/[A-Za-z_]+"  # IANA time zones (Europe/Kyiv)
    r"|:material/[a-z_]+:|https?://\S+|\S+@\S+|\S+\.(?:py|json|csv|toml)\b"
    r"|(?<![A-Za-z])admin(?![A-Za-z])"  # the test's account name
    r"|UTM \w+"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")


def english_words(text: str) -> set[str]:
    """Latin-letter words of three letters or more that aren't kept as they are."""
    return {w for w in _WORD.findall(_CODE.sub(" ", text)) if w.lower() not in KEPT}


def shown_texts(at: AppTest) -> list[str]:
    """Every label and text a person reads on the page (data in tables excluded)."""
    texts: list[str] = []

    def walk(node: object) -> None:
        for attribute in ("label", "value", "body", "placeholder", "help"):
            if node.__class__.__name__ in {"Dataframe", "Table", "Json", "Code"}:
                break
            if attribute == "value" and node.__class__.__name__ not in {
                "Markdown", "Caption", "Title", "Header", "Subheader", "Text", "Error",
                "Warning", "Info", "Success", "Exception", "Toast", "Latex",
            }:  # fmt: skip
                continue
            value = getattr(node, attribute, None)
            if isinstance(value, str) and value:
                texts.append(value)
        if node.__class__.__name__ in {"Selectbox", "Radio", "Multiselect", "SelectSlider"}:
            texts.extend(str(option) for option in getattr(node, "options", []))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)  # noqa: SLF001 - the whole element tree, sidebar included
    return texts


@pytest.fixture
def community(tmp_path: Path) -> None:
    chat = ChatBuilder("Волонтёры — чат", chat_id=1)
    chat.join("2024-05-01 09:00", "Аня")
    chat.join("2024-05-01 09:30", "Борис")
    q = chat.message("2024-05-02 10:00", "Аня", "Где собираемся?")
    chat.message("2024-05-02 10:45", "Борис", "У входа в парк", reply_to=q)
    assert not ingest_telegram_export(chat.write(tmp_path / "chat.json")).failed
    build()


@pytest.mark.usefixtures("community")
@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("page", [page.path for page in PAGES])
def test_no_page_shows_english_in_russian_or_ukrainian(
    language: str, page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    speak(language, monkeypatch)
    at = app_test("admin", language=language)
    at.query_params["period"] = "month"
    at.query_params["month"] = "2024-05-01"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    shown = [text for text in shown_texts(at) if not text.startswith("<style>")]
    left = {text: sorted(english_words(text)) for text in shown if english_words(text)}
    assert not left, f"English left on {page} in {language}: {left}"
