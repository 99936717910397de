"""Storing an audit the phone sends (`PUT /api/v1/audits/{uuid}`), exactly as DESIGN §5.

- 201 stored; 200 identical replay (same `shared.codec.canonical_json` with the template);
  409 other content under that uuid, except for an audit in state `returned`, where changed
  content is stored as the next revision (earlier revisions stay in `audit_revision`);
  422 with every problem by item key, nothing stored; 404 for an assignment that is not the
  caller's.
- The score is the server's own (`shared.scoring.score`), `missing_photos` comes from what
  is stored, and proof-of-visit flags are computed and stored, never blocking.
- One audit per assignment (a unique key): another uuid for the same assignment is a 409.
- Races: the unique keys on `audit.uuid` and `audit.assignment` (and the revision number in
  the UPDATE's WHERE) decide; the loser rolls back, reads again and answers 200 (identical)
  or 409 (other content). A transient clash (busy database, endless lost races) is 503 with
  Retry-After, never 409: the phone treats 409 as final.
- Two trips to the database per new audit: every read in one `fetch_batch` (one snapshot),
  then one write transaction of batched statements (`SqlRunner.write`). Reads besides the
  write (template, photo facts, missing photos) use the shared read connection
  (`Database.fetch`), never the writer's thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid as uuid_module
from decimal import Decimal
from typing import Any, Final

import msgspec

from server.access.caller import ADMIN, AUDITOR, Caller
from server.audits import flags as visit_flags
from server.audits.schemas import AuditReceipt, ScoreOut
from server.audits.sql import (
    KEY,
    Busy,
    ChangedUnderfoot,
    Reader,
    Row,
    SqlRunner,
    Statement,
    UniqueViolation,
)
from server.audits.wire import IncomingAudit, read_audit
from server.core.errors import Conflict, Invalid, NotFound, ServiceUnavailable
from server.core.i18n import _
from shared.checklist import Template
from shared.codec import canonical_json
from shared.lifecycle import INITIAL_AUDIT_STATE, RETURNED, transition
from shared.scoring import ScoreCard, score
from shared.validation import validate

CANCELLED: Final = "cancelled"
ATTEMPTS: Final = 4
RETRY_AFTER_SECONDS: Final = 1

AUDIT_COLUMNS: Final = (
    "uuid, assignment, auditor, outlet, client, wave, template, template_key, "
    "template_version, channel, revision, status, canonical, canonical_sha256, started_at, "
    "finished_at, sent_at, received_at, lat, lon, accuracy_m, located_at, score_percent, "
    "score_band, score_passed, critical_failure, score, flags, released_at, "
    "status_changed_at, updated_at"
)
INSERT_AUDIT: Final = (
    f"INSERT INTO audit ({AUDIT_COLUMNS}) VALUES ({', '.join(['?'] * 31)}) RETURNING id"  # noqa: S608 - placeholders only
)
UPDATE_REVISION: Final = (
    "UPDATE audit SET revision = ?, status = ?, canonical = ?, canonical_sha256 = ?, "
    "started_at = ?, finished_at = ?, sent_at = ?, received_at = ?, lat = ?, lon = ?, "
    "accuracy_m = ?, located_at = ?, score_percent = ?, score_band = ?, score_passed = ?, "
    "critical_failure = ?, score = ?, flags = ?, status_changed_at = ?, updated_at = ? "
    "WHERE id = ? AND revision = ? AND status = ?"
)
INSERT_REVISION: Final = (
    "INSERT INTO audit_revision (audit, revision, canonical, canonical_sha256, score, "
    "score_percent, flags, sent_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_ANSWER: Final = (
    "INSERT INTO audit_answer (audit, item, position, value, na, comment, photos) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
INSERT_PHOTO_REFERENCE: Final = "INSERT INTO audit_photo (audit, photo_uuid, item) VALUES (?, ?, ?)"
INSERT_LOG: Final = (
    "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after, reason) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
SELECT_ASSIGNMENT: Final = (
    "SELECT a.id, a.auditor, a.outlet, a.wave, a.template, a.channel, a.status, w.client, "
    "t.key, t.version, o.lat, o.lon, o.timezone, r.max_distance_m "
    "FROM assignment a JOIN wave w ON w.id = a.wave "
    "JOIN checklist_template t ON t.id = a.template JOIN outlet o ON o.id = a.outlet "
    "LEFT JOIN client_visit_rules r ON r.client = w.client WHERE a.id = ?"
)
# The audit under this uuid, and any other audit filed for the same assignment.
SELECT_AUDITS_OF: Final = (
    "SELECT id, assignment, revision, status, canonical_sha256, score, uuid FROM audit "
    "WHERE uuid = ? OR assignment = ?"
)
SELECT_MISSING: Final = (
    "SELECT DISTINCT ap.photo_uuid FROM audit_photo ap LEFT JOIN photo p "
    "ON p.uuid = ap.photo_uuid WHERE ap.audit = ? AND p.id IS NULL"
)


@dataclasses.dataclass(frozen=True, slots=True)
class AssignmentContext:
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
    """JSON text of a value to store (an answer's value or photos, a score card, flags, a log
    entry): compact, UTF-8 as is, a tuple as a list; msgspec is ~10x `json.dumps`. Most of
    the 100 values an audit of 50 answers stores are yes/no and no photos: no encoder call."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if value == ():
        return "[]"
    return msgspec.json.encode(value).decode()


