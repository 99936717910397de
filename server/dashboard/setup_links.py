"""Setup links of auditors' phones, shown to admins on the dashboard's administration page.

A link carries the server's public address and the auditor's e-mail, so the field app needs
nothing typed but the password (docs/contract.md#phone-setup; the phone reads it in
`mobile/setup_link.py`). Each link also comes as a QR code: drawn as one SVG path from the
module matrix of ReportLab's QR encoder, a few kilobytes instead of one rectangle per module.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urlencode

from reportlab.graphics.barcode.qr import QrCodeWidget

SCHEME = "shopscore://setup"
QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


@dataclass(frozen=True)
class AuditorSetup:
    link: str
    qr_svg: str


def setup_link(server: str, email: str) -> str:
    """`shopscore://setup?server=...&email=...`, both percent-encoded."""
    return f"{SCHEME}?{urlencode({'server': server, 'email': email})}"


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code of `text` as rows of dark (True) and light modules, without quiet zone."""
    widget = QrCodeWidget(text, barLevel="M")
    widget.qr.make()
    return [[bool(module) for module in row] for row in widget.qr.modules]


def qr_svg(text: str, label: str, module_px: int = 4) -> str:
    """An inline SVG of the QR code of `text`: one path of dark runs on a white square, with an
    accessible name (`label`, escaped)."""
    modules = qr_modules(text)
    size = len(modules) + 2 * QUIET_ZONE
    runs = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    pixels = size * module_px
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="qr" '
        f'aria-label="{html.escape(label, quote=True)}" width="{pixels}" height="{pixels}" '
        f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def auditor_setups(
    people: list[dict[str, object]], server: str, label: str
) -> dict[int, AuditorSetup]:
    """The setup link and QR code of every auditor among `people` (rows with id, email, role)."""
    setups = {}
    for person in people:
        if person["role"] != "auditor":
            continue
        link = setup_link(server, str(person["email"]))
        setups[int(str(person["id"]))] = AuditorSetup(link, qr_svg(link, label))
    return setups
