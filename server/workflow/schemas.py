"""Wire shapes of the review workflow.

Structs a client user can reach (`ReleasedAudit*`, `Dispute`, `CorrectiveAction*`) have no
field that could carry the auditor's identity: shopper anonymity is a property of the type,
not of a filter applied later. Only `QueueEntry` (agency reviewers) names the auditor.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from server.audits.schemas import TrustOut
from server.core.ids import Id

# --- review ----------------------------------------------------------------------------------


class Flag(msgspec.Struct, kw_only=True):
    code: str
    detail: dict[str, Any] = msgspec.field(default_factory=dict)


class OutletRef(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str


class AuditorRef(msgspec.Struct, kw_only=True):
    id: int
    name: str


class QueueEntry(msgspec.Struct, kw_only=True):
    uuid: uuid.UUID
    revision: int
    status: str
    assignment_id: Id
    client_id: Id
    wave_id: Id
    outlet: OutletRef
    auditor: AuditorRef
    template_key: str
    template_version: int
    channel: str
    started_at: dt.datetime
    finished_at: dt.datetime
    received_at: dt.datetime
    percent: str | None
    band: str | None
    passed: bool | None
    critical_failure: bool
    flags: list[Flag]
    # The visit's trust score with every reason (docs/contract.md#trust); `held` when it is
    # below the client's threshold, so that releasing it needs a written reason.
    trust: TrustOut
    held: bool = False


class QueuePage(msgspec.Struct, kw_only=True):
    items: list[QueueEntry]
    next_cursor: str | None


class ReturnNoteIn(msgspec.Struct, kw_only=True):
    item: str | None = None
    note: str


class ReturnRequest(msgspec.Struct, kw_only=True):
    notes: list[ReturnNoteIn]


class ApproveRequest(msgspec.Struct, kw_only=True):
    note: str = ""


class ReturnNoteOut(msgspec.Struct, kw_only=True):
    item: str | None
    note: str


class ReviewOutcome(msgspec.Struct, kw_only=True):
    uuid: uuid.UUID
    status: str
    revision: int
    released_at: dt.datetime | None
    return_notes: list[ReturnNoteOut] = msgspec.field(default_factory=list)
    corrective_action_ids: list[Id] = msgspec.field(default_factory=list)


class HistoryEntry(msgspec.Struct, kw_only=True):
    id: int
    at: dt.datetime
    actor_id: Id | None
    actor_name: str | None
    action: str
    entity: str
    entity_id: str
    from_status: str | None
    to_status: str | None
    reason: str


class History(msgspec.Struct, kw_only=True):
    items: list[HistoryEntry]


# --- client-facing view (no auditor field, by construction) ----------------------------------


class ReleasedAuditSummary(msgspec.Struct, kw_only=True):
    uuid: uuid.UUID
    status: str
    client_id: Id
    outlet_id: Id
    wave_id: Id
    template_key: str
    template_version: int
    channel: str
    visited_at: dt.datetime
    released_at: dt.datetime
    percent: str | None
    band: str | None
    passed: bool | None
    critical_failure: bool


class ReleasedAnswer(msgspec.Struct, kw_only=True):
    item: str
    value: Any
    na: bool
    comment: str
    photos: list[str]


class ReleasedAudit(ReleasedAuditSummary, kw_only=True):
    sections: dict[str, str]
    failed: list[str]
    critical_failures: list[str]
    answers: list[ReleasedAnswer]
    dispute_deadline: dt.datetime


class ReleasedAuditPage(msgspec.Struct, kw_only=True):
    items: list[ReleasedAuditSummary]
    next_cursor: str | None


# --- disputes --------------------------------------------------------------------------------


class DisputeCreate(msgspec.Struct, kw_only=True):
    audit_uuid: uuid.UUID
    item: str
    reason: str
    photo_uuid: uuid.UUID | None = None


class CorrectedAnswer(msgspec.Struct, kw_only=True):
    value: Any = None
    na: bool = False
    comment: str | None = None


class DisputeUphold(msgspec.Struct, kw_only=True):
    reply: str
    answer: CorrectedAnswer


class DisputeReject(msgspec.Struct, kw_only=True):
    reply: str


class Dispute(msgspec.Struct, kw_only=True):
    id: int
    audit_uuid: uuid.UUID
    outlet_id: Id
    item: str
    reason: str
    photo_uuid: uuid.UUID | None
    status: str
    raised_at: dt.datetime
    reply: str
    resolved_at: dt.datetime | None
    original_answer: dict[str, Any] | None
    corrected_answer: dict[str, Any] | None


class DisputePage(msgspec.Struct, kw_only=True):
    items: list[Dispute]
    next_cursor: str | None


# --- corrective actions ----------------------------------------------------------------------


class CorrectiveActionCreate(msgspec.Struct, kw_only=True):
    audit_uuid: uuid.UUID
    item: str
    description: str = ""
    owner_id: Id | None = None
    due_on: dt.date | None = None


class CorrectiveActionUpdate(msgspec.Struct, kw_only=True):
    description: str | msgspec.UnsetType = msgspec.UNSET
    owner_id: Id | msgspec.UnsetType | None = msgspec.UNSET
    due_on: dt.date | msgspec.UnsetType | None = msgspec.UNSET


class CorrectiveStep(msgspec.Struct, kw_only=True):
    comment: str = ""
    evidence_photo_uuid: uuid.UUID | None = None


class CommentCreate(msgspec.Struct, kw_only=True):
    text: str


class Comment(msgspec.Struct, kw_only=True):
    id: int
    author_id: Id | None
    author_name: str | None
    at: dt.datetime
    text: str


class CorrectiveAction(msgspec.Struct, kw_only=True):
    id: int
    audit_uuid: uuid.UUID
    outlet_id: Id
    item: str
    description: str
    critical: bool
    automatic: bool
    owner_id: Id | None
    due_on: dt.date | None
    status: str
    evidence_photo_uuid: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime
    comments: list[Comment] = msgspec.field(default_factory=list)


class CorrectiveActionPage(msgspec.Struct, kw_only=True):
    items: list[CorrectiveAction]
    next_cursor: str | None


# --- per-client settings ---------------------------------------------------------------------


class WorkflowSettings(msgspec.Struct, kw_only=True):
    client_id: Id
    dispute_window_days: int
    corrective_due_days: int
    trust_threshold: int | None = None
    auto_release: bool = False
    # How much each channel's visits weigh in an outlet's wave result; empty: every visit the
    # same (docs/contract.md#wave-result).
    channel_weights: dict[str, float] = msgspec.field(default_factory=dict)
    # Whether the client's shoppers see the live score on the phone while they audit.
    live_score: bool = True
    # Which results the league orders and groups: "raw" (as visited, the default) or
    # "adjusted" (auditor leniency taken out); the headline score stays raw either way
    # (docs/contract.md#estimates).
    league_basis: str = "raw"


class WorkflowSettingsUpdate(msgspec.Struct, kw_only=True):
    dispute_window_days: int | msgspec.UnsetType = msgspec.UNSET
    corrective_due_days: int | msgspec.UnsetType = msgspec.UNSET
    trust_threshold: int | msgspec.UnsetType | None = msgspec.UNSET
    auto_release: bool | msgspec.UnsetType = msgspec.UNSET
    channel_weights: dict[str, float] | msgspec.UnsetType = msgspec.UNSET
    live_score: bool | msgspec.UnsetType = msgspec.UNSET
    league_basis: str | msgspec.UnsetType = msgspec.UNSET
