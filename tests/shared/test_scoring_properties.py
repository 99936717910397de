"""Hypothesis properties of `shared.scoring.score` over random templates and answers."""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.checklist import SCORABLE_KINDS, Template
from shared.scoring import ScoreCard, score

Case = tuple[dict[str, Any], list[dict[str, Any]]]

# Each example scores a few small templates; 40 examples keep every property about a second.
# No example database: the suite must not write into the working tree.
PROPERTY = settings(max_examples=40, deadline=None, database=None)


def _item(draw: st.DrawFn, key: str, earlier_yes_no: list[str]) -> dict[str, Any]:
    kind = draw(st.sampled_from(SCORABLE_KINDS))
    points = draw(st.integers(0, 10))
    item: dict[str, Any] = {
        "key": key,
        "kind": kind,
        "text": {"en": key},
        "points": points,
        "na": True,
        "required": draw(st.booleans()),
        "critical": points > 0 and draw(st.booleans()),
    }
    if kind == "yes_no":
        item["good"] = draw(st.booleans())
    elif kind == "scale":
        low = draw(st.integers(-5, 5))
        item.update(min=low, max=low + draw(st.integers(1, 10)))
    elif kind in ("choice", "multi"):
        item["options"] = [
            {
                "key": f"o{index}",
                "text": {"en": f"option {index}"},
                "points": draw(st.integers(0, points)),
                "fail": draw(st.booleans()),
            }
            for index in range(draw(st.integers(1, 4)))
        ]
    elif kind in ("number", "timer"):
        target = draw(st.integers(0, 100))
        item.update(target=target, limit=draw(st.integers(0, 100).filter(lambda v: v != target)))
    conditional: bool = draw(st.booleans())
    if earlier_yes_no and conditional:
        item["show_if"] = {
            "item": draw(st.sampled_from(earlier_yes_no)),
            "in": [draw(st.booleans())],
        }
    return item


