"""The dashboard's page of one audit (`/audits/{uuid}`): everything needed to judge a visit and
act on it in one place.

Each answer with its item's text, the value in words, the points earned of possible, the
comment and the photos (display images in a viewer, the marked copy first as the phone sends
it, docs/contract.md#answers); the proof-of-visit flags and the trust reasons as
`AuditQueries.trust_of` gives the caller's role; the revisions with what changed and the
reviewer's return notes; the disputes and the corrective actions. Reviewers decide on it
(approve, or return with notes on chosen items), outlet managers dispute from it.

Agency staff read the audit through `AuditQueries.get_audit`, which names the auditor; client
users through `ReleasedAudits`, whose shapes have no auditor field, and never see a revision
before release, a flag or a reason about the auditor (docs/contract.md#roles, #trust). Who may
see the audit is the access rule's answer, as in the API: 404 otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid as uuid_module
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from reports.answers import answer_words
from server.access.abilities import FIELD_WORK, FOLLOW_UP, NAME_AUDITORS, REVIEW, may, may_take
from server.access.caller import Caller
from server.audits.queries import AuditQueries, others_seen
from server.audits.schemas import TrustOut
from server.audits.tables import Audit, AuditRevision
from server.core.errors import NotFound
from server.core.i18n import _
from server.dashboard.web import context_of, language_of, render, session_caller
from server.organisation.tables import Outlet, Region
from server.templates.tables import ChecklistTemplate
from server.users.tables import User
from server.waves.tables import Wave
from server.workflow.corrective import CorrectiveService
from server.workflow.disputes import DisputeService
from server.workflow.released import ReleasedAudits
from server.workflow.rules import client_rules
from server.workflow.schemas import CorrectiveAction, Dispute
from server.workflow.tables import ReturnNote
from shared.checklist import Template
from shared.i18n import text as localized
from shared.i18n import translation
from shared.lifecycle import (
    APPROVED,
    AUDIT_TRANSITIONS,
    DISPUTE_TRANSITIONS,
    OPEN,
    RELEASED_STATES,
    SUBMITTED,
    dispute_deadline,
)
from shared.scoring import ScoreCard, score, visible_items

# --- answers ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class AnswerView:
    """One item of the checklist as the page shows it."""

    key: str
    text: str
    kind: str
    critical: bool
    words: str
    comment: str
    photos: tuple[str, ...]
    earned: float | None
    possible: float | None
    failed: bool
    shown: bool  # hidden by the checklist's show_if: listed, greyed
    hint: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class SectionView:
    key: str
    title: str
    percent: float | None
    answers: tuple[AnswerView, ...]


def _points(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def answer_views(
    template: Template, answers: Sequence[Mapping[str, Any]], card: ScoreCard, language: str
) -> list[SectionView]:
    """The checklist in order, each item with its answer in words and its points."""
    by_item = {answer["item"]: answer for answer in answers}
    from shared.scoring import index_answers

    visible = visible_items(template, index_answers(answers))
    sections = []
    for section in template.sections:
        views = []
        for item in section.items:
            answer = by_item.get(item.key)
            views.append(
                AnswerView(
                    key=item.key,
                    text=localized(item.text, language) or item.key,
                    kind=item.kind,
                    critical=item.critical,
                    words=answer_words(item, answer, language),
                    comment=(answer or {}).get("comment") or "",
                    photos=tuple((answer or {}).get("photos") or ()),
                    earned=_points(card.earned.get(item.key)),
                    possible=_points(card.possible.get(item.key)),
                    failed=item.key in card.failed,
                    shown=visible.get(item.key, True),
                    hint=localized(item.hint, language) if item.hint else "",
                )
            )
        ratio = card.sections.get(section.key)
        sections.append(
            SectionView(
                key=section.key,
                title=localized(section.title, language) or section.key,
                percent=None if ratio is None else float(ratio) * 100,
                answers=tuple(views),
            )
        )
    return sections


# --- revisions -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    item: str
    text: str
    before: str
    after: str


@dataclasses.dataclass(frozen=True, slots=True)
class RevisionView:
    number: int
    received_at: dt.datetime
    percent: float | None
    changes: tuple[Change, ...]
    notes: tuple[tuple[str, str], ...]  # (item text or "", note) the reviewer returned it with


def _answer_text(answer: Mapping[str, Any] | None, template: Template, language: str) -> str:
    if answer is None:
        return translation(language).gettext(_("Not answered"))
    item = template.item(answer["item"]) if template.has_item(answer["item"]) else None
    words = answer_words(item, answer, language)
    comment = answer.get("comment") or ""
    photos = len(answer.get("photos") or [])
    parts = [words]
    if comment:
        parts.append(f"“{comment}”")
    if photos and (item is None or item.kind != "photo"):
        messages = translation(language)
        parts.append(messages.ngettext("%(num)d photo", "%(num)d photos", photos) % {"num": photos})
    return " · ".join(parts)


def changes_between(
    before: Iterable[Mapping[str, Any]],
    after: Iterable[Mapping[str, Any]],
    template: Template,
    language: str,
) -> list[Change]:
    """The answers that differ between two revisions (value, N/A, comment or photos)."""
    old = {answer["item"]: dict(answer) for answer in before}
    new = {answer["item"]: dict(answer) for answer in after}
    changes = []
    for item in template.items():
        if old.get(item.key) == new.get(item.key):
            continue
        changes.append(
            Change(
                item=item.key,
                text=localized(item.text, language) or item.key,
                before=_answer_text(old.get(item.key), template, language),
                after=_answer_text(new.get(item.key), template, language),
            )
        )
    return changes


async def revision_views(
    audit_id: int, audit_uuid: uuid_module.UUID, template: Template, language: str
) -> list[RevisionView]:
    """Every stored revision, newest first, with what changed from the one before and the
    notes the reviewer returned it with."""
    rows = (
        await AuditRevision.select(
            AuditRevision.revision,
            AuditRevision.canonical,
            AuditRevision.score_percent,
            AuditRevision.received_at,
        )
        .where(AuditRevision.audit == audit_id)
        .order_by(AuditRevision.revision)
    )
    notes = (
        await ReturnNote.select().where(ReturnNote.audit_uuid == audit_uuid).order_by(ReturnNote.id)
    )
    views = []
    previous: list[dict[str, Any]] | None = None
    for row in rows:
        answers = list(json.loads(row["canonical"]).get("answers", []))
        changes = [] if previous is None else changes_between(previous, answers, template, language)
        returned = tuple(
            (
                (localized(template.item(note["item"]).text, language) or note["item"])
                if note["item"] and template.has_item(note["item"])
                else (note["item"] or ""),
                note["note"],
            )
            for note in notes
            if note["revision"] == row["revision"]
        )
        views.append(
            RevisionView(
                number=row["revision"],
                received_at=row["received_at"],
                percent=None if row["score_percent"] is None else float(row["score_percent"]),
                changes=tuple(changes),
                notes=returned,
            )
        )
        previous = answers
    return list(reversed(views))


# --- the page --------------------------------------------------------------------------------


async def load_checklist(key: str, version: int) -> Template:
    row = (
        await ChecklistTemplate.select(ChecklistTemplate.body)
        .where(ChecklistTemplate.key == key, ChecklistTemplate.version == version)
        .first()
    )
    if row is None:
        raise NotFound(_("The audit's checklist template is missing."))
    return Template.from_dict(json.loads(row["body"]))


@dataclasses.dataclass(frozen=True, slots=True)
class AuditFacts:
    """What the page says of the audit whoever reads it; `auditor` only for agency staff."""

    uuid: uuid_module.UUID
    id: int
    status: str
    revision: int
    client_id: int
    outlet_id: int
    wave_id: int
    template_key: str
    template_version: int
    channel: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    released_at: dt.datetime | None
    percent: float | None
    band: str | None
    passed: bool | None
    answers: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    auditor: str | None


async def _agency_facts(
    request: Request[Any, Any, Any], caller: Caller, audit_uuid: uuid_module.UUID
) -> AuditFacts:
    audit = await AuditQueries(context_of(request).database).get_audit(caller, audit_uuid)
    row = (
        await Audit.select(Audit._meta.primary_key, Audit.score_percent)
        .where(Audit.uuid == audit_uuid)
        .first()
    )
    assert row is not None  # get_audit found it
    auditor = None
    if may(caller, NAME_AUDITORS):
        person = await User.select(User.name).where(User.id == audit.auditor_id).first()
        auditor = None if person is None else person["name"]
    return AuditFacts(
        uuid=audit_uuid,
        id=row["id"],
        status=audit.status,
        revision=audit.revision,
        client_id=audit.client_id,
        outlet_id=audit.outlet_id,
        wave_id=audit.wave_id,
        template_key=audit.template.key,
        template_version=audit.template.version,
        channel=audit.channel,
        started_at=audit.started_at,
        finished_at=audit.finished_at,
        released_at=audit.released_at,
        percent=None if row["score_percent"] is None else float(row["score_percent"]),
        band=audit.score.band,
        passed=audit.score.passed,
        answers=[
            {"item": a.item, "value": a.value, "na": a.na, "comment": a.comment, "photos": a.photos}
            for a in audit.answers
        ],
        flags=list(audit.flags),
        auditor=auditor,
    )


async def _client_facts(caller: Caller, audit_uuid: uuid_module.UUID) -> AuditFacts:
    audit = await ReleasedAudits().get(caller, audit_uuid)
    row = (
        await Audit.select(Audit._meta.primary_key, Audit.finished_at)
        .where(Audit.uuid == audit_uuid)
        .first()
    )
    assert row is not None  # the released view found it
    return AuditFacts(
        uuid=audit_uuid,
        id=row["id"],
        status=audit.status,
        revision=0,
        client_id=audit.client_id,
        outlet_id=audit.outlet_id,
        wave_id=audit.wave_id,
        template_key=audit.template_key,
        template_version=audit.template_version,
        channel=audit.channel,
        started_at=audit.visited_at,
        finished_at=row["finished_at"],
        released_at=audit.released_at,
        percent=None if audit.percent is None else float(audit.percent),
        band=audit.band,
        passed=audit.passed,
        answers=[
            {"item": a.item, "value": a.value, "na": a.na, "comment": a.comment, "photos": a.photos}
            for a in audit.answers
        ],
        flags=[],
        auditor=None,
    )


async def queue_neighbour(
    caller: Caller, request: Request[Any, Any, Any], audit_uuid: uuid_module.UUID
) -> str | None:
    """The next audit of the review queue after this one (oldest first), for "approve and go
    on"; None at the end of the queue."""
    from server.workflow.review import ReviewService

    page = await ReviewService(context_of(request).database).queue(caller, None, 200)
    uuids = [entry.uuid for entry in page.items]
    if audit_uuid in uuids:
        later = uuids[uuids.index(audit_uuid) + 1 :]
        return str(later[0]) if later else None
    return str(uuids[0]) if uuids else None


