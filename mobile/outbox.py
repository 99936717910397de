"""What the outbox shows: one line per submitted audit, its photos counted with it.

The store keeps one outbox entry per audit and per photo (each is sent on its own, photos
first); the auditor thinks in visits. ``audits_in_outbox`` folds the entries of each audit
into one ``AuditSending``: the outlet, photos sent n of m, the bytes to send, one state and
the message that matters. Plain data for the outbox screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mobile.store import FAILED, QUEUED, SENDING, SYNCED, AuditRecord, OutboxEntry, Store
from shared.checklist import Template
from shared.i18n import text


@dataclass(frozen=True)
class AuditSending:
    """One submitted audit on its way to the server."""

    audit_uuid: str
    assignment_id: int | None
    outlet_name: str
    correction: bool
    photos_sent: int
    photos: int
    bytes_total: int
    bytes_sent: int
    state: str
    message: str
    # Each question of its checklist by item key, in every language it is written in: what a
    # refusal's errors, which name items by key, are shown by.
    questions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def questions_in(self, lang: str) -> dict[str, str]:
        """Each question's words in `lang` (English where the checklist lacks it), by key."""
        return {key: text(texts, lang) for key, texts in self.questions.items()}

    @property
    def can_retry(self) -> bool:
        """Refused, or waiting for its next try: the auditor may send it now."""
        return self.state in (FAILED, QUEUED)


def combined_state(entries: list[OutboxEntry]) -> str:
    """Refused if any part was refused; sent when every part is; sending while one is."""
    states = {entry.state for entry in entries}
    if FAILED in states:
        return FAILED
    if states == {SYNCED}:
        return SYNCED
    if SENDING in states:
        return SENDING
    return QUEUED


def questions_of(store: Store, record: AuditRecord | None) -> dict[str, Mapping[str, str]]:
    """The texts of each question of the audit's checklist, by item key (none when the phone
    no longer holds the checklist)."""
    data = store.template(record.template_key, record.template_version) if record else None
    if data is None:
        return {}
    return {item.key: item.text for item in Template.from_dict(data).items()}


def audits_in_outbox(store: Store) -> list[AuditSending]:
    """Every audit in the outbox, the latest submitted first."""
    entries = store.outbox()
    photo_entries = {entry.uuid: entry for entry in entries if entry.kind == "photo"}
    outlets = store.outlets_by_id()
    sendings = []
    for entry in reversed([e for e in entries if e.kind == "audit"]):
        record = store.audit(entry.uuid)
        assignment = store.assignment(record.assignment_id) if record else None
        outlet = outlets.get(int(assignment["outlet_id"])) if assignment else None
        photos = [
            (photo, photo_entries[photo.uuid])
            for photo in (store.photos(entry.uuid) if record else [])
            if photo.uuid in photo_entries
        ]
        parts = [entry] + [photo_entry for _photo, photo_entry in photos]
        body_bytes = len(store.audit_body_text(entry.uuid))
        sizes = [(photo.path.stat().st_size if photo.path.exists() else 0) for photo, _ in photos]
        sent_bytes = sum(
            size
            for size, (_photo, photo_entry) in zip(sizes, photos, strict=True)
            if photo_entry.state == SYNCED
        ) + (body_bytes if entry.state == SYNCED else 0)
        # The message that matters: a refusal first, else the audit's own (waiting...).
        refused = [part for part in parts if part.state == FAILED and part.message]
        message = refused[0].message if refused else entry.message
        state = combined_state(parts)
        sendings.append(
            AuditSending(
                audit_uuid=entry.uuid,
                assignment_id=record.assignment_id if record else None,
                outlet_name=str(outlet["name"]) if outlet else "",
                correction=bool(record and record.is_correction),
                photos_sent=sum(1 for _photo, part in photos if part.state == SYNCED),
                photos=len(photos),
                bytes_total=body_bytes + sum(sizes),
                bytes_sent=sent_bytes,
                state=state,
                message="" if state == SYNCED else message,
                questions=questions_of(store, record) if state == FAILED else {},
            )
        )
    return sendings
