"""Tests of `shared.checklist`: reading, writing back, lookups, and every refusal with its path."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
from hypothesis import strategies as st

from shared.checklist import SECONDS_PER_TIME_UNIT, Item, Template
from shared.errors import DomainError, TemplateError
from tests.shared.samples import full_template

Mutation = Callable[[dict[str, Any]], None]


def item(data: dict[str, Any], section: int, index: int) -> dict[str, Any]:
    found: dict[str, Any] = data["sections"][section]["items"][index]
    return found


def setter(path: tuple[Any, ...], value: Any) -> Mutation:
    """A mutation that sets data[path...] = value."""

    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


def deleter(path: tuple[Any, ...]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return mutate


def on_item(section: int, index: int, **changes: Any) -> Mutation:
    return lambda data: item(data, section, index).update(changes)


WELCOME = ("sections", 0, "items")
ADVICE = ("sections", 1, "items")

# (mutation, expected path, a fragment of the expected message)
REFUSALS: dict[str, tuple[Mutation, str, str]] = {
    "missing key": (deleter(("key",)), "key", "is required"),
    "empty key": (setter(("key",), " "), "key", "must be a non-empty string"),
    "version as text": (setter(("version",), "1"), "version", "whole number"),
    "version zero": (setter(("version",), 0), "version", "whole number"),
    "version bool": (setter(("version",), True), "version", "whole number"),
    "unknown channel": (setter(("channel",), "fax"), "channel", "must be one of"),
    "unknown top-level field": (setter(("colour",), "red"), "colour", "not a field"),
    "title without en": (setter(("title",), {"ru": "Визит"}), "title.en", "is required"),
    "title with empty en": (setter(("title",), {"en": " "}), "title.en", "is required"),
    "title not an object": (setter(("title",), "Visit"), "title", "texts by language"),
    "title text not a string": (setter(("title", "pl"), 5), "title.pl", "must be a string"),
    "pass mark as text": (setter(("pass_mark",), "80"), "pass_mark", "must be a number"),
    "pass mark bool": (setter(("pass_mark",), True), "pass_mark", "must be a number"),
    "pass mark NaN": (setter(("pass_mark",), math.nan), "pass_mark", "must be a number"),
    "pass mark infinite": (setter(("pass_mark",), math.inf), "pass_mark", "must be a number"),
    "pass mark above 100": (setter(("pass_mark",), 101), "pass_mark", "must be <= 100"),
    "negative pass mark": (setter(("pass_mark",), -1), "pass_mark", "must not be negative"),
    "unknown critical policy": (
        setter(("critical_policy",), "none"),
        "critical_policy",
        "zero_total",
    ),
    "cap above 100": (
        setter(("critical_policy",), {"cap": 150}),
        "critical_policy.cap",
        "must be <= 100",
    ),
    "cap missing": (setter(("critical_policy",), {}), "critical_policy.cap", "is required"),
    "cap with extra field": (
        setter(("critical_policy",), {"cap": 40, "hard": True}),
        "critical_policy.hard",
        "not a field of a critical policy",
    ),
    "bands not a list": (setter(("bands",), {}), "bands", "must be a list"),
    "bands not ending at 0": (setter(("bands", 2, "min"), 10), "bands[2].min", "start at 0"),
    "bands ascending": (setter(("bands", 1, "min"), 95), "bands[1].min", "lower than"),
    "bands with equal mins": (setter(("bands", 1, "min"), 90), "bands[1].min", "lower than"),
    "duplicate band key": (setter(("bands", 1, "key"), "excellent"), "bands[1].key", "duplicate"),
    "band with unknown field": (setter(("bands", 0, "colour"), "green"), "bands[0].colour", "not"),
    "band min negative": (setter(("bands", 2, "min"), -5), "bands[2].min", "not be negative"),
    "sections missing": (deleter(("sections",)), "sections", "is required"),
    "sections empty": (setter(("sections",), []), "sections", "must not be empty"),
    "section not an object": (setter(("sections", 1), "advice"), "sections[1]", "an object"),
    "duplicate section key": (
        setter(("sections", 2, "key"), "welcome"),
        "sections[2].key",
        "duplicate section key 'welcome'",
    ),
    "negative weight": (setter(("sections", 1, "weight"), -5), "sections[1].weight", "negative"),
    "section without items": (setter(("sections", 1, "items"), []), "sections[1].items", "empty"),
    "section with unknown field": (
        setter(("sections", 0, "order"), 1),
        "sections[0].order",
        "not a field of a section",
    ),
    "section title without en": (
        setter(("sections", 0, "title"), {"pl": "Powitanie"}),
        "sections[0].title.en",
        "is required",
    ),
    "item not an object": (setter((*ADVICE, 2), []), "sections[1].items[2]", "an object"),
    "duplicate item key in another section": (
        on_item(2, 1, key="greeted"),
        "sections[2].items[1].key",
        "duplicate item key 'greeted'",
    ),
    "duplicate item key in the same section": (
        on_item(1, 4, key="knowledge"),
        "sections[1].items[4].key",
        "duplicate item key",
    ),
    "unknown kind": (on_item(1, 0, kind="stars"), "sections[1].items[0].kind", "one of"),
    "a timer is not a count": (
        on_item(0, 1, whole=True),
        "sections[0].items[1].whole",
        "not a field of a timer item",
    ),
    "whole not a boolean": (on_item(1, 3, whole="yes"), "sections[1].items[3].whole", "true"),
    "item text without en": (
        on_item(0, 0, text={"ru": "Поздоровались?"}),
        "sections[0].items[0].text.en",
        "is required",
    ),
    "hint without en": (on_item(0, 0, hint={"uk": "Рахуйте"}), "sections[0].items[0].hint.en", ""),
    "negative points": (on_item(0, 0, points=-5), "sections[0].items[0].points", "negative"),
    "points as text": (on_item(0, 0, points="5"), "sections[0].items[0].points", "a number"),
    "points on a text item": (on_item(2, 1, points=2), "sections[2].items[1].points", "never"),
    "points on a photo item": (on_item(2, 2, points=2), "sections[2].items[2].points", "never"),
    "critical without points": (
        on_item(0, 2, points=0, critical=True),
        "sections[0].items[2].critical",
        "needs points",
    ),
    "critical not a bool": (on_item(1, 4, critical="yes"), "sections[1].items[4].critical", "true"),
    "na not a bool": (on_item(1, 3, na=1), "sections[1].items[3].na", "true or false"),
    "required not a bool": (on_item(1, 3, required=None), "sections[1].items[3].required", "true"),
    "unknown photo rule": (on_item(1, 4, photo="always"), "sections[1].items[4].photo", "one of"),
    "on_fail on an unscored item": (
        on_item(2, 1, photo="on_fail"),
        "sections[2].items[1].photo",
        "points > 0",
    ),
    "show_if naming an unknown item": (
        on_item(0, 2, show_if={"item": "ghost", "in": [False]}),
        "sections[0].items[2].show_if.item",
        "'ghost'",
    ),
    "show_if naming a later item": (
        on_item(0, 0, show_if={"item": "wait", "in": [60]}),
        "sections[0].items[0].show_if.item",
        "names a later item",
    ),
    "show_if naming an item of a later section": (
        on_item(0, 2, show_if={"item": "knowledge", "in": [5]}),
        "sections[0].items[2].show_if.item",
        "names a later item",
    ),
    "show_if naming the item itself": (
        on_item(0, 2, show_if={"item": "phone_use", "in": [True]}),
        "sections[0].items[2].show_if.item",
        "itself",
    ),
    "show_if on a text item": (
        on_item(2, 2, show_if={"item": "notes", "in": ["x"]}),
        "sections[2].items[2].show_if.item",
        "cannot depend on a text item",
    ),
    "show_if with empty values": (
        on_item(0, 2, show_if={"item": "greeted", "in": []}),
        "sections[0].items[2].show_if.in",
        "must not be empty",
    ),
    "show_if values not a list": (
        on_item(0, 2, show_if={"item": "greeted", "in": False}),
        "sections[0].items[2].show_if.in",
        "must be a list",
    ),
    "show_if value of the wrong kind": (
        on_item(0, 2, show_if={"item": "greeted", "in": [0]}),
        "sections[0].items[2].show_if.in[0]",
        "not a possible answer of 'greeted'",
    ),
    "show_if naming an unknown option": (
        on_item(1, 4, show_if={"item": "questions", "in": ["fully", "maybe"]}),
        "sections[1].items[4].show_if.in[1]",
        "not a possible answer",
    ),
    "show_if number as text": (
        on_item(1, 4, show_if={"item": "wait", "in": ["60"]}),
        "sections[1].items[4].show_if.in[0]",
        "not a possible answer",
    ),
    "show_if with unknown field": (
        on_item(0, 2, show_if={"item": "greeted", "in": [False], "not": True}),
        "sections[0].items[2].show_if.not",
        "not a field of show_if",
    ),
    "show_if not an object": (
        on_item(0, 2, show_if="greeted"),
        "sections[0].items[2].show_if",
        "an object",
    ),
    "scale min equal to max": (on_item(1, 0, min=5, max=5), "sections[1].items[0].max", "greater"),
    "scale min above max": (on_item(1, 0, min=6, max=5), "sections[1].items[0].max", "greater"),
    "scale without min": (deleter((*ADVICE, 0, "min")), "sections[1].items[0].min", "required"),
    "choice option worth more than the item": (
        setter((*ADVICE, 1, "options", 1, "points"), 6),
        "sections[1].items[1].options[1].points",
        "worth more than the item (5 points)",
    ),
    "multi option worth more than the item": (
        setter((*ADVICE, 2, "options", 0, "points"), 5),
        "sections[1].items[2].options[0].points",
        "worth more than the item",
    ),
    "option worth something on an unscored item": (
        on_item(1, 1, points=0),
        "sections[1].items[1].options[0].points",
        "worth more than the item",
    ),
    "negative option points": (
        setter((*ADVICE, 1, "options", 2, "points"), -1),
        "sections[1].items[1].options[2].points",
        "negative",
    ),
    "choice without options": (on_item(1, 1, options=[]), "sections[1].items[1].options", "empty"),
    "choice options missing": (
        deleter((*ADVICE, 1, "options")),
        "sections[1].items[1].options",
        "is required",
    ),
    "duplicate option key": (
        setter((*ADVICE, 2, "options", 2, "key"), "price"),
        "sections[1].items[2].options[2].key",
        "duplicate option key 'price'",
    ),
    "option with unknown field": (
        setter((*ADVICE, 2, "options", 0, "colour"), "red"),
        "sections[1].items[2].options[0].colour",
        "not a field of an option",
    ),
    "option fail not a bool": (
        setter((*ADVICE, 1, "options", 0, "fail"), "no"),
        "sections[1].items[1].options[0].fail",
        "true or false",
    ),
    "scored timer without target": (
        deleter((*WELCOME, 1, "target")),
        "sections[0].items[1].target",
        "needs a target",
    ),
    "scored number without limit": (
        deleter((*ADVICE, 3, "limit")),
        "sections[1].items[3].limit",
        "needs a limit",
    ),
    "target equal to limit": (
        on_item(0, 1, target=300),
        "sections[0].items[1].limit",
        "must differ from target",
    ),
    "target not a number": (on_item(0, 1, target="60"), "sections[0].items[1].target", "number"),
    "negative timer limit": (on_item(0, 1, limit=-1), "sections[0].items[1].limit", "negative"),
    "unit not a string": (
        on_item(0, 1, unit=1),
        "sections[0].items[1].unit",
        "must be a string or an object of texts by language",
    ),
    "unit without English": (
        on_item(0, 1, unit={"ru": "шт."}),
        "sections[0].items[1].unit.en",
        "is required",
    ),
    "scale field on a yes_no item": (
        on_item(0, 0, min=0),
        "sections[0].items[0].min",
        "not a field of a yes_no item",
    ),
    "good on a scale item": (on_item(1, 0, good=True), "sections[1].items[0].good", "scale item"),
    "options on an nps item": (
        on_item(2, 0, options=[]),
        "sections[2].items[0].options",
        "not a field of a nps item",
    ),
    "good not a bool": (on_item(0, 2, good="false"), "sections[0].items[2].good", "true or false"),
    "end label without en": (
        on_item(1, 0, min_label={"pl": "Słabo"}),
        "sections[1].items[0].min_label.en",
        "is required",
    ),
    "end label not texts": (
        on_item(2, 0, max_label="Surely"),
        "sections[2].items[0].max_label",
        "texts by language",
    ),
    "end label on a yes_no item": (
        on_item(0, 0, min_label={"en": "No"}),
        "sections[0].items[0].min_label",
        "not a field of a yes_no item",
    ),
}


@pytest.mark.parametrize(("mutate", "path", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_refusal_names_the_path(mutate: Mutation, path: str, message: str) -> None:
    data = full_template()
    mutate(data)
    with pytest.raises(TemplateError) as caught:
        Template.from_dict(data)
    assert path == caught.value.path
    assert message in caught.value.reason
    assert f"{path}: {caught.value.reason}" == str(caught.value)


def test_every_refusal_is_a_domain_error_with_a_code() -> None:
    with pytest.raises(DomainError) as caught:
        Template.from_dict({**full_template(), "channel": "fax"})
    assert "invalid_template" == caught.value.code


def test_a_template_that_is_not_an_object_is_refused_without_a_path() -> None:
    with pytest.raises(TemplateError) as caught:
        Template.from_dict(["not", "a", "template"])
    assert ("", "must be an object") == (caught.value.path, str(caught.value))


def test_the_sample_template_itself_is_valid() -> None:
    template = Template.from_dict(full_template())
    assert 11 == len(list(template.items()))


def test_round_trip_through_to_dict() -> None:
    template = Template.from_dict(full_template())
    assert template == Template.from_dict(template.to_dict())
    assert template.to_dict() == Template.from_dict(template.to_dict()).to_dict()


@pytest.mark.parametrize("policy", ["zero_total", "zero_section", {"cap": 40}, {"cap": 12.5}])
def test_each_critical_policy_round_trips(policy: Any) -> None:
    template = Template.from_dict({**full_template(), "critical_policy": policy})
    assert policy == template.to_dict()["critical_policy"]
    assert template == Template.from_dict(template.to_dict())


def test_defaults_are_filled_in() -> None:
    data = full_template()
    del data["critical_policy"], data["pass_mark"], data["bands"], data["sections"][0]["weight"]
    template = Template.from_dict(data)
    greeted = template.item("greeted")
    assert ("zero_total", None, None, (), 1) == (
        template.critical_policy,
        template.critical_cap,
        template.pass_mark,
        template.bands,
        template.sections[0].weight,
    )
    assert (False, False, True, "none", True) == (
        greeted.critical,
        greeted.na,
        greeted.required,
        greeted.photo,
        greeted.good,
    )
    assert 0 == template.item("notes").points


def test_the_design_example_with_items_lacking_text_is_accepted() -> None:
    data = full_template()
    del item(data, 0, 1)["text"]
    template = Template.from_dict(data)
    assert {} == template.item("wait").text
    assert "text" not in template.to_dict()["sections"][0]["items"][1]
    assert template == Template.from_dict(template.to_dict())


def test_scales_and_nps_may_name_their_ends() -> None:
    """docs/contract.md#templates: optional `min_label` and `max_label` texts."""
    data = full_template()
    item(data, 1, 0).update(min_label={"en": "Clueless", "pl": "Bez pojęcia"})
    item(data, 1, 0).update(max_label={"en": "Expert"})
    item(data, 2, 0).update(max_label={"en": "Surely"})
    template = Template.from_dict(data)
    knowledge, recommend = template.item("knowledge"), template.item("recommend")
    assert ({"en": "Clueless", "pl": "Bez pojęcia"}, {"en": "Expert"}) == (
        knowledge.min_label,
        knowledge.max_label,
    )
    assert (None, {"en": "Surely"}) == (recommend.min_label, recommend.max_label)
    written = template.to_dict()["sections"]
    assert {"en": "Expert"} == written[1]["items"][0]["max_label"]
    assert "min_label" not in written[2]["items"][0]
    assert template == Template.from_dict(template.to_dict())
    plain = Template.from_dict(full_template()).item("knowledge")
    assert (None, None) == (plain.min_label, plain.max_label)


