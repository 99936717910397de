"""The one stylesheet of every Shopscore document: fonts, colours, paragraph styles, page layout.

Importing this module configures ReportLab for the whole process: DejaVu Sans registered and
made the default of canvases and drawings (no unembedded base-14 font is ever referenced), and
the pure-Python ASCII-85 re-encoding of image streams turned off.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics import shapes
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, TableStyle
from reportlab.platypus.doctemplate import FrameBreak
from reportlab.platypus.flowables import Flowable

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
_FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
}
FONT_DIRECTORIES = (
    Path(__file__).parent / "fonts",
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
)


def _font_path(file_name: str) -> Path:
    for directory in FONT_DIRECTORIES:
        candidate = directory / file_name
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(directory) for directory in FONT_DIRECTORIES)
    raise FileNotFoundError(
        f"{file_name} not found in {searched}: install fonts-dejavu-core "
        "or copy the DejaVu TTF files into reports/fonts/"
    )


def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold, oblique) once and make it the default everywhere."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name, file_name in _FONT_FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(_font_path(file_name))))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD
    )
    shapes.STATE_DEFAULTS["fontName"] = FONT
    rl_config.canvas_basefontname = FONT


register_fonts()
# ASCII-85 re-encoding of every image stream in pure Python costs 2-3x the build time and 20 %
# size (measured); the PDF is binary anyway.
rl_config.useA85 = 0

# Okabe-Ito colours (safe for the common colour-vision deficiencies), chosen so that the ones
# used side by side also differ in lightness and read in greyscale.
INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#595959")
RULE = colors.HexColor("#B3B3B3")
ZEBRA = colors.HexColor("#F2F2F2")
BLUE = colors.HexColor("#0072B2")
SKY = colors.HexColor("#56B4E9")
VERMILLION = colors.HexColor("#D55E00")
YELLOW = colors.HexColor("#F0E442")
LIGHT_GREY = colors.HexColor("#C8C8C8")
WHITE = colors.white

CRITICAL = VERMILLION
# Band colours are also 0.34 / 0.62 / 0.85 / 0.47 apart in grey; the band is named in text too.
BAND_COLOURS = {"excellent": BLUE, "good": SKY, "fair": YELLOW, "poor": VERMILLION}

# Viridis anchors: perceptually uniform and monotonically lighter, so a heatmap still reads
# in greyscale and for every kind of colour blindness.
_VIRIDIS = ("#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725")


def band_colour(band: str | None, passed: bool) -> colors.Color:
    """The colour of a score band; unknown bands fall back to pass (sky) or fail (vermillion)."""
    if band is not None and band in BAND_COLOURS:
        return BAND_COLOURS[band]
    return SKY if passed else VERMILLION


def text_colour_on(background: colors.Color) -> colors.Color:
    """Black or white, whichever reads better on `background`."""
    luminance = 0.299 * background.red + 0.587 * background.green + 0.114 * background.blue
    return INK if luminance > 0.55 else WHITE


def heat_colour(percent: float | None) -> colors.Color:
    """The sequential (viridis) colour of a 0-100 score; light grey when there is none."""
    if percent is None:
        return ZEBRA
    position = max(0.0, min(1.0, percent / 100)) * (len(_VIRIDIS) - 1)
    index = min(int(position), len(_VIRIDIS) - 2)
    low = colors.HexColor(_VIRIDIS[index])
    high = colors.HexColor(_VIRIDIS[index + 1])
    return colors.linearlyInterpolatedColor(low, high, 0, 1, position - index)


PAGE_SIZE = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN

BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, textColor=MUTED)
# What a part's heading is followed by: a line saying how to read it, kept with what follows.
INTRO = ParagraphStyle("intro", parent=SMALL, spaceAfter=2 * mm, keepWithNext=True)
COMMENT = ParagraphStyle("comment", parent=SMALL, fontName=FONT_ITALIC, textColor=INK)
TITLE = ParagraphStyle("title", parent=BODY, fontName=FONT_BOLD, fontSize=20, leading=24)
SUBTITLE = ParagraphStyle("subtitle", parent=BODY, fontSize=11, leading=14, textColor=MUTED)
HEADING = ParagraphStyle(
    "heading",
    parent=BODY,
    fontName=FONT_BOLD,
    fontSize=13,
    leading=16,
    spaceBefore=10,
    spaceAfter=6,
    textColor=BLUE,
    keepWithNext=True,
)
SUBHEADING = ParagraphStyle(
    "subheading",
    parent=BODY,
    fontName=FONT_BOLD,
    fontSize=10.5,
    leading=13,
    spaceBefore=8,
    spaceAfter=4,
    keepWithNext=True,
)
# The first heading of a report: at the very top of page 1, no space above it.
HEADING_TOP = ParagraphStyle("heading-top", parent=HEADING, spaceBefore=0, spaceAfter=3)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5)
CELL_BOLD = ParagraphStyle("cell-bold", parent=CELL, fontName=FONT_BOLD)
CELL_RIGHT = ParagraphStyle("cell-right", parent=CELL, alignment=TA_RIGHT)
CELL_BOLD_RIGHT = ParagraphStyle("cell-bold-right", parent=CELL_BOLD, alignment=TA_RIGHT)
SMALL_RIGHT = ParagraphStyle("small-right", parent=SMALL, alignment=TA_RIGHT)
SMALL_BOLD_RIGHT = ParagraphStyle(
    "small-bold-right", parent=SMALL_RIGHT, fontName=FONT_BOLD, textColor=INK
)
SMALL_CRITICAL_RIGHT = ParagraphStyle(
    "small-critical-right", parent=SMALL_RIGHT, textColor=CRITICAL
)
HEADER_CELL = ParagraphStyle("header-cell", parent=CELL, fontName=FONT_BOLD, textColor=WHITE)
HEADER_CELL_RIGHT = ParagraphStyle("header-cell-right", parent=HEADER_CELL, alignment=TA_RIGHT)
SCORE = ParagraphStyle(
    "score", parent=BODY, fontName=FONT_BOLD, fontSize=34, leading=40, alignment=TA_CENTER
)
SCORE_LABEL = ParagraphStyle("score-label", parent=BODY, fontSize=11, alignment=TA_CENTER)
FIGURE = ParagraphStyle("figure", parent=BODY, fontName=FONT_BOLD, fontSize=15, leading=18)
FIGURE_SMALL = ParagraphStyle(
    "figure-small", parent=BODY, fontName=FONT_BOLD, fontSize=11.5, leading=14.5
)
NOTE = ParagraphStyle("note", parent=BODY, fontSize=8.5, leading=11)
CELL_CRITICAL = ParagraphStyle("cell-critical", parent=CELL_BOLD, textColor=CRITICAL)


def layout_style(*commands: tuple[Any, ...]) -> TableStyle:
    """A table style for layout tables; every table needs one, since a cell that holds a plain
    string (even an empty one) otherwise sets ReportLab's default font, Helvetica, which is
    then referenced without being embedded."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), *commands])


