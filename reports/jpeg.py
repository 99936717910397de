"""JPEG photos in PDFs: embedded as they are (DCTDecode), never decoded, minus their metadata.

Thumbnails reach the reports already upright and stripped of personal EXIF by the photo
pipeline (docs/contract.md#photos); `without_metadata` is the last guard, since a PDF embeds
JPEG bytes as they are: an EXIF `Artist`, a camera owner or a GPS block would otherwise travel
inside the report. Only whole segments are dropped; the compressed image data is never touched.

`JpegImage` exists because ReportLab's own `Image`/`drawImage` decode every JPEG to RGB just to
name it (an MD5 of the pixels), which costs time and, through a reference cycle in
`ImageReader`, kept about 2 MB per report alive until a full garbage collection.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfutils import readJPEGInfo
from reportlab.platypus.flowables import Flowable

_START_OF_IMAGE = b"\xff\xd8"
_START_OF_SCAN = 0xDA
_COMMENT = 0xFE
# APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe: how to read CMYK/YCCK) say how to
# show the pixels; every other APPn (EXIF, XMP, IPTC, maker notes...) and COM is dropped.
_KEPT_APPLICATION_MARKERS = frozenset({0xE0, 0xE2, 0xEE})


def without_metadata(jpeg: bytes) -> bytes:
    """`jpeg` without its EXIF/XMP/IPTC/comment segments; the same object when it has none.

    Raises ValueError when `jpeg` is not a baseline or progressive JPEG file.
    """
    if not jpeg.startswith(_START_OF_IMAGE):
        raise ValueError("not a JPEG image (no start-of-image marker)")
    kept = [_START_OF_IMAGE]
    dropped_any = False
    position = len(_START_OF_IMAGE)
    while position + 4 <= len(jpeg):
        if jpeg[position] != 0xFF:
            raise ValueError(f"corrupt JPEG: no marker at byte {position}")
        marker = jpeg[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker == _START_OF_SCAN:
            kept.append(jpeg[position:])
            return b"".join(kept) if dropped_any else jpeg
        length = int.from_bytes(jpeg[position + 2 : position + 4], "big")
        end = position + 2 + length
        is_metadata = marker == _COMMENT or (
            0xE0 <= marker <= 0xEF and marker not in _KEPT_APPLICATION_MARKERS
        )
        if is_metadata:
            dropped_any = True
        else:
            kept.append(jpeg[position:end])
        position = end
    raise ValueError("corrupt JPEG: no image data (start-of-scan marker) found")


class JpegImage(Flowable):  # type: ignore[misc]  # ReportLab ships no type information
    """A JPEG drawn at `width` x `height` points, embedded byte for byte as one image XObject
    per distinct JPEG in the document."""

    def __init__(self, jpeg: bytes, width: float, height: float) -> None:
        super().__init__()
        self.jpeg = without_metadata(jpeg)
        self.width = width
        self.height = height
        self.hAlign = "LEFT"

    @classmethod
    def fitted(cls, jpeg: bytes, max_width: float, max_height: float) -> JpegImage:
        """The JPEG scaled, aspect ratio kept, to fit in `max_width` x `max_height` points."""
        pixel_width, pixel_height, *_colour_and_dpi = readJPEGInfo(io.BytesIO(jpeg))
        scale = min(max_width / pixel_width, max_height / pixel_height)
        return cls(jpeg, pixel_width * scale, pixel_height * scale)

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        # What Canvas.drawImage does for a JPEG file, minus the pixel decoding.
        canvas: Any = self.canv
        document = canvas._doc
        name = "jpeg" + hashlib.sha256(self.jpeg).hexdigest()[:32]
        registered_name = document.getXObjectName(name)
        if not document.idToObject.get(registered_name):
            xobject = pdfdoc.PDFImageXObject(name)
            if not xobject.loadImageFromJPEG(io.BytesIO(self.jpeg)):
                raise ValueError("unreadable JPEG thumbnail")
            xobject.name = name
            canvas._setXObjects(xobject)
            document.Reference(xobject, registered_name)
            document.addForm(name, xobject)
        canvas._currentPageHasImages = 1
        canvas.saveState()
        canvas.scale(self.width, self.height)
        canvas._code.append(f"/{registered_name} Do")
        canvas.restoreState()
        canvas._formsinuse.append(name)
