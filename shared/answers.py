"""Answers to checklist items: `{"item", "value", "na", "comment", "photos"}` (docs/contract.md).

`Answer.from_dict` checks only the shape of one answer (types, photo UUIDs, no unknown field);
whether the value suits its item is `shared.validation`'s job, so that a wrong value becomes a
`Problem` the auditor can fix rather than an exception.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from shared.errors import AnswerError

__all__ = ["Answer", "AnswerValue", "as_answers"]

# A multi answer's picked option keys are held as a tuple so that an Answer stays immutable.
AnswerValue: TypeAlias = bool | int | float | str | tuple[str, ...] | None

_FIELDS = ("item", "value", "na", "comment", "photos")


@dataclass(frozen=True)
class Answer:
    """The auditor's answer to one item; `value` is None when N/A or not answered."""

    item: str
    value: AnswerValue = None
    na: bool = False
    comment: str = ""
    photos: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: object) -> Answer:
        """Read one answer from JSON; raise `AnswerError` (with the field as path) if malformed."""
        if not isinstance(data, Mapping):
            raise AnswerError("an answer must be an object")
        for name in data:
            if name not in _FIELDS:
                raise AnswerError("is not a field of an answer", str(name))
        item = data.get("item")
        if not isinstance(item, str) or not item:
            raise AnswerError("must be a non-empty string", "item")
        na = data.get("na", False)
        if not isinstance(na, bool):
            raise AnswerError("must be true or false", "na")
        comment = data.get("comment", "")
        if not isinstance(comment, str):
            raise AnswerError("must be a string", "comment")
        return cls(
            item=item,
            value=_read_value(data.get("value")),
            na=na,
            comment=comment,
            photos=_read_photos(data.get("photos", [])),
        )

    def to_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {
            "item": self.item,
            "value": value,
            "na": self.na,
            "comment": self.comment,
            "photos": list(self.photos),
        }


def _read_value(value: object) -> AnswerValue:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AnswerError("must be a finite number", "value")
        return value
    if isinstance(value, list) and all(isinstance(picked, str) for picked in value):
        return tuple(value)
    raise AnswerError("must be null, true/false, a number, a string or a list of strings", "value")


def _read_photos(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise AnswerError("must be a list of photo UUIDs", "photos")
    for index, photo in enumerate(value):
        if not isinstance(photo, str) or not _is_uuid(photo):
            raise AnswerError("must be a UUID", f"photos[{index}]")
    return tuple(value)


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def as_answers(answers: Iterable[Answer | Mapping[str, Any]]) -> list[Answer]:
    """Answers as `Answer` objects, reading any JSON mapping among them with `from_dict`."""
    return [
        answer if isinstance(answer, Answer) else Answer.from_dict(answer) for answer in answers
    ]
