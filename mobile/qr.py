"""Reading a QR code from a picture (the setup link), with zbar through pyzbar.

pyzbar and its zbar library are part of the Android build (buildozer.spec); where they are
missing (a desktop without them) no code is read and the auditor pastes the link instead.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

SCAN_SIDE = 1600  # a phone photo shrunk this far still holds a code filling a fifth of it


def read_qr(path: Path) -> str | None:
    """The text of the first QR code in the picture, or None."""
    try:
        from pyzbar.pyzbar import ZBarSymbol, decode
    except ImportError:  # pragma: no cover - a desktop without zbar
        return None
    try:
        with Image.open(path) as picture:
            picture.draft("L", (SCAN_SIDE, SCAN_SIDE))
            gray = picture.convert("L")
            gray.thumbnail((SCAN_SIDE, SCAN_SIDE))
    except (OSError, ValueError):
        return None
    for symbol in decode(gray, symbols=[ZBarSymbol.QRCODE]):
        try:
            return str(symbol.data.decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return None
