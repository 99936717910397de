"""The outbox by audit (mobile.outbox): photos counted with their audit, one state, the bytes,
the message that matters, and "retry now"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mobile.notices import REFUSED, Notice
from mobile.outbox import audits_in_outbox, combined_state
from mobile.session import start_visit
from mobile.store import FAILED, QUEUED, SENDING, SYNCED, OutboxEntry, Store
from tests.mobile.sample_data import PHOTO_DIR, every_kind_template, sync_payload
from tests.mobile.test_sync import fill_valid_answers

PHOTO = Path(PHOTO_DIR) / "gps_nikon.jpg"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "phone")
    yield opened
    opened.close()


def entry(state: str) -> OutboxEntry:
    return OutboxEntry("photo", "x", state, "", 0, 0.0, None)


@pytest.mark.parametrize(
    ("states", "combined"),
    [
        ([SYNCED, SYNCED], SYNCED),
        ([SYNCED, QUEUED], QUEUED),
        ([SENDING, QUEUED], SENDING),
        ([SYNCED, FAILED, SENDING], FAILED),
    ],
)
def test_one_state_for_an_audit_and_its_photos(states: list[str], combined: str) -> None:
    assert combined == combined_state([entry(state) for state in states])


def test_each_audit_is_one_line_with_its_photos_counted(store: Store) -> None:
    store.apply_pull(sync_payload(every_kind_template(), assignment_count=2))
    first = start_visit(store, 1)
    fill_valid_answers(first)
    first.attach_photo("clean", PHOTO)  # a second photo, on another item
    first.submit()
    second = start_visit(store, 2)
    fill_valid_answers(second)
    second.submit()
    (shelf, clean) = sorted(first.photos(), key=lambda photo: photo.item != "shelf")
    store.mark_outbox("photo", shelf.uuid, SYNCED)
    refusal = Notice(REFUSED, status=415, detail="Not an image.").to_message()
    store.mark_outbox("photo", clean.uuid, FAILED, message=refusal)

    latest, earlier = audits_in_outbox(store)

    assert (second.audit_uuid, QUEUED, 0, 1) == (
        latest.audit_uuid,
        latest.state,
        latest.photos_sent,
        latest.photos,
    )
    assert ("Żabka Mokotów", "Магазин на Арбате") == (earlier.outlet_name, latest.outlet_name)
    assert (FAILED, 1, 2, refusal) == (
        earlier.state,
        earlier.photos_sent,
        earlier.photos,
        earlier.message,
    )
    photo_bytes = shelf.path.stat().st_size
    assert earlier.bytes_total > photo_bytes + clean.path.stat().st_size
    assert photo_bytes == earlier.bytes_sent
    assert earlier.can_retry
    assert latest.can_retry  # waiting for its next try: it may be sent now

    store.retry_audit(first.audit_uuid)  # "retry now"
    (again,) = [s for s in audits_in_outbox(store) if s.audit_uuid == first.audit_uuid]
    assert (QUEUED, 1) == (again.state, again.photos_sent)  # what was sent stays sent
    assert {first.audit_uuid, clean.uuid, second.audit_uuid} <= {
        e.uuid for e in store.due_outbox(0)
    }
    for part in store.outbox():
        store.mark_outbox(part.kind, part.uuid, SYNCED)
    done = audits_in_outbox(store)
    assert [(SYNCED, "", False)] * 2 == [(s.state, s.message, s.can_retry) for s in done]
    assert [s.bytes_total for s in done] == [s.bytes_sent for s in done]
