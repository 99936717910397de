"""Checking report signatures with poppler's `pdfsig`, a verifier written by others
(docs/contract.md#reports).

`pdfsig` checks two things and says each on its own line: whether the signature matches the
signed bytes ("Signature Validation: Signature is Valid." / "Digest Mismatch."), and whether
the signer's certificate leads to a certificate authority it trusts ("Certificate
Validation: ..."). The server's own certificate is self-signed, so nothing trusts it and the
second line always says so; the tests assert on the first. A client who wants the second line
to pass adds the server's certificate (or configures one from a CA) to their trust store.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

VALID = "Signature Validation: Signature is Valid."
MISMATCH = "Signature Validation: Digest Mismatch."


def pdfsig(pdf: bytes | Path) -> str:
    """What `pdfsig` says of a PDF (bytes or a file)."""
    if isinstance(pdf, Path):
        return _run(pdf)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return _run(Path(file.name))


def _run(path: Path) -> str:
    result = subprocess.run(
        ["pdfsig", str(path)], capture_output=True, text=True, check=False, timeout=60
    )
    return result.stdout + result.stderr


def signature_lines(report: str) -> list[str]:
    """The "Signature Validation" lines of a pdfsig report (one per signature)."""
    return [line.strip(" -") for line in report.splitlines() if "Signature Validation" in line]


def signed_ranges(report: str) -> list[tuple[int, int]]:
    """The byte ranges the first signature covers."""
    line = next(line for line in report.splitlines() if "Signed Ranges" in line)
    return [(int(start), int(end)) for start, end in re.findall(r"\[(\d+) - (\d+)\]", line)]


def one_byte_changed(pdf: bytes, report: str) -> bytes:
    """`pdf` with one byte of its signed content changed: the middle of the first range."""
    start, end = signed_ranges(report)[0]
    changed = bytearray(pdf)
    changed[(start + end) // 2] ^= 0x20
    return bytes(changed)
