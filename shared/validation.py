"""Checks an audit's answers before submit (docs/contract.md); the server repeats them on receipt.

`validate` never raises on bad answers: it lists every `Problem` so the phone can point the
auditor at each one. A `Problem.message` is a fixed English sentence marked for translation;
show it with `translation(lang).gettext(problem.message)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from shared.answers import Answer, AnswerValue, as_answers
from shared.checklist import Item, Template, is_number
from shared.scoring import earned_points, to_fraction, visible_items

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
NOT_WHOLE: Final = "not_whole"

MESSAGES: Final = {
    REQUIRED: _("This question must be answered."),
    OUT_OF_RANGE: _("This answer is outside the allowed range."),
    NOT_WHOLE: _("This answer must be a whole number."),
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
    repeated: set[str] = set()
    for answer in as_answers(answers):
        if not template.has_item(answer.item):
            problems.append(_problem(answer.item, UNKNOWN_ITEM))
        elif answer.item not in answers_by_item:
            answers_by_item[answer.item] = answer
        elif answer.item not in repeated:  # reported once, however often it is repeated
            repeated.add(answer.item)
            problems.append(_problem(answer.item, DUPLICATE_ANSWER))
    visible = visible_items(template, answers_by_item)
    for item in template.items():
        code = _item_problem(item, answers_by_item.get(item.key), visible[item.key])
        if code is not None:
            problems.append(_problem(item.key, code))
    return problems


def _item_problem(item: Item, answer: Answer | None, visible: bool) -> str | None:
    """The code of the one problem of an item, if any (an item has at most one).

    Values are checked even on hidden items, so no junk is stored.
    """
    if answer is None:
        if not (visible and item.required):
            return None
        # A photo item's value is always null: it is answered by the photos it carries.
        return PHOTO_REQUIRED if item.kind == "photo" else REQUIRED
    if answer.na:
        return None if item.na else NA_NOT_ALLOWED
    value = answer.value
    if value is not None:
        value_problem = _value_problem(item, value)
        if value_problem is not None:
            return value_problem
    if not visible:
        return None
    if item.kind == "photo":
        return PHOTO_REQUIRED if item.required and not answer.photos else None
    if value is None:  # not N/A, so unanswered
        return REQUIRED if item.required else None
    if answer.photos:
        return None
    if item.photo == "required" or (item.photo == "on_fail" and _fails(item, value)):
        return PHOTO_REQUIRED
    return None


def _value_problem(item: Item, value: AnswerValue) -> str | None:
    """`wrong_kind`, `not_whole` or `out_of_range` for a non-null value that does not suit
    `item`."""
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
    if item.whole and to_fraction(value).denominator != 1:
        return NOT_WHOLE
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
    return True  # a number item accepts any number (a count's wholeness is checked first)


def _fails(item: Item, value: AnswerValue) -> bool:
    """Whether a valid answer makes a scored item fail (docs/contract.md)."""
    earned, picked_fail = earned_points(item, value)
    return picked_fail or earned < to_fraction(item.points)
