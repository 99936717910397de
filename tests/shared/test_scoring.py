"""Unit tests of `shared.scoring` beyond the golden cases: helpers, visibility and refusals."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from shared.answers import Answer
from shared.checklist import Template
from shared.errors import AnswerError
from shared.scoring import (
    earned_points,
    index_answers,
    is_answered,
    is_visible,
    round_half_up,
    score,
    shows,
    to_fraction,
    visible_items,
)
from tests.shared.samples import full_answers, full_template


@pytest.fixture
def template() -> Template:
    return Template.from_dict(full_template())


def test_floats_are_taken_at_their_shortest_text() -> None:
    assert Fraction(1, 10) == to_fraction(0.1)
    assert Fraction(3, 10) == to_fraction(0.1) + to_fraction(0.2)
    assert Fraction(7) == to_fraction(7)


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (Fraction(349, 4), "87.3"),  # 87.25: half-up, not to even
        (Fraction(3485, 40), "87.1"),  # 87.125
        (Fraction(8724, 100), "87.2"),
        (Fraction(8749, 100), "87.5"),
        (Fraction(200, 3), "66.7"),
        (Fraction(100), "100.0"),
        (Fraction(0), "0.0"),
        (Fraction(1, 20), "0.1"),  # 0.05
    ],
)
def test_round_half_up(total: Fraction, expected: str) -> None:
    assert Decimal(expected) == round_half_up(total)
    assert expected == str(round_half_up(total))


def test_full_answers_score_as_computed_by_hand(template: Template) -> None:
    card = score(template, full_answers())
    # welcome: greeted 5 + wait 10*(300-75)/(300-60) = 75/8 -> (5 + 75/8)/15 = 23/24.
    # advice: knowledge 10*3/4 + questions 5 + benefits 2 + id_check 5 = 39/2 of 24 = 13/16
    # (stock is N/A). feedback has weight 0. Total 100*(20*23/24 + 30*13/16)/50 = 1045/12.
    assert {"welcome": Fraction(23, 24), "advice": Fraction(13, 16)} == card.sections
    assert Fraction(1045, 12) == card.total
    assert Decimal("87.1") == card.percent
    assert ("good", True) == (card.band, card.passed)
    assert Fraction(75, 8) == card.earned["wait"]
    assert "stock" not in card.possible
    assert Fraction(10) == card.possible["recommend"]  # counted although its section is not
    assert ("wait", "knowledge", "benefits", "recommend") == card.failed
    assert () == card.critical_failures


def test_to_dict_is_json_ready(template: Template) -> None:
    data = score(template, full_answers()).to_dict()
    assert ("1045/12", "87.1", "23/24", "75/8", "5") == (
        data["total"],
        data["percent"],
        data["sections"]["welcome"],
        data["earned"]["wait"],
        data["earned"]["greeted"],
    )
    assert ["wait", "knowledge", "benefits", "recommend"] == data["failed"]


def test_no_score_to_dict(template: Template) -> None:
    data = score(template, []).to_dict()
    assert (None, None, {}, None, None) == (
        data["total"],
        data["percent"],
        data["sections"],
        data["band"],
        data["passed"],
    )


def test_an_item_answered_twice_cannot_be_scored(template: Template) -> None:
    with pytest.raises(AnswerError) as caught:
        score(template, [*full_answers(), {"item": "wait", "value": 10}])
    assert ("wait", "answered more than once") == (caught.value.path, caught.value.reason)


def test_index_answers_reads_json() -> None:
    assert {"a": Answer(item="a", value=1)} == index_answers([{"item": "a", "value": 1}])


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (None, False),
        (Answer(item="q", value=None), False),
        (Answer(item="q", value=True, na=True), False),
        (Answer(item="q", value=False), True),
        (Answer(item="q", value=()), True),
        (Answer(item="q", value=0), True),
    ],
)
def test_is_answered(answer: Answer | None, expected: bool) -> None:
    assert expected == is_answered(answer)


@pytest.mark.parametrize(
    ("source", "value", "values", "expected"),
    [
        ("greeted", False, (False,), True),
        ("greeted", True, (False,), False),
        ("greeted", 0, (False,), False),  # a stray 0 is not false
        ("questions", "partly", ("partly", "not"), True),
        ("questions", "fully", ("partly",), False),
        ("questions", ("partly",), ("partly",), False),
        ("benefits", ("price", "quality"), ("quality",), True),
        ("benefits", ("price",), ("quality",), False),
        ("benefits", (), ("quality",), False),
        ("benefits", "quality", ("quality",), False),
        ("wait", 60.0, (60,), True),
        ("wait", 0.3, (0.3,), True),
        ("wait", 61, (60, 90), False),
        ("wait", "60", (60,), False),
        ("wait", True, (1,), False),
    ],
)
def test_shows(
    template: Template, source: str, value: Any, values: tuple[Any, ...], expected: bool
) -> None:
    assert expected == shows(template.item(source), value, values)


def test_visibility_follows_the_answers(template: Template) -> None:
    greeted_false = {"greeted": Answer(item="greeted", value=False)}
    assert visible_items(template, {})["phone_use"] is False
    assert visible_items(template, greeted_false)["phone_use"] is True
    assert is_visible(template, greeted_false, "phone_use")
    assert not is_visible(template, {"greeted": Answer(item="greeted", value=True)}, "phone_use")
    assert not is_visible(template, {"greeted": Answer(item="greeted", na=True)}, "phone_use")
    assert is_visible(template, {}, "greeted")
    assert list(visible_items(template, {})) == [item.key for item in template.items()]
    with pytest.raises(KeyError):
        is_visible(template, {}, "ghost")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("greeted", 1, "must be true or false"),
        ("questions", ["fully"], "must be an option key"),
        ("questions", "maybe", "names an option the item does not have"),
        ("benefits", "price", "must be a list of option keys"),
        ("benefits", ("price", "gold"), "names an option the item does not have"),
        ("knowledge", "4", "must be a number"),
        ("knowledge", True, "must be a number"),
        ("knowledge", 6, "must be between 1 and 5"),
        ("knowledge", 0.5, "must be between 1 and 5"),
        ("recommend", 11, "must be between 0 and 10"),
        ("recommend", -1, "must be between 0 and 10"),
        ("wait", [60], "must be a number"),
    ],
)
def test_values_that_cannot_be_scored(
    template: Template, key: str, value: Any, message: str
) -> None:
    with pytest.raises(AnswerError) as caught:
        earned_points(template.item(key), value)
    assert (key, message) == (caught.value.path, caught.value.reason)


def test_score_refuses_an_unscorable_counted_answer(template: Template) -> None:
    with pytest.raises(AnswerError, match="must be between 1 and 5"):
        score(template, [{"item": "knowledge", "value": 9}])


def test_score_ignores_an_unscorable_hidden_answer(template: Template) -> None:
    card = score(template, [{"item": "greeted", "value": True}, {"item": "phone_use", "value": 3}])
    assert Fraction(100) == card.total


def test_a_multi_pick_counts_once(template: Template) -> None:
    assert (Fraction(2), False) == earned_points(template.item("benefits"), ("price", "price"))


def test_a_picked_fail_option_is_reported(template: Template) -> None:
    assert (Fraction(0), True) == earned_points(template.item("questions"), "not")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 10), (60, 10), (180, 5), (300, 0), (1000, 0), (60.5, Fraction(2395, 240))],
)
def test_timer_points(template: Template, value: float, expected: Fraction) -> None:
    assert (Fraction(expected), False) == earned_points(template.item("wait"), value)


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (50, 2), (100, 4), (250, 4)])
def test_number_where_higher_is_better(template: Template, value: int, expected: int) -> None:
    assert (Fraction(expected), False) == earned_points(template.item("stock"), value)
