"""`LocalMediaStore`: media on the local disk under one root folder (the embedded default).

A put writes a temporary file in the destination folder, fsyncs it, publishes it under its
final name with a hard link (atomic, and it never replaces an existing object, like S3's
`If-None-Match: *`), then fsyncs the folder so the new name survives a power cut. Where hard
links are not supported the file is published with `os.replace` instead. Temporary files left
by a crash start with `.tmp-` and are never valid keys; `remove_temporary_files` clears them.
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Final

from server.storage.base import (
    STALE_TEMPORARY_SECONDS,
    MediaNotFound,
    MediaStore,
    ObjectConflict,
    check_key,
    sha256_of,
)

__all__ = ["LocalMediaStore"]

_TEMPORARY_PREFIX: Final = ".tmp-"
_FILE_MODE: Final = 0o644
# errno values meaning "this filesystem cannot hard-link", after which os.replace is used.
_NO_HARD_LINKS: Final = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK}


class LocalMediaStore(MediaStore):
    """Objects as files under `root`, named by their key."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalMediaStore({str(self.root)!r})"

    def path_of(self, key: str) -> Path:
        """The file an object is (or would be) stored in."""
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> bool:
        path = self.path_of(key)
        if path.exists():
            return self._same_content(path, data, key)
        self._make_folders(path.parent)
        descriptor, temporary_name = tempfile.mkstemp(prefix=_TEMPORARY_PREFIX, dir=path.parent)
        temporary = Path(temporary_name)
        try:
            with os.fdopen(descriptor, "wb") as file:
                os.fchmod(file.fileno(), _FILE_MODE)  # mkstemp makes 0600; others may serve it
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            written = self._publish(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        if not written:
            return self._same_content(path, data, key)
        _fsync_folder(path.parent)
        return True

    def get(self, key: str) -> bytes:
        try:
            return self.path_of(key).read_bytes()
        except FileNotFoundError:
            raise MediaNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def delete(self, key: str) -> None:
        path = self.path_of(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        _fsync_folder(path.parent)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path_of(key).open("rb")
        except FileNotFoundError:
            raise MediaNotFound(key) from None

    def remove_temporary_files(self, older_than_seconds: float = STALE_TEMPORARY_SECONDS) -> int:
        """Delete temporary files a crash left behind, if older than that; returns how many."""
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.root.rglob(f"{_TEMPORARY_PREFIX}*"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed

    def _same_content(self, path: Path, data: bytes, key: str) -> bool:
        if not hmac.compare_digest(sha256_of(path.read_bytes()), sha256_of(data)):
            raise ObjectConflict(key)
        return False

    def _publish(self, temporary: Path, path: Path) -> bool:
        """Give the temporary file its final name; False if another put got there first."""
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        except OSError as error:
            if error.errno not in _NO_HARD_LINKS:
                raise
            os.replace(temporary, path)
        return True

    def _make_folders(self, folder: Path) -> None:
        """Create `folder` and its missing parents, fsyncing each parent that gained an entry."""
        missing: list[Path] = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for new_folder in reversed(missing):
            try:
                new_folder.mkdir()
            except FileExistsError:
                continue
            _fsync_folder(new_folder.parent)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
