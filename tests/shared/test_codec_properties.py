"""Hypothesis properties of `shared.codec.canonical_json` over generated audit bodies.

The canonical bytes decide an identical replay and are stored with each revision, so: the
same audit sent differently (key order, answer order, offsets, 75.0 for 75, defaults left out,
new volatile keys) gives the same bytes; the bytes keep every value the body had; a second
pass changes nothing; and a bad body is refused with the path of what is wrong in it.
"""

from __future__ import annotations

import contextlib
import enum
import json
import random as random_module
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shared.checklist import Template
from shared.codec import ANSWER_DEFAULTS, VOLATILE_KEYS, canonical_json
from shared.errors import WireFormatError
from tests.shared.samples import full_template

TEMPLATE = Template.from_dict(full_template())
KNOWN_ITEMS = [item.key for item in TEMPLATE.items()]


class Label(str):
    """A str subclass: not what a JSON parser gives, but a Mapping may hold one."""


class Count(enum.IntEnum):
    ONE = 1


class Measure(float):
    """A float subclass, which the codec must treat like a float."""


# --- strategies ------------------------------------------------------------------------------

OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
# From year 1000: before it the canonical year has fewer than four digits (strftime's %Y on
# Linux), which datetime cannot read back; test_timestamps_at_the_ends_of_the_calendar.
MOMENTS = st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30))


@st.composite
def timestamps(draw: st.DrawFn, odd: bool = False) -> Any:
    """Timestamps as phones write them; if `odd`, also some as they should not."""
    moment = draw(MOMENTS)
    bad = odd and draw(st.integers(0, 9)) == 0
    styles = ["naive", "junk", "other"] if bad else ["offset", "offset", "z", "seconds"]
    style = draw(st.sampled_from(styles))
    if style == "offset":
        return moment.replace(tzinfo=draw(OFFSETS)).isoformat()
    if style == "z":
        return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    if style == "seconds":
        return moment.replace(microsecond=0, tzinfo=draw(OFFSETS)).isoformat(timespec="seconds")
    if style == "naive":
        return moment.isoformat()
    if style == "junk":
        return draw(st.sampled_from(["yesterday", "", "2026-13-01T00:00:00Z", "T10:00"]))
    return draw(st.none() | st.integers() | st.lists(st.just("2026-01-01T00:00:00Z"), max_size=1))


STAMP_KEYS = ["at", "x_at", "_at", "taken_at", "sent_at"]
WORDS = ["", "item", "value", "na", "comment", "photos", ".", "client_score", "answers", "a", "b"]
# Under a timestamp key any other value is refused: bodies that should pass avoid such keys.
PLAIN_KEYS = (st.sampled_from(WORDS) | st.text(max_size=4)).filter(
    lambda key: key != "at" and not key.endswith("_at")
)
KEYS = st.sampled_from(WORDS + STAMP_KEYS) | st.text(max_size=4)
NUMBERS = (
    st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(-1e6, 1e6).map(round).map(float)  # integral floats: 75.0 must become 75
    | st.sampled_from([-0.0, 0.1, 1e20, 2.5e-7, 1e300, 5e-324])
)
NOT_FINITE = [float("nan"), float("inf"), -float("inf"), Measure(float("nan"))]
ODD_SCALARS = st.sampled_from(
    [*NOT_FINITE, Label("label"), Count.ONE, Measure(2.0), Measure(2.5), b"bytes", {1}, object]
)
SCALARS = st.none() | st.booleans() | NUMBERS | st.text(max_size=6)


def nested(odd: bool) -> st.SearchStrategy[Any]:
    """JSON values nested a few levels; if `odd`, also things no JSON parser gives."""
    scalars = SCALARS | (ODD_SCALARS | timestamps(odd) if odd else st.nothing())
    keys = KEYS if odd else PLAIN_KEYS
    odd_mappings = st.dictionaries(st.integers(0, 3) | st.just(Label("at")), scalars, max_size=2)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(keys, children, max_size=3)
            | st.tuples(children, children)
            | st.dictionaries(keys, children, max_size=2).map(MappingProxyType)
            | st.fixed_dictionaries({"taken_at": timestamps(odd), "v": children})
            | (odd_mappings if odd else st.nothing())
        ),
        max_leaves=6,
    )


VALUES = {odd: nested(odd) for odd in (False, True)}


@st.composite
def answers(draw: st.DrawFn, odd: bool = False) -> Any:
    """An answer; items come from a small pool, so that repeats and unknown items are common."""
    values = VALUES[odd]
    answer: dict[Any, Any] = {
        "item": draw(st.sampled_from([*KNOWN_ITEMS[:4], "aaa", "zzz"]) | st.text(max_size=2)),
        "value": draw(st.booleans() | NUMBERS | st.text(max_size=3) | values),
    }
    for key, strategy in [
        ("na", st.booleans()),
        ("comment", st.text(max_size=4)),
        ("photos", st.lists(st.sampled_from(["p1", "p2", "p3"]), max_size=3)),
        ("taken_at", timestamps(odd)),
        ("extra", values),
    ]:
        if draw(st.booleans()):
            answer[key] = draw(strategy)
    if odd and draw(st.integers(0, 20)) == 0:  # now and then, a broken answer
        return draw(st.sampled_from([{"value": 1}, {"item": 3}, "greeted", None, []]))
    return dict(draw(st.permutations(list(answer.items()))))


