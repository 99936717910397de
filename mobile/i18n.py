"""Translations and fonts for the field app.

Every user-facing string goes through ``shared.i18n.translation(lang)`` (the product's one
gettext setup); ``.kv`` files call ``app._(msgid, app.lang)`` and Python screens the ``_``
of ``mobile.screens.widgets``, both of which end here. The app's font is DejaVu Sans, shipped
in ``mobile/fonts/`` because Kivy's bundled Roboto has no Cyrillic for ru/uk.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path

from shared.i18n import DEFAULT_LANGUAGE, LANGUAGES, text, translation

FONT_DIR = Path(__file__).parent / "fonts"
REGULAR_FONT = FONT_DIR / "DejaVuSans.ttf"
BOLD_FONT = FONT_DIR / "DejaVuSans-Bold.ttf"

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "current_gettext",
    "gettext_for",
    "ngettext_for",
    "register_fonts",
    "template_text",
    "translation",
]

LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "uk": "Українська", "pl": "Polski"}


def gettext_for(lang: str) -> Callable[[str], str]:
    """The ``_`` of one language; an unknown language falls back to English."""
    try:
        translations: gettext.NullTranslations = translation(lang)
    except ValueError:
        translations = translation(DEFAULT_LANGUAGE)
    return translations.gettext


def ngettext_for(lang: str) -> Callable[[str, str, int], str]:
    try:
        translations: gettext.NullTranslations = translation(lang)
    except ValueError:
        translations = translation(DEFAULT_LANGUAGE)
    return translations.ngettext


def template_text(texts: dict[str, str], lang: str) -> str:
    """A template text in the auditor's language, falling back to English."""
    return text(texts, lang)


def current_gettext() -> Callable[[str], str]:
    """The ``_`` of the running app's language (Kivy layer only)."""
    from kivy.app import App

    app = App.get_running_app()
    return gettext_for(getattr(app, "lang", DEFAULT_LANGUAGE))


def register_fonts() -> None:
    """Make DejaVu Sans the default font of every Kivy label (Kivy layer only)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, str(REGULAR_FONT), fn_bold=str(BOLD_FONT))
