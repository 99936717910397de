"""The product's one gettext setup: languages, catalogues, language negotiation, template texts.

Server, reports and phone all translate through `translation(lang)`; Babel extracts the
messages (`make extract`, see babel.cfg) into `shared/locale/shopscore.pot` and `make
translations` compiles each `shared/locale/<lang>/LC_MESSAGES/shopscore.po` into the `.mo` read
here.

This module is the single documented exception to "shared does no I/O": it reads its own
packaged catalogues, through `importlib.resources` so that it works from a wheel or an Android
zip too, and nothing else.
"""

from __future__ import annotations

import gettext
import warnings
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Final

from shared.checklist import SECONDS_PER_TIME_UNIT, Item

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "INNER_QUOTES",
    "LANGUAGES",
    "TIME_UNITS",
    "negotiate",
    "quoted",
    "read_catalogue",
    "text",
    "translation",
    "unit_text",
]

LANGUAGES: Final = ("en", "ru", "uk", "pl")
DEFAULT_LANGUAGE: Final = "en"
DOMAIN: Final = "shopscore"


def read_catalogue(locale_dir: Traversable, lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of `lang` under `locale_dir` (`<lang>/LC_MESSAGES/shopscore.mo`).

    A missing catalogue gives English (the msgids themselves) with a warning rather than a
    crash: the app stays usable, and test suites, where warnings are errors, notice.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    compiled = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with compiled.open("rb") as file:
            return gettext.GNUTranslations(file)
    except FileNotFoundError:
        if lang != DEFAULT_LANGUAGE:
            warnings.warn(
                f"no compiled catalogue for {lang!r} ({compiled}); run `make translations`",
                RuntimeWarning,
                stacklevel=2,
            )
        return gettext.NullTranslations()


@cache
def translation(lang: str) -> gettext.NullTranslations:
    """The gettext translations of `lang` (one of LANGUAGES), loaded once per language.

    Use `.gettext(message)` and `.ngettext(singular, plural, n)`; an unknown language raises
    ValueError, so a typo is never silently shown in English.
    """
    return read_catalogue(resources.files("shared") / "locale", lang)


def negotiate(accept_language: str | None) -> str:
    """The best of LANGUAGES for an HTTP `Accept-Language` header (RFC 9110 §12.5.4).

    Ranges are matched on their primary subtag (`ru-RU` is `ru`), the highest weight wins and
    the earlier range breaks a tie; `*` or nothing acceptable gives DEFAULT_LANGUAGE.
    """
    best_language, best_weight = DEFAULT_LANGUAGE, 0.0
    for language_range in (accept_language or "").split(","):
        tag, _separator, parameters = language_range.partition(";")
        primary = tag.strip().split("-")[0].lower()
        weight = _weight(parameters)
        if primary in LANGUAGES and weight > best_weight:
            best_language, best_weight = primary, weight
    return best_language


def _weight(parameters: str) -> float:
    """The `q` of one language range; 1 when absent, 0 (not acceptable) when malformed."""
    name, _equals, value = parameters.strip().partition("=")
    if name.strip().lower() != "q":
        return 1.0
    try:
        weight = float(value)
    except ValueError:
        return 0.0
    return weight if 0 <= weight <= 1 else 0.0


def text(texts: Mapping[str, str], lang: str) -> str:
    """A template text (`{"en": ..., "ru": ...}`) in `lang`, falling back to English.

    Templates must have `en`; an empty translation counts as missing.
    """
    return texts.get(lang) or texts.get(DEFAULT_LANGUAGE, "")


# Units of time the product writes in every language itself, where a checklist gives one of
# these symbols as one word for every language (as most checklists write a timer's "s").
TIME_UNITS: Final = tuple(SECONDS_PER_TIME_UNIT)


def unit_text(item: Item, lang: str) -> str:
    """The unit of a `number` or `timer` item's value in `lang`: the template's texts; one of
    TIME_UNITS given as one word for every language, or a timer's missing unit (a timer without
    one counts seconds), in the product's own words; empty for anything else."""
    symbol = "s" if item.unit is None and item.kind == "timer" else item.unit_word
    if symbol in TIME_UNITS:
        messages = translation(lang)
        # each symbol written out, so that Babel extracts it
        if symbol == "s":
            return messages.pgettext("unit", "s")
        if symbol == "min":
            return messages.pgettext("unit", "min")
        return messages.pgettext("unit", "h")
    return text(item.unit, lang) if item.unit is not None else ""


# The quotation marks a quote inside a quote takes, by the language's own outer pair.
INNER_QUOTES: Final = {("„", "”"): ("«", "»"), ("«", "»"): ("„", "“"), ("“", "”"): ("‘", "’")}


def quoted(words: str, lang: str) -> str:
    """`words` in `lang`'s quotation marks („…” in Polish, «…» in Russian and Ukrainian, “…”
    in English); marks of that same kind inside become the language's inner ones, so that a
    shopper's „dzień dobry” reads „… «dzień dobry» …” and never „… „dzień dobry” …”."""
    template = translation(lang).gettext("“%(item)s”")
    opening, _, closing = template.partition("%(item)s")
    inner_opening, inner_closing = INNER_QUOTES.get((opening, closing), (opening, closing))
    inside = words.replace(opening, inner_opening).replace(closing, inner_closing)
    return template % {"item": inside}