def _value(draw: st.DrawFn, item: dict[str, Any]) -> Any:
    kind = item["kind"]
    if kind == "yes_no":
        return draw(st.booleans())
    if kind == "scale":
        return draw(st.integers(item["min"] * 10, item["max"] * 10)) / 10
    if kind == "choice":
        return draw(st.sampled_from([option["key"] for option in item["options"]]))
    if kind == "multi":
        keys = [option["key"] for option in item["options"]]
        return draw(st.lists(st.sampled_from(keys), unique=True))
    if kind == "nps":
        return draw(st.integers(0, 10))
    return draw(st.integers(0, 150))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A valid template of scorable items and a random, valid set of answers to it."""
    sections = []
    yes_no_keys: list[str] = []
    answers = []
    counter = 0
    for section_index in range(draw(st.integers(1, 3))):
        items = []
        for _ in range(draw(st.integers(1, 4))):
            item = _item(draw, f"i{counter}", list(yes_no_keys))
            counter += 1
            items.append(item)
            if item["kind"] == "yes_no":
                yes_no_keys.append(item["key"])
            how = draw(st.sampled_from(["missing", "na", "value", "value", "value"]))
            if how == "na":
                answers.append({"item": item["key"], "value": None, "na": True})
            elif how == "value":
                answers.append({"item": item["key"], "value": _value(draw, item)})
        sections.append(
            {
                "key": f"s{section_index}",
                "title": {"en": f"Section {section_index}"},
                "weight": draw(st.integers(0, 5)),
                "items": items,
            }
        )
    policy = draw(
        st.one_of(
            st.sampled_from(["zero_total", "zero_section"]),
            st.builds(lambda cap: {"cap": cap}, st.integers(0, 100)),
        )
    )
    template = {
        "key": "random",
        "version": 1,
        "channel": "web",
        "title": {"en": "Random"},
        "pass_mark": draw(st.integers(0, 100)),
        "critical_policy": policy,
        "bands": [{"min": 60, "key": "fine"}, {"min": 0, "key": "poor"}],
        "sections": sections,
    }
    return template, answers


def _score(case: Case) -> ScoreCard:
    return score(Template.from_dict(case[0]), case[1])


def _outcome(card: ScoreCard) -> tuple[Any, ...]:
    """What must not change when only the scale of weights or points changes."""
    return (
        card.total,
        card.percent,
        card.sections,
        card.band,
        card.passed,
        card.failed,
        card.critical_failures,
    )


@PROPERTY
@given(cases())
def test_total_is_within_0_and_100(case: Case) -> None:
    card = _score(case)
    if card.total is not None:
        assert 0 <= card.total <= 100
        assert card.percent is not None
        assert 0 <= card.percent <= 100
    assert all(0 <= ratio <= 1 for ratio in card.sections.values())


@PROPERTY
@given(cases(), st.integers(2, 7))
def test_scaling_every_weight_changes_nothing(case: Case, factor: int) -> None:
    template, answers = copy.deepcopy(case)
    for section in template["sections"]:
        section["weight"] *= factor
    assert _outcome(_score(case)) == _outcome(_score((template, answers)))


@PROPERTY
@given(cases(), st.sampled_from([Fraction(1, 4), Fraction(3), Fraction(5, 2)]))
def test_scaling_every_points_value_changes_nothing(case: Case, factor: Fraction) -> None:
    template, answers = copy.deepcopy(case)
    for section in template["sections"]:
        for item in section["items"]:
            item["points"] = float(item["points"] * factor)
            for option in item.get("options", []):
                option["points"] = float(option["points"] * factor)
    assert _outcome(_score(case)) == _outcome(_score((template, answers)))


@PROPERTY
@given(cases(), st.randoms(use_true_random=False))
def test_reordering_answers_changes_nothing(case: Case, random: Any) -> None:
    template, answers = case
    shuffled = list(answers)
    random.shuffle(shuffled)
    assert _score(case) == _score((template, shuffled))


@PROPERTY
@given(cases(), st.data())
def test_an_unanswered_optional_item_changes_nothing(case: Case, data: st.DataObject) -> None:
    template, answers = copy.deepcopy(case)
    section = data.draw(st.sampled_from(template["sections"]))
    position = data.draw(st.integers(0, len(section["items"])))
    extra = {
        "key": "extra",
        "kind": "yes_no",
        "text": {"en": "Extra"},
        "points": 5,
        "required": False,
    }
    section["items"].insert(position, extra)
    assert _score(case) == _score((template, answers))


@PROPERTY
@given(cases(), st.data())
def test_na_on_an_item_changes_no_other_section(case: Case, data: st.DataObject) -> None:
    template, answers = copy.deepcopy(case)
    named_by_show_if = {
        item["show_if"]["item"]
        for section in template["sections"]
        for item in section["items"]
        if "show_if" in item
    }
    free = [
        (section["key"], item["key"])
        for section in template["sections"]
        for item in section["items"]
        if item["key"] not in named_by_show_if
    ]
    if not free:
        return
    section_key, item_key = data.draw(st.sampled_from(free))
    changed = [answer for answer in answers if answer["item"] != item_key]
    changed.append({"item": item_key, "value": None, "na": True})
    before = _score(case).sections
    after = _score((template, changed)).sections
    before.pop(section_key, None)
    after.pop(section_key, None)
    assert before == after


def _with_critical_failure(case: Case, policy: Any) -> Case:
    """The case with an extra weighted section whose critical item is answered badly."""
    template, answers = copy.deepcopy(case)
    template["critical_policy"] = policy
    template["sections"].append(
        {
            "key": "critical",
            "title": {"en": "Critical"},
            "weight": 1,
            "items": [
                {
                    "key": "id_check",
                    "kind": "yes_no",
                    "text": {"en": "ID checked?"},
                    "points": 5,
                    "critical": True,
                }
            ],
        }
    )
    return template, [*answers, {"item": "id_check", "value": False}]


@PROPERTY
@given(cases())
def test_a_critical_failure_under_zero_total_gives_0(case: Case) -> None:
    card = _score(_with_critical_failure(case, "zero_total"))
    assert "id_check" in card.critical_failures
    assert Fraction(0) == card.total


@PROPERTY
@given(cases(), st.integers(0, 100))
def test_a_critical_failure_under_cap_gives_at_most_the_cap(case: Case, cap: int) -> None:
    card = _score(_with_critical_failure(case, {"cap": cap}))
    assert card.total is not None
    assert card.total <= cap