def test_lookups_follow_template_order() -> None:
    template = Template.from_dict(full_template())
    keys = [entry.key for entry in template.items()]
    assert ["greeted", "wait", "phone_use", "knowledge"] == keys[:4]
    assert "advice" == template.section_of("questions").key
    assert 3 == template.position("knowledge")
    assert (True, False) == (template.has_item("wait"), template.has_item("ghost"))
    assert "scale" == template.item("knowledge").kind
    with pytest.raises(KeyError):
        template.item("ghost")


def test_item_helpers() -> None:
    template = Template.from_dict(full_template())
    questions = template.item("questions")
    partly = questions.option("partly")
    assert partly is not None
    assert 3 == partly.points
    assert questions.option("maybe") is None
    assert (True, False) == (questions.scored, template.item("notes").scored)


def test_unscored_number_needs_neither_target_nor_limit() -> None:
    data = full_template()
    stock = item(data, 1, 3)
    stock.update(points=0)
    del stock["target"], stock["limit"], stock["unit"]
    template = Template.from_dict(data)
    assert (None, None, None) == (
        template.item("stock").target,
        template.item("stock").limit,
        template.item("stock").unit,
    )
    assert template == Template.from_dict(template.to_dict())


def test_a_count_is_read_and_written_back() -> None:
    data = full_template()
    item(data, 1, 3)["whole"] = True
    template = Template.from_dict(data)
    assert template.item("stock").whole is True
    assert template.item("wait").whole is False  # a timer's answer may be 1.58 min
    assert template == Template.from_dict(template.to_dict())
    assert template.to_dict()["sections"][1]["items"][3]["whole"] is True
    assert "whole" not in Template.from_dict(full_template()).to_dict()["sections"][1]["items"][3]


