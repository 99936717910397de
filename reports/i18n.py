"""Translations and locale formatting for reports: gettext catalogues and Babel numbers/dates.

Every report string goes through the product's one gettext setup (`shared.i18n`, re-exported
here as `translation`); numbers, percentages and dates are formatted by Babel for the report's
language.
"""

from __future__ import annotations

import gettext
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from shared.i18n import translation

__all__ = ["N_", "Formatter", "InLanguage", "Translations", "translation"]


Translations = gettext.NullTranslations


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


class InLanguage:
    """What a report builder needs to speak one language: its catalogue (`self._`,
    `self.translations` for plurals) and its number and date formats (`self.formatter`)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.translations: Translations = translation(lang)
        self._ = self.translations.gettext
        self.formatter = Formatter(lang)


class Formatter:
    """Locale-aware formatting of the figures a report shows."""

    def __init__(self, lang: str) -> None:
        self.locale = Locale.parse(lang)
        percent_pattern = self.locale.percent_formats[None].pattern
        # The locale's own percent pattern (spacing and sign placement) with one decimal.
        self._score_pattern = percent_pattern.replace("#,##0", "#,##0.0", 1)

    def score(self, percent: float | None) -> str:
        """A 0-100 score with one decimal and the locale's percent sign: "72.5%", "72,5 %"."""
        if percent is None:
            return "—"
        return format_percent(percent / 100, format=self._score_pattern, locale=self.locale)

    def points(self, value: float) -> str:
        """A number of points with at most one decimal."""
        return format_decimal(value, format="#,##0.#", locale=self.locale)

    def plain(self, value: Any) -> str:
        """An answer's number as given, with no more decimals than it has: "4,5", "120"; a
        dash for what is not a number."""
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return "–"
        if not number.is_finite():
            return "–"
        return format_decimal(number, format="#,##0.###", locale=self.locale)

    def decimal(self, value: float) -> str:
        """A figure with one decimal, no sign or percent: the ends of an interval."""
        return format_decimal(value, format="#,##0.0", locale=self.locale)

    def change(self, points: float | None) -> str:
        """A signed change in percentage points: "+4.2", "−1.0"."""
        if points is None:
            return "—"
        return format_decimal(points, format="+#,##0.0;-#,##0.0", locale=self.locale)

    def rate(self, ratio: float) -> str:
        """A 0-1 ratio as a whole percentage: "85%"."""
        return format_percent(ratio, locale=self.locale)

    def integer(self, value: int) -> str:
        """A count with the locale's grouping."""
        return format_decimal(value, locale=self.locale)

    def day(self, day: date) -> str:
        """A date written out in the locale's long form."""
        return format_date(day, format="long", locale=self.locale)
