"""`shared.scoring` against the frozen copy of its first version, over generated templates and
answers: the same ScoreCard (every field, its order and its types), the same error, and the same
`earned_points`, `visible_items`, `shows`, `to_fraction` and `round_half_up`.

The optimised `score` keeps per-template plans and sums over integer pairs; a score is stored
with every audit revision and shown on the phone, in reports and on the dashboard, so it must
never differ from what the plain version (tests/shared/reference_scoring.py) gives. The
templates here use every item kind, `show_if` on every kind of source, weight-0 sections, float
points such as 0.1, every critical policy, bands and pass marks with decimals; the answers are
N/A, null, valid, invalid, repeated or for unknown items.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shared import scoring
from shared.answers import Answer
from shared.checklist import KINDS, Template
from tests.shared import reference_scoring as reference
from tests.shared.samples import PHOTO, full_answers, full_template
from tests.shared.test_scoring_properties import cases

Case = tuple[Template, list[Any]]

# Kept small for `make test` (this file runs in about 5 s); the slow tests run many more.
PROPERTY = settings(max_examples=120, deadline=None, database=None)
SOAK = settings(max_examples=4000, deadline=None, database=None)

POINTS = [1, 2, 5, 10, 0.1, 0.25, 1.5, 0.3, 7, 2**60, float(2**60)]
WEIGHTS = [0, 1, 2, 3, 0.5, 0.1, 1.0]
NUMBERS = [0, 1, 5, 10, -3, 0.1, 0.5, 2.5, 7.5, 60, 1e-7, 150, 1e15]
CAPS = [0, 50, 62.5, 99.95, 100]
PASS_MARKS = [None, 0, 50, 80, 87.3, 66.65, 100]
BAND_MINS = [95, 87.25, 80, 66.65, 60.5, 50, 33.3, 0.05]


class Count(enum.IntEnum):
    """An int subclass: no JSON parser gives one, but an Answer may be built with it."""

    FIVE = 5


class Measure(float):
    """A float subclass, likewise."""


# --- strategies ------------------------------------------------------------------------------


def _options(draw: st.DrawFn, points: float) -> list[dict[str, Any]]:
    worth = [0, points, points / 2, *(value for value in (0.1, 1) if value <= points)]
    return [
        {
            "key": f"o{index}",
            "text": {"en": f"option {index}"},
            "points": draw(st.sampled_from(worth)),
            "fail": draw(st.booleans()),
        }
        for index in range(draw(st.integers(1, 4)))
    ]


def _show_if(draw: st.DrawFn, source: dict[str, Any]) -> dict[str, Any]:
    kind = source["kind"]
    if kind == "yes_no":
        values: list[Any] = draw(st.lists(st.booleans(), min_size=1, max_size=2))
    elif kind in ("choice", "multi"):
        keys = [option["key"] for option in source["options"]]
        values = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3))
    else:
        values = draw(st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=3))
    return {"item": source["key"], "in": values}


def _item(draw: st.DrawFn, key: str, earlier: list[dict[str, Any]]) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    scorable = kind not in ("text", "photo")
    points = draw(st.sampled_from(POINTS)) if scorable and draw(st.integers(0, 4)) else 0
    item: dict[str, Any] = {
        "key": key,
        "kind": kind,
        "text": {"en": key},
        "points": points,
        "critical": points > 0 and draw(st.integers(0, 3)) == 0,
        "na": draw(st.booleans()),
        "required": draw(st.booleans()),
        "photo": draw(
            st.sampled_from(["none", "optional", "required", "on_fail"][: 4 if points else 3])
        ),
    }
    if kind == "yes_no":
        item["good"] = draw(st.booleans())
    elif kind == "scale":
        low = draw(st.sampled_from([-5, 0, 1, 0.5, 2.5]))
        item.update(min=low, max=low + draw(st.sampled_from([1, 2, 4, 0.5, 10])))
    elif kind in ("choice", "multi"):
        item["options"] = _options(draw, points)
    elif kind in ("number", "timer"):
        targets = [value for value in NUMBERS if kind == "number" or value >= 0]
        if points or draw(st.booleans()):
            target = draw(st.sampled_from(targets))
            limit = draw(st.sampled_from(targets).filter(lambda value: value != target))
            item.update(target=target, limit=limit)
        item["unit"] = "s"
    sources = [source for source in earlier if source["kind"] not in ("text", "photo")]
    if sources and draw(st.integers(0, 2)) == 0:
        item["show_if"] = _show_if(draw, draw(st.sampled_from(sources)))
    return item


def _valid_value(draw: st.DrawFn, item: dict[str, Any]) -> Any:
    kind = item["kind"]
    if kind == "yes_no":
        return draw(st.booleans())
    if kind == "scale":
        low, high = Fraction(repr(item["min"])), Fraction(repr(item["max"]))
        value = low + Fraction(draw(st.integers(0, 20)), 20) * (high - low)
        return int(value) if value.denominator == 1 else float(value)
    if kind == "choice":
        return draw(st.sampled_from([option["key"] for option in item["options"]]))
    if kind == "multi":
        keys = [option["key"] for option in item["options"]]
        return draw(st.lists(st.sampled_from(keys), max_size=4))  # repeats count once
    if kind == "nps":
        return draw(st.integers(0, 10) | st.sampled_from([0.5, 7.5, 10.0]))
    if kind in ("number", "timer"):
        return draw(st.sampled_from(NUMBERS) | st.integers(-200, 400) | st.floats(-1e3, 1e3))
    if kind == "text":
        return draw(st.text(max_size=3))
    return None  # photo


def _edge_value(draw: st.DrawFn, item: dict[str, Any]) -> Any:
    """A number just inside or outside what the item takes (its range, target or limit)."""
    bounds = [item.get(name) for name in ("min", "max", "target", "limit")]
    bound = draw(st.sampled_from([value for value in bounds if value is not None] or [0, 10]))
    nudge = draw(st.sampled_from([-1, -0.25, -0.1, 0, 0.1, 0.25, 1, -1e-9]))
    return float(Fraction(repr(bound)) + Fraction(repr(nudge)))


BAD_VALUES = [1, 0, "yes", 1.5, -1, 11, 1e9, "o0", "ghost", ["o0", "ghost"], ["ghost"], True]


def _answer(draw: st.DrawFn, item: dict[str, Any], bad: bool) -> list[dict[str, Any]]:
    how = draw(st.sampled_from(["missing", "na", "null", *["value"] * 5, "bad"]))
    answer: dict[str, Any] = {"item": item["key"]}
    if how == "missing":
        return []
    if how == "na":
        answer.update(value=None, na=True)
    elif how == "null":
        answer["value"] = None
    elif how == "bad" and bad:
        answer["value"] = (
            draw(st.sampled_from(BAD_VALUES)) if draw(st.booleans()) else _edge_value(draw, item)
        )
    else:
        answer["value"] = _valid_value(draw, item)
    if draw(st.integers(0, 3)) == 0:
        answer["photos"] = [PHOTO]
    return [answer]


@st.composite
def wild_cases(draw: st.DrawFn) -> Case:
    """A valid template using every feature, and answers to it, not always scorable."""
    items: list[dict[str, Any]] = []
    sections = []
    for section_index in range(draw(st.integers(1, 4))):
        section_items = []
        for _ in range(draw(st.integers(1, 5))):
            item = _item(draw, f"i{len(items)}", items)
            items.append(item)
            section_items.append(item)
        sections.append(
            {
                "key": f"s{section_index}",
                "title": {"en": f"Section {section_index}"},
                "weight": draw(st.sampled_from(WEIGHTS)),
                "items": section_items,
            }
        )
    band_mins = draw(st.lists(st.sampled_from(BAND_MINS), unique=True, max_size=3))
    bands = [{"min": low, "key": f"b{low}"} for low in sorted(band_mins, reverse=True)]
    policy = draw(
        st.sampled_from(["zero_total", "zero_section"])
        | st.sampled_from(CAPS).map(lambda cap: {"cap": cap})
    )
    data: dict[str, Any] = {
        "key": "wild",
        "version": 1,
        "channel": "web",
        "title": {"en": "Wild"},
        "critical_policy": policy,
        "bands": [*bands, {"min": 0, "key": "floor"}] if draw(st.booleans()) else [],
        "sections": sections,
    }
    pass_mark = draw(st.sampled_from(PASS_MARKS))
    if pass_mark is not None:
        data["pass_mark"] = pass_mark
    bad = draw(st.integers(0, 2)) == 0
    answers = [answer for item in items for answer in _answer(draw, item, bad)]
    if bad and draw(st.booleans()):  # an answer twice, or to an item the template lacks
        answers.append(draw(st.sampled_from([*answers, {"item": "ghost", "value": 1}])))
    answers = draw(st.permutations(answers))
    if draw(st.booleans()):
        answers = [Answer.from_dict(answer) for answer in answers]
    return Template.from_dict(data), answers


def property_cases() -> st.SearchStrategy[Case]:
    """The cases of test_scoring_properties.py, as a Template and its answers."""
    return cases().map(lambda case: (Template.from_dict(case[0]), case[1]))


ALL_CASES = wild_cases() | property_cases()


# --- comparing -------------------------------------------------------------------------------


def outcome(function: Callable[..., Any], *arguments: Any) -> Any:
    """What `function` gives, or the type and text of what it raised."""
    try:
        return function(*arguments)
    except Exception as error:  # any exception: it must be the reference's one
        return ("raised", type(error).__name__, str(error), getattr(error, "path", None))


def card_fields(card: Any) -> Any:
    """A card's every field with its order and types, and its JSON."""
    if isinstance(card, tuple):  # what it raised
        return card
    fractions = [card.total, *card.sections.values(), *card.earned.values()]
    fractions += card.possible.values()
    return (
        card.total,
        card.percent,
        str(card.percent),
        list(card.sections.items()),
        card.band,
        card.passed,
        card.failed,
        card.critical_failures,
        list(card.earned.items()),
        list(card.possible.items()),
        card.to_dict(),
        [type(value).__name__ for value in fractions],
        type(card.percent).__name__,
    )


