"""Charts drawn once with `reportlab.graphics`: placed in PDFs and shown as SVG on the dashboard.

Each function returns a `Drawing` sized in points. Series differ in shape and lightness as well
as colour (bar vs thin bar vs tick; solid line with dots vs dashed line with squares), so the
charts read in greyscale and with any colour-vision deficiency.
"""

from __future__ import annotations

from collections.abc import Sequence

from babel.numbers import format_decimal
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports.i18n import Formatter, translation
from reports.model import Heatmap, SectionScore, TrendPoint
from reports.styles import (
    BLUE,
    FONT,
    FONT_BOLD,
    INK,
    LIGHT_GREY,
    MUTED,
    RULE,
    heat_colour,
    text_colour_on,
)

NETWORK_GREY = colors.HexColor("#8C8C8C")


def to_svg(drawing: Drawing) -> str:
    """The drawing as a standalone SVG document (for the dashboard)."""
    svg: str = renderSVG.drawToString(drawing)
    return svg


def _fit(text: str, font: str, size: float, width: float) -> str:
    """`text` shortened with an ellipsis so that it fits in `width` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _legend(drawing: Drawing, y: float, entries: Sequence[tuple[str, Group]]) -> None:
    x = 0.0
    for label, symbol in entries:
        symbol.translate(x, y)
        drawing.add(symbol)
        drawing.add(String(x + 16, y - 3, label, fontName=FONT, fontSize=7.5, fillColor=INK))
        x += 16 + stringWidth(label, FONT, 7.5) + 14


def _swatch(colour: colors.Color, height: float) -> Group:
    return Group(Rect(0, -height / 2, 12, height, fillColor=colour, strokeColor=None))


def _tick() -> Group:
    return Group(Line(6, -5, 6, 5, strokeColor=INK, strokeWidth=1.6))


def section_chart(sections: Sequence[SectionScore], lang: str, width: float = 480) -> Drawing:
    """Horizontal bars: this visit's section scores, the network average and the region's best.

    This visit is a dark bar with its value, the network average a thin light bar beneath it,
    and the region's top quartile a black tick across both.
    """
    _ = translation(lang).gettext
    formatter = Formatter(lang)
    row_height = 24.0
    legend_height = 20.0
    axis_height = 14.0
    height = legend_height + row_height * max(len(sections), 1) + axis_height
    drawing = Drawing(width, height)
    label_width = min(150.0, width * 0.32)
    plot_left = label_width + 6
    plot_width = width - plot_left - 40

    _legend(
        drawing,
        height - 6,
        [
            (_("This visit"), _swatch(BLUE, 8)),
            (_("Network average"), _swatch(LIGHT_GREY, 4)),
            (_("Region top quartile"), _tick()),
        ],
    )
    for step in range(0, 101, 25):
        x = plot_left + plot_width * step / 100
        drawing.add(
            Line(x, axis_height, x, height - legend_height, strokeColor=RULE, strokeWidth=0.4)
        )
        drawing.add(
            String(x, 3, f"{step}", fontName=FONT, fontSize=7, fillColor=MUTED, textAnchor="middle")
        )
    for index, section in enumerate(sections):
        top = height - legend_height - index * row_height
        middle = top - row_height / 2
        drawing.add(
            String(
                0,
                middle - 3,
                _fit(section.title, FONT, 8, label_width),
                fontName=FONT,
                fontSize=8,
                fillColor=INK,
            )
        )
        if section.network_average is not None:
            bar = plot_width * section.network_average / 100
            drawing.add(Rect(plot_left, middle - 6, bar, 4, fillColor=LIGHT_GREY, strokeColor=None))
        if section.region_top_quartile is not None:
            x = plot_left + plot_width * section.region_top_quartile / 100
            drawing.add(Line(x, middle - 8, x, middle + 10, strokeColor=INK, strokeWidth=1.6))
        if section.percent is None:
            drawing.add(String(plot_left + 3, middle + 1, "—", fontName=FONT_BOLD, fontSize=7))
            continue
        bar = plot_width * section.percent / 100
        drawing.add(Rect(plot_left, middle - 1, bar, 9, fillColor=BLUE, strokeColor=None))
        value = formatter.score(section.percent)
        if bar > stringWidth(value, FONT_BOLD, 7) + 6:
            # Inside the bar's end, where no network bar or quartile tick can cross it.
            drawing.add(
                String(
                    plot_left + bar - 3,
                    middle + 1.2,
                    value,
                    fontName=FONT_BOLD,
                    fontSize=7,
                    fillColor=colors.white,
                    textAnchor="end",
                )
            )
        else:
            drawing.add(
                String(plot_left + bar + 3, middle + 1.2, value, fontName=FONT_BOLD, fontSize=7)
            )
    return drawing


def trend_chart(
    points: Sequence[TrendPoint], lang: str, width: float = 480, height: float = 170
) -> Drawing:
    """The outlet's score over the waves (solid, dots) against the network average (dashed)."""
    _ = translation(lang).gettext
    formatter = Formatter(lang)
    drawing = Drawing(width, height)
    left, bottom, top_margin = 28.0, 18.0, 22.0
    plot_width = width - left - 12
    plot_height = height - bottom - top_margin

    outlet_symbol = Group(
        Line(0, 0, 12, 0, strokeColor=BLUE, strokeWidth=2),
        Circle(6, 0, 2.5, fillColor=BLUE, strokeColor=None),
    )
    network_symbol = Group(
        Line(0, 0, 12, 0, strokeColor=NETWORK_GREY, strokeWidth=1.2, strokeDashArray=[3, 2]),
        Rect(4, -2, 4, 4, fillColor=NETWORK_GREY, strokeColor=None),
    )
    _legend(
        drawing,
        height - 6,
        [(_("This outlet"), outlet_symbol), (_("Network average"), network_symbol)],
    )
    for step in range(0, 101, 25):
        y = bottom + plot_height * step / 100
        drawing.add(Line(left, y, left + plot_width, y, strokeColor=RULE, strokeWidth=0.4))
        drawing.add(
            String(
                left - 4,
                y - 2.5,
                f"{step}",
                fontName=FONT,
                fontSize=7,
                fillColor=MUTED,
                textAnchor="end",
            )
        )
    if not points:
        return drawing
    spacing = plot_width / len(points)

    def x_of(index: int) -> float:
        return left + spacing * (index + 0.5)

    def y_of(percent: float) -> float:
        return bottom + plot_height * percent / 100

    for index, point in enumerate(points):
        drawing.add(
            String(
                x_of(index),
                5,
                _fit(point.wave, FONT, 7, spacing - 2),
                fontName=FONT,
                fontSize=7,
                fillColor=INK,
                textAnchor="middle",
            )
        )
    for series, colour, dashed in (
        ("network_average", NETWORK_GREY, True),
        ("percent", BLUE, False),
    ):
        run: list[float] = []
        runs: list[list[float]] = []
        for index, point in enumerate(points):
            value: float | None = getattr(point, series)
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.extend((x_of(index), y_of(value)))
        if run:
            runs.append(run)
        for coordinates in runs:
            if len(coordinates) > 2:
                drawing.add(
                    PolyLine(
                        coordinates,
                        strokeColor=colour,
                        strokeWidth=1.2 if dashed else 2,
                        strokeDashArray=[3, 2] if dashed else None,
                    )
                )
            for x, y in zip(coordinates[::2], coordinates[1::2], strict=True):
                if dashed:
                    drawing.add(Rect(x - 2, y - 2, 4, 4, fillColor=colour, strokeColor=None))
                else:
                    drawing.add(
                        Circle(
                            x, y, 2.8, fillColor=colour, strokeColor=colors.white, strokeWidth=0.6
                        )
                    )
    for index, point in enumerate(points):
        if point.percent is not None:
            # Label on the side away from the network line so the two never overlap.
            below = point.network_average is not None and point.network_average > point.percent
            drawing.add(
                String(
                    x_of(index),
                    y_of(point.percent) + (-12 if below else 6),
                    formatter.score(point.percent),
                    fontName=FONT_BOLD,
                    fontSize=7,
                    fillColor=INK,
                    textAnchor="middle",
                )
            )
    return drawing