@st.composite
def bodies(draw: st.DrawFn, odd: bool = False) -> Any:
    """An audit body: the wire keys, some missing, some extra, in any order."""
    location = {
        "lat": draw(NUMBERS),
        "lon": draw(NUMBERS),
        "accuracy_m": draw(NUMBERS),
        "at": draw(timestamps(odd)),
    }
    body: dict[Any, Any] = {
        "assignment_id": draw(st.integers(1, 10**6)),
        "template": {"key": "store-visit", "version": draw(st.integers(1, 3) | NUMBERS)},
        "started_at": draw(timestamps(odd)),
        "finished_at": draw(timestamps(odd)),
        "location": draw(st.none() | st.just(location)),
        "answers": draw(st.lists(answers(odd), max_size=8)),
        "sent_at": draw(timestamps(odd)),
        "client_score": draw(st.text(max_size=4) | NUMBERS),
    }
    for key in draw(st.lists(st.sampled_from(sorted(body)), max_size=2, unique=True)):
        del body[key]
    # Bodies that should pass keep their answers a list of answers.
    extra_keys = KEYS if odd else PLAIN_KEYS.filter(lambda key: key != "answers")
    body.update(draw(st.dictionaries(extra_keys, VALUES[odd], max_size=2)))
    return dict(draw(st.permutations(list(body.items()))))


TEMPLATES = st.sampled_from([TEMPLATE, None])
# Kept small for `make test`; the slow test at the end runs many more (`make soak`).
PROPERTY = settings(max_examples=60, deadline=None, database=None)
SOAK = settings(max_examples=3000, deadline=None, database=None)


# --- the same audit sent differently ---------------------------------------------------------


def _is_stamp(key: object) -> bool:
    return isinstance(key, str) and (key == "at" or key.endswith("_at"))


