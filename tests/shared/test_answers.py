"""Tests of `shared.answers`: reading one answer from JSON and writing it back."""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.answers import Answer, as_answers
from shared.errors import AnswerError
from tests.shared.samples import PHOTO


def test_defaults_are_filled_in() -> None:
    assert Answer(item="greeted", value=True) == Answer.from_dict(
        {"item": "greeted", "value": True}
    )
    assert Answer(item="greeted") == Answer.from_dict({"item": "greeted"})


@pytest.mark.parametrize(
    "value", [None, True, False, 0, 75, 7.5, "fully", [], ["price", "quality"]]
)
def test_round_trip(value: Any) -> None:
    data = {"item": "q", "value": value, "na": False, "comment": "two tills", "photos": [PHOTO]}
    answer = Answer.from_dict(data)
    assert data == answer.to_dict()
    assert answer == Answer.from_dict(answer.to_dict())


def test_multi_value_is_held_as_a_tuple() -> None:
    assert ("price", "quality") == Answer.from_dict(
        {"item": "m", "value": ["price", "quality"]}
    ).value


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({"item": "q", "value": 1, "score": 3}, "score", "is not a field of an answer"),
        ({"value": 1}, "item", "must be a non-empty string"),
        ({"item": "", "value": 1}, "item", "must be a non-empty string"),
        ({"item": 5, "value": 1}, "item", "must be a non-empty string"),
        ({"item": "q", "na": "no"}, "na", "must be true or false"),
        ({"item": "q", "comment": None}, "comment", "must be a string"),
        ({"item": "q", "value": math.nan}, "value", "finite"),
        ({"item": "q", "value": math.inf}, "value", "finite"),
        ({"item": "q", "value": {"a": 1}}, "value", "must be null"),
        ({"item": "q", "value": [1, 2]}, "value", "must be null"),
        ({"item": "q", "photos": PHOTO}, "photos", "list of photo UUIDs"),
        ({"item": "q", "photos": [PHOTO, "not-a-uuid"]}, "photos[1]", "must be a UUID"),
        ({"item": "q", "photos": [7]}, "photos[0]", "must be a UUID"),
        ({"item": "q", "photos": [PHOTO.replace("-", "")]}, "photos[0]", "must be a UUID"),
    ],
)
def test_malformed_answers_are_refused(data: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(AnswerError) as caught:
        Answer.from_dict(data)
    assert path == caught.value.path
    assert message in caught.value.reason
    assert "invalid_answer" == caught.value.code


def test_an_answer_must_be_an_object() -> None:
    with pytest.raises(AnswerError, match="must be an object"):
        Answer.from_dict(["greeted", True])


def test_upper_case_photo_uuid_is_accepted_as_given() -> None:
    assert (PHOTO.upper(),) == Answer.from_dict({"item": "q", "photos": [PHOTO.upper()]}).photos


def test_as_answers_accepts_objects_and_json_alike() -> None:
    ready = Answer(item="a", value=True)
    assert [ready, Answer(item="b", value=2)] == as_answers([ready, {"item": "b", "value": 2}])


def test_any_mapping_is_read_like_a_dict() -> None:
    data = {"item": "q", "value": 3, "photos": [PHOTO]}
    assert Answer.from_dict(data) == Answer.from_dict(MappingProxyType(data))
    with pytest.raises(AnswerError, match="is not a field"):
        Answer.from_dict(MappingProxyType({"item": "q", "extra": 1}))


VALUES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
    | st.lists(st.text(max_size=3), max_size=3)
)
UUIDS = st.uuids().map(str) | st.uuids().map(lambda photo: str(photo).upper())


@st.composite
def answer_json(draw: st.DrawFn) -> dict[str, Any]:
    """An answer as JSON; the fields with a default are sometimes left out."""
    answer: dict[str, Any] = {"item": draw(st.text(min_size=1, max_size=5))}
    for name, strategy in [
        ("value", VALUES),
        ("na", st.booleans()),
        ("comment", st.text(max_size=5)),
        ("photos", st.lists(UUIDS, max_size=2)),
    ]:
        if draw(st.booleans()):
            answer[name] = draw(strategy)
    return answer


@settings(max_examples=80, deadline=None, database=None)
@given(answer_json())
def test_an_answer_reads_back_what_it_writes(data: dict[str, Any]) -> None:
    answer = Answer.from_dict(data)
    defaults = {"value": None, "na": False, "comment": "", "photos": []}
    assert {**defaults, **data} == answer.to_dict()
    assert answer == Answer.from_dict(answer.to_dict())
