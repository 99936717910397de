"""Wire shapes of the sync endpoints: msgspec structs written by hand (no Piccolo plugin serves
current Litestar)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from server.core.ids import Id


class ScoreOut(msgspec.Struct, kw_only=True):
    percent: str | None
    band: str | None
    passed: bool | None
    sections: dict[str, str]
    failed: list[str]
    critical_failures: list[str]


class AuditReceipt(msgspec.Struct, kw_only=True):
    """The answer to `PUT /api/v1/audits/{uuid}`: what the server now holds."""

    uuid: str
    status: str
    revision: int
    score: ScoreOut
    missing_photos: list[str]


class PhotoReceipt(msgspec.Struct, kw_only=True):
    uuid: str
    sha256: str


class TemplateRef(msgspec.Struct, kw_only=True):
    key: str
    version: int


class WaveRef(msgspec.Struct, kw_only=True):
    id: int
    name: str


class ReturnNoteOut(msgspec.Struct, kw_only=True):
    item: str | None
    note: str


class LocationOut(msgspec.Struct, kw_only=True):
    lat: float
    lon: float
    accuracy_m: float | None
    at: dt.datetime | None


class ReturnedAudit(msgspec.Struct, kw_only=True):
    """The latest revision of a returned audit, for correcting it on any of its auditor's phones.

    The phone sends the correction under `uuid`; the server stores it as revision
    `revision + 1` (docs/contract.md#sync-pull). Photos are their auditor's own: `photos` says
    where their thumbnail and display image can be read (null until the server has the photo).
    """

    uuid: str
    revision: int
    started_at: dt.datetime
    finished_at: dt.datetime
    location: LocationOut | None
    answers: list[AnswerOut]
    photos: list[PhotoRefOut]


class SyncAssignment(msgspec.Struct, kw_only=True):
    id: int
    outlet_id: Id
    template: TemplateRef
    wave: WaveRef
    channel: str
    due_from: dt.date
    due_to: dt.date
    scenario: str
    status: str
    return_notes: list[ReturnNoteOut]
    # Optional additions (older phones ignore them): the returned audit to correct, and
    # whether the client lets the shopper see the live score (client_visit_rules).
    returned_audit: ReturnedAudit | None = None
    live_score: bool = True


class SyncOutlet(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str
    address: str
    city: str
    lat: float | None
    lon: float | None
    timezone: str


class SyncPayload(msgspec.Struct, kw_only=True):
    cursor: str
    assignments: list[SyncAssignment]
    templates: list[dict[str, Any]]
    outlets: list[SyncOutlet]
    removed_assignment_ids: list[Id]


class AnswerOut(msgspec.Struct, kw_only=True):
    item: str
    value: Any
    na: bool
    comment: str
    photos: list[str]


class PhotoRefOut(msgspec.Struct, kw_only=True):
    uuid: str
    item: str
    received: bool
    display_url: str | None
    thumbnail_url: str | None


class TrustReasonOut(msgspec.Struct, kw_only=True):
    """One reason of a trust score: its code and parameters, what it cost, and in words."""

    code: str
    params: dict[str, Any]
    penalty: int
    text: str


class TrustOut(msgspec.Struct, kw_only=True):
    """A visit's trust score, 0-100, and why it is not 100 (docs/contract.md#trust)."""

    score: int
    reasons: list[TrustReasonOut]


class AuditOut(msgspec.Struct, kw_only=True):
    """One audit as agency staff (admin, its reviewer, its auditor) see it; the trust score
    only for admins and reviewers (null for the auditor)."""

    uuid: str
    assignment_id: Id
    auditor_id: Id
    outlet_id: Id
    client_id: Id
    wave_id: Id
    template: TemplateRef
    channel: str
    revision: int
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime
    received_at: dt.datetime
    released_at: dt.datetime | None
    score: ScoreOut
    flags: list[dict[str, Any]]
    answers: list[AnswerOut]
    photos: list[PhotoRefOut]
    missing_photos: list[str]
    trust: TrustOut | None = None