def test_a_unit_is_one_word_for_every_language_or_texts_by_language() -> None:
    data = full_template()
    stock = item(data, 1, 3)
    for given, kept in (
        ("units", {"en": "units"}),
        ({"en": "units", "ru": "шт."}, {"en": "units", "ru": "шт."}),
        ("  ", None),
    ):
        stock["unit"] = given
        template = Template.from_dict(data)
        assert kept == template.item("stock").unit
        assert template == Template.from_dict(template.to_dict())
        written = template.to_dict()["sections"][1]["items"][3].get("unit")
        assert (given if kept else None) == written  # one word is written back as one word


def test_float_numbers_are_kept_as_given() -> None:
    data = full_template()
    item(data, 1, 0).update(min=0.5, max=4.5)
    template = Template.from_dict(data)
    assert (0.5, 4.5) == (template.item("knowledge").min, template.item("knowledge").max)


def test_reading_does_not_change_the_input() -> None:
    data = full_template()
    before = copy.deepcopy(data)
    Template.from_dict(data)
    assert before == data


def test_a_template_can_key_a_cache() -> None:
    template = Template.from_dict(full_template())
    cache = {template: "scored"}
    assert "scored" == cache[Template.from_dict(full_template())]
    changed = Template.from_dict({**full_template(), "pass_mark": 50})
    assert changed not in cache  # same key and version, different content: not equal


