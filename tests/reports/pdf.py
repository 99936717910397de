"""Reading generated PDFs back for the report tests: text, fonts, outline, images, PNG previews."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import IndirectObject, StreamObject

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page with all runs of whitespace collapsed to one space."""
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader(pdf).pages]


def squeeze(text: str) -> str:
    """`text` with whitespace collapsed like `page_texts`, to look it up there."""
    return re.sub(r"\s+", " ", text)


@dataclass(frozen=True)
class PdfFont:
    name: str
    type: str
    embedded: bool


def fonts(pdf: bytes) -> list[PdfFont]:
    """Every font the PDF references, as `pdffonts` (poppler) lists it."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        listing = subprocess.run(
            ["pdffonts", file.name], check=True, capture_output=True, text=True
        ).stdout
    found = []
    for line in listing.splitlines()[2:]:
        # name, type (one or two words), encoding, emb, sub, uni, object id, generation
        columns = line.split()
        embedded = columns[-5] == "yes"
        found.append(PdfFont(columns[0], " ".join(columns[1:-6]), embedded))
    return found


def outline_titles(pdf: bytes) -> list[str]:
    return [str(entry.title) for entry in reader(pdf).outline if not isinstance(entry, list)]


def image_streams(pdf: bytes) -> list[tuple[tuple[str, ...], bytes]]:
    """(filter names, raw stream bytes) of every image XObject, page by page."""
    found = []
    for page in reader(pdf).pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        xobjects = resources.get_object().get("/XObject")
        if xobjects is None:
            continue
        for reference in xobjects.get_object().values():
            stream = reference.get_object() if isinstance(reference, IndirectObject) else reference
            assert isinstance(stream, StreamObject)
            if stream.get("/Subtype") == "/Image":
                filters = stream.get("/Filter")
                names = (filters,) if isinstance(filters, str) else tuple(filters or ())
                found.append((tuple(str(name) for name in names), stream._data))
    return found


def save_previews(pdf: bytes, name: str, pages: int = 2) -> list[Path]:
    """The first `pages` pages as PNG in test-artifacts/reports/ for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        subprocess.run(
            ["pdftoppm", "-r", "80", "-l", str(pages), "-png", file.name, str(ARTIFACTS / name)],
            check=True,
        )
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def filled_heights(pdf: bytes) -> list[float]:
    """How far down each page its content reaches, as a share of the frame the content is laid
    out in (header and footer left out): 1.0 is a full page, 0.2 a page mostly empty."""
    import pdfplumber

    from reports.styles import MARGIN, PAGE_SIZE

    frame_top = MARGIN + 4 * 72 / 25.4
    frame_bottom = PAGE_SIZE[1] - MARGIN
    filled = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            bottoms = [
                shape["bottom"]
                for kind in ("chars", "rects", "lines", "curves", "images")
                for shape in getattr(page, kind)
                if shape["top"] >= frame_top - 1 and shape["bottom"] <= frame_bottom + 1
            ]
            lowest = max(bottoms, default=frame_top)
            filled.append((lowest - frame_top) / (frame_bottom - frame_top))
    return filled


def mostly_empty_pages(pdf: bytes, least: float = 0.5) -> list[tuple[int, float]]:
    """(page number, share filled) of every page but the last filled less than `least`."""
    heights = filled_heights(pdf)
    return [
        (number, round(height, 2))
        for number, height in enumerate(heights[:-1], start=1)
        if height < least
    ]


def cut_short(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """The words of `text` that end in an ellipsis, other than those the data itself holds
    (`allowed`: checklist texts that end in "…" as written)."""
    for source in allowed:
        text = text.replace(squeeze(source), "")
    return re.findall(r"\S*…", text)


def checklist_ellipses() -> tuple[str, ...]:
    """Texts of the starter checklists that end in an ellipsis as written ("the member of
    staff…"): in a report they are the data, not a label cut short."""
    import json

    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
        elif isinstance(value, str) and value.endswith("…"):
            found.append(value)

    for path in sorted(
        (Path(__file__).resolve().parents[2] / "shared" / "starters").glob("*.json")
    ):
        walk(json.loads(path.read_text("utf-8")))
    return tuple(sorted(set(found), key=len, reverse=True))


def beyond_the_margins(pdf: bytes) -> list[tuple[int, str]]:
    """(page, text) of every character set outside the left and right page margins: what a
    table too wide for its page, or a label running off it, would leave there."""
    import pdfplumber

    from reports.styles import MARGIN, PAGE_SIZE

    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            found += [
                (number, char["text"])
                for char in page.chars
                if char["x0"] < MARGIN - 1 or char["x1"] > PAGE_SIZE[0] - MARGIN + 1
            ]
    return found