NO_BREAK_SPACE = "\u00a0"
# Where a line may break in a cell: any white space but the no-break space.
BREAKS = re.compile(r"[^\S\u00a0]+")


# A one-letter word ("i", "w", "и", "в") ends no line: Polish and Russian typography bind it to
# the next word, and a header reading "Wynik / i / zmiana" down a narrow column reads badly.
SINGLE_LETTER = re.compile(r"(?<!\w)(\w) ")


def bound(text: str) -> str:
    """`text` with each one-letter word bound to the word after it by a no-break space."""
    return SINGLE_LETTER.sub("\\1" + NO_BREAK_SPACE, text)


def unbroken(text: str) -> str:
    """A short label kept on one line in a table (a funnel class: "w granicach", "в пределах"):
    its spaces made no-break, which `fitted_widths` then measures as one word."""
    return text.replace(" ", NO_BREAK_SPACE)


def fitted_widths(
    headers: Sequence[str],
    least: Sequence[float],
    flexible: int,
    total: float = 0.0,
    cells: Sequence[Sequence[str]] = (),
) -> list[float]:
    """Column widths in which no word is broken across lines: each column at least its
    longest word (of its header, in bold, and of the texts `cells` holds for it, rows of one
    text per column), with the cell's padding, and its `least`; the `flexible` column takes
    what is left of `total` (the content width by default), never less than its own longest
    word.

    Translations differ in length ("Visits", "Визиты", "Wizyty"), and so do the names of
    regions and outlets, so widths fixed for English split Russian words mid-word; this sizes
    them for the texts at hand.
    """

    def longest(texts: Sequence[str]) -> float:
        return max(
            (stringWidth(word, FONT_BOLD, 8.5) for text in texts for word in BREAKS.split(text)),
            default=0.0,
        )

    columns = [
        [bound(header), *(row[index] for row in cells)] for index, header in enumerate(headers)
    ]
    words = [longest(texts) + 13 for texts in columns]
    widths = [max(low, word) for word, low in zip(words, least, strict=True)]
    # The flexible column takes what is left, down to its own longest word when the others
    # need more room than their `least` (long words in another language).
    rest = (total or CONTENT_WIDTH) - sum(widths) + widths[flexible]
    widths[flexible] = max(words[flexible], rest)
    return widths


