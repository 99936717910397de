"""Setting the phone up without typing a server address.

The dashboard shows each auditor a setup link (and its QR code)::

    shopscore://setup?server=https%3A%2F%2Fshopscore.example.com&email=anna%40example.com

The phone takes it opened from a message or a web page (Android hands the app the link), from
a scanned QR code, or pasted on the login screen; ``parse_setup_link`` reads it. Without one,
the server comes from the build (``mobile/build.json``: ``{"server": "https://..."}``, written
by whoever builds the app for a programme) or, on a desktop, from ``SHOPSCORE_SERVER``. The
format is docs/contract.md#phone-setup; ``server.dashboard.setup_links`` writes it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

SCHEME = "shopscore"
BUILD_FILE = Path(__file__).with_name("build.json")


@dataclass(frozen=True)
class Setup:
    """What a setup link says: the server's address and, usually, the auditor's e-mail."""

    server: str
    email: str = ""


def parse_setup_link(text: str) -> Setup | None:
    """The setup in a link (surrounding spaces and a pasted message's line breaks allowed), or
    None when the text is not a setup link with an http(s) server address."""
    link = text.strip()
    parts = urlsplit(link)
    if parts.scheme != SCHEME or (parts.netloc or parts.path.strip("/")) != "setup":
        return None
    query = parse_qs(parts.query)
    server = (query.get("server") or [""])[0].strip().rstrip("/")
    address = urlsplit(server)
    if address.scheme not in ("http", "https") or not address.netloc:
        return None
    email = (query.get("email") or [""])[0].strip()
    return Setup(server=server, email=email)


def built_in_server(environ: Mapping[str, str] = os.environ, build_file: Path = BUILD_FILE) -> str:
    """The server address the app was built for, or "" when it was built for none."""
    chosen = environ.get("SHOPSCORE_SERVER", "").strip()
    if not chosen and build_file.exists():
        try:
            chosen = str(json.loads(build_file.read_text(encoding="utf-8")).get("server", ""))
        except (ValueError, AttributeError):
            chosen = ""
    address = urlsplit(chosen.strip())
    if address.scheme not in ("http", "https") or not address.netloc:
        return ""
    return chosen.strip().rstrip("/")