def assert_same_score(template: Template, answers: Iterable[Any]) -> None:
    answers = list(answers)
    expected = card_fields(outcome(reference.score, template, answers))
    assert expected == card_fields(outcome(scoring.score, template, answers))


def assert_same_items(template: Template, answers: list[Any]) -> None:
    """The same visibility, and the same points for every item and every answer value."""
    by_item = {}
    for answer in answers:  # one answer per item (the last), where `score` would refuse two
        answer = answer if isinstance(answer, Answer) else Answer.from_dict(answer)
        by_item[answer.item] = answer
    expected = list(reference.visible_items(template, by_item).items())
    assert expected == list(scoring.visible_items(template, by_item).items())
    values = [answer.value for answer in by_item.values()] + [None, *BAD_VALUES[:4]]
    for item in template.items():
        assert reference.is_visible(template, by_item, item.key) == scoring.is_visible(
            template, by_item, item.key
        )
        for value in values:
            value = tuple(value) if isinstance(value, list) else value
            expected_points = outcome(reference.earned_points, item, value)
            assert expected_points == outcome(scoring.earned_points, item, value)
            if item.show_if is not None:
                source = template.item(item.show_if.item)
                expected_shown = reference.shows(source, value, item.show_if.values)
                assert expected_shown == scoring.shows(source, value, item.show_if.values)


