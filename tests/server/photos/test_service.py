"""`store_photo` against a real local media store: hash check, dedup, derived objects, refusals."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from PIL import ExifTags

from server.photos import (
    DamagedImage,
    PhotoHashMismatch,
    PhotoLimits,
    PhotoTooLarge,
    UnsupportedImage,
    store_photo,
)
from server.storage import LocalMediaStore
from tests.server.photos.images import open_image, photo


@pytest.fixture
def store(tmp_path: Path) -> LocalMediaStore:
    return LocalMediaStore(tmp_path / "media")


def stored_files(store: LocalMediaStore) -> list[Path]:
    return sorted(path for path in store.root.rglob("*") if path.is_file())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_photo_is_stored_with_its_original_and_derived_images(store: LocalMediaStore) -> None:
    data = photo("gps_nikon.jpg")
    photo_uuid = uuid.uuid4()

    stored = store_photo(store, photo_uuid, data, sha256(data))

    assert photo_uuid == stored.uuid
    assert sha256(data) == stored.sha256
    assert (len(data), "JPEG", "image/jpeg") == (stored.size_bytes, stored.format, stored.mime_type)
    assert (640, 480) == (stored.width, stored.height)
    assert stored.created is True
    assert data == store.get(stored.original_key)
    assert f"originals/{stored.sha256[:2]}/{stored.sha256[2:4]}/{stored.sha256}" == (
        stored.original_key
    )
    display = open_image(store.get(stored.display_key))
    thumbnail = open_image(store.get(stored.thumbnail_key))
    assert (stored.display_width, stored.display_height) == display.size
    assert (stored.thumbnail_width, stored.thumbnail_height) == thumbnail.size
    assert {} == dict(display.getexif().get_ifd(ExifTags.IFD.GPSInfo))
    assert stored.taken_at is not None
    assert 3 == len(stored_files(store))


def test_sending_the_same_photo_again_or_for_another_audit_stores_nothing_new(
    store: LocalMediaStore,
) -> None:
    data = photo("orientation_6.jpg")
    first = store_photo(store, uuid.uuid4(), data, sha256(data))
    files_before = {path: path.stat().st_mtime_ns for path in stored_files(store)}

    retry = store_photo(store, first.uuid, data, sha256(data))
    other_audit = store_photo(store, uuid.uuid4(), data, sha256(data))

    assert (False, False) == (retry.created, other_audit.created)
    assert first.original_key == retry.original_key == other_audit.original_key
    assert first.display_key == other_audit.display_key
    assert first.thumbnail_key == other_audit.thumbnail_key
    assert files_before == {path: path.stat().st_mtime_ns for path in stored_files(store)}


def test_the_declared_hash_may_be_upper_case(store: LocalMediaStore) -> None:
    data = photo("small_orientation_6.jpg")

    stored = store_photo(store, str(uuid.uuid4()), data, sha256(data).upper())

    assert sha256(data) == stored.sha256


@pytest.mark.parametrize(
    "declared",
    [sha256(b"other bytes"), "not-a-hash", "", sha256(b"x")[:63]],
    ids=["other-hash", "not-hex", "empty", "too-short"],
)
def test_a_hash_mismatch_is_refused_and_nothing_is_written(
    store: LocalMediaStore, declared: str
) -> None:
    data = photo("small_orientation_6.jpg")

    with pytest.raises(PhotoHashMismatch) as refused:
        store_photo(store, uuid.uuid4(), data, declared)

    assert 422 == refused.value.status
    assert [] == stored_files(store)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("truncated.png", DamagedImage),
        ("empty.jpg", DamagedImage),
        ("bomb.gif", UnsupportedImage),
    ],
)
def test_a_refused_photo_writes_nothing(
    store: LocalMediaStore, name: str, error: type[Exception]
) -> None:
    data = photo(name)

    with pytest.raises(error):
        store_photo(store, uuid.uuid4(), data, sha256(data))

    assert [] == stored_files(store)


def test_the_limits_passed_in_are_the_ones_applied(store: LocalMediaStore) -> None:
    data = photo("gps_nikon.jpg")  # 640 x 480 = 307,200 pixels, 161,713 bytes

    with pytest.raises(PhotoTooLarge) as too_many_pixels:
        store_photo(store, uuid.uuid4(), data, sha256(data), PhotoLimits(max_pixels=300_000))
    with pytest.raises(PhotoTooLarge) as too_many_bytes:
        store_photo(store, uuid.uuid4(), data, sha256(data), PhotoLimits(max_bytes=100_000))

    assert "0.3 megapixels; the limit is 0.3 megapixels" in str(too_many_pixels.value)
    assert "The photo is 0.2 MB; the limit is 0.1 MB." in str(too_many_bytes.value)
    assert [] == stored_files(store)


def test_a_heic_original_is_kept_as_heic_beside_its_jpegs(store: LocalMediaStore) -> None:
    data = photo("iphone11.heic")

    stored = store_photo(store, uuid.uuid4(), data, sha256(data))

    assert ("HEIF", "image/heic") == (stored.format, stored.mime_type)
    assert data == store.get(stored.original_key)
    assert "JPEG" == open_image(store.get(stored.display_key)).format
    assert stored.display_key.endswith(".jpg")
