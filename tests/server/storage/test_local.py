"""What only the local-disk store promises: where files go, atomic publishing, no leftovers."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server.storage import LocalMediaStore, ObjectConflict, content_key


def test_objects_are_files_under_the_root_named_by_their_key(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path)
    data = b"photo"
    digest = hashlib.sha256(data).hexdigest()

    store.put(content_key("originals", digest), data)

    expected = tmp_path / "originals" / digest[:2] / digest[2:4] / digest
    assert data == expected.read_bytes()
    assert 0o644 == expected.stat().st_mode & 0o777
    assert [expected] == [path for path in tmp_path.rglob("*") if path.is_file()]


def test_no_temporary_file_is_left_after_puts_and_conflicts(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path)
    store.put("display/aa/bb/one.jpg", b"one")
    store.put("display/aa/bb/one.jpg", b"one")
    with pytest.raises(ObjectConflict):
        store.put("display/aa/bb/one.jpg", b"two")

    assert [] == [path.name for path in tmp_path.rglob(".tmp-*")]


def test_a_repeated_put_does_not_rewrite_the_file(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path)
    store.put("originals/aa/bb/kept", b"bytes")
    before = store.path_of("originals/aa/bb/kept").stat()

    store.put("originals/aa/bb/kept", b"bytes")

    after = store.path_of("originals/aa/bb/kept").stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_a_temporary_file_left_by_a_crash_is_never_an_object_and_is_cleaned_up(
    tmp_path: Path,
) -> None:
    store = LocalMediaStore(tmp_path)
    store.put("originals/aa/bb/real", b"real")
    leftover = tmp_path / "originals" / "aa" / "bb" / ".tmp-crashed"
    leftover.write_bytes(b"half written")
    an_hour_ago = time.time() - 3700
    os.utime(leftover, (an_hour_ago, an_hour_ago))
    fresh = tmp_path / "originals" / "aa" / "bb" / ".tmp-in-progress"
    fresh.write_bytes(b"being written now")

    removed = store.remove_temporary_files(older_than_seconds=3600)

    assert 1 == removed
    assert not leftover.exists()
    assert fresh.exists()  # a put in progress elsewhere is left alone
    assert b"real" == store.get("originals/aa/bb/real")


def test_the_root_is_created_when_missing(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "var" / "media")

    store.put("thumbs/00/00/a.jpg", b"a")

    assert (tmp_path / "var" / "media" / "thumbs" / "00" / "00" / "a.jpg").is_file()


WRITER = """
import hashlib, os, sys
from server.storage import LocalMediaStore, content_key
store = LocalMediaStore(sys.argv[1])
number = 0
while True:
    data = os.urandom(256 * 1024) + number.to_bytes(8, "big")
    store.put(content_key("originals", hashlib.sha256(data).hexdigest()), data)
    number += 1
    if number == 3:
        print("writing", flush=True)
"""


def test_killing_the_writer_mid_put_never_leaves_a_partial_object(tmp_path: Path) -> None:
    root = tmp_path / "media"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    assert "writing\n" == writer.stdout.readline()
    time.sleep(0.3)
    writer.kill()  # SIGKILL: no clean-up of any kind
    writer.wait()
    writer.stdout.close()

    store = LocalMediaStore(root)
    objects = [path for path in root.rglob("*") if path.is_file() and path.name[0] != "."]
    assert len(objects) >= 3
    for path in objects:
        assert path.name == hashlib.sha256(path.read_bytes()).hexdigest()
        assert store.exists(f"originals/{path.name[:2]}/{path.name[2:4]}/{path.name}")
