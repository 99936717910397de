"""Reading the body of `PUT /api/v1/audits/{uuid}` (docs/contract.md#sync-audits).

`read_audit` checks the envelope (assignment, template, times, location, answers, and the
optional identifier of the sending phone) and collects every problem instead of stopping at the
first, so the phone can show them all.
The answers themselves are checked against the template by `shared.validation` in the
ingest service, once the assignment (and so the template) is known.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from server.core.i18n import _
from server.core.ids import LARGEST_ID
from shared.answers import Answer
from shared.codec import VOLATILE_KEYS
from shared.errors import DomainError

ENVELOPE_KEYS: Final = frozenset(
    {"assignment_id", "template", "started_at", "finished_at", "location", "answers"}
)

MAX_DEVICE_ID: Final = 128

Problem = dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float
    accuracy_m: float | None
    at: datetime | None


@dataclasses.dataclass(frozen=True, slots=True)
class IncomingAudit:
    """A well-formed audit body; `raw` is the decoded JSON (for the canonical form)."""

    raw: Mapping[str, Any]
    assignment_id: int
    template_key: str
    template_version: int
    started_at: datetime
    finished_at: datetime
    sent_at: datetime | None
    location: Location | None
    answers: tuple[Answer, ...]
    device_id: str | None = None


def _problem(field: str, code: str, message: str) -> Problem:
    return {"item": field, "code": code, "message": message}


def _timestamp(body: Mapping[str, Any], field: str, problems: list[Problem]) -> datetime | None:
    text = body.get(field)
    if text is None and field == "sent_at":
        return None
    if not isinstance(text, str):
        problems.append(
            _problem(field, "invalid_timestamp", _("Give an ISO 8601 time with its UTC offset."))
        )
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        problems.append(
            _problem(field, "invalid_timestamp", _("Give an ISO 8601 time with its UTC offset."))
        )
        return None
    return moment


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _location(value: object, problems: list[Problem]) -> Location | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.append(_problem("location", "invalid_location", _("Location must be an object.")))
        return None
    lat, lon, accuracy = value.get("lat"), value.get("lon"), value.get("accuracy_m")
    if not (isinstance(lat, int | float) and isinstance(lon, int | float)) or not (
        _is_number(lat) and -90 <= lat <= 90 and _is_number(lon) and -180 <= lon <= 180
    ):
        problems.append(
            _problem("location", "invalid_location", _("Latitude and longitude are out of range."))
        )
        return None
    if accuracy is not None and not (isinstance(accuracy, int | float) and accuracy >= 0):
        problems.append(
            _problem("location.accuracy_m", "invalid_location", _("Accuracy must be >= 0 metres."))
        )
        return None
    at = _timestamp(value, "at", problems) if value.get("at") is not None else None
    return Location(
        lat=float(lat),
        lon=float(lon),
        accuracy_m=None if accuracy is None else float(accuracy),
        at=at,
    )


def _device_id(value: object, problems: list[Problem]) -> str | None:
    """The sending phone's identifier: optional, 1-128 printable characters."""
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= MAX_DEVICE_ID
        or not value.isprintable()
        or not value.strip()
    ):
        problems.append(
            _problem(
                "device_id",
                "invalid_device_id",
                _("Give the phone's identifier as text of 1 to {most} characters.").format(
                    most=MAX_DEVICE_ID
                ),
            )
        )
        return None
    return value


def _answers(value: object, problems: list[Problem]) -> tuple[Answer, ...]:
    if not isinstance(value, list):
        problems.append(_problem("answers", "invalid_answers", _("Answers must be a list.")))
        return ()
    answers = []
    for index, entry in enumerate(value):
        try:
            answers.append(Answer.from_dict(entry))
        except DomainError as error:
            item = entry.get("item") if isinstance(entry, Mapping) else None
            where = item if isinstance(item, str) and item else f"answers[{index}]"
            field = f".{error.path}" if error.path and error.path != "item" else ""
            problems.append(_problem(where + field, error.code, error.reason))
    return tuple(answers)


def read_audit(body: object) -> tuple[IncomingAudit | None, list[Problem]]:
    """The audit in `body`, or None and every problem found in its envelope."""
    if not isinstance(body, Mapping):
        return None, [_problem("", "invalid_body", _("The audit must be a JSON object."))]
    problems: list[Problem] = []
    for key in body:
        if key not in ENVELOPE_KEYS and key not in VOLATILE_KEYS:
            problems.append(
                _problem(str(key), "unknown_field", _("This field is not part of an audit."))
            )
    assignment_id = body.get("assignment_id")
    if (
        not isinstance(assignment_id, int)
        or isinstance(assignment_id, bool)
        or not 1 <= assignment_id <= LARGEST_ID
    ):
        problems.append(
            _problem(
                "assignment_id",
                "invalid_assignment",
                _("Give the assignment's id, a whole number from 1 to {largest}.").format(
                    largest=LARGEST_ID
                ),
            )
        )
    template = body.get("template")
    key = template.get("key") if isinstance(template, Mapping) else None
    version = template.get("version") if isinstance(template, Mapping) else None
    if not isinstance(key, str) or not isinstance(version, int) or isinstance(version, bool):
        problems.append(
            _problem("template", "invalid_template", _("Give the template's key and version."))
        )
    started = _timestamp(body, "started_at", problems)
    finished = _timestamp(body, "finished_at", problems)
    sent = _timestamp(body, "sent_at", problems)
    if started is not None and finished is not None and finished < started:
        problems.append(
            _problem("finished_at", "finished_before_start", _("The visit ends before it starts."))
        )
    location = _location(body.get("location"), problems)
    answers = _answers(body.get("answers"), problems)
    device_id = _device_id(body.get("device_id"), problems)
    if problems:
        return None, problems
    assert isinstance(assignment_id, int)
    assert isinstance(key, str)
    assert isinstance(version, int)
    assert started is not None
    assert finished is not None
    return (
        IncomingAudit(
            raw=body,
            assignment_id=assignment_id,
            template_key=key,
            template_version=version,
            started_at=started,
            finished_at=finished,
            sent_at=sent,
            location=location,
            answers=answers,
            device_id=device_id,
        ),
        [],
    )
