"""Scoring of an audit by the rules of docs/contract.md, in exact `Fraction` arithmetic.

The same code gives the phone its live score and the server its authoritative one. Besides
`score`, the phone uses `visible_items` / `is_visible` to show and hide items as the auditor
answers, and `is_answered` / `earned_points` to mark single items.

The rules, in the order `score` applies them:

- An item is *answered* when its answer is not N/A and its value is not null (an empty `multi`
  list is an answer). It is *visible* when it has no `show_if`, or the item named there is
  visible, answered, and answered with one of the listed values. It is *counted* when it has
  points, is visible and is answered. Answers to hidden items are kept but ignored.
- A counted item *earns* points by its kind (`earned_points`) and *fails* when it earns less
  than its points or a picked option says `fail`; a failing critical item is a critical failure.
- A section's ratio is its counted items' earned points over their points; a section with no
  counted item, or of weight 0, is left out. The total is 100 times the weighted mean of the
  ratios left in; none left means no score.
- A critical failure applies the template's policy: `zero_total` makes the total 0,
  `zero_section` makes its section's ratio 0, `{"cap": P}` caps the total at P.
- The percentage is the total rounded half-up to one decimal; the band is the first, highest
  `min` first, that the percentage reaches; passed means the percentage reaches the pass mark.

A JSON number is taken at its shortest decimal text, so 0.1 is exactly 1/10.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from shared.answers import Answer, AnswerValue, as_answers
from shared.checklist import Item, Number, Template, is_number
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


# Every audit reads the same few numbers of its template again, and reading a float's text
# takes longer than scoring a yes/no item. typed=True because equal numbers may read apart:
# 2**60 == float(2**60), whose text is 1152921504606847000. A Fraction is immutable: sharing
# one is safe.
@lru_cache(maxsize=1024, typed=True)
def to_fraction(value: Number) -> Fraction:
    """A JSON number as an exact fraction, a float taken at its shortest text (0.1 -> 1/10)."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def round_half_up(total: Fraction) -> Decimal:
    """A non-negative percentage rounded half-up to one decimal: 87.25 -> Decimal('87.3')."""
    whole, tenth = divmod(math.floor(total * 10 + Fraction(1, 2)), 10)
    return Decimal(f"{whole}.{tenth}")


def index_answers(answers: Iterable[Answer | Mapping[str, Any]]) -> dict[str, Answer]:
    """Answers by item key; raise `AnswerError` when an item is answered twice."""
    by_item: dict[str, Answer] = {}
    for answer in as_answers(answers):
        if answer.item in by_item:
            raise AnswerError("answered more than once", answer.item)
        by_item[answer.item] = answer
    return by_item


def is_answered(answer: Answer | None) -> bool:
    """An answer exists, is not N/A, and its value is not null."""
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
    return any(to_fraction(value) == to_fraction(expected) for expected in values)


def visible_items(template: Template, answers_by_item: Mapping[str, Answer]) -> dict[str, bool]:
    """Every item key, in template order, mapped to whether the item is visible.

    `show_if` always names an earlier item, so one pass in template order is enough.
    """
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
    points = to_fraction(item.points)
    if item.kind == "yes_no":
        if not isinstance(value, bool):
            raise AnswerError("must be true or false", item.key)
        return (points if value == item.good else Fraction(0)), False
    if item.kind in ("choice", "multi"):
        return _option_points(item, value, points)
    if not is_number(value):
        raise AnswerError("must be a number", item.key)
    assert isinstance(value, int | float)  # is_number said so; this tells the type checker
    number = to_fraction(value)
    if item.kind == "scale":
        # The reader requires both for a scale item.
        assert item.min is not None
        assert item.max is not None
        low, high = to_fraction(item.min), to_fraction(item.max)
        if not low <= number <= high:
            raise AnswerError(f"must be between {item.min} and {item.max}", item.key)
        return points * (number - low) / (high - low), False
    if item.kind == "nps":
        if not 0 <= number <= 10:
            raise AnswerError("must be between 0 and 10", item.key)
        return points * number / 10, False
    # The reader requires both for a scored number or timer item.
    assert item.target is not None
    assert item.limit is not None
    return _target_points(points, number, to_fraction(item.target), to_fraction(item.limit)), False


