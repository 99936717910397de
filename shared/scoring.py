"""Scoring of an audit exactly per DESIGN §4, in exact `Fraction` arithmetic.

The same code gives the phone its live score and the server its authoritative one. Besides
`score`, the phone uses `visible_items` / `is_visible` to show and hide items as the auditor
answers, and `is_answered` / `earned_points` to mark single items.

The server scores every audit it receives, so `score` is built for speed without giving up
exactness: what depends only on the template (its numbers as fractions, the scored items by
section, the bands in order) is worked out once per template object and kept, and sums are
taken over integer numerators and denominators, with one `Fraction` (one gcd) per result.
tests/shared/test_scoring_reference.py proves the results equal those of the first, plain
version (tests/shared/reference_scoring.py) for random templates and answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from math import gcd
from typing import Any, Final

from shared.answers import Answer, AnswerValue, as_answers
from shared.checklist import Item, Number, Section, Template, is_number
from shared.errors import AnswerError

__all__ = [
    "ScoreCard",
    "earned_points",
    "index_answers",
    "is_answered",
    "is_visible",
    "round_half_up",
    "score",
    "shows",
    "to_fraction",
    "visible_items",
]

_ZERO: Final = Fraction(0)
# Templates use few distinct numbers; reading a float's text into a Fraction takes microseconds.
_FRACTIONS_KEPT: Final = 1024
# Templates kept with their scoring plan: a server or a phone works with a handful at a time.
_PLANS_KEPT: Final = 64


def _exact(value: Number) -> Fraction:
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


# typed: 1 and 1.0 are equal keys otherwise; Fractions are immutable, so sharing one is safe.
_kept_fraction = lru_cache(maxsize=_FRACTIONS_KEPT, typed=True)(_exact)


def to_fraction(value: Number) -> Fraction:
    """A JSON number as an exact fraction, a float taken at its shortest text (0.1 -> 1/10)."""
    if type(value) is int or type(value) is float:
        return _kept_fraction(value)
    return _exact(value)  # bool or another subclass: rare, so not kept beside plain numbers


def _tenths(numerator: int, denominator: int) -> int:
    """int(numerator / denominator * 10 + 1/2), truncated toward zero like `int()`, exactly."""
    scaled, doubled = 20 * numerator + denominator, 2 * denominator
    return scaled // doubled if scaled >= 0 else -(-scaled // doubled)


def round_half_up(total: Fraction) -> Decimal:
    """A non-negative percentage rounded half-up to one decimal: 87.25 -> Decimal('87.3')."""
    tenths = _tenths(total.numerator, total.denominator)
    return Decimal(f"{tenths // 10}.{tenths % 10}")


def index_answers(answers: Iterable[Answer | Mapping[str, Any]]) -> dict[str, Answer]:
    """Answers by item key; raise `AnswerError` when an item is answered twice."""
    by_item: dict[str, Answer] = {}
    for answer in as_answers(answers):
        if answer.item in by_item:
            raise AnswerError("answered more than once", answer.item)
        by_item[answer.item] = answer
    return by_item


def is_answered(answer: Answer | None) -> bool:
    """DESIGN §4.1: an answer exists, is not N/A, and its value is not null."""
    return answer is not None and not answer.na and answer.value is not None


def shows(source: Item, value: AnswerValue, values: tuple[Any, ...]) -> bool:
    """Whether `value`, answered to `source`, is among a `show_if`'s `values` (multi: any pick).

    A value of the wrong kind never matches, so a stray `1` does not count as `true`.
    """
    if source.kind == "yes_no":
        return isinstance(value, bool) and value in values
    if source.kind == "choice":
        return isinstance(value, str) and value in values
    if source.kind == "multi":
        return isinstance(value, tuple) and any(picked in values for picked in value)
    if not is_number(value):
        return False
    assert isinstance(value, int | float)  # is_number said so; this tells the type checker
    return to_fraction(value) in {to_fraction(expected) for expected in values}


def visible_items(template: Template, answers_by_item: Mapping[str, Answer]) -> dict[str, bool]:
    """Every item key, in template order, mapped to whether the item is visible (DESIGN §4.1).

    `show_if` always names an earlier item, so one pass in template order is enough.
    """
    return _visible(_plan_of(id(template), template), answers_by_item)


def _visible(plan: _Plan, answers_by_item: Mapping[str, Answer]) -> dict[str, bool]:
    if not plan.conditional:
        return dict.fromkeys(plan.keys, True)
    template = plan.template
    visible: dict[str, bool] = {}
    for item in template.items():
        condition = item.show_if
        if condition is None:
            visible[item.key] = True
            continue
        answer = answers_by_item.get(condition.item)
        visible[item.key] = (
            visible[condition.item]
            and answer is not None
            and is_answered(answer)
            and shows(template.item(condition.item), answer.value, condition.values)
        )
    return visible


def is_visible(template: Template, answers_by_item: Mapping[str, Answer], key: str) -> bool:
    """Whether item `key` is visible given the answers so far; KeyError for an unknown item."""
    template.item(key)
    return visible_items(template, answers_by_item)[key]


def earned_points(item: Item, value: AnswerValue) -> tuple[Fraction, bool]:
    """Points a scored item earns for `value`, and whether a picked option says `fail`.

    Raise `AnswerError` for a value that cannot be scored (wrong kind, out of range, unknown
    option); `shared.validation` reports the same cases as problems before this is reached.
    """
    # Comparisons and formulas below work on numerators and denominators (all denominators are
    # positive), building at most one Fraction: the same value as the Fraction arithmetic.
    points = to_fraction(item.points)
    if item.kind == "yes_no":
        if not isinstance(value, bool):
            raise AnswerError("must be true or false", item.key)
        return (points if value is item.good else _ZERO), False
    if item.kind in ("choice", "multi"):
        return _option_points(item, value, points)
    if not is_number(value):
        raise AnswerError("must be a number", item.key)
    assert isinstance(value, int | float)  # is_number said so; this tells the type checker
    number = to_fraction(value)
    numerator, denominator = number.numerator, number.denominator
    if item.kind == "scale":
        # The reader requires both for a scale item.
        assert item.min is not None
        assert item.max is not None
        low, high = to_fraction(item.min), to_fraction(item.max)
        above_low = numerator * low.denominator - low.numerator * denominator
        below_high = high.numerator * denominator - numerator * high.denominator
        if above_low < 0 or below_high < 0:
            raise AnswerError(f"must be between {item.min} and {item.max}", item.key)
        # points * (number - low) / (high - low)
        span = high.numerator * low.denominator - low.numerator * high.denominator
        return Fraction(
            points.numerator * above_low * high.denominator,
            points.denominator * span * denominator,
        ), False
    if item.kind == "nps":
        if numerator < 0 or numerator > 10 * denominator:
            raise AnswerError("must be between 0 and 10", item.key)
        return Fraction(points.numerator * numerator, points.denominator * denominator * 10), False
    # The reader requires both for a scored number or timer item.
    assert item.target is not None
    assert item.limit is not None
    return _target_points(points, number, to_fraction(item.target), to_fraction(item.limit)), False


def _option_points(item: Item, value: AnswerValue, points: Fraction) -> tuple[Fraction, bool]:
    if item.kind == "choice":
        if not isinstance(value, str):
            raise AnswerError("must be an option key", item.key)
        picks: tuple[str, ...] = (value,)
    else:
        if not isinstance(value, tuple):
            raise AnswerError("must be a list of option keys", item.key)
        picks = tuple(dict.fromkeys(value))  # picking an option twice counts it once
    options = [item.option(pick) for pick in picks]
    if any(option is None for option in options):
        raise AnswerError("names an option the item does not have", item.key)
    picked = [option for option in options if option is not None]
    numerator, denominator = 0, 1
    for option in picked:
        option_points = to_fraction(option.points)
        numerator, denominator = _add(
            numerator, denominator, option_points.numerator, option_points.denominator
        )
    # min(points, the sum): the sum only when it is less
    if numerator * points.denominator < points.numerator * denominator:
        earned = Fraction(numerator, denominator)
    else:
        earned = points
    return earned, any(option.fail for option in picked)


def _target_points(
    points: Fraction, value: Fraction, target: Fraction, limit: Fraction
) -> Fraction:
    """Full points at or beyond target, none at or beyond limit, linear between."""
    value_numerator, value_denominator = value.numerator, value.denominator
    target_numerator, target_denominator = target.numerator, target.denominator
    limit_numerator, limit_denominator = limit.numerator, limit.denominator
    if target_numerator * limit_denominator > limit_numerator * target_denominator:
        # higher is better: mirror the scale so that lower is better
        value_numerator, target_numerator = -value_numerator, -target_numerator
        limit_numerator = -limit_numerator
    if value_numerator * target_denominator <= target_numerator * value_denominator:
        return points
    if value_numerator * limit_denominator >= limit_numerator * value_denominator:
        return _ZERO
    # points * (limit - value) / (limit - target)
    return Fraction(
        points.numerator
        * (limit_numerator * value_denominator - value_numerator * limit_denominator)
        * target_denominator,
        points.denominator
        * (limit_numerator * target_denominator - target_numerator * limit_denominator)
        * value_denominator,
    )


@dataclass(frozen=True)
class ScoreCard:
    """The outcome of scoring one audit; item keys in tuples are in template order."""

    total: Fraction | None
    percent: Decimal | None
    sections: dict[str, Fraction]
    band: str | None
    passed: bool | None
    failed: tuple[str, ...]
    critical_failures: tuple[str, ...]
    earned: dict[str, Fraction]
    possible: dict[str, Fraction]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: fractions as "n/d" (or "n") strings, the percentage as a string."""
        return {
            "total": None if self.total is None else str(self.total),
            "percent": None if self.percent is None else str(self.percent),
            "sections": {key: str(ratio) for key, ratio in self.sections.items()},
            "band": self.band,
            "passed": self.passed,
            "failed": list(self.failed),
            "critical_failures": list(self.critical_failures),
            "earned": {key: str(points) for key, points in self.earned.items()},
            "possible": {key: str(points) for key, points in self.possible.items()},
        }


