"""Tests of `shared.validation.validate`: one test per problem code and more."""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
from hypothesis import strategies as st

from shared.answers import Answer
from shared.checklist import Template
from shared.validation import CODES, MESSAGES, Problem, validate
from tests.shared.samples import PHOTO, full_answers, full_template


@pytest.fixture
def template() -> Template:
    return Template.from_dict(full_template())


def problems(template: Template, answers: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(problem.item, problem.code) for problem in validate(template, answers)]


def replaced(**values: Any) -> list[dict[str, Any]]:
    """The full answers with the values of some items replaced."""
    answers = full_answers()
    for answer in answers:
        if answer["item"] in values:
            answer["value"] = values[answer["item"]]
    return answers


def test_full_answers_are_ready_to_submit(template: Template) -> None:
    assert [] == validate(template, full_answers())


def test_answer_objects_are_accepted(template: Template) -> None:
    assert [] == validate(template, [Answer.from_dict(answer) for answer in full_answers()])


def test_no_answers_lists_every_visible_required_item(template: Template) -> None:
    # phone_use is hidden (greeted is not answered false) and notes is optional.
    expected = [
        ("greeted", "required"),
        ("wait", "required"),
        ("knowledge", "required"),
        ("questions", "required"),
        ("benefits", "required"),
        ("stock", "required"),
        ("id_check", "required"),
        ("recommend", "required"),
        ("shopfront", "photo_required"),
    ]
    assert expected == problems(template, [])


def test_a_null_value_is_not_an_answer(template: Template) -> None:
    assert [("wait", "required")] == problems(template, replaced(wait=None))


def test_a_shown_item_becomes_required(template: Template) -> None:
    answers = replaced(greeted=False)
    assert [("phone_use", "required")] == problems(template, answers)
    answers.append({"item": "phone_use", "value": False})
    assert [] == problems(template, answers)


def test_an_optional_item_may_stay_unanswered(template: Template) -> None:
    answers = [answer for answer in full_answers() if answer["item"] != "notes"]
    assert [] == problems(template, answers)
    assert [] == problems(template, [*answers, {"item": "notes", "value": None}])


def test_unknown_items_come_first_in_answer_order(template: Template) -> None:
    answers = [{"item": "ghost", "value": 1}, *replaced(wait=None), {"item": "spook"}]
    expected = [("ghost", "unknown_item"), ("spook", "unknown_item"), ("wait", "required")]
    assert expected == problems(template, answers)


def test_a_duplicate_answer_is_reported_once(template: Template) -> None:
    extra = [{"item": "wait", "value": 30}, {"item": "wait", "value": 31}]
    assert [("wait", "duplicate_answer")] == problems(template, [*full_answers(), *extra])


def test_na_only_where_allowed(template: Template) -> None:
    answers = full_answers()
    answers[0] = {"item": "greeted", "value": None, "na": True}
    assert [("greeted", "na_not_allowed")] == problems(template, answers)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("greeted", "yes"),
        ("greeted", 1),
        ("wait", "75"),
        ("wait", True),
        ("knowledge", ["4"]),
        ("questions", 3),
        ("benefits", "price"),
        ("notes", 5),
        ("shopfront", "front.jpg"),
        ("recommend", False),
    ],
)
def test_wrong_kind(template: Template, key: str, value: Any) -> None:
    assert [(key, "wrong_kind")] == problems(template, replaced(**{key: value}))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("knowledge", 6),
        ("knowledge", 0.99),
        ("recommend", 11),
        ("recommend", -1),
        ("recommend", 7.5),
        ("wait", -1),
        ("questions", "maybe"),
        ("benefits", ["price", "gold"]),
        ("benefits", ["price", "price"]),
    ],
)
def test_out_of_range(template: Template, key: str, value: Any) -> None:
    assert [(key, "out_of_range")] == problems(template, replaced(**{key: value}))


@pytest.mark.parametrize(
    ("key", "value"),
    [("knowledge", 1), ("knowledge", 4.5), ("recommend", 10.0), ("wait", 0), ("notes", "")],
)
def test_in_range(template: Template, key: str, value: Any) -> None:
    assert [] == problems(template, replaced(**{key: value}))


def test_a_number_item_takes_any_number(template: Template) -> None:
    answers = full_answers()
    answers[5] = {"item": "stock", "value": -12.5}
    assert [] == problems(template, answers)


@hypothesis.given(st.one_of(st.integers(-1000, 1000), st.floats(-1000, 1000)))
def test_a_count_takes_whole_numbers_only(value: float) -> None:
    """A number item marked `whole` (rings, people in a queue) refuses 2.5 and takes 2 or
    2.0; another number item takes both."""
    data = full_template()
    data["sections"][1]["items"][3]["whole"] = True
    counted = Template.from_dict(data)
    answers = full_answers()
    answers[5] = {"item": "stock", "value": value}
    expected = [] if float(value).is_integer() else [("stock", "not_whole")]
    assert expected == problems(counted, answers)
    assert [] == problems(Template.from_dict(full_template()), answers)


def test_values_of_hidden_items_are_still_checked(template: Template) -> None:
    answers = [*full_answers(), {"item": "phone_use", "value": "maybe"}]
    assert [("phone_use", "wrong_kind")] == problems(template, answers)
    answers[-1] = {"item": "phone_use", "value": True}
    assert [] == problems(template, answers)


def test_a_photo_item_needs_its_photo(template: Template) -> None:
    answers = full_answers()
    answers[-1] = {"item": "shopfront", "value": None}
    assert [("shopfront", "photo_required")] == problems(template, answers)


def test_an_optional_photo_item_may_have_none() -> None:
    data = full_template()
    data["sections"][2]["items"][2]["required"] = False
    answers = full_answers()
    answers[-1] = {"item": "shopfront", "value": None}
    assert [] == problems(Template.from_dict(data), answers)


def test_photo_required_on_an_answered_item() -> None:
    data = full_template()
    data["sections"][0]["items"][0]["photo"] = "required"
    template = Template.from_dict(data)
    assert [("greeted", "photo_required")] == problems(template, full_answers())
    answers = full_answers()
    answers[0]["photos"] = [PHOTO]
    assert [] == problems(template, answers)


def test_photo_on_fail(template: Template) -> None:
    assert [("id_check", "photo_required")] == problems(template, replaced(id_check=False))
    answers = replaced(id_check=False)
    answers[6]["photos"] = [PHOTO]
    assert [] == problems(template, answers)


def test_photo_on_fail_counts_a_fail_option() -> None:
    data = full_template()
    data["sections"][1]["items"][1]["photo"] = "on_fail"
    template = Template.from_dict(data)
    assert [("questions", "photo_required")] == problems(template, replaced(questions="not"))
    assert [] == problems(template, replaced(questions="fully"))


def test_na_needs_no_photo() -> None:
    data = full_template()
    data["sections"][1]["items"][3]["photo"] = "required"
    assert [] == problems(Template.from_dict(data), full_answers())


def test_problem_messages_are_fixed_sentences(template: Template) -> None:
    problem = validate(template, replaced(wait=None))[0]
    assert Problem("wait", "required", "This question must be answered.") == problem
    expected = {"item": "wait", "code": "required", "message": "This question must be answered."}
    assert expected == problem.to_dict()
    assert {
        "required",
        "out_of_range",
        "wrong_kind",
        "na_not_allowed",
        "photo_required",
        "unknown_item",
        "duplicate_answer",
        "not_whole",
    } == set(CODES)
    assert all(message.endswith(".") for message in MESSAGES.values())
