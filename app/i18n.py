"""German and English: the catalogs, and which language a request gets."""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LANGUAGES = {"de": "Deutsch", "en": "English"}
LOCALE_DIR = Path(__file__).parent / "locales"
LANGUAGE_COOKIE = "lupe_lang"


@cache
def translations(language: str) -> gettext_module.NullTranslations:
    """The catalog for ``language``; English is the source language and needs none."""
    if language == "en":
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")


def choose_language(*, chosen: str | None, accept_language: str | None, default: str) -> str:
    """The user's choice, else the browser's preference, else the default."""
    if chosen in LANGUAGES:
        return chosen
    for part in (accept_language or "").split(",")[:20]:
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return default if default in LANGUAGES else "de"


@cache
def gettext_for(language: str) -> tuple[Callable[..., str], Callable[..., str]]:
    """``(gettext, ngettext)`` that fill ``%(name)s`` placeholders from keywords.

    The result is plain text; templates escape it when they print it.
    """
    catalog = translations(language)

    def gettext(message: str, **values: object) -> str:
        text = catalog.gettext(message)
        return text % values if values else text

    def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
        return catalog.ngettext(singular, plural, n) % {"num": n, **values}

    return gettext, ngettext
