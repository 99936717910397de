"""Writing a report PDF to disk atomically: a half-written PDF never appears under its final
name (a report process may be stopped at any moment)."""

from __future__ import annotations

import os
from pathlib import Path


def write_report(pdf: bytes, path: Path) -> int:
    """Write `pdf` into `path`; return the size in bytes."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    temporary.write_bytes(pdf)
    os.replace(temporary, path)
    return len(pdf)