# --- properties ------------------------------------------------------------------------------


@PROPERTY
@given(ALL_CASES)
def test_same_score_card_as_the_first_version(case: Case) -> None:
    assert_same_score(*case)


@PROPERTY
@given(ALL_CASES)
def test_same_visibility_and_item_points_as_the_first_version(case: Case) -> None:
    assert_same_items(*case)


@PROPERTY
@given(
    st.integers(-(10**30), 10**30),
    st.integers(1, 10**30) | st.sampled_from([1, 2, 3, 4, 10, 20, 40, 100, 1000]),
)
@example(349, 4)
@example(-349, 4)
@example(-1, 20)
@example(-3, 20)
def test_same_rounding_as_the_first_version(numerator: int, denominator: int) -> None:
    total = Fraction(numerator, denominator)
    expected = reference.round_half_up(total)
    actual = scoring.round_half_up(total)
    assert (expected, str(expected)) == (actual, str(actual))


NUMBER_VALUES = (
    st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0.1, -0.0, 2.0**60, 5e-324, 1e300, True, False, Count.FIVE])
    | st.floats(-1e3, 1e3).map(Measure)
)


@PROPERTY
@given(st.lists(NUMBER_VALUES, max_size=5))
def test_same_fractions_as_the_first_version(values: list[Any]) -> None:
    for value in values * 2:  # the second time from the kept fractions
        expected = reference.to_fraction(value)
        actual = scoring.to_fraction(value)
        assert (expected, type(expected)) == (actual, type(actual))


