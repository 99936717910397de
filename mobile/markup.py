"""Marking up a photo: an arrow, a circle or a short text drawn on a copy of it.

Marks are kept in the picture's own coordinates, 0 to 1 from its top-left corner, so the
screen may show the photo at any size and the copy is drawn at full size. ``draw_marks``
draws them with Pillow on the stored (already shrunk, upright) photo and returns the marked
copy as a prepared JPEG with its SHA-256. The original stays as it was taken: both are sent,
the marked copy first (docs/contract.md#answers).
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from mobile.i18n import BOLD_FONT
from mobile.photos import JPEG_QUALITY, PreparedPhoto, kept_exif, release_freed_memory

MarkKind = Literal["arrow", "circle", "text"]
KINDS: tuple[MarkKind, ...] = ("arrow", "circle", "text")
MAX_TEXT = 40  # a short note on the picture; longer words go in the comment
COLOUR = (229, 57, 53)  # a red that shows on shelves, floors and faces alike
OUTLINE = (255, 255, 255)


@dataclass(frozen=True)
class Mark:
    """One mark: an arrow from (x0, y0) to its head at (x1, y1); a circle around (x0, y0)
    through (x1, y1); a text whose top-left corner is (x0, y0)."""

    kind: MarkKind
    x0: float
    y0: float
    x1: float = 0.0
    y1: float = 0.0
    text: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown mark {self.kind!r}")
        if self.kind == "text" and not self.text.strip():
            raise ValueError("a text mark needs its text")
        if len(self.text) > MAX_TEXT:
            raise ValueError(f"a text mark has at most {MAX_TEXT} characters")


def arrow_head(
    x0: float, y0: float, x1: float, y1: float, size: float
) -> list[tuple[float, float]]:
    """The triangle at the head (x1, y1) of an arrow from (x0, y0), ``size`` long."""
    angle = math.atan2(y1 - y0, x1 - x0)
    spread = math.radians(26)
    return [
        (x1, y1),
        (x1 - size * math.cos(angle - spread), y1 - size * math.sin(angle - spread)),
        (x1 - size * math.cos(angle + spread), y1 - size * math.sin(angle + spread)),
    ]


def draw_marks(source: Path | bytes, marks: list[Mark]) -> PreparedPhoto:
    """The photo with its marks drawn in, as the JPEG to store and send."""
    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as opened:
        picture = opened.convert("RGB")
        # The marked copy is as much evidence as its original: the same capture time and camera.
        exif = kept_exif(opened)
    width, height = picture.size
    scale = math.hypot(width, height)
    line = max(3, round(scale * 0.006))
    draw = ImageDraw.Draw(picture)
    for mark in marks:
        x0, y0, x1, y1 = mark.x0 * width, mark.y0 * height, mark.x1 * width, mark.y1 * height
        if mark.kind == "arrow":
            head = max(line * 5, math.hypot(x1 - x0, y1 - y0) * 0.25)
            draw.line([(x0, y0), (x1, y1)], fill=OUTLINE, width=line + 4)
            draw.line([(x0, y0), (x1, y1)], fill=COLOUR, width=line)
            draw.polygon(arrow_head(x0, y0, x1, y1, head), fill=COLOUR, outline=OUTLINE)
        elif mark.kind == "circle":
            radius = math.hypot(x1 - x0, y1 - y0)
            box = [x0 - radius, y0 - radius, x0 + radius, y0 + radius]
            draw.ellipse(box, outline=OUTLINE, width=line + 4)
            draw.ellipse(box, outline=COLOUR, width=line)
        else:
            font = ImageFont.truetype(str(BOLD_FONT), max(14, round(height * 0.05)))
            draw.text(
                (x0, y0), mark.text, font=font, fill=COLOUR, stroke_width=max(2, line // 2),
                stroke_fill=OUTLINE,
            )  # fmt: skip
    output = io.BytesIO()
    picture.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True, exif=exif)
    data = output.getvalue()
    release_freed_memory()
    return PreparedPhoto(data, hashlib.sha256(data).hexdigest(), width, height)
