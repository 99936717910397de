"""Figures and dates are written the way each language writes them (Babel, CLDR)."""

from __future__ import annotations

from datetime import date

import pytest

from reports.i18n import Formatter


@pytest.mark.parametrize(
    ("lang", "score", "change", "rate", "count", "day"),
    [
        ("en", "72.5%", "-1.0", "38%", "12,345", "September 17, 2026"),
        ("ru", "72,5\xa0%", "-1,0", "38\xa0%", "12\xa0345", "17 сентября 2026\u202fг."),
        ("uk", "72,5%", "-1,0", "38%", "12\xa0345", "17 вересня 2026\u202fр."),
        ("pl", "72,5%", "-1,0", "38%", "12\xa0345", "17 września 2026"),
    ],
)
def test_figures_follow_the_locale(
    lang: str, score: str, change: str, rate: str, count: str, day: str
) -> None:
    formatter = Formatter(lang)
    assert score == formatter.score(72.5)
    assert change == formatter.change(-1.0)
    assert rate == formatter.rate(0.38)
    assert count == formatter.integer(12345)
    assert day == formatter.day(date(2026, 9, 17))


def test_scores_keep_one_decimal_and_changes_their_sign() -> None:
    formatter = Formatter("en")
    assert ("100.0%", "80.0%", "+4.2", "7.5", "5") == (
        formatter.score(100),
        formatter.score(80),
        formatter.change(4.2),
        formatter.points(7.5),
        formatter.points(5.0),
    )


def test_a_missing_figure_is_a_dash() -> None:
    formatter = Formatter("pl")
    assert ("—", "—") == (formatter.score(None), formatter.change(None))
