"""One audit being filled in on the phone: the logic behind the checklist screens.

Every change is saved to the store at once. Which items are visible, what blocks submitting
and the live score all come from ``shared`` (the same code the server scores with), so the
auditor sees the score the server will compute. ``submit`` builds the audit wire body
(docs/contract.md#sync-audits) and queues it with its photos in the outbox in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mobile.markup import Mark, draw_marks
from mobile.photos import prepare_photo
from mobile.store import DRAFT, AuditRecord, Store, StoredPhoto
from mobile.visits import can_start, visit_of
from shared.answers import Answer
from shared.checklist import Item, Section, Template
from shared.scoring import ScoreCard, score, visible_items
from shared.validation import Problem, validate

Clock = Callable[[], datetime]

UNSCORABLE_PROBLEMS = frozenset({"out_of_range", "wrong_kind", "unknown_item"})
TIMER_SETTING = "timer:{audit}:{item}"


def local_now() -> datetime:
    """The device clock with its UTC offset (the wire format needs offsets)."""
    return datetime.now().astimezone()


class SubmitBlocked(Exception):
    """The audit still has problems (missing required answers, photos...)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) block submitting")
        self.problems = problems


class NotADraft(Exception):
    """The audit was already submitted and can no longer change on the phone."""


class VisitClosed(Exception):
    """The visit is sent, waiting for review or done: it cannot be started again."""


@dataclass(frozen=True)
class Progress:
    """How far the audit is: visible required items answered (or N/A), of all of them."""

    answered: int
    required: int


