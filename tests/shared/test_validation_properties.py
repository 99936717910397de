"""Hypothesis properties of `shared.validation.validate` over random templates and answers:
it never raises, it agrees with scoring (what it accepts can be scored), and its problems come
in a stable order, at most one per item."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.answers import Answer
from shared.checklist import Template
from shared.errors import AnswerError
from shared.scoring import earned_points, index_answers, score, visible_items
from shared.validation import CODES, MESSAGES, validate
from tests.shared.strategies import BAD_VALUES, Audit, audits, valid_value

PROPERTY = settings(max_examples=80, deadline=None, database=None)
VALUE_PROBLEMS = {"wrong_kind", "out_of_range", "not_whole"}
ANSWER_PROBLEMS = {"unknown_item", "duplicate_answer"}


@PROPERTY
@given(audits(bad=None))
def test_problems_come_in_a_stable_order_at_most_one_per_item(case: Audit) -> None:
    template = Template.from_dict(case[0])
    problems = validate(template, case[1])
    assert all(problem.code in CODES for problem in problems)
    assert all(problem.message == MESSAGES[problem.code] for problem in problems)
    first = [problem for problem in problems if problem.code in ANSWER_PROBLEMS]
    assert first == problems[: len(first)]  # answers first, in the order given
    given_order = [answer["item"] for answer in case[1]]
    assert [p.item for p in first] == sorted((p.item for p in first), key=given_order.index)
    rest = [problem.item for problem in problems[len(first) :]]
    assert rest == sorted(set(rest), key=list(template.positions).index)  # then template order


@PROPERTY
@given(audits(bad=None), st.randoms(use_true_random=False))
def test_item_problems_do_not_depend_on_the_order_of_answers(case: Audit, random: Any) -> None:
    template = Template.from_dict(case[0])
    shuffled = list(case[1])
    random.shuffle(shuffled)

    def item_problems(answers: list[Any]) -> list[Any]:
        return [p for p in validate(template, answers) if p.code not in ANSWER_PROBLEMS]

    if not any(answer["item"] == "ghost" for answer in case[1]):  # the one that may repeat
        assert item_problems(case[1]) == item_problems(shuffled)


@PROPERTY
@given(audits(bad=None))
def test_answers_without_value_problems_can_be_scored(case: Audit) -> None:
    check_scorable_when_valid(case)


def check_scorable_when_valid(case: Audit) -> None:
    template = Template.from_dict(case[0])
    codes = {problem.code for problem in validate(template, case[1])}
    if not codes & (VALUE_PROBLEMS | {"duplicate_answer"}):
        score(template, case[1])  # does not raise


@PROPERTY
@given(audits(), st.data())
def test_a_value_scoring_refuses_is_a_problem_even_on_a_hidden_item(
    case: Audit, data: st.DataObject
) -> None:
    template = Template.from_dict(case[0])
    for item in template.items():
        if not item.scored:
            continue
        value = data.draw(st.sampled_from(BAD_VALUES))
        value = tuple(value) if isinstance(value, list) else value
        try:
            earned_points(item, value)
        except AnswerError:
            answers = [a for a in case[1] if a["item"] != item.key]
            answers.append(Answer(item=item.key, value=value))
            found = {(p.item, p.code) for p in validate(template, answers)}
            assert found & {(item.key, code) for code in VALUE_PROBLEMS}


@PROPERTY
@given(audits(), st.data())
def test_a_visible_required_item_must_be_answered(case: Audit, data: st.DataObject) -> None:
    template_data, answers = case
    template = Template.from_dict(template_data)
    key = data.draw(st.sampled_from(list(template.positions)))
    item = template.item(key)
    kept = [answer for answer in answers if answer["item"] != key]
    visible = visible_items(template, index_answers(kept))[key]
    found = {(p.item, p.code) for p in validate(template, kept)}
    missing = "photo_required" if item.kind == "photo" else "required"
    assert ((key, missing) in found) == (visible and item.required)


@PROPERTY
@given(audits(), st.data())
def test_na_only_where_the_item_allows_it(case: Audit, data: st.DataObject) -> None:
    template_data, answers = case
    template = Template.from_dict(template_data)
    key = data.draw(st.sampled_from(list(template.positions)))
    changed = [answer for answer in answers if answer["item"] != key]
    changed.append({"item": key, "value": None, "na": True})
    own = [p.code for p in validate(template, changed) if p.item == key]
    assert own == ([] if template.item(key).na else ["na_not_allowed"])


@PROPERTY
@given(audits(), st.data())
def test_a_valid_answer_to_an_item_raises_no_value_problem(
    case: Audit, data: st.DataObject
) -> None:
    template_data, _ = case
    template = Template.from_dict(template_data)
    for section in template_data["sections"]:
        for raw in section["items"]:
            if raw["kind"] in ("nps", "timer", "multi"):
                continue  # stricter than scoring: a whole nps, a timer >= 0, no repeated pick
            value = valid_value(data.draw, raw)
            found = validate(template, [{"item": raw["key"], "value": value}])
            assert not any(p.item == raw["key"] and p.code in VALUE_PROBLEMS for p in found)


@pytest.mark.slow
@settings(max_examples=4000, deadline=None, database=None)
@given(audits(bad=None))
def test_many_more_audits_without_value_problems_can_be_scored(case: Audit) -> None:
    check_scorable_when_valid(case)
