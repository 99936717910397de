"""The canonical form of an audit body, which decides an "identical replay" (docs/contract.md).

Two bodies of `PUT /api/v1/audits/{uuid}` are the same audit iff `canonical_json` gives the
same bytes for both: the phone may resend with keys in another order, `75.0` for `75`, a
timestamp in another offset, answers in another order or without default fields, and a new
`sent_at`, `client_score` or `device_id`, and still be recognised as a replay.

The canonical bytes are stored with every audit revision, so they must never change for a
given body.
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

# Set at send time by the device, so they differ between otherwise identical retries; the
# device's identifier is about who sent the audit, not what it says (docs/contract.md#trust).
VOLATILE_KEYS: Final = frozenset({"sent_at", "client_score", "device_id"})
ANSWER_DEFAULTS: Final[Mapping[str, Any]] = {"na": False, "comment": "", "photos": []}


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
    normal = _normal_mapping(body)
    if "answers" in normal:
        normal["answers"] = _ordered_answers(normal["answers"], template)
    return _dump(normal)


def utc_timestamp(text: object, path: str = "") -> str:
    """An ISO 8601 timestamp with an offset, rendered in UTC as `YYYY-MM-DDTHH:MM:SS[.f]Z`."""
    if not isinstance(text, str):
        raise WireFormatError("must be an ISO 8601 timestamp", path)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise WireFormatError("must be an ISO 8601 timestamp", path) from None
    if moment.utcoffset() is None:
        raise WireFormatError("must carry a UTC offset", path)
    moment = moment.astimezone(UTC)
    fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
    return f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}Z"


def _dump(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _is_timestamp_key(name: str) -> bool:
    return name == "at" or name.endswith("_at")


def _normal_mapping(mapping: Mapping[Any, Any]) -> dict[str, Any]:
    normal = {}
    for name, inner in mapping.items():
        if not isinstance(name, str):
            raise WireFormatError("keys must be strings")
        try:
            if inner is not None and _is_timestamp_key(name):
                normal[name] = utc_timestamp(inner)
            else:
                normal[name] = _normal(inner)
        except WireFormatError as error:
            raise _within(name, error) from None
    return normal


def _normal(value: Any) -> Any:
    """`value` in canonical form; a `WireFormatError` names the place inside `value`."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise WireFormatError("must be a finite number")
        return int(value) if value.is_integer() else value
    if isinstance(value, (list, tuple)):
        normal = []
        for index, inner in enumerate(value):
            try:
                normal.append(_normal(inner))
            except WireFormatError as error:
                raise _within(f"[{index}]", error) from None
        return normal
    if isinstance(value, Mapping):
        return _normal_mapping(value)
    raise WireFormatError("is not a JSON value")


def _within(place: str, error: WireFormatError) -> WireFormatError:
    """`error` as seen from the value holding it at `place` (a key or `[index]`).

    Paths are put together only when a body is refused: a well-formed audit, the usual case,
    pays nothing for them.
    """
    if not error.path:
        path = place
    elif error.path.startswith("["):
        path = place + error.path
    else:
        path = f"{place}.{error.path}"
    return WireFormatError(error.reason, path)


def _ordered_answers(answers: Any, template: Template | None) -> list[dict[str, Any]]:
    if not isinstance(answers, list):
        raise WireFormatError("must be a list", "answers")
    filled = []
    for index, answer in enumerate(answers):
        if not isinstance(answer, dict) or not isinstance(answer.get("item"), str):
            raise WireFormatError("must be an object with an item key", f"answers[{index}]")
        filled.append({**ANSWER_DEFAULTS, **answer})
    answers_per_item = Counter(answer["item"] for answer in filled)

    def order(answer: dict[str, Any]) -> tuple[bool, int, str, bytes]:
        item: str = answer["item"]
        known = template is not None and template.has_item(item)
        position = template.position(item) if template is not None and known else 0
        # Answers to one item would tie: their whole JSON puts them in one order too.
        tie_breaker = _dump(answer) if answers_per_item[item] > 1 else b""
        return not known, position, item, tie_breaker

    return sorted(filled, key=order)
