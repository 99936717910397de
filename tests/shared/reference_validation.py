"""FROZEN reference copy of `shared.validation` as it was before its speed-up.

Do not edit or "improve" this file: it is the oracle that `test_validation_reference.py`
compares the optimised `shared.validation` against, problem for problem and in the same order,
so that the server refuses exactly the audits it refused before. Copied verbatim from
shared/validation.py at the commit before the speed-up; only this docstring differs, and the
scoring helpers come from the frozen tests/shared/reference_scoring.py, not from shared.scoring.
`Problem` here is a class of its own, so compare problems by `to_dict()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from shared.answers import Answer, AnswerValue, as_answers
from shared.checklist import Item, Template, is_number
from tests.shared.reference_scoring import (
    earned_points,
    is_answered,
    to_fraction,
    visible_items,
)

__all__ = ["CODES", "Problem", "validate"]


def _(message: str) -> str:
    """Mark `message` for extraction by Babel; it is translated where it is shown."""
    return message


REQUIRED: Final = "required"
OUT_OF_RANGE: Final = "out_of_range"
WRONG_KIND: Final = "wrong_kind"
NA_NOT_ALLOWED: Final = "na_not_allowed"
PHOTO_REQUIRED: Final = "photo_required"
UNKNOWN_ITEM: Final = "unknown_item"
DUPLICATE_ANSWER: Final = "duplicate_answer"

MESSAGES: Final = {
    REQUIRED: _("This question must be answered."),
    OUT_OF_RANGE: _("This answer is outside the allowed range."),
    WRONG_KIND: _("This answer does not fit the question."),
    NA_NOT_ALLOWED: _("This question cannot be marked not applicable."),
    PHOTO_REQUIRED: _("This question needs a photo."),
    UNKNOWN_ITEM: _("This answer is for a question the checklist does not have."),
    DUPLICATE_ANSWER: _("This question was answered more than once."),
}
CODES: Final = tuple(MESSAGES)


@dataclass(frozen=True)
class Problem:
    """One reason the answers cannot be submitted: the item key, a stable code, a message."""

    item: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"item": self.item, "code": self.code, "message": self.message}


def _problem(item: str, code: str) -> Problem:
    return Problem(item=item, code=code, message=MESSAGES[code])


def validate(template: Template, answers: Iterable[Answer | Mapping[str, Any]]) -> list[Problem]:
    """Every problem with `answers`: first unknown and repeated answers in the order given,
    then the problems of each item in template order. An empty list means ready to submit.
    """
    problems: list[Problem] = []
    answers_by_item: dict[str, Answer] = {}
    for answer in as_answers(answers):
        if not template.has_item(answer.item):
            problems.append(_problem(answer.item, UNKNOWN_ITEM))
        elif answer.item in answers_by_item:
            if not any(p.item == answer.item and p.code == DUPLICATE_ANSWER for p in problems):
                problems.append(_problem(answer.item, DUPLICATE_ANSWER))
        else:
            answers_by_item[answer.item] = answer
    visible = visible_items(template, answers_by_item)
    for item in template.items():
        codes = _item_problems(item, answers_by_item.get(item.key), visible[item.key])
        problems.extend(_problem(item.key, code) for code in codes)
    return problems


def _item_problems(item: Item, answer: Answer | None, visible: bool) -> list[str]:
    """Codes for one item. Values are checked even on hidden items, so no junk is stored."""
    # A photo item's value is always null: it is answered by the photos it carries.
    missing = PHOTO_REQUIRED if item.kind == "photo" else REQUIRED
    if answer is None:
        return [missing] if visible and item.required else []
    if answer.na:
        return [] if item.na else [NA_NOT_ALLOWED]
    value_problem = _value_problem(item, answer.value)
    if value_problem is not None:
        return [value_problem]
    if not visible:
        return []
    if item.kind == "photo":
        return [missing] if item.required and not answer.photos else []
    if not is_answered(answer):
        return [missing] if item.required else []
    if answer.photos:
        return []
    if item.photo == "required" or (item.photo == "on_fail" and _fails(item, answer.value)):
        return [PHOTO_REQUIRED]
    return []


def _value_problem(item: Item, value: AnswerValue) -> str | None:
    """`wrong_kind` or `out_of_range` for a value that does not suit `item`; null always suits."""
    if value is None:
        return None
    if item.kind == "photo":
        return WRONG_KIND
    if item.kind == "yes_no":
        return None if isinstance(value, bool) else WRONG_KIND
    if item.kind in ("text", "choice"):
        if not isinstance(value, str):
            return WRONG_KIND
        return None if item.kind == "text" or item.option(value) else OUT_OF_RANGE
    if item.kind == "multi":
        if not isinstance(value, tuple):
            return WRONG_KIND
        known = all(item.option(picked) for picked in value)
        return None if known and len(set(value)) == len(value) else OUT_OF_RANGE
    if not is_number(value):
        return WRONG_KIND
    assert isinstance(value, int | float)  # is_number said so; this tells the type checker
    return None if _in_range(item, value) else OUT_OF_RANGE


def _in_range(item: Item, value: int | float) -> bool:
    number = to_fraction(value)
    if item.kind == "scale":
        # The reader requires both for a scale item.
        assert item.min is not None
        assert item.max is not None
        return to_fraction(item.min) <= number <= to_fraction(item.max)
    if item.kind == "nps":
        return number.denominator == 1 and 0 <= number <= 10
    if item.kind == "timer":
        return number >= 0
    return True  # a number item accepts any number


def _fails(item: Item, value: AnswerValue) -> bool:
    """Whether a valid answer makes a scored item fail (docs/contract.md#scoring)."""
    points, picked_fail = earned_points(item, value)
    return picked_fail or points < to_fraction(item.points)