# --- what scoring needs of a template, worked out once per template object ------------------


@dataclass(frozen=True, slots=True)
class _ScoredItem:
    item: Item
    key: str
    points: Fraction
    numerator: int
    denominator: int
    critical: bool
    yes_no: bool
    good: bool


@dataclass(frozen=True, slots=True)
class _ScoredSection:
    key: str
    in_total: bool  # weight is not 0
    weight_numerator: int
    weight_denominator: int
    items: tuple[_ScoredItem, ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    template: Template  # held, so that its id() cannot name another template while kept
    keys: tuple[str, ...]
    conditional: bool  # some item has a show_if
    sections: tuple[_ScoredSection, ...]
    bands: tuple[tuple[str, int, int], ...]  # key, min as numerator and denominator; highest first
    pass_mark: tuple[int, int] | None
    cap: Fraction | None


def _scored_item(item: Item) -> _ScoredItem:
    points = to_fraction(item.points)
    return _ScoredItem(
        item=item,
        key=item.key,
        points=points,
        numerator=points.numerator,
        denominator=points.denominator,
        critical=item.critical,
        yes_no=item.kind == "yes_no",
        good=item.good,
    )


def _ratio(value: Number) -> tuple[int, int]:
    fraction = to_fraction(value)
    return fraction.numerator, fraction.denominator


def _scored_section(section: Section) -> _ScoredSection:
    weight_numerator, weight_denominator = _ratio(section.weight)
    return _ScoredSection(
        key=section.key,
        in_total=section.weight != 0,
        weight_numerator=weight_numerator,
        weight_denominator=weight_denominator,
        items=tuple(_scored_item(item) for item in section.items if item.scored),
    )


# Keyed by id() AND the template: the id makes a look-up never compare two templates (equality
# would compare every text, and 1 == 1.0 although 2**60 and float(2**60) score differently),
# and the kept template makes a reused id impossible. lru_cache because it is thread-safe.
@lru_cache(maxsize=_PLANS_KEPT)
def _plan_of(template_id: int, template: Template) -> _Plan:
    items = list(template.items())
    bands = sorted(template.bands, key=lambda band: to_fraction(band.min), reverse=True)
    return _Plan(
        template=template,
        keys=tuple(item.key for item in items),
        conditional=any(item.show_if is not None for item in items),
        sections=tuple(_scored_section(section) for section in template.sections),
        bands=tuple((band.key, *_ratio(band.min)) for band in bands),
        pass_mark=None if template.pass_mark is None else _ratio(template.pass_mark),
        cap=None if template.critical_cap is None else to_fraction(template.critical_cap),
    )


def score(template: Template, answers: Iterable[Answer | Mapping[str, Any]]) -> ScoreCard:
    """Score `answers` (Answer objects or their JSON) against `template` per DESIGN §4.

    Answers to unknown or hidden items are ignored; an item answered twice, or a counted item
    whose value cannot be scored, raises `AnswerError`. Items of a weight-0 section are still
    counted (they appear in `earned`, `failed`, `critical_failures`), and a critical failure
    there still triggers the `zero_total` or `cap` policy; `sections` holds the ratios used in
    the total, after `zero_section`.
    """
    answers_by_item = index_answers(answers)
    plan = _plan_of(id(template), template)
    visible = _visible(plan, answers_by_item)
    zero_section = template.critical_policy == "zero_section"
    earned: dict[str, Fraction] = {}
    possible: dict[str, Fraction] = {}
    failed: list[str] = []
    critical_failures: list[str] = []
    ratios: dict[str, Fraction] = {}
    # The weighted sum of the ratios and the sum of their weights, as numerator, denominator.
    weighted_numerator, weighted_denominator = 0, 1
    weights_numerator, weights_denominator = 0, 1
    for section in plan.sections:
        # Earned and possible points of the section's counted items, as numerator, denominator.
        earned_numerator, earned_denominator = 0, 1
        possible_numerator, possible_denominator = 0, 1
        counted = critical_failure = False
        for entry in section.items:
            answer = answers_by_item.get(entry.key)
            if answer is None or answer.na or answer.value is None or not visible[entry.key]:
                continue
            value = answer.value
            if entry.yes_no and type(value) is bool:
                # What earned_points and the comparison below give, without the arithmetic.
                fails = value is not entry.good
                points = _ZERO if fails else entry.points
            else:
                points, picked_fail = earned_points(entry.item, value)
                fails = (
                    points.numerator * entry.denominator < entry.numerator * points.denominator
                    or picked_fail
                )
            earned[entry.key] = points
            possible[entry.key] = entry.points
            counted = True
            if fails:
                failed.append(entry.key)
                if entry.critical:
                    critical_failures.append(entry.key)
                    critical_failure = True
            if not section.in_total:
                continue
            # Whole points (the usual case) add without a call.
            if points.denominator == earned_denominator:
                earned_numerator += points.numerator
            else:
                earned_numerator, earned_denominator = _add(
                    earned_numerator, earned_denominator, points.numerator, points.denominator
                )
            if entry.denominator == possible_denominator:
                possible_numerator += entry.numerator
            else:
                possible_numerator, possible_denominator = _add(
                    possible_numerator, possible_denominator, entry.numerator, entry.denominator
                )
        if not counted or not section.in_total:
            continue
        if zero_section and critical_failure:
            ratio = _ZERO
        else:
            ratio = Fraction(
                earned_numerator * possible_denominator, earned_denominator * possible_numerator
            )
        ratios[section.key] = ratio
        weighted_numerator, weighted_denominator = _add(
            weighted_numerator,
            weighted_denominator,
            section.weight_numerator * ratio.numerator,
            section.weight_denominator * ratio.denominator,
        )
        weights_numerator, weights_denominator = _add(
            weights_numerator,
            weights_denominator,
            section.weight_numerator,
            section.weight_denominator,
        )

    total: Fraction | None = None
    if ratios:
        total = Fraction(
            100 * weighted_numerator * weights_denominator,
            weighted_denominator * weights_numerator,
        )
        if critical_failures and template.critical_policy == "zero_total":
            total = _ZERO
        elif critical_failures and template.critical_policy == "cap":
            assert plan.cap is not None  # set together by the reader
            total = min(total, plan.cap)

    percent = None if total is None else round_half_up(total)
    return ScoreCard(
        total=total,
        percent=percent,
        sections=ratios,
        band=_band(plan, percent),
        passed=_passed(plan, percent),
        failed=tuple(failed),
        critical_failures=tuple(critical_failures),
        earned=earned,
        possible=possible,
    )


def _add(
    numerator: int, denominator: int, other_numerator: int, other_denominator: int
) -> tuple[int, int]:
    """The sum of two fractions given as positive-denominator pairs, not reduced (exact)."""
    if other_denominator == denominator:
        return numerator + other_numerator, denominator
    common = gcd(denominator, other_denominator)
    return (
        numerator * (other_denominator // common) + other_numerator * (denominator // common),
        denominator // common * other_denominator,
    )


def _band(plan: _Plan, percent: Decimal | None) -> str | None:
    if percent is None:
        return None
    numerator, denominator = percent.as_integer_ratio()
    for key, low_numerator, low_denominator in plan.bands:
        if numerator * low_denominator >= low_numerator * denominator:
            return key
    return None  # only when the template has no bands: the reader makes the last one start at 0


def _passed(plan: _Plan, percent: Decimal | None) -> bool | None:
    if percent is None or plan.pass_mark is None:
        return None
    numerator, denominator = percent.as_integer_ratio()
    pass_numerator, pass_denominator = plan.pass_mark
    return numerator * pass_denominator >= pass_numerator * denominator
