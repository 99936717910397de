"""The canonical form of an audit body, which decides an "identical replay" (DESIGN §5).

Two bodies of `PUT /api/v1/audits/{uuid}` are the same audit iff `canonical_json` gives the
same bytes for both: the phone may resend with keys in another order, `75.0` for `75`, a
timestamp in another offset, answers in another order or without default fields, and a new
`sent_at` or `client_score`, and still be recognised as a replay.

The canonical bytes are stored with every audit revision, so they must never change for a
given body: tests/shared/test_codec_reference.py compares this module with a frozen copy of
its first (slower) version. It runs on every PUT, hence the speed-minded shape: plain values
are copied without a function call, error paths are only assembled when an error is raised,
and answers are only dumped to break ties when two of them name the same item.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from shared.checklist import Template
from shared.errors import WireFormatError

__all__ = ["ANSWER_DEFAULTS", "VOLATILE_KEYS", "canonical_json", "utc_timestamp"]

# Set at send time by the device, so they differ between otherwise identical retries.
VOLATILE_KEYS: Final = frozenset({"sent_at", "client_score"})
ANSWER_DEFAULTS: Final[Mapping[str, Any]] = {"na": False, "comment": "", "photos": []}

# Values of exactly these types are canonical as they are (subclasses take the long way).
_UNCHANGED: Final = frozenset({str, int, bool, type(None)})
# Whether a key names a timestamp, remembered for the few key names audits use (one dict
# look-up beats two string tests); bounded in number and length: the keys come from clients.
_TIMESTAMP_KEYS: Final[dict[str, bool]] = {}
_TIMESTAMP_KEYS_KEPT: Final = 512
_TIMESTAMP_KEY_LENGTH_KEPT: Final = 40
# The normalised tree is freshly built and acyclic, so the circular-reference check is waste.
_ENCODER: Final = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False
)


def canonical_json(audit: object, template: Template | None = None) -> bytes:
    """UTF-8 JSON of `audit` with sorted keys, no whitespace and volatile keys dropped.

    Numbers are normalised (an integral float becomes an int, others keep their shortest
    text), the value of every key ending in `_at` (and of `location.at`, `at`) becomes UTC
    `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, answers get their defaults and are put in template order
    (by item key without a template; unknown items last, by key). Lists inside an answer,
    such as its photo UUIDs, keep their order. Raise `WireFormatError` for a body that is not
    a JSON object, a timestamp without an offset, or a non-finite number.
    """
    if not isinstance(audit, Mapping):
        raise WireFormatError("an audit must be an object")
    body = {key: value for key, value in audit.items() if key not in VOLATILE_KEYS}
    try:
        normal = _normal_mapping(body)
    except _Refusal as refusal:
        raise WireFormatError(refusal.reason, refusal.path()) from None
    if "answers" in normal:
        normal["answers"] = _ordered_answers(normal["answers"], template)
    return _ENCODER.encode(normal).encode()


def utc_timestamp(text: object, path: str = "") -> str:
    """An ISO 8601 timestamp with an offset, rendered in UTC as `YYYY-MM-DDTHH:MM:SS[.f]Z`."""
    try:
        return _utc(text)
    except _Refusal as refusal:
        raise WireFormatError(refusal.reason, path) from None


class _Refusal(Exception):
    """A `WireFormatError` on its way out, collecting its path one level at a time."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.steps: list[str | int] = []  # innermost first: a key, or an index into a list

    def path(self) -> str:
        """The path as `a.b[2].c`, built exactly as the first version of this module did."""
        path = ""
        for step in reversed(self.steps):
            if isinstance(step, int):
                path = f"{path}[{step}]"
            else:
                path = f"{path}.{step}" if path else step
        return path


def _utc(text: object) -> str:
    if not isinstance(text, str):
        raise _Refusal("must be an ISO 8601 timestamp")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Refusal("must be an ISO 8601 timestamp") from None
    if moment.utcoffset() is None:
        raise _Refusal("must carry a UTC offset")
    moment = moment.astimezone(UTC)
    if moment.year >= 1000:
        # isoformat() leaves out a zero fraction just as the format below does; cut "+00:00".
        return moment.isoformat()[:-6] + "Z"
    # strftime does not pad years before 1000 to four digits; the canonical form keeps that.
    fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
    return f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}Z"


def _is_timestamp_key(name: str) -> bool:
    stamp = name == "at" or name.endswith("_at")
    if (
        type(name) is str
        and len(name) <= _TIMESTAMP_KEY_LENGTH_KEPT
        and len(_TIMESTAMP_KEYS) < _TIMESTAMP_KEYS_KEPT
    ):
        _TIMESTAMP_KEYS[name] = stamp
    return stamp


def _normal_mapping(mapping: Mapping[Any, Any]) -> dict[str, Any]:
    normal: dict[str, Any] = {}
    for name, inner in mapping.items():
        stamp = _TIMESTAMP_KEYS.get(name) if type(name) is str else None
        if stamp is None:
            if not isinstance(name, str):
                raise _Refusal("keys must be strings")
            stamp = _is_timestamp_key(name)
        try:
            kind = type(inner)
            if stamp and inner is not None:
                normal[name] = _utc(inner)
            elif kind in _UNCHANGED:
                normal[name] = inner
            elif kind is list:
                normal[name] = _normal_list(inner) if inner else []
            elif kind is dict:
                normal[name] = _normal_mapping(inner)
            else:
                normal[name] = _normal_value(inner)
        except _Refusal as refusal:
            refusal.steps.append(name)
            raise
    return normal


def _normal_list(items: list[Any] | tuple[Any, ...]) -> list[Any]:
    normal = []
    for index, inner in enumerate(items):
        kind = type(inner)
        if kind in _UNCHANGED:
            normal.append(inner)
        else:
            try:
                normal.append(_normal_mapping(inner) if kind is dict else _normal_value(inner))
            except _Refusal as refusal:
                refusal.steps.append(index)
                raise
    return normal


def _normal_value(value: Any) -> Any:
    """A value that is not a plain str, int, bool, None or dict, nor under a timestamp key."""
    kind = type(value)
    if kind is list:
        return _normal_list(value)
    if kind is float:
        return _normal_float(value)
    # Subclasses and other types: the checks in their original order.
    if isinstance(value, Mapping):
        return _normal_mapping(value)
    if isinstance(value, list | tuple):
        return _normal_list(value)
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return _normal_float(value)
    raise _Refusal("is not a JSON value")


def _normal_float(value: float) -> float | int:
    if not math.isfinite(value):
        raise _Refusal("must be a finite number")
    return int(value) if value.is_integer() else value


def _ordered_answers(answers: Any, template: Template | None) -> list[dict[str, Any]]:
    if not isinstance(answers, list):
        raise WireFormatError("must be a list", "answers")
    for index, answer in enumerate(answers):  # normalised copies: defaults go in in place
        if not isinstance(answer, dict) or not isinstance(answer.get("item"), str):
            raise WireFormatError("must be an object with an item key", f"answers[{index}]")
        for name, default in ANSWER_DEFAULTS.items():
            if name not in answer:
                answer[name] = default
    items: list[str] = [answer["item"] for answer in answers]
    # Sort by (unknown to the template, template position, item key); unknown items get
    # position 0, so they end up after the known ones in order of their keys.
    keys: list[tuple[Any, ...]]
    if template is None:
        keys = [(True, 0, item) for item in items]
    else:
        positions = template.positions
        keys = [
            (False, positions[item], item) if item in positions else (True, 0, item)
            for item in items
        ]
    if len(set(items)) < len(items):
        # The whole answer breaks ties between answers to one item, so that they too end up
        # in one order. Only repeated items can tie: the others need no (costly) tie-breaker.
        repeated = {item for item, count in Counter(items).items() if count > 1}
        keys = [
            (*key, _ENCODER.encode(answer).encode() if key[2] in repeated else b"")
            for key, answer in zip(keys, answers, strict=True)
        ]
    order = sorted(range(len(answers)), key=keys.__getitem__)
    return [answers[index] for index in order]
