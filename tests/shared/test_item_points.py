"""Hypothesis properties of the points one item earns by its kind (docs/contract.md), of how a
JSON number is read, and of how the percentage is rounded: each rule checked by what it
implies (ends, direction, mirror, caps), not by recomputing it."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from shared.checklist import Item, Template
from shared.errors import AnswerError
from shared.scoring import earned_points, round_half_up, score, to_fraction
from tests.shared.strategies import Audit, audits, valid_value

# No example database: the suite must not write into the working tree.
PROPERTY = settings(max_examples=60, deadline=None, database=None)

POINTS = st.integers(1, 20) | st.sampled_from([0.1, 0.3, 2.5, 7.25])


def item_of(kind: str, points: Any, **fields: Any) -> Item:
    """The one item of a template made for it."""
    item = {"key": "q", "kind": kind, "text": {"en": "Q"}, "points": points, **fields}
    template = {
        "key": "one",
        "version": 1,
        "channel": "web",
        "title": {"en": "One"},
        "sections": [{"key": "s", "title": {"en": "S"}, "items": [item]}],
    }
    return Template.from_dict(template).item("q")


def earned(item: Item, value: Any) -> Fraction:
    return earned_points(item, value)[0]


def number(value: Fraction) -> int | float:
    """A Fraction of a few decimals as the JSON number that says it."""
    return int(value) if value.denominator == 1 else float(value)


def twentieths(low: int, high: int) -> st.SearchStrategy[Fraction]:
    return st.integers(20 * low, 20 * high).map(lambda twentieth: Fraction(twentieth, 20))


@PROPERTY
@given(POINTS, st.booleans())
def test_yes_no_earns_all_points_for_the_good_answer_and_none_otherwise(
    points: Any, good: bool
) -> None:
    item = item_of("yes_no", points, good=good)
    assert (to_fraction(points), False) == earned_points(item, good)
    assert (Fraction(0), False) == earned_points(item, not good)


@PROPERTY
@given(POINTS, st.integers(-10, 10), st.integers(1, 10), st.data())
def test_scale_rises_from_none_at_min_to_all_at_max(
    points: Any, low: int, span: int, data: st.DataObject
) -> None:
    item = item_of("scale", points, min=low, max=low + span)
    first, second = sorted(data.draw(st.lists(twentieths(low, low + span), min_size=2, max_size=2)))
    assert earned(item, number(first)) <= earned(item, number(second))
    assert Fraction(0) == earned(item, low)
    assert to_fraction(points) == earned(item, low + span)
    assert to_fraction(points) / 2 == earned(item, number(Fraction(2 * low + span, 2)))
    outside = data.draw(st.sampled_from([low - 1, low + span + 0.5]))
    with pytest.raises(AnswerError, match="must be between"):
        earned_points(item, outside)


@PROPERTY
@given(POINTS, st.sampled_from(["number", "timer"]), st.integers(0, 50), st.integers(1, 50))
def test_lower_is_better_up_to_the_target_then_linear_to_the_limit(
    points: Any, kind: str, target: int, gap: int
) -> None:
    limit = target + gap
    item = item_of(kind, points, target=target, limit=limit)
    full = to_fraction(points)
    values = [Fraction(quarter, 4) for quarter in range(4 * (limit + 5))]
    by_value = {value: earned(item, number(value)) for value in values}
    assert list(by_value.values()) == sorted(by_value.values(), reverse=True)  # never rises
    assert all(points == full for value, points in by_value.items() if value <= target)
    assert all(points == 0 for value, points in by_value.items() if value >= limit)
    assert full / 2 == earned(item, number(Fraction(target + limit, 2)))


@PROPERTY
@given(POINTS, st.integers(-50, 50), st.integers(-50, 50), twentieths(-60, 60))
def test_higher_is_better_when_the_target_is_above_the_limit(
    points: Any, target: int, limit: int, value: Fraction
) -> None:
    """A target above the limit mirrors the scale: value v then earns what -v earns against
    target -target and limit -limit."""
    assume(target != limit)
    item = item_of("number", points, target=target, limit=limit)
    mirrored = item_of("number", points, target=-target, limit=-limit)
    assert earned(item, number(value)) == earned(mirrored, number(-value))
    if target > limit:
        assert to_fraction(points) == earned(item, target)
        assert Fraction(0) == earned(item, limit)
        assert earned(item, number(value)) <= earned(item, number(value + Fraction(1, 20)))


@PROPERTY
@given(POINTS, st.integers(0, 10), st.integers(0, 10))
def test_nps_rises_from_none_at_0_to_all_at_10(points: Any, first: int, second: int) -> None:
    item = item_of("nps", points)
    low, high = sorted((first, second))
    assert earned(item, low) <= earned(item, high)
    assert (Fraction(0), to_fraction(points)) == (earned(item, 0), earned(item, 10))
    assert to_fraction(points) / 2 == earned(item, 5)
    with pytest.raises(AnswerError, match="between 0 and 10"):
        earned_points(item, 11)


OPTIONS = st.lists(
    st.tuples(st.integers(0, 10) | st.sampled_from([0.1, 0.2, 2.5]), st.booleans()),
    min_size=1,
    max_size=5,
)


def _options(options: list[tuple[Any, bool]]) -> list[dict[str, Any]]:
    return [
        {"key": f"o{index}", "text": {"en": f"O{index}"}, "points": worth, "fail": fail}
        for index, (worth, fail) in enumerate(options)
    ]


@PROPERTY
@given(OPTIONS, st.data())
def test_a_choice_earns_its_option_and_fails_with_it(
    options: list[tuple[Any, bool]], data: st.DataObject
) -> None:
    points = max(10, *(worth for worth, _ in options))
    item = item_of("choice", points, options=_options(options))
    index = data.draw(st.integers(0, len(options) - 1))
    worth, fail = options[index]
    assert (to_fraction(worth), fail) == earned_points(item, f"o{index}")
    with pytest.raises(AnswerError, match="option the item does not have"):
        earned_points(item, "ghost")


@PROPERTY
@given(OPTIONS, st.integers(1, 12), st.data())
def test_multi_picks_add_up_to_at_most_the_points(
    options: list[tuple[Any, bool]], points: int, data: st.DataObject
) -> None:
    options = [(min(worth, points), fail) for worth, fail in options]
    item = item_of("multi", points, options=_options(options))
    keys = [f"o{index}" for index in range(len(options))]
    fewer = data.draw(st.lists(st.sampled_from(keys), unique=True))
    others = [key for key in keys if key not in fewer]
    more = fewer + (data.draw(st.lists(st.sampled_from(others), unique=True)) if others else [])
    assert earned(item, tuple(fewer)) <= earned(item, tuple(more)) <= points
    assert earned_points(item, tuple(more)) == earned_points(item, tuple(more + fewer))  # twice
    assert (Fraction(0), False) == earned_points(item, ())
    picked = [options[keys.index(key)] for key in more]
    total = sum((to_fraction(worth) for worth, _ in picked), Fraction(0))
    assert earned(item, tuple(more)) == min(total, Fraction(points))
    assert earned_points(item, tuple(more))[1] == any(fail for _, fail in picked)


@PROPERTY
@given(audits(), st.data())
def test_every_valid_value_earns_between_none_and_all_points(
    case: Audit, data: st.DataObject
) -> None:
    template = Template.from_dict(case[0])
    for section in case[0]["sections"]:
        for raw in section["items"]:
            item = template.item(raw["key"])
            if not item.scored:
                continue
            value = valid_value(data.draw, raw)
            points, _ = earned_points(item, tuple(value) if isinstance(value, list) else value)
            assert 0 <= points <= to_fraction(item.points)


# --- reading numbers and rounding -------------------------------------------------------------


@PROPERTY
@given(st.floats(allow_nan=False, allow_infinity=False))
@example(0.1)
@example(2.0**60)
def test_a_float_is_read_at_its_shortest_decimal_text(value: float) -> None:
    read = to_fraction(value)
    assert Decimal(repr(value)) == read
    assert value == float(read)
    assert Fraction(3, 10) == to_fraction(0.1) + to_fraction(0.2)


@PROPERTY
@given(st.integers(-(10**20), 10**20) | st.integers(2**53, 2**70), st.booleans())
def test_equal_int_and_float_are_each_read_as_written(whole: int, float_first: bool) -> None:
    """2**60 == float(2**60), yet the float's text is 1152921504606847000: asking for one
    must not give the other, whichever comes first."""
    as_float = float(whole)
    for _ in range(2):
        if float_first:
            assert Fraction(repr(as_float)) == to_fraction(as_float)
        assert (Fraction(whole), Fraction) == (to_fraction(whole), type(to_fraction(whole)))
        assert Fraction(repr(as_float)) == to_fraction(as_float)


@PROPERTY
@given(
    st.integers(0, 10**6),
    st.integers(1, 10**4) | st.sampled_from([1, 2, 4, 20, 40, 200]),
)
@example(349, 4)  # 87.25
@example(1, 20)  # 0.05
@example(1999, 20)  # 99.95
def test_percent_is_the_nearest_tenth_and_halves_go_up(numerator: int, denominator: int) -> None:
    total = Fraction(numerator, denominator)
    percent = round_half_up(total)
    assert -1 == percent.as_tuple().exponent  # always one decimal: 100.0, 0.0
    assert Fraction(percent) - Fraction(1, 20) <= total < Fraction(percent) + Fraction(1, 20)


@PROPERTY
@given(audits())
def test_the_percent_of_a_card_is_its_total_rounded(case: Audit) -> None:
    card = score(Template.from_dict(case[0]), case[1])
    if card.total is not None:
        assert round_half_up(card.total) == card.percent
