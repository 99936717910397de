"""FROZEN reference copy of `shared.codec.canonical_json` as it was before its speed-up.

Do not edit or "improve" this file: it is the oracle that `test_codec_reference.py` compares
the optimised `shared.codec` against, byte for byte and error for error, so that the canonical
form stored in the database (docs/contract.md#sync-replays) can never drift. Copied verbatim
from shared/codec.py (only this docstring and `__all__` differ).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from shared.checklist import Template
from shared.errors import WireFormatError

__all__ = ["reference_canonical_json"]

# Set at send time by the device, so they differ between otherwise identical retries.
VOLATILE_KEYS: Final = frozenset({"sent_at", "client_score"})
ANSWER_DEFAULTS: Final[Mapping[str, Any]] = {"na": False, "comment": "", "photos": []}


def reference_canonical_json(audit: object, template: Template | None = None) -> bytes:
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
    normal = _normalise(body, None, "")
    if "answers" in normal:
        normal["answers"] = _ordered_answers(normal["answers"], template)
    return _dump(normal)


def _dump(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _is_timestamp_key(key: str) -> bool:
    return key.endswith("_at") or key == "at"


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


def _normalise(value: Any, key: str | None, path: str) -> Any:
    if key is not None and _is_timestamp_key(key) and value is not None:
        return utc_timestamp(value, path)
    if isinstance(value, Mapping):
        normal = {}
        for name, inner in value.items():
            if not isinstance(name, str):
                raise WireFormatError("keys must be strings", path)
            normal[name] = _normalise(inner, name, f"{path}.{name}" if path else name)
        return normal
    if isinstance(value, list | tuple):
        return [_normalise(inner, None, f"{path}[{index}]") for index, inner in enumerate(value)]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise WireFormatError("must be a finite number", path)
        return int(value) if value.is_integer() else value
    raise WireFormatError("is not a JSON value", path)


def _ordered_answers(answers: Any, template: Template | None) -> list[dict[str, Any]]:
    if not isinstance(answers, list):
        raise WireFormatError("must be a list", "answers")
    filled = []
    for index, answer in enumerate(answers):
        if not isinstance(answer, dict) or not isinstance(answer.get("item"), str):
            raise WireFormatError("must be an object with an item key", f"answers[{index}]")
        filled.append({**ANSWER_DEFAULTS, **answer})

    def order(answer: dict[str, Any]) -> tuple[bool, int, str, bytes]:
        item: str = answer["item"]
        known = template is not None and template.has_item(item)
        position = template.position(item) if template is not None and known else 0
        # The whole answer breaks ties, so even repeated items end up in one order.
        return not known, position, item, _dump(answer)

    return sorted(filled, key=order)
