"""Marking up a photo: marks drawn on a copy at full size, the original kept with its hash,
both sent with the marked copy first (docs/contract.md#answers)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from mobile.markup import MAX_TEXT, Mark, draw_marks
from mobile.session import AuditSession, start_visit
from mobile.store import QUEUED, Store
from tests.mobile.sample_data import PHOTO_DIR, every_kind_template, sync_payload
from tests.mobile.test_sync import fill_valid_answers

PHOTO = Path(PHOTO_DIR) / "gps_nikon.jpg"
RED = (229, 57, 53)


def grey_photo(path: Path) -> Path:
    Image.new("RGB", (800, 600), (128, 128, 128)).save(path, "JPEG", quality=95)
    return path


def reddish(pixel: tuple[int, int, int]) -> bool:
    red, green, blue = pixel
    return red > 180 and green < 110 and blue < 110


def test_marks_are_drawn_where_they_were_put(tmp_path: Path) -> None:
    source = grey_photo(tmp_path / "grey.jpg")
    marks = [
        Mark("arrow", 0.1, 0.1, 0.4, 0.4),
        Mark("circle", 0.75, 0.25, 0.85, 0.25),
        Mark("text", 0.1, 0.8, text="Dirty floor"),
    ]
    marked = draw_marks(source, marks)
    assert hashlib.sha256(marked.data).hexdigest() == marked.sha256
    with Image.open(io.BytesIO(marked.data)) as image:
        assert ("JPEG", (800, 600)) == (image.format, image.size)
        picture = image.convert("RGB")
        assert reddish(picture.getpixel((200, 150)))  # on the arrow's shaft
        assert reddish(picture.getpixel((680, 150)))  # on the circle (radius 80 px)
        assert not reddish(picture.getpixel((600, 150)))  # inside the circle: untouched
        assert any(reddish(picture.getpixel((x, 500))) for x in range(80, 400))  # the text
        assert not reddish(picture.getpixel((700, 550)))  # nowhere near a mark


@pytest.mark.parametrize(
    ("kind", "text"), [("square", ""), ("text", "  "), ("text", "x" * (MAX_TEXT + 1))]
)
def test_a_mark_must_make_sense(kind: str, text: str) -> None:
    with pytest.raises(ValueError, match="mark"):
        Mark(kind, 0.5, 0.5, text=text)  # type: ignore[arg-type]


@pytest.fixture
def session(tmp_path: Path) -> Iterator[AuditSession]:
    store = Store(tmp_path / "phone")
    store.apply_pull(sync_payload(every_kind_template(), assignment_count=1))
    yield start_visit(store, 1)
    store.close()


def test_the_marked_copy_goes_first_and_the_original_stays(session: AuditSession) -> None:
    fill_valid_answers(session)
    (original,) = session.photos("shelf")
    original_bytes = original.path.read_bytes()
    copy = session.mark_photo(original.uuid, [Mark("circle", 0.5, 0.5, 0.6, 0.5)])

    assert original.uuid == copy.marked_from
    assert [copy.uuid, original.uuid] == [photo.uuid for photo in session.photos("shelf")]
    assert [(copy.uuid, original.uuid)] == [
        (shown.uuid, kept.uuid) for shown, kept in session.shown_photos("shelf")
    ]
    shelf = session.answer_of("shelf")
    assert shelf is not None
    assert (copy.uuid, original.uuid) == shelf.photos
    assert original_bytes == original.path.read_bytes()  # untouched, same hash
    assert hashlib.sha256(original_bytes).hexdigest() == original.sha256

    # marking again starts from the original (even when the copy is picked) and replaces it
    again = session.mark_photo(copy.uuid, [Mark("text", 0.1, 0.1, text="Here")])
    assert [again.uuid, original.uuid] == [photo.uuid for photo in session.photos("shelf")]
    assert not copy.path.exists()

    body = session.submit()
    shelf_answer = next(answer for answer in body["answers"] if answer["item"] == "shelf")
    assert [again.uuid, original.uuid] == shelf_answer["photos"]
    queued = {entry.uuid for entry in session.store.outbox() if entry.kind == "photo"}
    assert {again.uuid, original.uuid} == queued  # both are sent
    assert {QUEUED} == {entry.state for entry in session.store.outbox()}


def test_removing_the_marks_keeps_the_photo_and_deleting_the_photo_takes_both(
    session: AuditSession,
) -> None:
    original = session.attach_photo("shelf", PHOTO)
    copy = session.mark_photo(original.uuid, [Mark("arrow", 0.2, 0.2, 0.5, 0.5)])
    session.delete_photo(copy.uuid)  # "remove the marks"
    assert [original.uuid] == [photo.uuid for photo in session.photos("shelf")]
    copy = session.mark_photo(original.uuid, [Mark("arrow", 0.2, 0.2, 0.5, 0.5)])
    session.delete_photo(original.uuid)  # "delete photo"
    assert [] == session.photos("shelf")
    assert not copy.path.exists()
    assert not original.path.exists()