@dataclass(frozen=True)
class ChecklistState:
    """Everything the checklist shows, computed from one reading of the saved answers."""

    answers: list[Answer]
    visible: set[str]
    problems: list[Problem]
    score: ScoreCard
    progress: Progress

    def answer(self, item: str) -> Answer | None:
        return next((answer for answer in self.answers if answer.item == item), None)


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the template with its section, in template order."""

    section: Section
    item: Item

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def kind(self) -> str:
        return self.item.kind


def start_visit(
    store: Store,
    assignment_id: int,
    *,
    location: dict[str, Any] | None = None,
    clock: Clock = local_now,
) -> AuditSession:
    """The "start visit" button: resume the assignment's draft (a returned audit's too), or
    create the audit now; a visit already sent or done raises ``VisitClosed``."""
    assignment = store.assignment(assignment_id)
    if assignment is None:
        raise KeyError(f"assignment {assignment_id} is not on this phone")
    visit = visit_of(store, assignment_id)
    if visit is None or not can_start(visit):
        raise VisitClosed(f"assignment {assignment_id} cannot be started again")
    draft = store.draft_for_assignment(assignment_id)
    if draft is not None:
        return AuditSession(store, draft.uuid, clock=clock)
    template_ref = assignment["template"]
    audit_uuid = store.start_audit(
        assignment_id,
        template_ref["key"],
        template_ref["version"],
        clock().isoformat(timespec="seconds"),
        location,
    )
    return AuditSession(store, audit_uuid, clock=clock)


class AuditSession:
    """The checklist of one audit: answers in, visibility, problems and live score out."""

    def __init__(self, store: Store, audit_uuid: str, *, clock: Clock = local_now) -> None:
        record = store.audit(audit_uuid)
        if record is None:
            raise KeyError(f"no audit {audit_uuid} on this phone")
        template_data = store.template(record.template_key, record.template_version)
        if template_data is None:
            raise KeyError(f"template {record.template_key} v{record.template_version} missing")
        self.store = store
        self.audit_uuid = audit_uuid
        self.clock = clock
        self.template_data = template_data
        self.template = Template.from_dict(template_data)
        self.checklist = [
            ChecklistItem(section, item)
            for section in self.template.sections
            for item in section.items
        ]
        self._by_key = {entry.key: entry for entry in self.checklist}

    @property
    def record(self) -> AuditRecord:
        record = self.store.audit(self.audit_uuid)
        assert record is not None
        return record

    def item(self, key: str) -> ChecklistItem:
        return self._by_key[key]

    # giving answers (each call is one saved user action) ----------------------------------

    def answer(self, item: str, value: Any) -> None:
        self._require_draft(item)
        self.store.save_answer(self.audit_uuid, item, value=value, set_value=True)

    def clear_answer(self, item: str) -> None:
        self.answer(item, None)

    def set_na(self, item: str, na: bool) -> None:
        self._require_draft(item)
        self.store.save_answer(self.audit_uuid, item, na=na)

    def comment(self, item: str, text: str) -> None:
        self._require_draft(item)
        self.store.save_answer(self.audit_uuid, item, comment=text)

    def attach_photo(self, item: str, source: bytes | str | Path) -> StoredPhoto:
        """Shrink and store a photo for an item (raises mobile.photos.PhotoError)."""
        self._require_draft(item)
        prepared = prepare_photo(source)
        return self.store.add_photo(
            self.audit_uuid, item, prepared.data, prepared.sha256, prepared.content_type
        )

    def delete_photo(self, photo_uuid: str) -> None:
        self._require_draft(None)
        self.store.delete_photo(photo_uuid)

    def mark_photo(self, photo_uuid: str, marks: list[Mark]) -> StoredPhoto:
        """Keep a marked-up copy of a photo (its original stays, untouched, with its hash).

        Marking again starts from the original and replaces the earlier copy. Runs Pillow on
        the full photo: call it off the UI thread.
        """
        photo = self.store.photo(photo_uuid)
        if photo is None or photo.audit_uuid != self.audit_uuid:
            raise KeyError(f"no photo {photo_uuid} in this audit")
        self._require_draft(photo.item)
        original = self.store.photo(photo.marked_from) if photo.marked_from else photo
        if original is None or original.remote:
            raise ValueError("only a photo taken on this phone can be marked up")
        marked = draw_marks(original.path, marks)
        return self.store.add_photo(
            self.audit_uuid,
            original.item,
            marked.data,
            marked.sha256,
            marked.content_type,
            marked_from=original.uuid,
        )

    def photos(self, item: str | None = None) -> list[StoredPhoto]:
        """The photos in the order they are sent: each marked copy just before its original
        (reviewers see the marked copy first; docs/contract.md#answers)."""
        photos = [
            photo
            for photo in self.store.photos(self.audit_uuid)
            if item is None or photo.item == item
        ]
        copies = {photo.marked_from: photo for photo in photos if photo.marked_from}
        ordered = []
        for photo in photos:
            if photo.marked_from:
                continue
            if photo.uuid in copies:
                ordered.append(copies[photo.uuid])
            ordered.append(photo)
        return ordered

    def shown_photos(self, item: str) -> list[tuple[StoredPhoto, StoredPhoto]]:
        """(what the card shows, the original) per photo: the marked copy when there is one."""
        photos = self.photos(item)
        copies = {photo.marked_from: photo for photo in photos if photo.marked_from}
        return [(copies.get(photo.uuid, photo), photo) for photo in photos if not photo.marked_from]

    # the stopwatch of timer items: its start is saved, so a killed app keeps timing ----------

    def start_timer(self, item: str) -> None:
        self._require_draft(item)
        key = TIMER_SETTING.format(audit=self.audit_uuid, item=item)
        self.store.set_settings(**{key: self.clock().isoformat()})

    def timer_started_at(self, item: str) -> datetime | None:
        key = TIMER_SETTING.format(audit=self.audit_uuid, item=item)
        started = self.store.get_setting(key)
        return datetime.fromisoformat(started) if started else None

    def stop_timer(self, item: str) -> int | float:
        """Stop the stopwatch and save the time elapsed as the answer, in the timer's unit
        (`shared.checklist.Item.timer_answer`); the answer saved."""
        started = self.timer_started_at(item)
        if started is None:
            raise ValueError(f"the timer of {item!r} is not running")
        elapsed = max(0, round((self.clock() - started).total_seconds()))
        value = self.template.item(item).timer_answer(elapsed)
        self.answer(item, value)
        self.store.delete_settings(TIMER_SETTING.format(audit=self.audit_uuid, item=item))
        return value

    # what the screens show ------------------------------------------------------------------

    def answers(self) -> list[Answer]:
        """The answers in template order, in shared's form (photos attached)."""
        stored = self.store.answers(self.audit_uuid)
        photos_by_item: dict[str, list[str]] = {}
        for photo in self.photos():
            photos_by_item.setdefault(photo.item, []).append(photo.uuid)
        keys = [entry.key for entry in self.checklist]
        keys += sorted((set(stored) | set(photos_by_item)) - set(keys))
        answers = []
        for key in keys:
            if key not in stored and key not in photos_by_item:
                continue
            given = stored.get(key)
            answers.append(
                Answer.from_dict(
                    {
                        "item": key,
                        "value": None if given is None or given.na else given.value,
                        "na": bool(given and given.na),
                        "comment": given.comment if given else "",
                        "photos": photos_by_item.get(key, []),
                    }
                )
            )
        return answers

    def answer_of(self, item: str) -> Answer | None:
        for answer in self.answers():
            if answer.item == item:
                return answer
        return None

    def visible_items(self) -> list[ChecklistItem]:
        """The items to show now, in template order (show_if evaluated on current answers)."""
        visible = visible_item_keys(self.template, self.answers())
        return [entry for entry in self.checklist if entry.key in visible]

    def problems(self) -> list[Problem]:
        return list(validate(self.template, self.answers()))

    def live_score(self) -> ScoreCard:
        """The score so far; an answer the scorer cannot read (out of range...) is left out."""
        return self.state().score

    def progress(self) -> Progress:
        return self.state().progress

    def state(self) -> ChecklistState:
        """Answers, visible items, problems, live score and progress, read once."""
        answers = self.answers()
        problems = list(validate(self.template, answers))
        unreadable = {problem.item for problem in problems if problem.code in UNSCORABLE_PROBLEMS}
        card = score(self.template, [a for a in answers if a.item not in unreadable])
        visible = visible_item_keys(self.template, answers)
        required = [
            entry.key for entry in self.checklist if entry.key in visible and entry.item.required
        ]
        # A required item counts as answered once validation no longer asks for its answer
        # (a photo item: its photo).
        missing = {
            problem.item
            for problem in problems
            if problem.code == "required"
            or (problem.code == "photo_required" and self._by_key[problem.item].kind == "photo")
        }
        progress = Progress(
            answered=sum(1 for key in required if key not in missing), required=len(required)
        )
        return ChecklistState(answers, visible, problems, card, progress)

    def page_of(self, item: str) -> int:
        """The index of the section holding ``item`` (KeyError for an unknown item)."""
        section = self._by_key[item].section
        return next(n for n, s in enumerate(self.template.sections) if s is section)

    @property
    def shows_score(self) -> bool:
        """Whether the programme lets the shopper see the live score (the server says so in
        sync; docs/contract.md#sync-pull). Scoring still runs: the server scores anyway."""
        assignment = self.store.assignment(self.record.assignment_id) or {}
        return bool(assignment.get("live_score", True))

    # submitting -------------------------------------------------------------------------------

    def wire_body(self, finished_at: str) -> dict[str, Any]:
        """The audit as sent to ``PUT /api/v1/audits/{uuid}`` (sent_at is added at send time)."""
        record = self.record
        return {
            "assignment_id": record.assignment_id,
            "template": {"key": record.template_key, "version": record.template_version},
            "started_at": record.started_at,
            "finished_at": finished_at,
            "location": record.location,
            "answers": [answer.to_dict() for answer in self.answers()],
            "client_score": self.live_score().to_dict(),
        }

    def submit(self) -> dict[str, Any]:
        """Queue the audit and its photos for sending; raise SubmitBlocked on problems."""
        self._require_draft(None)
        problems = self.problems()
        if problems:
            raise SubmitBlocked(problems)
        # A correction keeps the visit's own end: the visit did not happen again.
        finished_at = self.record.finished_at or self.clock().isoformat(timespec="seconds")
        body = self.wire_body(finished_at)
        # Photos the server already holds (of a returned audit) are referenced, not sent.
        photo_uuids = [photo.uuid for photo in self.photos() if not photo.remote]
        self.store.submit_audit(self.audit_uuid, finished_at, body, photo_uuids)
        return body

    def _require_draft(self, item: str | None) -> None:
        if self.record.state != DRAFT:
            raise NotADraft(f"audit {self.audit_uuid} was already submitted")
        if item is not None and item not in self._by_key:
            raise KeyError(f"no item {item!r} in this checklist")


def visible_item_keys(template: Template, answers: list[Answer]) -> set[str]:
    """The keys of the items visible with these answers (docs/contract.md#scoring, rule 1)."""
    by_item = {answer.item: answer for answer in answers}
    return {key for key, shown in visible_items(template, by_item).items() if shown}
