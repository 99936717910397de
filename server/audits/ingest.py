"""Storing an audit the phone sends (`PUT /api/v1/audits/{uuid}`), as docs/contract.md#sync says.

- 201 stored; 200 identical replay (same `shared.codec.canonical_json` with the template);
  409 other content under that uuid, except for an audit in state `returned`, where changed
  content is stored as the next revision (earlier revisions stay in `audit_revision`);
  422 with every problem by item key, nothing stored; 404 for an assignment that is not the
  caller's.
- The score is the server's own (`shared.scoring.score`), `missing_photos` comes from what
  is stored, and proof-of-visit flags and the trust score (`server.audits.trust`) are computed
  and stored, never blocking. A client that releases trusted audits by itself has the audit
  released once stored (`server.workflow.review.release_if_trusted`, docs/contract.md#trust).
- One audit per assignment (a unique key): another uuid for the same assignment is a 409.
- Races: the unique keys on `audit.uuid` and `audit.assignment` (and the revision number in
  the UPDATE's WHERE) decide; the loser rolls back, reads again and answers 200 (identical)
  or 409 (other content). A transient clash (busy database, endless lost races) is 503 with
  Retry-After, never 409: the phone treats 409 as final.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid as uuid_module
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

import msgspec

from server.access.abilities import SEND_AUDITS, require
from server.access.caller import ADMIN, AUDITOR, Caller
from server.auditlog import service as auditlog
from server.audits import evidence
from server.audits import flags as visit_flags
from server.audits import trust as visit_trust
from server.audits.schemas import AuditReceipt, ScoreOut
from server.audits.wire import IncomingAudit, read_audit
from server.core.clock import utc_now
from server.core.database import Busy, Connection, Database, UniqueViolation, marks
from server.core.errors import Conflict, Invalid, NotFound, ServiceUnavailable
from server.core.i18n import _
from server.templates.published import PublishedTemplates
from server.workflow.review import release_if_trusted
from shared.checklist import Template
from shared.codec import canonical_json
from shared.lifecycle import (
    APPROVED,
    CANCELLED,
    INITIAL_AUDIT_STATE,
    RETURNED,
    SUBMITTED,
    transition,
)
from shared.scoring import ScoreCard, score
from shared.validation import validate

ATTEMPTS: Final = 4
RETRY_AFTER_SECONDS: Final = 1

SELECT_ASSIGNMENT: Final = (
    "SELECT a.id AS id, a.auditor AS auditor_id, a.outlet AS outlet_id, a.wave AS wave_id, "
    "w.client AS client_id, a.template AS template_id, t.key AS template_key, "
    "t.version AS template_version, a.channel AS channel, a.status AS status, "
    "o.lat AS outlet_lat, o.lon AS outlet_lon, o.timezone AS outlet_timezone, "
    "r.max_distance_m AS max_distance_m, s.auto_release AS auto_release "
    "FROM assignment a JOIN wave w ON w.id = a.wave "
    "JOIN checklist_template t ON t.id = a.template JOIN outlet o ON o.id = a.outlet "
    "LEFT JOIN client_visit_rules r ON r.client = w.client "
    "LEFT JOIN client_workflow_settings s ON s.client = w.client WHERE a.id = ?"
)
# The audit under this uuid, and any other audit filed for the same assignment.
SELECT_AUDITS_OF: Final = (
    "SELECT id, uuid, assignment, revision, status, canonical_sha256, score FROM audit "
    "WHERE uuid = ? OR assignment = ?"
)
# Who uploaded the stored photos among those an audit references.
SELECT_UPLOADERS: Final = (
    "SELECT p.uuid AS uuid, p.uploaded_by AS uploaded_by, u.role AS role FROM photo p "
    "LEFT JOIN app_user u ON u.id = p.uploaded_by WHERE p.uuid IN ({marks})"
)
SELECT_MISSING: Final = (
    "SELECT DISTINCT ap.photo_uuid AS photo_uuid FROM audit_photo ap LEFT JOIN photo p "
    "ON p.uuid = ap.photo_uuid WHERE ap.audit = ? AND p.id IS NULL"
)


@dataclasses.dataclass(frozen=True, slots=True)
class AssignmentContext:
    """The assignment an audit is filed for, with what scoring and flags need to know."""

    id: int
    auditor_id: int
    outlet_id: int
    wave_id: int
    client_id: int
    template_id: int
    template_key: str
    template_version: int
    channel: str
    status: str
    outlet_lat: float | None
    outlet_lon: float | None
    outlet_timezone: str
    max_distance_m: float | None
    auto_release: bool | None  # the client releases trusted audits by itself


@dataclasses.dataclass(frozen=True, slots=True)
class StoredAudit:
    id: int
    assignment_id: int
    revision: int
    status: str
    canonical_sha256: str
    score: dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class IngestResult:
    created: bool
    receipt: AuditReceipt


@dataclasses.dataclass(frozen=True, slots=True)
class Snapshot:
    """What the database says about an incoming audit, read at one moment."""

    context: AssignmentContext
    template: Template
    existing: StoredAudit | None
    # Another audit uuid already filed for the same assignment (one audit per visit).
    other_audit_for_assignment: bool
    # Referenced photos already stored that someone else than the visit's auditor uploaded.
    foreign_photos: frozenset[str]
    # What other audits say of this one's phone and answers (the trust score's patterns).
    patterns: visit_trust.Patterns


@dataclasses.dataclass(frozen=True, slots=True)
class Submission:
    """An audit checked and scored, ready to store."""

    audit_uuid: uuid_module.UUID
    incoming: IncomingAudit
    card: ScoreCard
    canonical: bytes
    digest: str
    received_at: dt.datetime
    answers_sha256: str | None


class ChangedUnderfoot(Exception):
    """A returned audit was resubmitted by someone else meanwhile: read again."""


def score_out(card: dict[str, Any]) -> ScoreOut:
    return ScoreOut(
        percent=card.get("percent"),
        band=card.get("band"),
        passed=card.get("passed"),
        sections=dict(card.get("sections", {})),
        failed=list(card.get("failed", [])),
        critical_failures=list(card.get("critical_failures", [])),
    )


def _json(value: Any) -> str:
    """JSON text of a value to store: compact, UTF-8 as is, a tuple as a list."""
    return msgspec.json.encode(value).decode()


@dataclasses.dataclass(slots=True)
class AuditIngest:
    """The use case behind `PUT /api/v1/audits/{uuid}`."""

    database: Database
    templates: PublishedTemplates
    clock: Callable[[], dt.datetime] = utc_now

    async def put_audit(
        self, caller: Caller, audit_uuid: uuid_module.UUID, body: object
    ) -> IngestResult:
        require(caller, SEND_AUDITS)
        received_at = self.clock()
        incoming, problems = read_audit(body)
        if incoming is None:
            raise Invalid(_("The audit is not in the expected shape."), problems)
        fingerprint = visit_trust.answers_fingerprint(incoming.template_key, incoming.answers)
        canonical: bytes | None = None
        digest = ""
        submission: Submission | None = None
        for _attempt in range(ATTEMPTS):
            snapshot = await self._read(caller, audit_uuid, incoming, fingerprint)
            existing = snapshot.existing
            if canonical is None:
                canonical = canonical_json(incoming.raw, snapshot.template)
                digest = hashlib.sha256(canonical).hexdigest()
            if existing is not None:
                if existing.assignment_id != snapshot.context.id or (
                    existing.canonical_sha256 != digest and existing.status != RETURNED
                ):
                    raise Conflict(_("Another audit is already stored under this id."))
                if existing.canonical_sha256 == digest:
                    # An identical replay: what is stored was checked and scored when it came.
                    return await self._finish(False, audit_uuid, existing, snapshot, incoming)
            elif snapshot.other_audit_for_assignment:
                raise Conflict(_("This assignment already has an audit under another id."))
            if submission is None:
                submission = Submission(
                    audit_uuid=audit_uuid,
                    incoming=incoming,
                    card=self._check(incoming, snapshot),
                    canonical=canonical,
                    digest=digest,
                    received_at=received_at,
                    answers_sha256=fingerprint,
                )
            try:
                stored = await self._store(caller, submission, snapshot)
            except (UniqueViolation, ChangedUnderfoot):
                # Someone stored this uuid (or this assignment, or a revision) first: read
                # again and answer as for a replay (200) or a conflict (409).
                continue
            except Busy as error:
                raise ServiceUnavailable(
                    _("The server is busy; send the audit again in a moment."),
                    retry_after_seconds=RETRY_AFTER_SECONDS,
                ) from error
            return await self._finish(existing is None, audit_uuid, stored, snapshot, incoming)
        # Only a storm of concurrent changes to one audit gets here: transient, never a 409.
        raise ServiceUnavailable(
            _("The server is busy; send the audit again in a moment."),
            retry_after_seconds=RETRY_AFTER_SECONDS,
        )

    async def _read(
        self,
        caller: Caller,
        audit_uuid: uuid_module.UUID,
        incoming: IncomingAudit,
        fingerprint: str | None,
    ) -> Snapshot:
        photos = sorted({photo for answer in incoming.answers for photo in answer.photos})
        patterns = visit_trust.Patterns()
        async with self.database.snapshot() as connection:
            assignments = await connection.fetch(SELECT_ASSIGNMENT, incoming.assignment_id)
            audits = await connection.fetch(SELECT_AUDITS_OF, audit_uuid, incoming.assignment_id)
            uploaders = (
                await connection.fetch(
                    SELECT_UPLOADERS.format(marks=marks(len(photos))),
                    *(uuid_module.UUID(photo) for photo in photos),
                )
                if photos
                else []
            )
            if assignments:
                patterns = await evidence.patterns(
                    connection,
                    audit_uuid,
                    assignments[0]["auditor_id"],
                    incoming.device_id,
                    fingerprint,
                )
        if not assignments or (
            caller.role == AUDITOR and assignments[0]["auditor_id"] != caller.user_id
        ):
            raise NotFound(_("There is no such assignment of yours."))
        context = AssignmentContext(**dict(assignments[0]))
        template = await self.templates.get(self.database, context.template_id)
        existing = None
        for row in audits:
            if row["uuid"] == audit_uuid:
                existing = StoredAudit(
                    id=row["id"],
                    assignment_id=row["assignment"],
                    revision=row["revision"],
                    status=row["status"],
                    canonical_sha256=row["canonical_sha256"],
                    score=msgspec.json.decode(row["score"]),
                )
        other = any(row["uuid"] != audit_uuid for row in audits)
        # An audit may name only its own auditor's photos (or an admin's, uploaded on their
        # behalf): naming one would otherwise make it readable to whoever may see the audit.
        foreign = frozenset(
            str(row["uuid"])
            for row in uploaders
            if row["uploaded_by"] != context.auditor_id and row["role"] != ADMIN
        )
        return Snapshot(context, template, existing, other, foreign, patterns)

    def _check(self, incoming: IncomingAudit, snapshot: Snapshot) -> ScoreCard:
        context, template = snapshot.context, snapshot.template
        if (incoming.template_key, incoming.template_version) != (
            context.template_key,
            context.template_version,
        ):
            raise Invalid(
                _("The audit uses another checklist than its assignment."),
                [
                    {
                        "item": "template",
                        "code": "template_mismatch",
                        "message": _("The assignment uses {key} version {version}.").format(
                            key=context.template_key, version=context.template_version
                        ),
                    }
                ],
            )
        if context.status == CANCELLED:
            raise Conflict(_("This assignment was cancelled."))
        problems = [problem.to_dict() for problem in validate(template, incoming.answers)]
        problems += [
            {
                "item": answer.item,
                "code": "foreign_photo",
                "message": _(
                    "Photo {photo} was sent by someone else; take and send your own."
                ).format(photo=photo),
            }
            for answer in incoming.answers
            for photo in answer.photos
            if photo in snapshot.foreign_photos
        ]
        if problems:
            raise Invalid(_("The answers cannot be accepted."), problems)
        return score(template, incoming.answers)

    async def _store(
        self, caller: Caller, submission: Submission, snapshot: Snapshot
    ) -> StoredAudit:
        """Write the audit (or its next revision) in one transaction; the audit as stored."""
        incoming, card, context = submission.incoming, submission.card, snapshot.context
        received_at = submission.received_at
        flags, reasons = await self._assess(submission, snapshot)
        card_dict = card.to_dict()
        score_text = _json(card_dict)
        location = incoming.location
        content = {
            "canonical": submission.canonical.decode(),
            "canonical_sha256": submission.digest,
            "started_at": incoming.started_at,
            "finished_at": incoming.finished_at,
            "sent_at": incoming.sent_at,
            "received_at": received_at,
            "lat": location.lat if location else None,
            "lon": location.lon if location else None,
            "accuracy_m": location.accuracy_m if location else None,
            "located_at": location.at if location else None,
            "score_percent": None if card.percent is None else Decimal(card.percent),
            "score_band": card.band,
            "score_passed": card.passed,
            "critical_failure": bool(card.critical_failures),
            "score": score_text,
            "flags": _json(flags),
            "trust": visit_trust.score_of(reasons),
            "trust_reasons": visit_trust.to_json(reasons),
            "device_id": incoming.device_id,
            "answers_sha256": submission.answers_sha256,
            "status_changed_at": received_at,
            "updated_at": received_at,
        }
        existing = snapshot.existing
        async with self.database.transaction() as connection:
            if existing is None:
                status, revision, before = INITIAL_AUDIT_STATE, 1, None
                audit_id = await connection.insert(
                    "audit",
                    {
                        "uuid": submission.audit_uuid,
                        "assignment": context.id,
                        "auditor": context.auditor_id,
                        "outlet": context.outlet_id,
                        "client": context.client_id,
                        "wave": context.wave_id,
                        "template": context.template_id,
                        "template_key": context.template_key,
                        "template_version": context.template_version,
                        "channel": context.channel,
                        "revision": revision,
                        "status": status,
                        "released_at": None,
                        **content,
                    },
                    returning="id",
                )
            else:
                role = ADMIN if caller.role == ADMIN else AUDITOR
                status = transition(existing.status, "submit", role)
                revision = existing.revision + 1
                before = {"status": existing.status, "revision": existing.revision}
                audit_id = existing.id
                changed = await connection.update(
                    "audit",
                    {"revision": revision, "status": status, **content},
                    "id = ? AND revision = ? AND status = ?",
                    existing.id,
                    existing.revision,
                    RETURNED,
                )
                if changed != 1:
                    raise ChangedUnderfoot
                await connection.execute("DELETE FROM audit_answer WHERE audit = ?", audit_id)
                await connection.execute("DELETE FROM audit_photo WHERE audit = ?", audit_id)
            await self._write_rows(connection, audit_id, revision, submission, snapshot, content)
            await connection.execute(
                "UPDATE assignment SET status = ?, updated_at = ? WHERE id = ? AND status <> ?",
                SUBMITTED,
                received_at,
                context.id,
                CANCELLED,
            )
            await auditlog.record(
                caller,
                "submit",
                "audit",
                submission.audit_uuid,
                before=before,
                after={"status": status, "revision": revision},
                at=received_at,
            )
        return StoredAudit(
            id=audit_id,
            assignment_id=context.id,
            revision=revision,
            status=status,
            canonical_sha256=submission.digest,
            score=card_dict,
        )

    async def _write_rows(
        self,
        connection: Connection,
        audit_id: int,
        revision: int,
        submission: Submission,
        snapshot: Snapshot,
        content: dict[str, Any],
    ) -> None:
        """The revision, the answers and the photo references of a stored audit."""
        await connection.insert(
            "audit_revision",
            {
                "audit": audit_id,
                "revision": revision,
                **{
                    name: content[name]
                    for name in (
                        "canonical",
                        "canonical_sha256",
                        "score",
                        "score_percent",
                        "flags",
                        "trust",
                        "trust_reasons",
                        "device_id",
                        "sent_at",
                        "received_at",
                    )
                },
            },
        )
        answers = submission.incoming.answers
        positions = snapshot.template.positions
        await connection.insert_many(
            "audit_answer",
            [
                {
                    "audit": audit_id,
                    "item": answer.item,
                    "position": positions[answer.item],
                    "value": _json(answer.value),
                    "na": answer.na,
                    "comment": answer.comment,
                    "photos": _json(answer.photos),
                }
                for answer in answers
            ],
        )
        references = sorted({(photo, answer.item) for answer in answers for photo in answer.photos})
        await connection.insert_many(
            "audit_photo",
            [
                {"audit": audit_id, "photo_uuid": uuid_module.UUID(photo), "item": item}
                for photo, item in references
            ],
        )

    async def _assess(
        self, submission: Submission, snapshot: Snapshot
    ) -> tuple[list[Any], list[visit_trust.Reason]]:
        """The audit's proof-of-visit flags and the reasons of its trust score."""
        incoming, context = submission.incoming, snapshot.context
        location = incoming.location
        visit = visit_flags.Visit(
            channel=context.channel,
            started_at=incoming.started_at,
            finished_at=incoming.finished_at,
            sent_at=incoming.sent_at,
            received_at=submission.received_at,
            lat=location.lat if location else None,
            lon=location.lon if location else None,
            accuracy_m=location.accuracy_m if location else None,
            outlet_lat=context.outlet_lat,
            outlet_lon=context.outlet_lon,
            outlet_timezone=context.outlet_timezone,
            expected_minutes=snapshot.template.expected_minutes,
        )
        rules = visit_flags.DEFAULT_RULES
        if context.max_distance_m is not None:
            rules = dataclasses.replace(rules, max_distance_m=context.max_distance_m)
        photo_uuids = [photo for answer in incoming.answers for photo in answer.photos]
        # Flags inform review and never block: a photo arriving during this request is seen
        # by the next revision or the reviewer, not necessarily by this one.
        facts = (
            await evidence.photo_facts(self.database, photo_uuids, submission.audit_uuid)
            if photo_uuids
            else []
        )
        of_visit = visit_flags.visit_flags(visit, rules)
        of_photos = visit_flags.photo_flags(visit, facts, rules)
        patterns = snapshot.patterns
        reasons = visit_trust.ordered(
            [
                *visit_trust.visit_reasons(visit, rules, of_visit),
                *visit_trust.photo_reasons(of_photos, facts, rules),
                *visit_trust.pattern_reasons(snapshot.template, incoming.answers, patterns),
            ]
        )
        return of_visit + of_photos, reasons

    async def _finish(
        self,
        created: bool,
        audit_uuid: uuid_module.UUID,
        stored: StoredAudit,
        snapshot: Snapshot,
        incoming: IncomingAudit,
    ) -> IngestResult:
        """The answer, once the audit is stored (or replayed): released first when its client
        lets trusted audits through and it qualifies. A replay tries again, so a release that
        met a busy database happens when the phone resends."""
        if snapshot.context.auto_release and stored.status == SUBMITTED:
            try:
                if await release_if_trusted(self.database, audit_uuid):
                    stored = dataclasses.replace(stored, status=APPROVED)
            except Busy as error:
                raise ServiceUnavailable(
                    _("The server is busy; send the audit again in a moment."),
                    retry_after_seconds=RETRY_AFTER_SECONDS,
                ) from error
        return IngestResult(created, await self._receipt(audit_uuid, stored, incoming))

    async def _receipt(
        self, audit_uuid: uuid_module.UUID, stored: StoredAudit, incoming: IncomingAudit
    ) -> AuditReceipt:
        # An audit that references no photo misses none: no query.
        referenced = any(answer.photos for answer in incoming.answers)
        return AuditReceipt(
            uuid=str(audit_uuid),
            status=stored.status,
            revision=stored.revision,
            score=score_out(stored.score),
            missing_photos=await missing_photos(self.database, stored.id) if referenced else [],
        )


async def missing_photos(reader: Database | Connection, audit_id: int) -> list[str]:
    """The photos an audit references that the server has not received yet."""
    rows = await reader.fetch(SELECT_MISSING, audit_id)
    return sorted(str(row["photo_uuid"]) for row in rows)


def decode_body(raw: bytes) -> object:
    """The JSON of a request body, or an `Invalid` problem when it is not JSON."""
    try:
        return msgspec.json.decode(raw)
    # msgspec raises these two, not DecodeError, for invalid UTF-8 and too deep nesting.
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        raise Invalid(
            _("The body is not valid JSON."),
            [{"item": "", "code": "invalid_json", "message": str(error)}],
        ) from error