def rewritten(value: Any, random: random_module.Random, key: object = None) -> Any:
    """`value` as another phone might send the same audit: keys of every object in another
    order, whole numbers as floats and back, timestamps in another offset."""
    if _is_stamp(key) and isinstance(value, str):
        offset = timezone(timedelta(minutes=random.randint(-14 * 60, 14 * 60)))
        return datetime.fromisoformat(value).astimezone(offset).isoformat()
    if isinstance(value, Mapping):
        pairs = [(name, rewritten(inner, random, name)) for name, inner in value.items()]
        random.shuffle(pairs)
        return dict(pairs)
    if isinstance(value, list | tuple):
        return [rewritten(inner, random) for inner in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if type(value) is int and abs(value) < 2**53:
        return float(value)
    return value


@PROPERTY
@given(bodies(), TEMPLATES, st.randoms(use_true_random=False))
@example({"at": "2026-01-01T00:00:00+05:00", "n": 75}, None, random_module.Random(1))
def test_the_same_audit_sent_differently_gives_the_same_bytes(
    body: Any, template: Template | None, random: random_module.Random
) -> None:
    variant = rewritten(body, random)
    if isinstance(variant.get("answers"), list):
        variant["answers"] = random.sample(variant["answers"], len(variant["answers"]))
        variant["answers"] = [{**ANSWER_DEFAULTS, **answer} for answer in variant["answers"]]
    for key in VOLATILE_KEYS:
        variant[key] = random.choice([None, "2030-01-01T00:00:00Z", 12.5])
    assert canonical_json(body, template) == canonical_json(variant, template)


@PROPERTY
@given(bodies(), TEMPLATES)
def test_a_second_pass_changes_nothing(body: Any, template: Template | None) -> None:
    once = canonical_json(body, template)
    assert once == canonical_json(json.loads(once), template)
    # Compact JSON with sorted keys:
    compact = json.dumps(
        json.loads(once), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert once == compact.encode()


def meaning(value: Any, key: object = None) -> Any:
    """What a value says: timestamps as instants, any mapping as a dict, any array as a list
    (numbers compare by value already: 75 == 75.0)."""
    if _is_stamp(key) and value is not None:
        return datetime.fromisoformat(value)
    if isinstance(value, Mapping):
        return {name: meaning(inner, name) for name, inner in value.items()}
    if isinstance(value, list | tuple):
        return [meaning(inner) for inner in value]
    return value


@PROPERTY
@given(bodies(), TEMPLATES)
def test_the_bytes_say_what_the_body_says(body: Any, template: Template | None) -> None:
    said = meaning(json.loads(canonical_json(body, template)))
    expected = meaning({key: value for key, value in body.items() if key not in VOLATILE_KEYS})
    left = said.pop("answers", [])
    for answer in expected.pop("answers", []):
        left.remove({**meaning(ANSWER_DEFAULTS), **answer})  # each answer once, defaults in
    assert [] == left
    assert expected == said


@PROPERTY
@given(st.lists(answers(), max_size=8), TEMPLATES)
def test_answers_follow_the_template_then_unknown_items_by_key(
    answers_: list[Any], template: Template | None
) -> None:
    ordered = json.loads(canonical_json({"answers": answers_}, template))["answers"]

    def place(answer: dict[str, Any]) -> tuple[bool, int, str]:
        item = answer["item"]
        known = template is not None and template.has_item(item)
        return not known, template.position(item) if template and known else 0, item

    assert [place(answer) for answer in ordered] == sorted(place(answer) for answer in ordered)


# --- refusals --------------------------------------------------------------------------------


@st.composite
def spoiled(draw: st.DrawFn) -> tuple[Any, str, str]:
    """A body with one bad thing somewhere in it, the path to that place and its reason."""
    bad, reason = draw(
        st.sampled_from(
            [
                (float("nan"), "must be a finite number"),
                (-float("inf"), "must be a finite number"),
                ({1, 2}, "is not a JSON value"),
                (b"x", "is not a JSON value"),
                ({"taken_at": "10:00"}, "must be an ISO 8601 timestamp"),
                ({"taken_at": "2026-01-01T10:00:00"}, "must carry a UTC offset"),
            ]
        )
    )
    # From the bad thing outwards: each level wraps it in an object or an array.
    value, steps = bad, []
    if isinstance(bad, dict):
        steps.append("taken_at")
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            name = draw(PLAIN_KEYS.filter(lambda name: name not in ("", *VOLATILE_KEYS)))
            siblings = draw(st.dictionaries(PLAIN_KEYS, SCALARS, max_size=2))
            siblings.pop(name, None)
            value = {**siblings, name: value}
            steps.append(name)
        else:
            before = draw(st.lists(SCALARS, max_size=2))
            value = [*before, value, *draw(st.lists(SCALARS, max_size=2))]
            steps.append(len(before))
    if not isinstance(value, dict) or steps[-1] == "answers":
        value = {"extra": value}
        steps.append("extra")
    path = ""
    for step in reversed(steps):
        path = f"{path}[{step}]" if isinstance(step, int) else (f"{path}.{step}" if path else step)
    return value, path, reason


@PROPERTY
@given(spoiled())
@example(({"a": {"b": [1, {"c": [0, float("nan")]}]}}, "a.b[1].c[1]", "must be a finite number"))
def test_a_bad_value_is_refused_with_its_path(case: tuple[Any, str, str]) -> None:
    body, path, reason = case
    with pytest.raises(WireFormatError) as caught:
        canonical_json(body)
    assert (path, reason) == (caught.value.path, caught.value.reason)


@PROPERTY
@given(bodies(odd=True), TEMPLATES)
@example({"answers": ({"item": "x"},), "x": MappingProxyType({"y_at": 5})}, None)
@example({"x": {1: 2}}, None)
def test_any_body_gives_bytes_or_a_wire_format_error(body: Any, template: Template | None) -> None:
    assert_bytes_or_a_wire_format_error(body, template)


def assert_bytes_or_a_wire_format_error(body: Any, template: Template | None) -> None:
    shown_before = repr(body)
    with contextlib.suppress(WireFormatError):
        canonical_json(body, template)
    assert shown_before == repr(body)  # the body is not changed


@pytest.mark.parametrize(
    "body",
    [
        {Label("started_at"): "2026-01-01T00:00:00+05:00", Label("v"): Measure(3.0)},
        {"x": Count.ONE, "y": [Label("s"), Measure(1.5), True, None]},
    ],
)
def test_subclasses_of_json_types_read_as_those_types(body: Any) -> None:
    plain = json.loads(json.dumps(body))
    assert canonical_json(plain) == canonical_json(body)


@pytest.mark.parametrize("year", [1, 999, 1000, 9999])
def test_timestamps_at_the_ends_of_the_calendar(year: int) -> None:
    body = {"at": f"{year:04d}-06-01T00:30:00.000001+01:00"}
    stamp = json.loads(canonical_json(body))["at"]
    assert stamp.endswith("-05-31T23:30:00.000001Z")
    assert int(stamp.split("-")[0]) == year


def test_deep_nesting() -> None:
    body: Any = {"x_at": None}
    for depth in range(200):
        body = {"a": [body, depth + 0.5]} if depth % 2 else {"b": body}
    assert json.loads(canonical_json(body)) == json.loads(json.dumps(body))


@pytest.mark.slow
@SOAK
@given(bodies(odd=True) | bodies(), TEMPLATES)
def test_any_of_many_more_bodies_gives_bytes_or_a_wire_format_error(
    body: Any, template: Template | None
) -> None:
    assert_bytes_or_a_wire_format_error(body, template)