def _uuid_text(value: Any) -> str:
    return str(value)


class TemplateCache:
    """Parsed published templates by row id; published versions never change (DESIGN §3)."""

    def __init__(self) -> None:
        self._templates: dict[int, Template] = {}

    def cached(self, template_id: int) -> Template | None:
        return self._templates.get(template_id)

    async def get(self, connection: Reader, template_id: int) -> Template:
        template = self._templates.get(template_id)
        if template is None:
            rows = await connection.fetch(
                "SELECT body FROM checklist_template WHERE id = ?", template_id
            )
            template = Template.from_dict(json.loads(rows[0][0]))
            self._templates[template_id] = template
        return template


@dataclasses.dataclass(frozen=True, slots=True)
class Snapshot:
    """What the database says about an incoming audit, read in one trip."""

    context: AssignmentContext
    template: Template
    existing: StoredAudit | None
    # Another audit uuid already filed for the same assignment (one audit per visit).
    other_audit_for_assignment: bool


@dataclasses.dataclass(slots=True)
class AuditIngest:
    """The use case behind `PUT /api/v1/audits/{uuid}`."""

    sql: SqlRunner
    templates: TemplateCache
    clock: Any = dataclasses.field(default=lambda: dt.datetime.now(dt.UTC))

    async def put_audit(
        self, caller: Caller, audit_uuid: uuid_module.UUID, body: object
    ) -> IngestResult:
        caller.require_role(AUDITOR, ADMIN)
        received_at: dt.datetime = self.clock()
        incoming, problems = read_audit(body)
        if incoming is None:
            raise Invalid(_("The audit is not in the expected shape."), problems)
        canonical = b""
        digest = ""
        card: ScoreCard | None = None
        for _attempt in range(ATTEMPTS):
            snapshot = await self._read(caller, audit_uuid, incoming)
            context, template, existing = snapshot.context, snapshot.template, snapshot.existing
            if not digest:
                canonical = canonical_json(incoming.raw, template)
                digest = hashlib.sha256(canonical).hexdigest()
            if existing is not None:
                if existing.assignment_id != context.id or (
                    existing.canonical_sha256 != digest and existing.status != RETURNED
                ):
                    raise Conflict(_("Another audit is already stored under this id."))
                if existing.canonical_sha256 == digest:
                    receipt = await self._receipt(audit_uuid, existing, incoming)
                    return IngestResult(False, receipt)
            if card is None:
                card = self._check(incoming, context, template)
            if existing is None and snapshot.other_audit_for_assignment:
                raise Conflict(_("This assignment already has an audit under another id."))
            statements, key, stored = await self._statements(
                caller, audit_uuid, incoming, context, template, card, canonical, digest,
                received_at, existing,
            )  # fmt: skip
            try:
                audit_id = await self.sql.write(statements, key)
            except (UniqueViolation, ChangedUnderfoot):
                # Someone stored this uuid (or this assignment, or a revision) first: read
                # again and answer as for a replay (200) or a conflict (409).
                continue
            except Busy as error:
                raise ServiceUnavailable(
                    _("The server is busy; send the audit again in a moment."),
                    retry_after_seconds=RETRY_AFTER_SECONDS,
                ) from error
            missing = await self._missing(audit_id, incoming)
            return IngestResult(
                existing is None,
                AuditReceipt(
                    uuid=str(audit_uuid),
                    status=stored.status,
                    revision=stored.revision,
                    score=score_out(stored.score),
                    missing_photos=missing,
                ),
            )
        # Only a storm of concurrent changes to one audit gets here: transient, never a 409.
        raise ServiceUnavailable(
            _("The server is busy; send the audit again in a moment."),
            retry_after_seconds=RETRY_AFTER_SECONDS,
        )

    async def _read(
        self, caller: Caller, audit_uuid: uuid_module.UUID, incoming: IncomingAudit
    ) -> Snapshot:
        assignment_rows, audit_rows = await self.sql.fetch_batch(
            [
                (SELECT_ASSIGNMENT, (incoming.assignment_id,)),
                (SELECT_AUDITS_OF, (audit_uuid, incoming.assignment_id)),
            ]
        )
        context = self._assignment(assignment_rows, caller)
        template = self.templates.cached(context.template_id)
        if template is None:
            template = await self.templates.get(self.sql.database, context.template_id)
        existing = None
        other = False
        for row in audit_rows:
            if _uuid_text(row[6]) == str(audit_uuid):
                existing = StoredAudit(
                    id=row[0],
                    assignment_id=row[1],
                    revision=row[2],
                    status=row[3],
                    canonical_sha256=row[4],
                    score=msgspec.json.decode(row[5]),
                )
            else:
                other = True
        return Snapshot(context, template, existing, other)

    def _assignment(self, rows: list[Row], caller: Caller) -> AssignmentContext:
        if not rows or (caller.role == AUDITOR and rows[0][1] != caller.user_id):
            raise NotFound(_("There is no such assignment of yours."))
        row = rows[0]
        return AssignmentContext(
            id=row[0],
            auditor_id=row[1],
            outlet_id=row[2],
            wave_id=row[3],
            template_id=row[4],
            channel=row[5],
            status=row[6],
            client_id=row[7],
            template_key=row[8],
            template_version=row[9],
            outlet_lat=row[10],
            outlet_lon=row[11],
            outlet_timezone=row[12],
            max_distance_m=row[13],
        )

    def _check(
        self, incoming: IncomingAudit, context: AssignmentContext, template: Template
    ) -> ScoreCard:
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
        problems = validate(template, incoming.answers)
        if problems:
            raise Invalid(
                _("The answers cannot be accepted."), [problem.to_dict() for problem in problems]
            )
        return score(template, incoming.answers)

    async def _statements(
        self,
        caller: Caller,
        audit_uuid: uuid_module.UUID,
        incoming: IncomingAudit,
        context: AssignmentContext,
        template: Template,
        card: ScoreCard,
        canonical: bytes,
        digest: str,
        received_at: dt.datetime,
        existing: StoredAudit | None,
    ) -> tuple[list[Statement], int | None, StoredAudit]:
        """The write transaction of this audit, its key (the audit id if known) and the
        audit as it will be stored (its id is the key the transaction ends with)."""
        visit = visit_flags.Visit(
            channel=context.channel,
            started_at=incoming.started_at,
            finished_at=incoming.finished_at,
            sent_at=incoming.sent_at,
            received_at=received_at,
            lat=incoming.location.lat if incoming.location else None,
            lon=incoming.location.lon if incoming.location else None,
            accuracy_m=incoming.location.accuracy_m if incoming.location else None,
            outlet_lat=context.outlet_lat,
            outlet_lon=context.outlet_lon,
            outlet_timezone=context.outlet_timezone,
        )
        rules = visit_flags.DEFAULT_RULES
        if context.max_distance_m is not None:
            rules = dataclasses.replace(rules, max_distance_m=context.max_distance_m)
        photo_uuids = [photo for answer in incoming.answers for photo in answer.photos]
        facts: list[visit_flags.PhotoFacts] = []
        if photo_uuids:
            # Flags inform review and never block: a photo arriving during this request
            # is seen by the next revision or the reviewer, not necessarily by this one.
            facts = await photo_facts(self.sql.database, photo_uuids, audit_uuid)
        flags = visit_flags.visit_flags(visit, rules) + visit_flags.photo_flags(visit, facts, rules)
        card_dict = card.to_dict()
        percent = None if card.percent is None else Decimal(card.percent)
        score_text = _json(card_dict)
        flags_text = _json(flags)
        canonical_text = canonical.decode()
        location = incoming.location
        located = (
            location.lat if location else None,
            location.lon if location else None,
            location.accuracy_m if location else None,
            location.at if location else None,
        )
        statements: list[Statement] = []
        key: int | None
        if existing is None:
            status = INITIAL_AUDIT_STATE
            revision = 1
            key = None
            statements.append(
                Statement(
                    INSERT_AUDIT,
                    (
                        audit_uuid, context.id, context.auditor_id, context.outlet_id,
                        context.client_id, context.wave_id, context.template_id,
                        context.template_key, context.template_version, context.channel,
                        revision, status, canonical_text, digest, incoming.started_at,
                        incoming.finished_at, incoming.sent_at, received_at, *located, percent,
                        card.band, card.passed, bool(card.critical_failures), score_text,
                        flags_text, None, received_at, received_at,
                    ),
                    returns_key=True,
                )
            )  # fmt: skip
            before = None
        else:
            status = transition(
                existing.status, "submit", caller.role if caller.role == ADMIN else AUDITOR
            )
            revision = existing.revision + 1
            key = existing.id
            statements += [
                Statement(
                    UPDATE_REVISION,
                    (
                        revision, status, canonical_text, digest, incoming.started_at,
                        incoming.finished_at, incoming.sent_at, received_at, *located, percent,
                        card.band, card.passed, bool(card.critical_failures), score_text,
                        flags_text, received_at, received_at, existing.id, existing.revision,
                        RETURNED,
                    ),
                    expect_changes=1,
                ),
                Statement("DELETE FROM audit_answer WHERE audit = ?", (KEY,)),
                Statement("DELETE FROM audit_photo WHERE audit = ?", (KEY,)),
            ]  # fmt: skip
            before = {"status": existing.status, "revision": existing.revision}
        statements.append(
            Statement(
                INSERT_REVISION,
                (
                    KEY,
                    revision,
                    canonical_text,
                    digest,
                    score_text,
                    percent,
                    flags_text,
                    incoming.sent_at,
                    received_at,
                ),
            )
        )
        positions = template.positions
        statements.append(
            Statement(
                INSERT_ANSWER,
                many=[
                    (
                        KEY,
                        answer.item,
                        positions[answer.item],
                        _json(answer.value),
                        answer.na,
                        answer.comment,
                        _json(answer.photos),
                    )
                    for answer in incoming.answers
                ],
            )
        )
        references = {
            (uuid_module.UUID(photo), answer.item)
            for answer in incoming.answers
            for photo in answer.photos
        }
        if references:
            statements.append(
                Statement(
                    INSERT_PHOTO_REFERENCE,
                    many=[(KEY, photo, item) for photo, item in sorted(references, key=str)],
                )
            )
        statements.append(
            Statement(
                "UPDATE assignment SET status = ?, updated_at = ? WHERE id = ? AND status <> ?",
                ("submitted", received_at, context.id, CANCELLED),
            )
        )
        statements.append(
            Statement(
                INSERT_LOG,
                (
                    received_at,
                    caller.user_id,
                    "submit",
                    "audit",
                    str(audit_uuid),
                    None if before is None else _json(before),
                    _json({"status": status, "revision": revision}),
                    "",
                ),
            )
        )
        stored = StoredAudit(
            id=key or 0,
            assignment_id=context.id,
            revision=revision,
            status=status,
            canonical_sha256=digest,
            score=card_dict,
        )
        return statements, key, stored

    async def _missing(self, audit_id: int, incoming: IncomingAudit) -> list[str]:
        if not any(answer.photos for answer in incoming.answers):
            return []
        return await missing_photos(self.sql.database, audit_id)

    async def _receipt(
        self, audit_uuid: uuid_module.UUID, stored: StoredAudit, incoming: IncomingAudit
    ) -> AuditReceipt:
        # A replay references the same photos as the stored audit: none, no query.
        missing = await self._missing(stored.id, incoming)
        return AuditReceipt(
            uuid=str(audit_uuid),
            status=stored.status,
            revision=stored.revision,
            score=score_out(stored.score),
            missing_photos=missing,
        )


