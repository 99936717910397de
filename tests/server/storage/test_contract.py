"""The `MediaStore` contract, run against every implementation: local disk and S3 (moto)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from server.storage import (
    InvalidKey,
    LocalMediaStore,
    MediaNotFound,
    MediaStore,
    ObjectConflict,
    S3MediaStore,
    content_key,
)
from tests.server.storage.conftest import S3Server


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "local":
        return LocalMediaStore(tmp_path / "media")
    server: S3Server = request.getfixturevalue("s3_server")
    bucket: str = request.getfixturevalue("s3_bucket")
    return S3MediaStore(
        server.endpoint, bucket, server.access_key, server.secret_key, server.region
    )


def key_for(data: bytes) -> str:
    return content_key("originals", hashlib.sha256(data).hexdigest())


def test_put_stores_the_bytes_and_reports_a_new_object(store: MediaStore) -> None:
    data = b"\xff\xd8 photo bytes " * 100

    created = store.put(key_for(data), data, content_type="image/jpeg")

    assert created is True
    assert data == store.get(key_for(data))
    assert store.exists(key_for(data))


def test_putting_the_same_bytes_again_succeeds_and_reports_nothing_new(store: MediaStore) -> None:
    data = b"same bytes"
    store.put(key_for(data), data)

    again = store.put(key_for(data), data)

    assert again is False
    assert data == store.get(key_for(data))


def test_other_bytes_under_an_existing_key_conflict_and_the_stored_object_stays(
    store: MediaStore,
) -> None:
    key = "display/ab/cd/some-object.jpg"
    store.put(key, b"first")

    with pytest.raises(ObjectConflict):
        store.put(key, b"second")

    assert b"first" == store.get(key)


def test_missing_objects(store: MediaStore) -> None:
    key = "originals/00/00/missing"

    assert not store.exists(key)
    with pytest.raises(MediaNotFound):
        store.get(key)
    with pytest.raises(MediaNotFound):
        store.open(key)
    with pytest.raises(MediaNotFound):
        store.stream(key)  # raised when the stream is asked for, not at the first chunk
    store.delete(key)  # deleting nothing is fine


def test_delete_removes_the_object_and_the_key_can_be_used_again(store: MediaStore) -> None:
    store.put("thumbs/aa/bb/x.jpg", b"old")

    store.delete("thumbs/aa/bb/x.jpg")

    assert not store.exists("thumbs/aa/bb/x.jpg")
    assert store.put("thumbs/aa/bb/x.jpg", b"new") is True
    assert b"new" == store.get("thumbs/aa/bb/x.jpg")


def test_stream_returns_the_object_in_chunks(store: MediaStore) -> None:
    data = os.urandom(300_000)
    store.put(key_for(data), data)

    chunks = list(store.stream(key_for(data), chunk_size=64 * 1024))

    assert data == b"".join(chunks)
    assert len(chunks) >= 5
    assert 64 * 1024 >= max(len(chunk) for chunk in chunks)


def test_open_returns_a_readable_stream(store: MediaStore) -> None:
    store.put("originals/12/34/stream", b"0123456789")

    with store.open("originals/12/34/stream") as stream:
        assert b"0123" == stream.read(4)
        assert b"456789" == stream.read()


def test_an_empty_object_can_be_stored(store: MediaStore) -> None:
    assert store.put(key_for(b""), b"") is True
    assert b"" == store.get(key_for(b""))


INVALID_KEYS = (
    "../outside",
    "originals/../../etc/passwd",
    "/etc/passwd",
    "originals//double",
    "originals/",
    "",
    "Originals/Upper",
    "originals/.tmp-abc",
    "originals/ab/cd/name with space",
    "originals\\windows",
    "originals/%2e%2e/x",
)


@pytest.mark.parametrize(
    "operation",
    [
        lambda store, key: store.put(key, b"x"),
        lambda store, key: store.get(key),
        lambda store, key: store.exists(key),
        lambda store, key: store.delete(key),
        lambda store, key: store.open(key),
    ],
    ids=["put", "get", "exists", "delete", "open"],
)
def test_keys_outside_the_key_syntax_are_refused(
    store: MediaStore, operation: Callable[[MediaStore, str], object]
) -> None:
    for key in INVALID_KEYS:
        with pytest.raises(InvalidKey):
            operation(store, key)


def test_concurrent_puts_of_the_same_bytes_all_succeed_and_one_creates(store: MediaStore) -> None:
    data = os.urandom(200_000)
    results = run_concurrently(8, lambda: store.put(key_for(data), data))

    assert [True] == [result for result in results if result is True]
    assert [False] * 7 == [result for result in results if result is False]
    assert data == store.get(key_for(data))


def test_concurrent_puts_of_different_bytes_leave_one_complete_winner(store: MediaStore) -> None:
    key = "display/00/11/contested.jpg"
    payloads = [bytes([number]) * 100_000 for number in range(6)]
    counter = iter(range(6))
    lock = threading.Lock()

    def put_one() -> object:
        with lock:
            payload = payloads[next(counter)]
        try:
            return store.put(key, payload)
        except ObjectConflict as conflict:
            return conflict

    results = run_concurrently(6, put_one)

    assert 1 == results.count(True)
    assert 5 == sum(isinstance(result, ObjectConflict) for result in results)
    assert store.get(key) in payloads


def run_concurrently(count: int, action: Callable[[], object]) -> list[object]:
    """Run `action` in `count` threads released together; return the results (or errors)."""
    barrier = threading.Barrier(count)
    results: list[object] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            result = action()
        except Exception as error:  # collected so the test reports it, not the thread
            result = error
        with lock:
            results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_content_key_fans_out_by_the_hash() -> None:
    digest = hashlib.sha256(b"x").hexdigest()

    assert f"thumbs/{digest[:2]}/{digest[2:4]}/{digest}.jpg" == content_key(
        "thumbs", digest, ".jpg"
    )
    with pytest.raises(InvalidKey):
        content_key("thumbs", "../" + digest[3:])
    with pytest.raises(InvalidKey):
        content_key("thumbs", digest.upper())
