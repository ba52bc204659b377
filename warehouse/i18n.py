"""The interface's languages: message catalogues (English, Russian, Ukrainian) and Babel formats.

Code is written in English and wraps every user-facing text in `_()`; `locales/<lang>/*.po`
hold the translations (all `.po` files of a language form one catalogue, so each area of the
app keeps its own file). Values go in through named placeholders so a translation can move
them: `_("{count} members joined", count=n)`.

The language is per person: app.py calls `set_language()` at the top of every run, in the
thread that runs that person's script; anything that runs outside (the CLI, tests) speaks
English unless told otherwise. Never translate inside a cached function: the cache is shared
by people who read different languages.

`python -m warehouse.i18n missing ru [pages/members.py ...]` lists the texts the code uses that
the catalogue lacks.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from warehouse.settings import REPO_ROOT

LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский", "uk": "Українська"}
DEFAULT_LANGUAGE = "en"
LOCALES_DIR = REPO_ROOT / "locales"
# where user-facing texts live; the completeness test and `missing` read these
SOURCE_DIRS = ("pages", "warehouse")
SOURCE_FILES = ("app.py",)
KEYWORDS = {"_": None, "N_": None}

_language: ContextVar[str] = ContextVar("pulse_language", default=DEFAULT_LANGUAGE)


def set_language(language: str) -> None:
    """Speak `language` in this thread from now on (unknown codes fall back to English)."""
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def language() -> str:
    return _language.get()


@cache
def catalogue(language: str) -> dict[str, str]:
    """msgid → translation, from every .po file of the language (empty ones left out)."""
    messages: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / language).glob("*.po")):
        with open(path, "rb") as handle:
            for message in read_po(handle, locale=language):
                usable = isinstance(message.id, str) and message.string
                if usable and message.id and "fuzzy" not in message.flags:
                    messages.setdefault(message.id, message.string)
    return messages


def _(text: str, /, **values: object) -> str:
    """`text` in the current language, with `{placeholders}` filled from `values`."""
    translated = catalogue(_language.get()).get(text, text) if text else text
    return translated.format(**values) if values else translated


def N_(text: str, /) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Mark a text for the catalogues where it is defined; `_()` translates it where shown."""
    return text


# numbers and dates, in the current language's conventions


def number(value: float | int | None, digits: int = 0) -> str:
    """1 234 567 / 1,234,567 / 12,5 with `digits` decimals; '–' when missing."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale())


def percent(value: float | None, digits: int = 1) -> str:
    """`value` in percent points (42.5 → 42.5 %)."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "\u00a0%"
    return format_percent(value / 100, format=pattern, locale=_locale())


def day(value: date | datetime | None, style: str = "medium") -> str:
    """21 Nov 2026 / 21 нояб. 2026 г."""
    if value is None:
        return "–"
    return format_date(value, format=style, locale=_locale())


def moment(value: datetime | None, style: str = "medium") -> str:
    if value is None:
        return "–"
    return format_datetime(value, format=style, locale=_locale())


def month(value: date) -> str:
    """The month on its own: 'November 2026' / 'ноябрь 2026'."""
    return format_date(value, format="LLLL y", locale=_locale())


def _locale() -> Locale:
    return Locale.parse(_language.get())


# the catalogues' completeness


def used_messages(root: Path = REPO_ROOT) -> dict[str, list[str]]:
    """Every text the code wraps in _() or N_(), with where it is used."""
    found: dict[str, list[str]] = {}

    def add(messages: Iterable, prefix: str) -> None:
        for filename, lineno, message, _comments, _context in messages:
            if isinstance(message, str) and message:
                found.setdefault(message, []).append(f"{prefix}{filename}:{lineno}")

    for folder in SOURCE_DIRS:
        add(extract_from_dir(root / folder, keywords=KEYWORDS, comment_tags=()), f"{folder}/")
    for name in SOURCE_FILES:
        with open(root / name, "rb") as handle:
            add(
                ((name, *found_in_file) for found_in_file in extract("python", handle, KEYWORDS)),
                "",
            )
    return found


def missing(
    language: str, only: Iterable[str] = (), root: Path = REPO_ROOT
) -> dict[str, list[str]]:
    """Texts used in the code (in files starting with one of `only`, if given) that the
    language's catalogue lacks."""
    known = catalogue(language)
    prefixes = tuple(only)
    return {
        text: where
        for text, where in used_messages(root).items()
        if text not in known and (not prefixes or any(w.startswith(prefixes) for w in where))
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "missing" or argv[1] not in LANGUAGES:
        print("usage: python -m warehouse.i18n missing ru|uk [path-prefix ...]", file=sys.stderr)
        return 2
    gaps = missing(argv[1], argv[2:])
    for text, where in sorted(gaps.items(), key=lambda item: item[1][0]):
        print(f"{where[0]}\t{text!r}")
    print(f"{len(gaps)} texts missing in {argv[1]}", file=sys.stderr)
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
