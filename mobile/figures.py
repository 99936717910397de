"""How the field app writes scores, points, sizes and dates in each of its languages, and
reads the numbers an auditor types.

The dashboard and the PDFs format with Babel (CLDR's data). The phone does not carry Babel:
its locale data would add about 30 MB to the app for four languages' worth of rules. The few
conventions the app needs are therefore kept here, as CLDR states them, and
``tests/mobile/test_figures.py`` checks every one of them against Babel and against the PDFs'
own formatter, so that a score reads "87,5 %" in Russian on the phone exactly as on the
dashboard and in the outlet report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from shared.i18n import DEFAULT_LANGUAGE

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"


@dataclass(frozen=True)
class Conventions:
    """One language's way of writing figures (CLDR, "latn" digits)."""

    decimal: str
    group: str
    percent: str  # "{}" is the number
    kilobytes: str
    megabytes: str
    months: str  # abbreviated as inside a date, January to December, between spaces
    day: str  # "{day}", "{month}" and "{year}"
    day_in_year: str  # the same without the year


CONVENTIONS = {
    "en": Conventions(
        decimal=".",
        group=",",
        percent="{}%",
        kilobytes="{} kB",
        megabytes="{} MB",
        months="Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        day="{month} {day}, {year}",
        day_in_year="{month} {day}",
    ),
    "pl": Conventions(
        decimal=",",
        group=NBSP,
        percent="{}%",
        kilobytes="{} kB",
        megabytes="{} MB",
        months="sty lut mar kwi maj cze lip sie wrz paź lis gru",
        day="{day} {month} {year}",
        day_in_year="{day} {month}",
    ),
    "ru": Conventions(
        decimal=",",
        group=NBSP,
        percent="{}" + NBSP + "%",
        kilobytes="{} кБ",
        megabytes="{} МБ",
        months="янв. февр. мар. апр. мая июн. июл. авг. сент. окт. нояб. дек.",
        day="{day} {month} {year}" + NARROW_NBSP + "г.",
        day_in_year="{day} {month}",
    ),
    "uk": Conventions(
        decimal=",",
        group=NBSP,
        percent="{}%",
        kilobytes="{} кБ",
        megabytes="{} МБ",
        months="січ. лют. бер. квіт. трав. черв. лип. серп. вер. жовт. лист. груд.",
        day="{day} {month} {year}" + NARROW_NBSP + "р.",
        day_in_year="{day} {month}",
    ),
}


DECIMAL_MARKS = ".,"


def read_number(text: str) -> float | int | None:
    """A number as an auditor typed it, with either decimal mark ("4,5" or "4.5"); whole
    numbers as ints, nothing as None. Raises ValueError for what is not a number."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    value = float(text)
    return int(value) if value.is_integer() else value


def number_keys(typed: str, _from_undo: bool = False) -> str:
    """What a number field keeps of what was typed: digits, a minus and either decimal mark
    (a phone's number keyboard offers "," in Polish, Russian and Ukrainian)."""
    return "".join(character for character in typed if character.isdigit() or character in "-.,")


class Figures:
    """Formatting for one app language; an unknown language writes as English does."""

    def __init__(self, lang: str) -> None:
        self.conventions = CONVENTIONS.get(lang, CONVENTIONS[DEFAULT_LANGUAGE])

    def _number(self, value: Decimal, decimals: int) -> str:
        """`value` rounded half to even (as Babel does) to `decimals`, grouped by thousands."""
        rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
        whole, _, fraction = f"{abs(rounded):,f}".partition(".")
        text = whole.replace(",", self.conventions.group)
        if fraction:
            text += self.conventions.decimal + fraction
        return ("-" if rounded < 0 else "") + text

    def score(self, percent: Decimal | float) -> str:
        """A 0-100 score with one decimal and the language's percent sign: "87,5 %"."""
        return self.conventions.percent.format(self._number(Decimal(str(percent)), 1))

    def points(self, points: Fraction) -> str:
        """Points as a checklist shows them: whole numbers as they are, others to one decimal."""
        if points.denominator == 1:
            return self._number(Decimal(points.numerator), 0)
        shown = self._number(Decimal(points.numerator) / Decimal(points.denominator), 1)
        return shown.removesuffix(self.conventions.decimal + "0")

    def entry(self, value: float | None) -> str:
        """A number as the auditor would type it, in a field: "4,5" in Polish, "120"."""
        if value is None:
            return ""
        if float(value).is_integer():
            return str(int(value))
        # never "1e-05": the field takes digits and a decimal mark only
        return format(Decimal(repr(value)), "f").replace(".", self.conventions.decimal)

    def size(self, count: int) -> str:
        """Bytes in the decimal units phones show: "850 kB", "4,2 MB", "134 кБ"."""
        kilobytes = max(1, round(count / 1000)) if count else 0
        if kilobytes < 1000:  # 999,999 bytes read "1.0 MB", not "1,000 kB"
            return self.conventions.kilobytes.format(self._number(Decimal(kilobytes), 0))
        megabytes = Decimal(count) / Decimal(1_000_000)
        return self.conventions.megabytes.format(self._number(megabytes, 1))

    def day(self, value: date | str) -> str:
        """A date as the dashboard writes it: "Nov 21, 2026", "21 нояб. 2026 г."."""
        return self._date(self.conventions.day, value)

    def day_in_year(self, value: date | str) -> str:
        """A date without its year, where a line is short: "Nov 21", "21 нояб."."""
        return self._date(self.conventions.day_in_year, value)

    def _date(self, pattern: str, value: date | str) -> str:
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        month = self.conventions.months.split()[value.month - 1]
        return pattern.format(day=value.day, month=month, year=value.year)