@dataclasses.dataclass(frozen=True, slots=True)
class PhotoPlace:
    """Where a photo of the audit sits on the page: its viewer's anchor and its alt text."""

    anchor: str
    alt: str


def photo_places(sections: Iterable[SectionView], language: str) -> dict[str, PhotoPlace]:
    """Every photo of the page's answers by uuid, so that a trust reason can show the photos
    it is about next to it."""
    messages = translation(language)
    places = {}
    for section in sections:
        for answer in section.answers:
            for number, photo in enumerate(answer.photos, 1):
                places[photo] = PhotoPlace(
                    f"photo-{answer.key}-{number}",
                    messages.gettext("Photo %(number)s of %(count)s: %(item)s")
                    % {"number": number, "count": len(answer.photos), "item": answer.text},
                )
    return places


@get("/audits/{audit_uuid:uuid}", include_in_schema=False)
async def audit_page(
    request: Request[Any, Any, Any], audit_uuid: FromPath[uuid_module.UUID]
) -> Response[str]:
    caller = await session_caller(request)
    database = context_of(request).database
    language = language_of(request, caller)
    agency = may(caller, FIELD_WORK)
    facts = (
        await _agency_facts(request, caller, audit_uuid)
        if agency
        else await _client_facts(caller, audit_uuid)
    )
    trust: TrustOut | None = await AuditQueries(database).trust_of(caller, audit_uuid, language)
    template = await load_checklist(facts.template_key, facts.template_version)
    card = score(template, facts.answers)
    sections = answer_views(template, facts.answers, card, language)
    # The other audits a reason names (a reused photo's original): linked where the caller may
    # open them, counted where not.
    others = await others_seen(
        database,
        caller,
        (
            audit
            for reason in (trust.reasons if trust else ())
            for audit in reason.params.get("audits", ())
        ),
    )
    outlet = (
        await Outlet.select(
            Outlet.id, Outlet.code, Outlet.name, Outlet.city, Outlet.region, Outlet.timezone
        )
        .where(Outlet.id == facts.outlet_id)
        .first()
    )
    assert outlet is not None
    region = (
        await Region.select(Region.name).where(Region.id == outlet["region"]).first()
        if outlet["region"]
        else None
    )
    wave = await Wave.select(Wave.name).where(Wave.id == facts.wave_id).first()
    released = facts.status in RELEASED_STATES
    disputes: list[Dispute] = []
    actions: list[CorrectiveAction] = []
    if may(caller, FOLLOW_UP) and (released or may(caller, REVIEW)):
        disputes = (await DisputeService(database).list(caller, None, 200, audit_uuid)).items
        actions = (
            await CorrectiveService(database).list(caller, None, 200, audit_uuid=audit_uuid)
        ).items
    revisions = await revision_views(facts.id, audit_uuid, template, language) if agency else []
    deadline = None
    held = False
    threshold = None
    rules = await client_rules(facts.client_id)
    if released and facts.released_at is not None:
        deadline = dispute_deadline(facts.released_at, rules.dispute_window)
    if trust is not None and rules.trust_threshold is not None and may(caller, REVIEW):
        threshold = rules.trust_threshold
        held = facts.status == SUBMITTED and rules.holds(trust.score)
    now = dt.datetime.now(dt.UTC)
    may_review = may_take(caller, AUDIT_TRANSITIONS, facts.status, "approve")
    raises_disputes = may_take(caller, AUDIT_TRANSITIONS, APPROVED, "dispute")
    may_dispute = (
        may_take(caller, AUDIT_TRANSITIONS, facts.status, "dispute")
        and deadline is not None
        and now <= deadline
    )
    open_disputes = {d.item for d in disputes if d.status == "open"}
    item_texts = {item.key: localized(item.text, language) or item.key for item in template.items()}
    items_by_key = {item.key: item for item in template.items()}
    return render(
        request,
        "audit.html",
        caller=caller,
        facts=facts,
        template_title=localized(template.title, language) or template.key,
        outlet=outlet,
        region_name=None if region is None else region["name"],
        wave_name=None if wave is None else wave["name"],
        trust=trust,
        held=held,
        threshold=threshold,
        sections=sections,
        card=card,
        disputes=disputes,
        open_disputes=open_disputes,
        actions=actions,
        revisions=revisions,
        deadline=deadline,
        may_review=may_review,
        may_dispute=may_dispute,
        raises_disputes=raises_disputes,
        may_decide=may_take(caller, DISPUTE_TRANSITIONS, OPEN, "uphold"),
        next_audit=await queue_neighbour(caller, request, audit_uuid) if may_review else None,
        item_texts=item_texts,
        answer_words=lambda key, answer: answer_words(items_by_key.get(key), answer, language),
        agency=agency,
        photo_places=photo_places(sections, language),
        others={other.uuid: other for other in others},
    )


@get("/photos/{photo_uuid:uuid}/display", include_in_schema=False)
async def photo_display(
    request: Request[Any, Any, Any], photo_uuid: FromPath[uuid_module.UUID]
) -> Response[bytes]:
    """A photo's display image (at most 1600 px) for whoever may see it, as the API's; else
    404."""
    from server.audits.photo_intake import PhotoIntake

    caller = await session_caller(request)
    data = await PhotoIntake.of(context_of(request)).image(caller, photo_uuid, "display")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private"})


ROUTES = [audit_page, photo_display]
