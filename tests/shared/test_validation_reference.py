"""`shared.validation.validate` against the frozen copy of its first version: the same problems,
in the same order, for generated templates and answers (tests/shared/reference_validation.py
is the oracle; the templates and answers are those of test_scoring_reference.py).

The server refuses an audit on any problem, so the optimised `validate` must find exactly the
problems the first version found: no audit accepted that was refused, and none refused more.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from shared.answers import Answer
from shared.checklist import Template
from shared.validation import validate
from tests.shared import reference_validation as reference
from tests.shared.samples import PHOTO, full_answers, full_template
from tests.shared.test_scoring_reference import ALL_CASES, BAD_VALUES, Case, outcome

PROPERTY = settings(max_examples=150, deadline=None, database=None)
SOAK = settings(max_examples=4000, deadline=None, database=None)


def problems(function: Any, template: Template, answers: list[Any]) -> Any:
    found = outcome(function, template, answers)
    return found if isinstance(found, tuple) else [problem.to_dict() for problem in found]


def assert_same_problems(template: Template, answers: list[Any]) -> None:
    expected = problems(reference.validate, template, answers)
    assert expected == problems(validate, template, answers)


@PROPERTY
@given(ALL_CASES)
def test_same_problems_as_the_first_version(case: Case) -> None:
    assert_same_problems(*case)


@pytest.mark.parametrize("value", [*BAD_VALUES, None, "fully", ["price", "price"], 4.5, 9])
def test_same_problems_for_every_item_of_the_sample(value: Any) -> None:
    template = Template.from_dict(full_template())
    for item in template.items():
        for extra in ({}, {"na": True}, {"photos": [PHOTO]}):
            answer = {"item": item.key, "value": value, **extra}
            for greeted in (True, False):  # phone_use hidden, then shown
                others = [a for a in full_answers() if a["item"] not in (item.key, "greeted")]
                if item.key != "greeted":
                    others.append({"item": "greeted", "value": greeted})
                assert_same_problems(template, [*others, answer])
                assert_same_problems(template, [answer])


def test_same_problems_for_unknown_and_repeated_answers() -> None:
    template = Template.from_dict(full_template())
    answers: list[Any] = full_answers()
    ghost = {"item": "ghost", "value": 1}
    assert_same_problems(template, [ghost, *answers, answers[1], ghost, answers[1], answers[0]])
    assert_same_problems(template, [Answer.from_dict(answer) for answer in answers])
    assert_same_problems(template, [*answers, "not an answer"])
    assert_same_problems(template, [])


@pytest.mark.slow
@SOAK
@given(ALL_CASES)
def test_same_problems_for_many_more_cases(case: Case) -> None:
    assert_same_problems(*case)