def test_same_fractions_for_numbers_that_are_equal_but_read_differently() -> None:
    # 2**60 == float(2**60), yet the float reads as 1152921504606847000: a cache keyed by
    # value alone would give one for the other.
    for value in [2**60, float(2**60), 2**60, 1, 1.0, True, Count.FIVE, 5, Measure(0.1), 0.1]:
        expected = reference.to_fraction(value)
        assert (expected, type(expected)) == (scoring.to_fraction(value), Fraction)


def test_same_score_for_templates_equal_but_for_number_types() -> None:
    """Two templates that compare equal (2**60 == float(2**60)) still score by their own numbers."""
    answers = [{"item": "a", "value": True}, {"item": "b", "value": False}]
    for points in (2**60, float(2**60), 2**60):
        data = full_template()
        data["sections"] = [
            {
                "key": "only",
                "title": {"en": "Only"},
                "items": [
                    {"key": "a", "kind": "yes_no", "text": {"en": "A"}, "points": points},
                    {"key": "b", "kind": "yes_no", "text": {"en": "B"}, "points": 3},
                ],
            }
        ]
        assert_same_score(Template.from_dict(data), answers)


def test_same_score_for_the_sample_template_and_its_variants() -> None:
    template = Template.from_dict(full_template())
    answers = full_answers()
    assert_same_score(template, answers)
    assert_same_score(template, [])
    assert_same_score(template, [*answers, {"item": "ghost", "value": 1}])
    assert_same_score(template, [*answers, answers[0]])  # answered twice
    assert_same_score(template, [{"item": "knowledge", "value": 9}])  # cannot be scored
    assert_same_score(template, [{"item": "greeted", "value": 2}, "not an answer"])
    for policy in ("zero_total", "zero_section", {"cap": 40}, {"cap": 99.9}):
        data = full_template()
        data["critical_policy"] = policy
        failing = [*answers[:6], {"item": "id_check", "value": False}, *answers[7:]]
        assert_same_score(Template.from_dict(data), failing)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_same_refusal_of_a_bad_value_for_every_item(value: Any) -> None:
    template = Template.from_dict(full_template())
    for item in template.items():
        shown = [{"item": "greeted", "value": False}] if item.key != "greeted" else []
        assert_same_score(template, [*shown, {"item": item.key, "value": value}])


def test_same_score_for_answers_built_with_odd_number_types() -> None:
    template = Template.from_dict(full_template())
    for value in (Count.FIVE, Measure(4.5), 4.0, 3):
        answers = [Answer(item="knowledge", value=value), Answer(item="recommend", value=value)]
        assert_same_score(template, answers)


def test_same_scores_after_more_templates_than_are_kept() -> None:
    """Old plans are dropped and new ones made; scores stay right for every template."""
    data = full_template()
    kept = [Template.from_dict({**data, "version": version}) for version in range(1, 80)]
    for template in kept + kept[:5]:
        assert_same_score(template, full_answers())


def test_scores_of_a_template_made_where_a_dropped_one_lived() -> None:
    """A template made after another is gone may get its id(); its own plan must be used."""
    for points in range(1, 100):
        data = full_template()
        data["sections"][0]["items"][0]["points"] = points
        assert_same_score(Template.from_dict(data), full_answers())


@pytest.mark.slow
@SOAK
@given(ALL_CASES)
def test_same_score_card_and_items_for_many_more_cases(case: Case) -> None:
    assert_same_score(*case)
    assert_same_items(*case)
