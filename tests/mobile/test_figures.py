"""The field app writes figures as the dashboard and the PDFs do, in each language.

The app carries CLDR's conventions for its four languages without Babel (`mobile.figures`);
these tests hold every one of them against Babel itself and against the formatters of the
PDFs (`reports.i18n.Formatter`) and of the dashboard (`server.dashboard.formatting.Figures`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from babel.dates import format_skeleton
from babel.units import format_unit
from hypothesis import given
from hypothesis import strategies as st

from mobile.figures import Figures, number_keys, read_number
from reports.i18n import Formatter
from server.dashboard.formatting import Figures as PageFigures
from shared.i18n import LANGUAGES

scores = st.integers(min_value=0, max_value=1000).map(lambda tenths: Decimal(tenths) / 10)
points = st.fractions(min_value=0, max_value=10_000, max_denominator=40)
sizes = st.integers(min_value=0, max_value=50_000_000_000)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@pytest.mark.parametrize("lang", LANGUAGES)
@given(percent=scores)
def test_a_score_reads_as_in_the_reports(lang: str, percent: Decimal) -> None:
    assert Formatter(lang).score(float(percent)) == Figures(lang).score(percent)


@pytest.mark.parametrize("lang", LANGUAGES)
@given(value=points)
def test_points_read_as_in_the_reports(lang: str, value: Fraction) -> None:
    assert Formatter(lang).points(float(value)) == Figures(lang).points(value)


@pytest.mark.parametrize("lang", LANGUAGES)
@given(count=sizes)
def test_a_size_reads_as_cldr_writes_it(lang: str, count: int) -> None:
    kilobytes = max(1, round(count / 1000)) if count else 0
    if kilobytes < 1000:
        expected = format_unit(kilobytes, "digital-kilobyte", "short", "#,##0", locale=lang)
    else:
        megabytes = Decimal(count) / 1_000_000
        expected = format_unit(megabytes, "digital-megabyte", "short", "#,##0.0", locale=lang)
    assert expected == Figures(lang).size(count)


@pytest.mark.parametrize("lang", LANGUAGES)
@given(day=days)
def test_a_date_reads_as_on_the_dashboard(lang: str, day: date) -> None:
    assert PageFigures(lang).day(day) == Figures(lang).day(day)
    assert Figures(lang).day(day) == Figures(lang).day(day.isoformat() + "T10:00:00+02:00")
    assert format_skeleton("MMMd", day, locale=lang) == Figures(lang).day_in_year(day)


def test_what_an_auditor_reads_in_each_language() -> None:
    shown = {
        lang: (
            Figures(lang).score(Decimal("87.5")),
            Figures(lang).points(Fraction(5, 2)),
            Figures(lang).size(4_200_000),
            Figures(lang).size(134_000),
            Figures(lang).day("2026-11-21"),
        )
        for lang in LANGUAGES
    }
    assert {
        "en": ("87.5%", "2.5", "4.2 MB", "134 kB", "Nov 21, 2026"),
        "pl": ("87,5%", "2,5", "4,2 MB", "134 kB", "21 lis 2026"),
        "ru": ("87,5\u00a0%", "2,5", "4,2 МБ", "134 кБ", "21 нояб. 2026\u202fг."),
        "uk": ("87,5%", "2,5", "4,2 МБ", "134 кБ", "21 лист. 2026\u202fр."),
    } == shown


def test_a_size_under_a_kilobyte_is_one_and_nothing_is_zero() -> None:
    assert ["0 kB", "1 kB", "1 kB", "850 kB", "1.0 MB", "1.0 MB"] == [
        Figures("en").size(count) for count in (0, 1, 300, 850_000, 999_999, 1_000_000)
    ]


def test_an_unknown_language_writes_as_english() -> None:
    assert "1,234.5%" == Figures("de").score(Decimal("1234.5"))
    assert "0 kB" == Figures("xx").size(0)


@pytest.mark.parametrize(
    ("typed", "number"),
    [("4,5", 4.5), ("4.5", 4.5), (" 120 ", 120), ("3,0", 3), ("-2,25", -2.25), ("", None)],
)
def test_a_number_is_read_with_either_decimal_mark(typed: str, number: float | None) -> None:
    assert number == read_number(typed)
    assert type(number) is type(read_number(typed))


@pytest.mark.parametrize("typed", ["4,5,1", "1.2.3", "-", ","])
def test_what_is_no_number_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="could not convert"):
        read_number(typed)


def test_a_number_field_keeps_digits_a_minus_and_either_mark() -> None:
    assert "-4,5" == number_keys("-4,5")
    assert "12.5" == number_keys("12.5 s")
    assert "" == number_keys("abc")


@pytest.mark.parametrize("lang", LANGUAGES)
@given(value=st.one_of(st.integers(-10_000, 10_000), st.floats(-1e6, 1e6, allow_nan=False)))
def test_a_number_shown_in_a_field_reads_back_as_itself(lang: str, value: float) -> None:
    shown = Figures(lang).entry(value)
    assert value == read_number(shown)
    assert ("," in shown) == (lang != "en" and not float(value).is_integer())