async def missing_photos(connection: Reader, audit_id: int) -> list[str]:
    rows = await connection.fetch(SELECT_MISSING, audit_id)
    return sorted(_uuid_text(row[0]) for row in rows)


async def photo_facts(
    connection: Reader, photo_uuids: list[str], audit_uuid: uuid_module.UUID
) -> list[visit_flags.PhotoFacts]:
    """Capture times of the received photos among `photo_uuids` and other audits using them."""
    wanted = sorted({uuid_module.UUID(photo) for photo in photo_uuids}, key=str)
    marks = ", ".join("?" * len(wanted))
    photos = await connection.fetch(
        f"SELECT uuid, sha256, captured_at FROM photo WHERE uuid IN ({marks})",  # noqa: S608
        *wanted,
    )
    if not photos:
        return []
    hashes = sorted({row[1] for row in photos})
    hash_marks = ", ".join("?" * len(hashes))
    users = await connection.fetch(
        "SELECT DISTINCT p.sha256, a.uuid FROM photo p "  # noqa: S608 - placeholders only
        "JOIN audit_photo ap ON ap.photo_uuid = p.uuid JOIN audit a ON a.id = ap.audit "
        f"WHERE p.sha256 IN ({hash_marks}) AND a.uuid <> ?",
        *hashes,
        audit_uuid,
    )
    others: dict[str, set[str]] = {}
    for sha256, other_uuid in users:
        others.setdefault(sha256, set()).add(_uuid_text(other_uuid))
    return [
        visit_flags.PhotoFacts(
            uuid=_uuid_text(row[0]),
            captured_at=dt.datetime.fromisoformat(row[2]) if row[2] else None,
            other_audits=tuple(sorted(others.get(row[1], ()))),
        )
        for row in photos
    ]


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
