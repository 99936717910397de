"""Tests of `shared.codec.canonical_json`: a wire example, each rule, and properties."""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.checklist import Template
from shared.codec import canonical_json, utc_timestamp
from shared.errors import WireFormatError
from tests.shared.samples import PHOTO, full_answers, full_template

SECOND_PHOTO = "9b1d7c1e-0c1a-4e9e-8f43-2a6f2b7c9e22"


def wire_example() -> dict[str, Any]:
    """An audit body of `PUT /api/v1/audits/{uuid}` (docs/contract.md#sync-audits)."""
    return {
        "assignment_id": 17,
        "template": {"key": "store-visit", "version": 1},
        "started_at": "2026-11-23T10:15:00+01:00",
        "finished_at": "2026-11-23T10:41:30+01:00",
        "location": {
            "lat": 52.2297,
            "lon": 21.0122,
            "accuracy_m": 15.0,
            "at": "2026-11-23T10:15:04+01:00",
        },
        "answers": [
            {"item": "greeted", "value": True, "na": False, "comment": "", "photos": []},
            {
                "item": "wait",
                "value": 75,
                "na": False,
                "comment": "two tills closed",
                "photos": [PHOTO],
            },
        ],
        "sent_at": "2026-11-23T10:42:00+01:00",
        "client_score": "87.1",
    }


def test_the_wire_example_by_hand() -> None:
    expected = (
        '{"answers":[{"comment":"","item":"greeted","na":false,"photos":[],"value":true},'
        '{"comment":"two tills closed","item":"wait","na":false,"photos":["' + PHOTO + '"],'
        '"value":75}],"assignment_id":17,"finished_at":"2026-11-23T09:41:30Z",'
        '"location":{"accuracy_m":15,"at":"2026-11-23T09:15:04Z","lat":52.2297,"lon":21.0122},'
        '"started_at":"2026-11-23T09:15:00Z","template":{"key":"store-visit","version":1}}'
    ).encode()
    assert expected == canonical_json(wire_example())


def test_a_resend_is_an_identical_replay() -> None:
    resent = wire_example()
    resent["sent_at"] = "2026-11-23T11:00:00+01:00"
    resent["client_score"] = "90.0"
    resent["started_at"] = "2026-11-23T09:15:00Z"
    resent["location"]["accuracy_m"] = 15
    resent["answers"].reverse()
    resent["answers"][1] = {"item": "greeted", "value": True}  # defaults left out
    assert canonical_json(wire_example()) == canonical_json(resent)


def test_a_changed_answer_is_not_a_replay() -> None:
    changed = wire_example()
    changed["answers"][1]["value"] = 76
    assert canonical_json(wire_example()) != canonical_json(changed)


def test_photo_order_is_kept() -> None:
    first = wire_example()
    first["answers"][1]["photos"] = [PHOTO, SECOND_PHOTO]
    second = copy.deepcopy(first)
    second["answers"][1]["photos"] = [SECOND_PHOTO, PHOTO]
    assert canonical_json(first) != canonical_json(second)


def test_answers_follow_template_order_with_unknown_items_last() -> None:
    template = Template.from_dict(full_template())
    items = ["zzz", "knowledge", "wait", "aaa", "greeted"]
    body = {"answers": [{"item": item} for item in items]}
    order = [answer["item"] for answer in json.loads(canonical_json(body, template))["answers"]]
    assert ["greeted", "wait", "knowledge", "aaa", "zzz"] == order
    order = [answer["item"] for answer in json.loads(canonical_json(body))["answers"]]
    assert ["aaa", "greeted", "knowledge", "wait", "zzz"] == order


def test_repeated_items_get_one_order() -> None:
    one = {"answers": [{"item": "wait", "value": 1}, {"item": "wait", "value": 2}]}
    other = {"answers": [{"item": "wait", "value": 2}, {"item": "wait", "value": 1}]}
    assert canonical_json(one) == canonical_json(other)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (75.0, "75"),
        (0.1, "0.1"),
        (-0.0, "0"),
        (1e20, "100000000000000000000"),
        (2.5e-7, "2.5e-07"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (3, "3"),
        ("Łódź", '"Łódź"'),
    ],
)
def test_numbers_and_scalars(value: Any, expected: str) -> None:
    assert '{"x":' + expected + "}" == canonical_json({"x": value}).decode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23T10:15:00+01:00", "2026-11-23T09:15:00Z"),
        ("2026-11-23T09:15:00Z", "2026-11-23T09:15:00Z"),
        ("2026-11-23T09:15:00.250+00:00", "2026-11-23T09:15:00.250000Z"),
        ("2026-11-24T01:00:00+03:00", "2026-11-23T22:00:00Z"),
        ("2026-11-23T09:15:00.000000-00:30", "2026-11-23T09:45:00Z"),
    ],
)
def test_timestamps_become_utc(text: str, expected: str) -> None:
    assert expected == utc_timestamp(text)
    assert {"finished_at": expected} == json.loads(canonical_json({"finished_at": text}))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-11-23T10:15:00", "must carry a UTC offset"),
        ("23.11.2026 10:15", "must be an ISO 8601 timestamp"),
        (None, "must be an ISO 8601 timestamp"),
    ],
)
def test_a_bad_timestamp_is_refused_with_the_given_path(text: object, message: str) -> None:
    with pytest.raises(WireFormatError) as caught:
        utc_timestamp(text, "location.at")
    assert ("location.at", message) == (caught.value.path, caught.value.reason)


