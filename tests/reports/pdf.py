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