def heatmap_chart(heatmap: Heatmap, lang: str, width: float = 480) -> Drawing:
    """Sections (rows) by outlets or regions (columns), each cell coloured and labelled by score."""
    locale_lang = lang
    label_width = min(140.0, width * 0.3)
    columns = max(len(heatmap.columns), 1)
    cell_width = min(48.0, (width - label_width) / columns)
    cell_height = 16.0
    header_height = 70.0
    value_size = min(7.5, cell_width / 3.2)
    height = header_height + cell_height * len(heatmap.rows) + 4
    drawing = Drawing(width, height)
    grid_top = height - header_height
    for column, name in enumerate(heatmap.columns):
        x = label_width + cell_width * (column + 0.5) + 2.5
        label = String(
            0, 0, _fit(name, FONT, 7, header_height * 1.3), fontName=FONT, fontSize=7, fillColor=INK
        )
        group = Group(label)
        group.translate(x, grid_top + 4)
        group.rotate(55)
        drawing.add(group)
    for row, title in enumerate(heatmap.rows):
        top = grid_top - row * cell_height
        drawing.add(
            String(
                0,
                top - cell_height / 2 - 3,
                _fit(title, FONT, 8, label_width - 4),
                fontName=FONT,
                fontSize=8,
                fillColor=INK,
            )
        )
        for column, value in enumerate(heatmap.values[row]):
            fill = heat_colour(value)
            x = label_width + cell_width * column
            drawing.add(
                Rect(
                    x,
                    top - cell_height,
                    cell_width,
                    cell_height,
                    fillColor=fill,
                    strokeColor=colors.white,
                    strokeWidth=0.8,
                )
            )
            text = "—" if value is None else format_decimal(value, format="0", locale=locale_lang)
            drawing.add(
                String(
                    x + cell_width / 2,
                    top - cell_height / 2 - value_size / 3,
                    text,
                    fontName=FONT,
                    fontSize=value_size,
                    fillColor=text_colour_on(fill),
                    textAnchor="middle",
                )
            )
    return drawing