def table_style(*, right_aligned: tuple[int, ...] = ()) -> TableStyle:
    """The look of every data table: a dark header row repeated on each page, zebra rows.

    Figures go into cells as plain strings (much cheaper to lay out than paragraphs), right
    aligned in the columns listed in `right_aligned`.
    """
    commands: list[tuple[Any, ...]] = [
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("LEADING", (0, 0), (-1, -1), 10.5),
        ("BACKGROUND", (0, 0), (-1, 0), INK),
        ("TEXTCOLOR", (0, 0), (-1, 0), WHITE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [WHITE, ZEBRA]),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    commands.extend(("ALIGN", (column, 1), (column, -1), "RIGHT") for column in right_aligned)
    return layout_style(*commands)


class WrapOnceParagraph(Paragraph):  # type: ignore[misc]  # ReportLab ships no type information
    """A paragraph that breaks its lines once per width.

    A table re-wraps every cell each time it splits at a page end, so the cells of a long
    table were laid out three or four times; their line breaks only depend on the width.
    """

    _wrapped_width: float | None = None

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        if available_width == self._wrapped_width:
            return self.width, self.height
        size: tuple[float, float] = super().wrap(available_width, available_height)
        self._wrapped_width = available_width
        return size

    def split(self, available_width: float, available_height: float) -> list[Any]:
        parts: list[Any] = super().split(available_width, available_height)
        for part in parts:
            part._wrapped_width = None  # each part has its own lines
        return parts


class FittedText(Flowable):  # type: ignore[misc]  # ReportLab ships no type information
    """Plain text set on one line when it fits the width it is given, else a paragraph that
    wraps (never cut).

    Most texts of a report (dates, figures, names, column headers) fit on one line, and each
    paragraph costs a markup parse and a line-breaking pass: these draw such texts directly,
    at the place and in the style a one-line paragraph would.
    """

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.keepWithNext = getattr(style, "keepWithNext", 0)
        self._paragraph: WrapOnceParagraph | None = None
        self._available = 0.0
        self._one_line = False
        # A text with line breaks or runs of spaces is a paragraph's to lay out.
        plain = " ".join(text.split()) == text
        self._natural = stringWidth(text, style.fontName, style.fontSize) if plain else math.inf

    def getSpaceBefore(self) -> float:
        return float(self.style.spaceBefore)

    def getSpaceAfter(self) -> float:
        return float(self.style.spaceAfter)

    def _fits(self, width: float) -> bool:
        return bool(self._natural <= width - self.style.leftIndent - self.style.rightIndent)

    def _as_paragraph(self) -> WrapOnceParagraph:
        if self._paragraph is None:
            self._paragraph = WrapOnceParagraph(escape(self.text), self.style)
        return self._paragraph

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._one_line = self._fits(available_width)
        if self._one_line:
            self._available = available_width
            self.width, self.height = available_width, float(self.style.leading)
            return self.width, self.height
        self.width, self.height = self._as_paragraph().wrap(available_width, available_height)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Any]:
        if self._fits(available_width):
            return []
        parts: list[Any] = self._as_paragraph().split(available_width, available_height)
        return parts

    def draw(self) -> None:
        if not self._one_line:
            self._as_paragraph().drawOn(self.canv, 0, 0)
            return
        canvas, style = self.canv, self.style
        canvas.setFont(style.fontName, style.fontSize)
        canvas.setFillColor(style.textColor)
        # Where a paragraph puts its first baseline (rl_config.paraFontSizeHeightOffset).
        baseline = self.height - style.fontSize
        if style.alignment == TA_RIGHT:
            canvas.drawRightString(self._available - style.rightIndent, baseline, self.text)
        elif style.alignment == TA_CENTER:
            canvas.drawCentredString(self._available / 2, baseline, self.text)
        else:
            canvas.drawString(style.leftIndent, baseline, self.text)