def test_null_timestamp_and_nested_keys() -> None:
    body = {
        "finished_at": None,
        "location": None,
        "meta": {"taken_at": "2026-01-01T00:00:00+01:00"},
    }
    expected = b'{"finished_at":null,"location":null,"meta":{"taken_at":"2025-12-31T23:00:00Z"}}'
    assert expected == canonical_json(body)


def test_volatile_keys_are_dropped_only_at_the_top() -> None:
    body = {"sent_at": "x", "client_score": 3, "extra": {"client_score": 3}}
    assert b'{"extra":{"client_score":3}}' == canonical_json(body)


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ({"started_at": "2026-11-23T10:15:00"}, "started_at", "must carry a UTC offset"),
        ({"started_at": "yesterday"}, "started_at", "must be an ISO 8601 timestamp"),
        ({"started_at": 1763889300}, "started_at", "must be an ISO 8601 timestamp"),
        ({"location": {"at": "soon"}}, "location.at", "must be an ISO 8601 timestamp"),
        ({"x": math.nan}, "x", "must be a finite number"),
        ({"x": [1, math.inf]}, "x[1]", "must be a finite number"),
        ({"x": [[1], [2, math.inf]]}, "x[1][1]", "must be a finite number"),
        ({"x": [{"y": {"z": -math.inf}}]}, "x[0].y.z", "must be a finite number"),
        ({"location": {"fix": {"seen_at": "noon"}}}, "location.fix.seen_at", "ISO 8601"),
        (
            {"answers": [{"item": "a", "photos": ["p1", math.nan]}]},
            "answers[0].photos[1]",
            "must be a finite number",
        ),
        ({"x": {1: 2}}, "x", "keys must be strings"),
        ({"x": {1, 2}}, "x", "is not a JSON value"),
        ({"answers": {"item": "a"}}, "answers", "must be a list"),
        ({"answers": [{"item": "a"}, {"value": 1}]}, "answers[1]", "item key"),
        ({"answers": ["greeted"]}, "answers[0]", "item key"),
    ],
)
def test_malformed_bodies_are_refused(body: Any, path: str, message: str) -> None:
    with pytest.raises(WireFormatError) as caught:
        canonical_json(body)
    assert path == caught.value.path
    assert message in caught.value.reason
    assert "invalid_audit" == caught.value.code


def test_a_body_must_be_an_object() -> None:
    with pytest.raises(WireFormatError, match="must be an object"):
        canonical_json([wire_example()])


def test_the_input_is_not_changed() -> None:
    body = wire_example()
    canonical_json(body, Template.from_dict(full_template()))
    assert wire_example() == body


# --- properties ------------------------------------------------------------------------------

PROPERTY = settings(max_examples=40, deadline=None, database=None)
OFFSETS = st.integers(-12 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
MOMENTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)


@st.composite
def audits(draw: st.DrawFn) -> dict[str, Any]:
    """A plausible audit body: full answers with some values changed, random times and order."""
    answers = draw(st.permutations(full_answers()))
    for answer in answers:
        if answer["item"] in ("wait", "recommend"):
            answer["value"] = draw(st.integers(0, 10) | st.floats(0, 300, allow_nan=False))
        answer["comment"] = draw(st.text(max_size=5))
    location = draw(
        st.none()
        | st.fixed_dictionaries(
            {
                "lat": st.floats(-90, 90),
                "lon": st.floats(-180, 180),
                "accuracy_m": st.floats(0, 100),
                "at": MOMENTS.map(lambda moment: moment.isoformat()),
            }
        )
    )
    return {
        "assignment_id": draw(st.integers(1, 10**6)),
        "template": {"key": "store-visit", "version": 1},
        "started_at": draw(MOMENTS).isoformat(),
        "finished_at": draw(MOMENTS).isoformat(),
        "location": location,
        "answers": answers,
        "sent_at": draw(MOMENTS).isoformat(),
    }


@PROPERTY
@given(audits())
def test_canonical_form_is_idempotent(audit: dict[str, Any]) -> None:
    template = Template.from_dict(full_template())
    once = canonical_json(audit, template)
    assert once == canonical_json(json.loads(once), template)


@PROPERTY
@given(audits(), st.randoms(use_true_random=False), OFFSETS)
def test_canonical_form_ignores_order_offsets_and_volatile_keys(
    audit: dict[str, Any], random: Any, offset: timezone
) -> None:
    template = Template.from_dict(full_template())
    variant = copy.deepcopy(audit)
    variant["answers"] = random.sample(variant["answers"], len(variant["answers"]))
    variant["answers"] = [dict(random.sample(list(a.items()), len(a))) for a in variant["answers"]]
    variant["started_at"] = (
        datetime.fromisoformat(audit["started_at"]).astimezone(offset).isoformat()
    )
    variant["sent_at"] = "2030-01-01T00:00:00Z"
    variant["client_score"] = "12.5"
    variant = dict(random.sample(list(variant.items()), len(variant)))
    assert canonical_json(audit, template) == canonical_json(variant, template)
