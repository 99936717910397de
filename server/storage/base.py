"""The media store interface: named blobs (photo originals and derived images), nothing more.

Keys are made by the server (`content_key`), never taken from a user: a key is lower-case
segments of letters, digits, `.`, `_` and `-` joined by `/`, e.g. `originals/ab/cd/<sha256>`.
Every store checks keys with `check_key`, so a key can never climb out of the store's root.

`put` is atomic (a reader sees the whole object or none) and idempotent (putting the same
bytes again is a success that reports nothing new was written); putting other bytes under an
existing key raises `ObjectConflict` and leaves the stored object untouched.
"""

from __future__ import annotations

import abc
import hashlib
import re
from collections.abc import Iterator
from typing import BinaryIO, Final

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "STALE_TEMPORARY_SECONDS",
    "InvalidKey",
    "MediaNotFound",
    "MediaStore",
    "MediaStoreError",
    "ObjectConflict",
    "check_key",
    "content_key",
]

DEFAULT_CHUNK_SIZE: Final = 64 * 1024
# A put's temporary file older than this belongs to a dead process, never to a put in progress
# (even in another worker of the same server), so it is safe to remove.
STALE_TEMPORARY_SECONDS: Final = 3600.0
_SEGMENT: Final = r"[a-z0-9_-][a-z0-9._-]*"
_KEY: Final = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
_SHA256: Final = re.compile(r"[0-9a-f]{64}")


class MediaStoreError(Exception):
    """Base of the errors a media store raises."""


class InvalidKey(MediaStoreError, ValueError):
    """A key that is not in the store's key syntax (a bug in the caller, never user input)."""


class MediaNotFound(MediaStoreError, KeyError):
    """No object is stored under the key."""


class ObjectConflict(MediaStoreError):
    """Other bytes are already stored under the key; the stored object was kept."""


def check_key(key: str) -> str:
    """Return `key` if it is a valid store key, else raise `InvalidKey`."""
    # No segment may start with a dot, so "." and ".." (and hidden files) are impossible.
    if len(key) > 512 or not _KEY.fullmatch(key):
        raise InvalidKey(f"not a media store key: {key!r}")
    return key


def content_key(prefix: str, sha256: str, suffix: str = "") -> str:
    """The key of content with this SHA-256 (hex) under `prefix`: `prefix/ab/cd/<sha256><suffix>`.

    Two levels of fan-out keep directories small on a local disk.
    """
    if not _SHA256.fullmatch(sha256):
        raise InvalidKey(f"not a lower-case hex SHA-256: {sha256!r}")
    return check_key(f"{prefix}/{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class MediaStore(abc.ABC):
    """Where photo bytes live: the local disk (`LocalMediaStore`) or S3 (`S3MediaStore`)."""

    @abc.abstractmethod
    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> bool:
        """Store `data` under `key` atomically; True if written now, False if already stored.

        Raises `ObjectConflict` when other bytes are stored under `key`.
        """

    @abc.abstractmethod
    def get(self, key: str) -> bytes:
        """The bytes stored under `key`; `MediaNotFound` if none."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object under `key`; nothing happens if there is none."""

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object (close it after use); `MediaNotFound` if none."""

    def remove_temporary_files(self, older_than_seconds: float = STALE_TEMPORARY_SECONDS) -> int:
        """Delete what interrupted puts left behind, if older than that; returns how many.

        A store whose put is one request (S3) leaves nothing behind: nothing to do by default.
        """
        return 0

    def stream(self, key: str, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        """The object's bytes in chunks, e.g. for a streamed HTTP response.

        The object is opened at once, so a missing key raises `MediaNotFound` here and not at
        the first iteration.
        """
        stream = self.open(key)
        return _chunks(stream, chunk_size)


def _chunks(stream: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(chunk_size):
            yield chunk