def _option_points(item: Item, value: AnswerValue, points: Fraction) -> tuple[Fraction, bool]:
    """A choice earns its option's points; a multi the sum of its picks, at most `points`."""
    if item.kind == "choice":
        if not isinstance(value, str):
            raise AnswerError("must be an option key", item.key)
        picks: tuple[str, ...] = (value,)
    else:
        if not isinstance(value, tuple):
            raise AnswerError("must be a list of option keys", item.key)
        picks = tuple(dict.fromkeys(value))  # picking an option twice counts it once
    picked = [item.option(pick) for pick in picks]
    if None in picked:
        raise AnswerError("names an option the item does not have", item.key)
    options = [option for option in picked if option is not None]
    earned = min(points, sum((to_fraction(option.points) for option in options), Fraction(0)))
    return earned, any(option.fail for option in options)


def _target_points(
    points: Fraction, value: Fraction, target: Fraction, limit: Fraction
) -> Fraction:
    """Full points at or beyond target, none at or beyond limit, linear between."""
    if target > limit:  # higher is better: mirror the scale so that lower is better
        value, target, limit = -value, -target, -limit
    if value <= target:
        return points
    if value >= limit:
        return Fraction(0)
    return points * (limit - value) / (limit - target)


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


def score(template: Template, answers: Iterable[Answer | Mapping[str, Any]]) -> ScoreCard:
    """Score `answers` (Answer objects or their JSON) against `template`.

    Answers to unknown or hidden items are ignored; an item answered twice, or a counted item
    whose value cannot be scored, raises `AnswerError`. Items of a weight-0 section are still
    counted (they appear in `earned`, `failed`, `critical_failures`), and a critical failure
    there still triggers the `zero_total` or `cap` policy; `sections` holds the ratios used in
    the total, after `zero_section`.
    """
    answers_by_item = index_answers(answers)
    visible = visible_items(template, answers_by_item)
    earned: dict[str, Fraction] = {}
    possible: dict[str, Fraction] = {}
    failed: list[str] = []
    critical_failures: list[str] = []
    ratios: dict[str, Fraction] = {}
    weights: dict[str, Fraction] = {}
    for section in template.sections:
        counted = [
            item
            for item in section.items
            if item.scored and visible[item.key] and is_answered(answers_by_item.get(item.key))
        ]
        critical_failure = False
        for item in counted:
            points, picked_fail = earned_points(item, answers_by_item[item.key].value)
            earned[item.key] = points
            possible[item.key] = to_fraction(item.points)
            if points < possible[item.key] or picked_fail:
                failed.append(item.key)
                if item.critical:
                    critical_failures.append(item.key)
                    critical_failure = True
        if not counted or section.weight == 0:
            continue
        if critical_failure and template.critical_policy == "zero_section":
            ratios[section.key] = Fraction(0)
        else:
            section_earned = sum((earned[item.key] for item in counted), Fraction(0))
            section_possible = sum((possible[item.key] for item in counted), Fraction(0))
            ratios[section.key] = section_earned / section_possible
        weights[section.key] = to_fraction(section.weight)

    total: Fraction | None = None
    if ratios:
        weighted = sum((weights[key] * ratios[key] for key in ratios), Fraction(0))
        total = 100 * weighted / sum(weights.values(), Fraction(0))
        if critical_failures and template.critical_policy == "zero_total":
            total = Fraction(0)
        elif critical_failures and template.critical_policy == "cap":
            assert template.critical_cap is not None  # set together by the reader
            total = min(total, to_fraction(template.critical_cap))

    percent = None if total is None else round_half_up(total)
    return ScoreCard(
        total=total,
        percent=percent,
        sections=ratios,
        band=_band(template, percent),
        passed=_passed(template, percent),
        failed=tuple(failed),
        critical_failures=tuple(critical_failures),
        earned=earned,
        possible=possible,
    )


def _band(template: Template, percent: Decimal | None) -> str | None:
    if percent is None:
        return None
    for band in sorted(template.bands, key=lambda band: to_fraction(band.min), reverse=True):
        if percent >= to_fraction(band.min):  # a Decimal and a Fraction compare exactly
            return band.key
    return None  # only when the template has no bands: the reader makes the last one start at 0


def _passed(template: Template, percent: Decimal | None) -> bool | None:
    if percent is None or template.pass_mark is None:
        return None
    return percent >= to_fraction(template.pass_mark)
