"""Hypothesis properties of `shared.scoring.score` over random templates and answers: what the
scoring rules of docs/contract.md imply for a whole audit, checked without recomputing a score.

`cases` are small templates of scorable items with integer numbers; `audits` (strategies.py)
use every feature, decimal numbers included.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.checklist import SCORABLE_KINDS, Template
from shared.errors import AnswerError
from shared.scoring import ScoreCard, index_answers, score, to_fraction, visible_items
from tests.shared.strategies import BAD_VALUES, Audit, audits

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
@given(cases(), st.sampled_from([Fraction(1, 4), Fraction(3), Fraction(5, 2), Fraction(1, 10)]))
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


# --- every feature ---------------------------------------------------------------------------


def _card(case: Audit) -> ScoreCard:
    return score(Template.from_dict(case[0]), case[1])


def _with_policy(case: Audit, policy: Any) -> Audit:
    template, answers = copy.deepcopy(case)
    template["critical_policy"] = policy
    return template, answers


# {"cap": 100} never changes a total: scores under it are the scores without any policy.
NO_POLICY: Any = {"cap": 100}


@PROPERTY
@given(audits())
def test_every_figure_of_a_card_is_in_range(case: Audit) -> None:
    check_figures(case)


def check_figures(case: Audit) -> None:
    card = _card(case)
    assert (card.total is None) == (card.percent is None) == (not card.sections)
    if card.total is not None:
        assert 0 <= card.total <= 100
        assert card.percent is not None
        assert 0 <= card.percent <= 100
    assert all(0 <= ratio <= 1 for ratio in card.sections.values())
    assert card.earned.keys() == card.possible.keys()
    assert all(0 <= card.earned[key] <= card.possible[key] for key in card.earned)
    assert all(points > 0 for points in card.possible.values())


@PROPERTY
@given(audits())
def test_an_item_fails_below_its_points_or_on_a_fail_option(case: Audit) -> None:
    check_failures(case)


def check_failures(case: Audit) -> None:
    template = Template.from_dict(case[0])
    card = score(template, case[1])
    order = list(template.positions)
    assert list(card.failed) == sorted(card.failed, key=order.index)
    assert set(card.failed) <= set(card.possible)
    short = {key for key in card.earned if card.earned[key] < card.possible[key]}
    answers = index_answers(case[1])
    picked_a_fail = set()
    for key in card.possible:
        item, value = template.item(key), answers[key].value
        picks = (value,) if item.kind == "choice" else value if item.kind == "multi" else ()
        assert isinstance(picks, tuple)
        if any(option.fail for option in item.options if option.key in picks):
            picked_a_fail.add(key)
    assert short | picked_a_fail == set(card.failed)
    expected = tuple(key for key in card.failed if template.item(key).critical)
    assert expected == card.critical_failures


@PROPERTY
@given(audits(), st.data())
def test_answers_to_hidden_items_are_ignored(case: Audit, data: st.DataObject) -> None:
    template_data, answers = case
    template = Template.from_dict(template_data)
    visible = visible_items(template, index_answers(answers))
    hidden = [key for key, shown in visible.items() if not shown]
    junk = {key: data.draw(st.sampled_from([*BAD_VALUES, None])) for key in hidden}
    changed = [answer for answer in answers if answer["item"] not in junk]
    changed += [{"item": key, "value": value} for key, value in junk.items()]
    card = score(template, changed)
    assert card == score(template, answers)
    assert set(hidden).isdisjoint(card.possible)


def _dependants(template: dict[str, Any], source: str) -> set[str]:
    """The items shown only through `source`, directly or through another such item."""
    found = {source}
    for section in template["sections"]:
        for item in section["items"]:
            if "show_if" in item and item["show_if"]["item"] in found:
                found.add(item["key"])
    return found - {source}


@PROPERTY
@given(audits(), st.data())
def test_items_shown_by_an_unanswered_item_never_count(case: Audit, data: st.DataObject) -> None:
    template, answers = case
    sources = sorted(
        {
            item["show_if"]["item"]
            for section in template["sections"]
            for item in section["items"]
            if "show_if" in item
        }
    )
    if not sources:
        return
    source = data.draw(st.sampled_from(sources))
    how = data.draw(st.sampled_from(["missing", "na", "null"]))
    changed = [answer for answer in answers if answer["item"] != source]
    if how != "missing":
        changed.append({"item": source, "value": None, "na": how == "na"})
    card = _card((template, changed))
    assert _dependants(template, source).isdisjoint(card.possible)
    assert source not in card.possible


@PROPERTY
@given(audits(), st.data())
def test_an_item_marked_na_is_not_counted(case: Audit, data: st.DataObject) -> None:
    template, answers = case
    if not answers:
        return
    key = data.draw(st.sampled_from(answers))["item"]
    changed = [answer for answer in answers if answer["item"] != key]
    changed.append({"item": key, "value": data.draw(st.sampled_from([True, 1, None])), "na": True})
    assert key not in _card((template, changed)).possible


@PROPERTY
@given(audits())
def test_without_failures_the_total_is_100(case: Audit) -> None:
    card = _card(case)
    if card.total is not None and not card.failed:
        assert (Fraction(100), "100.0") == (card.total, str(card.percent))
    if card.total is not None and not any(card.earned.values()):
        assert Fraction(0) == card.total


@PROPERTY
@given(audits())
def test_the_total_is_a_weighted_mean_of_the_section_ratios(case: Audit) -> None:
    card = _card(_with_policy(case, NO_POLICY))
    if card.total is None:
        return
    assert 100 * min(card.sections.values()) <= card.total <= 100 * max(card.sections.values())
    template = Template.from_dict(case[0])
    in_total = {section.key for section in template.sections if section.weight != 0}
    assert set(card.sections) <= in_total


@PROPERTY
@given(audits())
def test_critical_policies_act_only_on_a_critical_failure(case: Audit) -> None:
    check_policies(case)


def check_policies(case: Audit) -> None:
    plain = _card(_with_policy(case, NO_POLICY))
    zero_total = _card(_with_policy(case, "zero_total"))
    zero_section = _card(_with_policy(case, "zero_section"))
    capped = _card(_with_policy(case, {"cap": 50}))
    for card in (zero_total, zero_section, capped):
        assert (card.failed, card.critical_failures) == (plain.failed, plain.critical_failures)
        assert (card.earned, card.possible) == (plain.earned, plain.possible)
    if not plain.critical_failures:
        assert plain == zero_total == zero_section == capped
        return
    assert plain.total is None or Fraction(0) == zero_total.total
    assert zero_total.sections == plain.sections
    assert capped.total == (None if plain.total is None else min(plain.total, Fraction(50)))
    template = Template.from_dict(case[0])
    for key, ratio in plain.sections.items():
        section = next(section for section in template.sections if section.key == key)
        failing = {item.key for item in section.items} & set(plain.critical_failures)
        assert zero_section.sections[key] == (Fraction(0) if failing else ratio)


# Answers that earn an item's full points, by kind.
BEST: dict[str, Any] = {
    "yes_no": lambda item: item.get("good", True),
    "scale": lambda item: item["max"],
    "number": lambda item: item["target"],
    "timer": lambda item: item["target"],
    "nps": lambda item: 10,
}


@PROPERTY
@given(audits(), st.data())
def test_full_points_on_an_item_never_lower_the_total(case: Audit, data: st.DataObject) -> None:
    template, answers = case
    sources = {
        item["show_if"]["item"]
        for section in template["sections"]
        for item in section["items"]
        if "show_if" in item
    }
    candidates = [
        item
        for section in template["sections"]
        for item in section["items"]
        if item["kind"] in BEST and item["points"] and item["key"] not in sources
    ]
    if not candidates:
        return
    item = data.draw(st.sampled_from(candidates))
    changed = [answer for answer in answers if answer["item"] != item["key"]]
    changed.append({"item": item["key"], "value": BEST[item["kind"]](item)})
    before, after = _card(case), _card((template, changed))
    if before.total is not None:
        assert after.total is not None
        assert before.total <= after.total
    if item["key"] in after.possible:
        assert after.earned[item["key"]] == after.possible[item["key"]]


@PROPERTY
@given(audits(), st.data())
def test_a_pass_mark_or_band_at_the_percentage_is_reached(case: Audit, data: st.DataObject) -> None:
    """Marks are compared at their decimal text: 0.1 (a float a little above 1/10) is reached
    by a percentage of 0.1."""
    card = _card(case)
    if card.percent is None:
        return
    template, answers = copy.deepcopy(case)
    mark = float(card.percent)  # 87.3 for Decimal("87.3")
    above = float(card.percent + data.draw(st.sampled_from([Decimal("0.1"), Decimal(1)])))
    bands = [{"min": above, "key": "above"}] if above <= 100 else []
    bands.append({"min": mark, "key": "at"})
    if mark > 0:
        bands.append({"min": 0, "key": "below"})
    template.update(pass_mark=mark, bands=bands)
    again = _card((template, answers))
    assert (True, "at") == (again.passed, again.band)
    if above <= 100:
        template["pass_mark"] = above
        assert _card((template, answers)).passed is False


@PROPERTY
@given(audits())
def test_band_and_pass_follow_the_percentage(case: Audit) -> None:
    card = _card(case)
    template = Template.from_dict(case[0])
    if card.percent is None:
        assert (None, None) == (card.band, card.passed)
        return
    reached = [band for band in template.bands if to_fraction(band.min) <= card.percent]
    highest = max(reached, key=lambda band: to_fraction(band.min), default=None)
    assert (None if highest is None else highest.key) == card.band
    if template.pass_mark is None:
        assert card.passed is None
    else:
        assert card.passed == (card.percent >= to_fraction(template.pass_mark))


@PROPERTY
@given(audits(), st.sampled_from(BAD_VALUES))
def test_answers_to_unknown_items_are_ignored(case: Audit, value: Any) -> None:
    template, answers = case
    assert _card(case) == _card((template, [*answers, {"item": "ghost", "value": value}]))


@PROPERTY
@given(audits(), st.data())
def test_an_item_answered_twice_cannot_be_scored(case: Audit, data: st.DataObject) -> None:
    template, answers = case
    if not answers:
        return
    again = data.draw(st.sampled_from(answers))
    with pytest.raises(AnswerError, match="answered more than once"):
        _card((template, [*answers, again]))


@pytest.mark.slow
@settings(max_examples=4000, deadline=None, database=None)
@given(audits())
def test_figures_failures_and_policies_of_many_more_audits(case: Audit) -> None:
    check_figures(case)
    check_failures(case)
    check_policies(case)
