"""`shared.codec.canonical_json` against the frozen copy of its first version, over generated
bodies: the same bytes for every body, and the same refusal (reason and path) for every bad one.

The canonical bytes are stored with each audit revision and compared on every resend, so the
optimised codec must never produce other bytes than the one that wrote the stored rows did.
tests/shared/reference_codec.py is that first version, frozen; it is the oracle here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shared.checklist import Template
from shared.codec import canonical_json
from shared.errors import WireFormatError
from tests.shared.reference_codec import reference_canonical_json
from tests.shared.samples import full_template

TEMPLATE = Template.from_dict(full_template())
KNOWN_ITEMS = [item.key for item in TEMPLATE.items()]


class Label(str):
    """A str subclass: not what a JSON parser gives, but a Mapping may hold one."""


class Count(enum.IntEnum):
    ONE = 1


class Measure(float):
    """A float subclass, which the codec must treat like a float."""


def outcome(codec: Callable[[Any, Template | None], bytes], body: Any, template: Any) -> Any:
    """What `codec` makes of `body`: its bytes, or what it refused and where."""
    try:
        return codec(body, template)
    except WireFormatError as refusal:
        return ("refused", refusal.code, refusal.reason, refusal.path, str(refusal))
    except (OverflowError, RecursionError) as error:  # out-of-range dates: both alike
        return (type(error).__name__, str(error))


def assert_same_as_reference(body: Any, template: Template | None) -> None:
    shown_before = repr(body)
    expected = outcome(reference_canonical_json, body, template)
    assert expected == outcome(canonical_json, body, template)
    assert shown_before == repr(body)  # the input is not changed


# --- strategies ------------------------------------------------------------------------------

OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
MOMENTS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))


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
PLAIN_KEYS = st.sampled_from(WORDS) | st.text(max_size=4).filter(lambda key: key[-3:] != "_at")
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
    body.update(draw(st.dictionaries(KEYS if odd else PLAIN_KEYS, VALUES[odd], max_size=2)))
    return dict(draw(st.permutations(list(body.items()))))


TEMPLATES = st.sampled_from([TEMPLATE, None])
# Kept small for `make test`; the slow test at the end runs many more (`make soak`).
PROPERTY = settings(max_examples=60, deadline=None, database=None)
SOAK = settings(max_examples=3000, deadline=None, database=None)


# --- properties ------------------------------------------------------------------------------


@PROPERTY
@given(bodies(), TEMPLATES)
@example({"answers": [{"item": "wait", "value": 1}, {"item": "wait", "value": 1.0}]}, None)
@example({"answers": [{"item": "a", "na": True}, {"item": "b"}, {"item": "a"}]}, TEMPLATE)
@example({"started_at": "0999-06-01T12:00:00.5+02:00", "x": {"at": None}}, None)
def test_same_bytes_as_the_first_version(body: Any, template: Template | None) -> None:
    assert_same_as_reference(body, template)


@PROPERTY
@given(bodies(odd=True), TEMPLATES)
@example({"a": {"b": [1, {"c": [0, float("nan")]}]}}, None)
@example({"": {"": {"at": "soon"}}}, None)
@example({"answers": ({"item": "x"},), "x": MappingProxyType({"y_at": 5})}, None)
def test_same_refusals_as_the_first_version(body: Any, template: Template | None) -> None:
    assert_same_as_reference(body, template)


@PROPERTY
@given(st.lists(answers(), min_size=2, max_size=8), TEMPLATES)
def test_same_order_of_answers_as_the_first_version(
    answers_: list[Any], template: Template | None
) -> None:
    assert_same_as_reference({"answers": answers_ + answers_[::-2]}, template)


@pytest.mark.parametrize(
    "body",
    [
        [1],
        "body",
        MappingProxyType({"started_at": "2026-01-01T00:00:00+05:00"}),
        {1: "x"},
        {Label("started_at"): "2026-01-01T00:00:00+05:00", Label("v"): Measure(3.0)},
        {"x": Count.ONE, "y": [Label("s"), Measure(1.5), True, None]},
        {f"key{number}": number for number in range(700)},  # more key names than are kept
        {"long" * 20 + "_at": "2026-01-01T00:00:00+05:00", "long" * 20: 1},
        {"answers": "none"},
        {"answers": [{"item": "a"}, {"item": "a", "comment": "", "photos": [], "na": False}]},
    ],
)
def test_same_as_the_first_version_for_odd_bodies(body: Any) -> None:
    assert_same_as_reference(body, None)
    assert_same_as_reference(body, TEMPLATE)


@pytest.mark.parametrize("year", [1, 999, 1000, 9999])
def test_same_timestamps_at_the_ends_of_the_calendar(year: int) -> None:
    for offset in ("+00:00", "+01:00", "-01:00", "Z"):
        assert_same_as_reference({"at": f"{year:04d}-01-01T00:30:00.000001{offset}"}, None)
        assert_same_as_reference({"at": f"{year:04d}-12-31T23:30:00{offset}"}, None)


def test_deep_nesting_that_the_first_version_accepts() -> None:
    body: Any = {"x_at": None}
    for depth in range(200):
        body = {"a": [body, depth + 0.5]} if depth % 2 else {"b": body}
    assert_same_as_reference(body, TEMPLATE)


@pytest.mark.slow
@SOAK
@given(bodies(odd=True) | bodies(), TEMPLATES)
def test_same_as_the_first_version_for_many_more_bodies(
    body: Any, template: Template | None
) -> None:
    assert_same_as_reference(body, template)