@pytest.mark.parametrize(
    ("unit", "seconds", "answer"),
    [
        (None, 95, 95),
        ({"en": "s"}, 95, 95),
        ({"en": "min"}, 95, 1.58),
        ({"en": "min", "ru": "мин", "uk": "хв"}, 120, 2),
        ({"en": "h"}, 5400, 1.5),
        ({"en": "h"}, 36, 0.01),
        ({"en": "sec", "ru": "сек."}, 95, 95),  # a checklist's own word for seconds
    ],
)
def test_a_stopwatch_gives_its_seconds_in_the_timers_unit(
    unit: dict[str, str] | None, seconds: int, answer: float
) -> None:
    timer = Item(key="wait", kind="timer", unit=unit)
    assert answer == timer.timer_answer(seconds)
    if not unit or unit["en"] not in ("min", "h"):
        assert isinstance(timer.timer_answer(seconds), int)  # seconds stay whole
    assert seconds == timer.timer_seconds(answer)  # and back: what the phone shows when saved


@hypothesis.given(st.sampled_from(sorted(SECONDS_PER_TIME_UNIT)), st.integers(0, 10**6))
def test_a_timers_answer_is_its_seconds_within_the_rounding(unit: str, seconds: int) -> None:
    per_unit = SECONDS_PER_TIME_UNIT[unit]
    timer = Item(key="wait", kind="timer", unit={"en": unit})
    answer = timer.timer_answer(seconds)
    assert abs(answer * per_unit - seconds) <= per_unit * 0.005 + 1e-9
    assert abs(timer.timer_seconds(answer) - seconds) <= per_unit * 0.005 + 0.5