class ContinuedItems(Flowable):  # type: ignore[misc]  # ReportLab ships no type information
    """Items of a list that may break across pages between two items; the part on the next
    page starts with `continued` (its title, "What went well (continued)"), so that no item
    stands at the top of a page without saying what list it belongs to.

    The list's first item belongs beside its heading, not in here: the heading keeps with
    the flowable after it, and a list kept whole with its heading would leave a gap.
    """

    def __init__(self, items: Sequence[Flowable], continued: Flowable) -> None:
        super().__init__()
        self.items = list(items)
        self.continued = continued
        self._sizes: list[float] = []

    def _heights(self, width: float, height: float) -> list[float]:
        return [
            item.wrap(width, height)[1] + item.getSpaceBefore() + item.getSpaceAfter()
            for item in self.items
        ]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._sizes = self._heights(availWidth, availHeight)
        self.width, self.height = availWidth, sum(self._sizes)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        used, fitting = 0.0, 0
        for size in self._heights(availWidth, availHeight):
            if used + size > availHeight:
                break
            used, fitting = used + size, fitting + 1
        if fitting == len(self.items):
            return list(self.items)  # all of it fits after all: no title on a page of its own
        titled = self.items[0] is self.continued
        if fitting == 0 or (fitting == 1 and titled):
            # Nothing (or only the title) fits here: the list goes on on the next page, titled.
            frame = getattr(self, "_frame", None)
            if titled or frame is None or frame._atTop:
                return []
            return [FrameBreak(), ContinuedItems([self.continued, *self.items], self.continued)]
        rest = ContinuedItems([self.continued, *self.items[fitting:]], self.continued)
        return [*self.items[:fitting], rest]

    def draw(self) -> None:
        top = self.height
        for item, size in zip(self.items, self._sizes, strict=True):
            top -= size
            item.drawOn(self.canv, 0, top + item.getSpaceAfter())


class Heading(Paragraph):  # type: ignore[misc]  # ReportLab ships no type information
    """A part heading: it starts a bookmark (outline entry) where it lands."""

    outline_level = 0


class SubHeading(Heading):
    """A heading within a part: a bookmark one level under the part's."""

    outline_level = 1


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # ReportLab ships no type information
    """A canvas that holds its pages back until the end to write "page x of y" on each."""

    def __init__(self, *args: Any, page_label: Callable[[int, int], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._page_label = page_label
        self._held_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for number, page_state in enumerate(self._held_pages, start=1):
            self.__dict__.update(page_state)
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawRightString(
                PAGE_SIZE[0] - MARGIN, MARGIN - 10 * mm, self._page_label(number, total)
            )
            super().showPage()
        super().save()


class ReportDocument(BaseDocTemplate):  # type: ignore[misc]  # ReportLab ships no type information
    """An A4 document with the Shopscore header and footer, bookmarks and metadata."""

    def __init__(
        self,
        *,
        title: str,
        subject: str,
        author: str,
        lang: str,
        invariant: bool,
        header_left: str,
        header_right: str,
        footer_left: str,
        page_label: Callable[[int, int], str],
    ) -> None:
        self.buffer = io.BytesIO()
        super().__init__(
            self.buffer,
            pagesize=PAGE_SIZE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + 4 * mm,
            bottomMargin=MARGIN,
            title=title,
            subject=subject,
            author=author,
            creator="Shopscore",
            lang=lang,
            invariant=1 if invariant else 0,
            initialFontName=FONT,
            initialFontSize=9.5,
        )
        self._header_left = header_left
        self._header_right = header_right
        self._footer_left = footer_left
        self._page_label = page_label
        self._bookmarks = 0
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

    def _decorate(self, canvas: Canvas, _document: BaseDocTemplate) -> None:
        width, height = PAGE_SIZE
        top = height - MARGIN + 2 * mm
        canvas.saveState()
        canvas.setFont(FONT_BOLD, 8)
        canvas.setFillColor(INK)
        canvas.drawString(MARGIN, top, self._header_left)
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(width - MARGIN, top, self._header_right)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, top - 2 * mm, width - MARGIN, top - 2 * mm)
        canvas.line(MARGIN, MARGIN - 6 * mm, width - MARGIN, MARGIN - 6 * mm)
        canvas.setFont(FONT, 7.5)
        canvas.drawString(MARGIN, MARGIN - 10 * mm, self._footer_left)
        canvas.restoreState()

    def afterFlowable(self, flowable: Any) -> None:
        if isinstance(flowable, Heading):
            self._bookmarks += 1
            key = f"part-{self._bookmarks}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(
                flowable.getPlainText(), key, level=flowable.outline_level, closed=True
            )

    def render(self, story: list[Any]) -> bytes:
        """Lay out `story` and return the PDF bytes."""

        def make_canvas(*args: Any, **kwargs: Any) -> _NumberedCanvas:
            return _NumberedCanvas(*args, page_label=self._page_label, **kwargs)

        self.build(story, canvasmaker=make_canvas)
        pdf = self.buffer.getvalue()
        self._release()
        return pdf

    def _release(self) -> None:
        """Break the reference cycles of a finished build (document <-> canvas <-> PDF objects).

        ReportLab's paragraphs leave self-referencing text objects that point at the canvas,
        so each report's whole object graph waited for a full garbage collection; cut here,
        reference counting frees it at once (peak RSS over 300 reports: +10 % instead of +15 %).
        """
        canvas = self.canv
        canvas._doc.__dict__.clear()
        canvas.__dict__.clear()
        for template in self.pageTemplates:
            template.__dict__.clear()
        self.__dict__.clear()
