"""What lets a reader check a report (docs/contract.md#reports): the verification panel beside
the first page's facts (QR code, code, where to enter it) and the code beside every page number.

The server decides the code and the addresses (`reports.model.Verification`); this module only
lays them out, so a report without one looks as it always did.
"""

from __future__ import annotations

import itertools

from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.lib.units import mm
from reportlab.platypus import Table
from reportlab.platypus.flowables import Flowable

from reports import styles
from reports.i18n import Translations
from reports.labels import para
from reports.model import Verification

# The QR code's side, quiet zone included: modules of about 0.6 mm for an address of ~60
# characters, which phone cameras read from a printout at arm's length.
QR_SIZE = 26 * mm
PANEL_WIDTH = 84 * mm
QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
CODE = styles.FIGURE.clone("verification-code", fontSize=9.5, leading=13)
ADDRESS = styles.SMALL.clone("verification-address", textColor=styles.INK)


class QrCode(Flowable):  # type: ignore[misc]  # ReportLab ships no type information
    """A QR code of `url`, `size` points square, quiet zone of 4 modules included.

    Encoded with ReportLab's QR encoder and drawn as one filled path of its dark runs: the
    encoder's own widget makes a shape object per run and renders each on its own, which cost
    more than encoding (about 10 ms a report, measured).
    """

    def __init__(self, url: str, size: float = QR_SIZE) -> None:
        super().__init__()
        # Level M: still read with 15 % of the modules smudged or folded on a printed page.
        self.code = QRCode(None, QRErrorCorrectLevel.M)
        self.code.addData(url)
        self.code.make()
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        modules = self.code.modules
        count = len(modules)
        module = self.size / (count + 2 * QUIET_ZONE)
        canvas = self.canv
        path = canvas.beginPath()
        for row, cells in enumerate(modules):
            top = self.size - (row + QUIET_ZONE + 1) * module
            column = 0
            for dark, run in itertools.groupby(cells):
                length = len(list(run))
                if dark:
                    path.rect((column + QUIET_ZONE) * module, top, length * module, module)
                column += length
        canvas.saveState()
        canvas.setFillColor(styles.INK)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()


def panel(verification: Verification, translations: Translations) -> Table:
    """The QR code with the code under a title and one line on how to use them."""
    _ = translations.gettext
    text = [
        para(_("Verify this report"), styles.CELL_BOLD),
        para(verification.code, CODE),
        para(_("Scan the QR code, or enter the code at:"), styles.SMALL),
        para(verification.address, ADDRESS),
    ]
    qr_column = QR_SIZE + 4 * mm
    return Table(
        [[QrCode(verification.url), text]],
        colWidths=[qr_column, PANEL_WIDTH - qr_column],
        style=styles.layout_style(
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (0, 0), 2 * mm),
            ("LEFTPADDING", (1, 0), (1, 0), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("LINEBEFORE", (0, 0), (0, 0), 0.5, styles.RULE),
        ),
    )


def facts_width(verification: Verification | None) -> float:
    """The width left for the first page's facts table beside the panel."""
    width: float = styles.CONTENT_WIDTH - (PANEL_WIDTH if verification else 0)
    return width


def beside_facts(
    facts: Flowable, verification: Verification | None, translations: Translations
) -> Flowable:
    """The facts table with the verification panel on its right (the facts alone without)."""
    if verification is None:
        return facts
    return Table(
        [[facts, panel(verification, translations)]],
        colWidths=[facts_width(verification), PANEL_WIDTH],
        style=styles.layout_style(
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ),
    )


def page_label(verification: Verification | None, label: str) -> str:
    """A page's number with the report's code before it, so that every printed page can be
    checked on its own."""
    if verification is None:
        return label
    return f"{verification.code} · {label}"
