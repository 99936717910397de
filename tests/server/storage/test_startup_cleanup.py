"""Server start removes the temporary files a killed media write left, but only stale ones.

Several workers start and serve at once, so a young temporary file may be another worker's put
in progress: only files older than the store's age limit go.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.settings import Settings
from server.storage import LocalMediaStore
from server.storage.base import STALE_TEMPORARY_SECONDS


def leave_temporary_file(folder: Path, name: str, age_seconds: float) -> Path:
    """A temporary file as a put killed mid-write leaves it, last written `age_seconds` ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"half a photo")
    written_at = time.time() - age_seconds
    os.utime(path, (written_at, written_at))
    return path


@pytest.mark.parametrize("engine", ["sqlite"])  # the media folder is the subject
async def test_startup_removes_stale_temporary_files_and_keeps_young_ones(
    settings: Settings,
) -> None:
    folder = settings.media_dir / "originals" / "ab" / "cd"
    stale = leave_temporary_file(folder, ".tmp-killed", STALE_TEMPORARY_SECONDS + 60)
    young = leave_temporary_file(folder, ".tmp-in-progress", STALE_TEMPORARY_SECONDS - 60)
    stored_key = "originals/ab/cd/" + "ab" + "cd" * 31
    LocalMediaStore(settings.media_dir).put(stored_key, b"a stored photo")
    # Built, not started: nothing is cleaned before the lifespan runs.
    app = create_app(settings)
    assert stale.exists()

    async with AsyncTestClient(app=app):
        pass

    assert (False, True) == (stale.exists(), young.exists())
    assert b"a stored photo" == LocalMediaStore(settings.media_dir).get(stored_key)
