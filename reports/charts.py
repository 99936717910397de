"""Charts drawn once with `reportlab.graphics`: placed in PDFs and shown as SVG on the dashboard.

Each function returns a `Drawing` sized in points. Series differ in shape and lightness as well
as colour (bar vs thin bar vs tick; solid line with dots vs dashed line with squares), so the
charts read in greyscale and with any colour-vision deficiency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from babel.numbers import format_decimal
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Group,
    Line,
    Polygon,
    PolyLine,
    Rect,
    String,
)
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports.i18n import Formatter, translation
from reports.model import Funnel, Heatmap, SectionScore, TrendPoint, Versus
from reports.styles import (
    BLUE,
    FONT,
    FONT_BOLD,
    FONT_ITALIC,
    INK,
    LIGHT_GREY,
    MUTED,
    RULE,
    VERMILLION,
    ZEBRA,
    heat_colour,
    text_colour_on,
)

NETWORK_GREY = colors.HexColor("#8C8C8C")
# The funnel plot names at most this many outlets beyond its limits (more would overlap).
MOST_NAMED = 12


def to_svg(drawing: Drawing) -> str:
    """The drawing as a standalone SVG document (for the dashboard)."""
    svg: str = renderSVG.drawToString(drawing)
    return svg


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` broken into lines of at most `width` points, between words where it can and
    inside a word longer than a line; never shortened."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for character in word:
            if line and stringWidth(line + character, font, size) > width:
                lines.append(line)
                line = ""
            line += character
    if line or not lines:
        lines.append(line)
    return lines


def _text_lines(
    drawing: Drawing,
    lines: Sequence[str],
    x: float,
    middle: float,
    size: float,
    leading: float,
    anchor: str = "start",
) -> None:
    """Lines of text centred vertically on `middle`."""
    top = middle + (len(lines) - 1) * leading / 2 - size / 3
    for index, line in enumerate(lines):
        drawing.add(
            String(
                x,
                top - index * leading,
                line,
                fontName=FONT,
                fontSize=size,
                fillColor=INK,
                textAnchor=anchor,
            )
        )


def _legend(drawing: Drawing, y: float, entries: Sequence[tuple[str, Group]]) -> float:
    """The legend's entries from the top left, onto a second line when they do not fit on
    one; returns the height it took."""
    x = 0.0
    lines = 1
    for label, symbol in entries:
        needed = 16 + stringWidth(label, FONT, 7.5)
        if x and x + needed > drawing.width:
            x, y, lines = 0.0, y - 12, lines + 1
        symbol.translate(x, y)
        drawing.add(symbol)
        drawing.add(String(x + 16, y - 3, label, fontName=FONT, fontSize=7.5, fillColor=INK))
        x += needed + 14
    return 12.0 * lines


def _swatch(colour: colors.Color, height: float) -> Group:
    # An outline, so that a white swatch shows too.
    return Group(
        Rect(0, -height / 2, 12, height, fillColor=colour, strokeColor=MUTED, strokeWidth=0.3)
    )


def _tick() -> Group:
    return Group(Line(6, -5, 6, 5, strokeColor=INK, strokeWidth=1.6))


def _axis_title_up(drawing: Drawing, text: str, x: float, middle: float) -> None:
    """A vertical axis's title, read bottom to top, centred on `middle`, its baseline at `x`."""
    drawing.add(
        Group(
            String(0, 0, text, fontName=FONT, fontSize=7.5, fillColor=INK, textAnchor="middle"),
            transform=(0, 1, -1, 0, x, middle),
        )
    )


def section_chart(sections: Sequence[SectionScore], lang: str, width: float = 480) -> Drawing:
    """Horizontal bars: this visit's section scores, the network average and the region's best.

    This visit is a dark bar with its value, the network average a thin light bar beneath it,
    and the region's top quartile a black tick across both.
    """
    _ = translation(lang).gettext
    formatter = Formatter(lang)
    legend_height = 20.0
    axis_height = 14.0
    label_width = min(150.0, width * 0.32)
    plot_left = label_width + 6
    plot_width = width - plot_left - 40
    label_size, label_leading = 8.0, 9.5
    # A long section title takes several lines, never an ellipsis: its row grows instead.
    labels = [wrap(section.title, FONT, label_size, label_width) for section in sections]
    rows = [max(24.0, len(lines) * label_leading + 8) for lines in labels]
    height = legend_height + (sum(rows) if rows else 24.0) + axis_height
    drawing = Drawing(width, height)

    # A legend entry only for what is drawn: a section may have no network or region figure.
    entries = [(_("This visit"), _swatch(BLUE, 8))]
    if any(section.network_average is not None for section in sections):
        entries.append((_("Network average"), _swatch(LIGHT_GREY, 4)))
    if any(section.region_top_quartile is not None for section in sections):
        entries.append((_("Region top quartile"), _tick()))
    _legend(drawing, height - 6, entries)
    for step in range(0, 101, 25):
        x = plot_left + plot_width * step / 100
        drawing.add(
            Line(x, axis_height, x, height - legend_height, strokeColor=RULE, strokeWidth=0.4)
        )
        drawing.add(
            String(x, 3, f"{step}", fontName=FONT, fontSize=7, fillColor=MUTED, textAnchor="middle")
        )
    top = height - legend_height
    for section, lines, row_height in zip(sections, labels, rows, strict=True):
        middle = top - row_height / 2
        top -= row_height
        _text_lines(drawing, lines, 0, middle, label_size, label_leading)
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
    points: Sequence[TrendPoint],
    lang: str,
    width: float = 480,
    height: float = 170,
    network_label: str | None = None,
) -> Drawing:
    """The outlet's result over the waves (solid, dots) against the network's (dashed), whose
    legend says `network_label` when given (the dashed line is then another mean of outlets,
    such as those of a region)."""
    _ = translation(lang).gettext
    formatter = Formatter(lang)
    drawing = Drawing(width, height)
    left, top_margin = 28.0, 22.0
    plot_width = width - left - 12
    spacing = plot_width / max(len(points), 1)
    # Wave names take as many lines as they need under their point, never an ellipsis.
    labels = [wrap(point.wave, FONT, 7, spacing - 2) for point in points]
    bottom = 10.0 + 8.0 * max((len(lines) for lines in labels), default=1)
    plot_height = height - bottom - top_margin

    outlet_symbol = Group(
        Line(0, 0, 12, 0, strokeColor=BLUE, strokeWidth=2),
        Circle(6, 0, 2.5, fillColor=BLUE, strokeColor=None),
    )
    network_symbol = Group(
        Line(0, 0, 12, 0, strokeColor=NETWORK_GREY, strokeWidth=1.2, strokeDashArray=[3, 2]),
        Rect(4, -2, 4, 4, fillColor=NETWORK_GREY, strokeColor=None),
    )
    # A legend entry only for a line that is drawn (the network's trend alone has no outlet).
    entries = []
    if any(point.percent is not None for point in points):
        entries.append((_("This outlet"), outlet_symbol))
    if any(point.network_average is not None for point in points):
        entries.append((network_label or _("Network average"), network_symbol))
    _legend(drawing, height - 6, entries)
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

    def x_of(index: int) -> float:
        return left + spacing * (index + 0.5)

    def y_of(percent: float) -> float:
        return bottom + plot_height * percent / 100

    for index, lines in enumerate(labels):
        for line_number, line in enumerate(lines):
            drawing.add(
                String(
                    x_of(index),
                    bottom - 10 - 8 * line_number,
                    line,
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


def heatmap_chart(
    heatmap: Heatmap, lang: str, width: float = 480, rows: Sequence[int] | None = None
) -> Drawing:
    """Sections (rows) by outlets or regions (columns), each cell coloured and labelled by score.

    `rows` draws only those rows (a long heatmap split over several drawings, each with its
    column names). Names are written whole: a long section title takes several lines and the
    column names' slant sets the header's height.
    """
    shown_rows = list(range(len(heatmap.rows)) if rows is None else rows)
    label_width = min(140.0, width * 0.3)
    columns = max(len(heatmap.columns), 1)
    slant = math.radians(55)
    # Column names are slanted; a long one takes two or three lines along the slant.
    names = [wrap(name, FONT, 7, 90) for name in heatmap.columns]
    longest = max((stringWidth(line, FONT, 7) for lines in names for line in lines), default=0.0)
    cell_width = min(48.0, (width - label_width) / columns)
    # The names of the last columns reach right of the grid: narrow the cells until they end
    # inside the drawing (and so inside the page's margins).
    for column, lines in enumerate(names):
        reach = max(stringWidth(line, FONT, 7) for line in lines) * math.cos(slant) + 4
        room = width - label_width - reach
        cell_width = max(12.0, min(cell_width, room / (column + 0.5)))
    value_size = min(7.5, cell_width / 3.2)
    depth = max((len(lines) for lines in names), default=1)
    header_height = max(20.0, longest * math.sin(slant) + 8 * depth + 4)
    titles = [wrap(heatmap.rows[row], FONT, 8, label_width - 4) for row in shown_rows]
    heights = [max(16.0, 9.0 * len(lines) + 5) for lines in titles]
    height = header_height + sum(heights) + 4
    drawing = Drawing(width, height)
    grid_top = height - header_height
    for column, lines in enumerate(names):
        x = label_width + cell_width * (column + 0.5) + 2.5
        # The last line on the baseline by the cell, the lines before it above it.
        group = Group(
            *(
                String(
                    0, 8 * (len(lines) - 1 - index), line, fontName=FONT, fontSize=7, fillColor=INK
                )
                for index, line in enumerate(lines)
            )
        )
        group.translate(x, grid_top + 4)
        group.rotate(55)
        drawing.add(group)
    top = grid_top
    for row, lines, cell_height in zip(shown_rows, titles, heights, strict=True):
        _text_lines(drawing, lines, 0, top - cell_height / 2, 8, 9.0)
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
            text = "—" if value is None else format_decimal(value, format="0", locale=lang)
            alone = heatmap.from_one_visit(row, column)
            if alone:
                drawing.add(
                    Rect(
                        x + 2,
                        top - cell_height + 2,
                        cell_width - 4,
                        cell_height - 4,
                        fillColor=None,
                        strokeColor=text_colour_on(fill),
                        strokeWidth=0.5,
                        strokeDashArray=[1.5, 1.5],
                    )
                )
            drawing.add(
                String(
                    x + cell_width / 2,
                    top - cell_height / 2 - value_size / 3,
                    text,
                    fontName=FONT_ITALIC if alone else FONT,
                    fontSize=value_size,
                    fillColor=text_colour_on(fill),
                    textAnchor="middle",
                )
            )
        top -= cell_height
    return drawing


def score_bar(
    percent: float | None, network: float | None, width: float = 150, height: float = 11
) -> Drawing:
    """One score as a bar on a 0-100 track, the network's as a thin dark tick across it."""
    drawing = Drawing(width, height)
    drawing.add(Rect(0, 2, width, height - 4, fillColor=ZEBRA, strokeColor=None))
    if percent is not None:
        drawing.add(Rect(0, 2, width * percent / 100, height - 4, fillColor=BLUE, strokeColor=None))
    if network is not None:
        x = width * network / 100
        drawing.add(Line(x, 0, x, height, strokeColor=INK, strokeWidth=1.4))
    return drawing


GROUP_COLOURS: dict[Versus | None, colors.Color] = {
    "above": BLUE,
    "level": LIGHT_GREY,
    "below": VERMILLION,
    None: colors.white,
}


def distribution_chart(
    outlets: Sequence[tuple[float, Versus | None]],
    network: float | None,
    lang: str,
    width: float = 480,
    height: float = 120,
    funnel: bool = False,
) -> Drawing:
    """How the outlets' results spread: a histogram in 5-point bins, each bar split by what
    the data can tell of its outlets (clearly above, not clearly different from, clearly below
    the network, or their funnel class when `funnel`; too few visits), with the network's
    result as a dashed line."""
    from reports.standing import GROUP_ORDER, group_title

    translations = translation(lang)
    formatter = Formatter(lang)
    drawing = Drawing(width, height)
    bottom, left = 24.0, 32.0
    plot_width = width - left - 8
    entries = [
        (group_title(group, translations, funnel), _swatch(GROUP_COLOURS[group], 8))
        for group in GROUP_ORDER
        if any(versus == group for _score, versus in outlets)
    ]
    legend_height = _legend(drawing, height - 6, entries) + 6
    # Room above the bars for the network's label, which then covers none of them.
    plot_height = height - legend_height - bottom - 14
    if not outlets:
        return drawing
    low = max(0, min(50, 10 * math.floor(min(score for score, _versus in outlets) / 10)))
    bins = max(1, (100 - low) // 5)
    counts = [dict.fromkeys(GROUP_ORDER, 0) for _bin in range(bins)]
    for score, versus in outlets:
        index = min(bins - 1, max(0, int((score - low) // 5)))
        counts[index][versus] += 1
    tallest = max(sum(tally.values()) for tally in counts)
    step = plot_width / bins
    unit = plot_height / max(tallest, 1)
    for count in range(0, tallest + 1, max(1, math.ceil(tallest / 4))):
        y = bottom + unit * count
        drawing.add(Line(left, y, left + plot_width, y, strokeColor=RULE, strokeWidth=0.4))
        drawing.add(
            String(
                left - 4,
                y - 2.5,
                formatter.integer(count),
                fontName=FONT,
                fontSize=7,
                fillColor=MUTED,
                textAnchor="end",
            )
        )
    for index, tally in enumerate(counts):
        y = bottom
        for group in GROUP_ORDER:
            if not tally[group]:
                continue
            drawing.add(
                Rect(
                    left + index * step + 1,
                    y,
                    step - 2,
                    unit * tally[group],
                    fillColor=GROUP_COLOURS[group],
                    strokeColor=MUTED if group is None else colors.white,
                    strokeWidth=0.5,
                )
            )
            y += unit * tally[group]
    for mark in range(low, 101, 10):
        x = left + (mark - low) / 5 * step
        drawing.add(
            String(
                x, bottom - 10, f"{mark}", fontName=FONT, fontSize=7, fillColor=MUTED,
                textAnchor="middle",
            )
        )  # fmt: skip
    drawing.add(
        String(left + plot_width / 2, 2, translations.gettext("Outlet result (%)"), fontName=FONT,
               fontSize=7.5, fillColor=INK, textAnchor="middle")
    )  # fmt: skip
    _axis_title_up(drawing, translations.gettext("Outlets"), 7, bottom + plot_height / 2)
    if network is not None:
        x = left + (network - low) / 5 * step
        drawing.add(
            Line(
                x,
                bottom,
                x,
                bottom + plot_height + 11,
                strokeColor=INK,
                strokeWidth=1.2,
                strokeDashArray=[3, 2],
            )
        )
        label = translations.gettext("Network %(result)s") % {"result": formatter.score(network)}
        label_width = stringWidth(label, FONT_BOLD, 7)
        # Above the bars, on the line's right unless that runs off the chart.
        x_text = x + 3 if x + 3 + label_width < width else x - 3 - label_width
        y_text = bottom + plot_height + 5
        drawing.add(String(x_text, y_text, label, fontName=FONT_BOLD, fontSize=7, fillColor=INK))
    return drawing


def interval_bar(
    low: float | None,
    high: float | None,
    score: float | None,
    network: float | None,
    width: float = 70,
    height: float = 10,
    colour: colors.Color = BLUE,
) -> Drawing:
    """A result on a 0-100 scale: its 95% interval as a line, the result as a dot, the
    network's result as a dashed tick, so that overlapping intervals show at a glance."""
    drawing = Drawing(width, height)
    middle = height / 2
    drawing.add(Line(0, middle, width, middle, strokeColor=ZEBRA, strokeWidth=3))
    if network is not None:
        x = width * network / 100
        drawing.add(
            Line(x, 0, x, height, strokeColor=INK, strokeWidth=0.8, strokeDashArray=[1.5, 1])
        )
    if low is not None and high is not None:
        drawing.add(
            Line(
                width * low / 100,
                middle,
                width * high / 100,
                middle,
                strokeColor=colour,
                strokeWidth=1.6,
            )
        )
    if score is not None:
        drawing.add(
            Circle(width * score / 100, middle, 2.2, fillColor=colour, strokeColor=colors.white)
        )
    return drawing


def _marker(versus: Versus, x: float, y: float, size: float) -> Group:
    """An outlet's dot on the funnel: a triangle up above the limits, down below them, a
    circle within, so that the class reads without colour."""
    colour = GROUP_COLOURS[versus]
    edge = colors.white if versus != "level" else MUTED
    if versus == "above":
        shape: Any = Polygon(
            [x - size, y - size * 0.8, x + size, y - size * 0.8, x, y + size * 1.1],
            fillColor=colour,
            strokeColor=edge,
            strokeWidth=0.5,
        )
    elif versus == "below":
        shape = Polygon(
            [x - size, y + size * 0.8, x + size, y + size * 0.8, x, y - size * 1.1],
            fillColor=colour,
            strokeColor=edge,
            strokeWidth=0.5,
        )
    else:
        shape = Circle(x, y, size * 0.8, fillColor=colour, strokeColor=edge, strokeWidth=0.5)
    return Group(shape)


def funnel_chart(funnel: Funnel, lang: str, width: float = 480, height: float = 260) -> Drawing:
    """The funnel plot: each outlet's result (up) against its visits (across), the network's
    result as a line and its limits at 95% (dashed) and 99.8% (solid); outlets above the
    limits are triangles up, below them triangles down, within them circles. Outlets outside
    the 95% limits (only those outside 99.8% when there are many) and the marked one are
    labelled with their code."""
    translations = translation(lang)
    _ = translations.gettext
    formatter = Formatter(lang)
    drawing = Drawing(width, height)
    left, right, bottom = 40.0, 10.0, 26.0
    classes: tuple[Versus, ...] = ("above", "level", "below")
    above = Group(_marker("above", 6, 0, 3.5))
    level = Group(_marker("level", 6, 0, 3.5))
    below = Group(_marker("below", 6, 0, 3.5))
    entries = [
        (_("Network result"), Group(Line(0, 0, 12, 0, strokeColor=INK, strokeWidth=1.2))),
        (
            _("Limits (95%)"),
            Group(Line(0, 0, 12, 0, strokeColor=MUTED, strokeWidth=0.9, strokeDashArray=[3, 2])),
        ),
        (_("Limits (99.8%)"), Group(Line(0, 0, 12, 0, strokeColor=MUTED, strokeWidth=1.2))),
    ]
    symbols = {"above": above, "level": level, "below": below}
    titles = {
        "above": _("Above the limits"),
        "level": _("Within the limits"),
        "below": _("Below the limits"),
    }
    entries += [
        (titles[c], symbols[c]) for c in classes if any(p.funnel == c for p in funnel.points)
    ]
    legend_height = _legend(drawing, height - 6, entries) + 8
    plot_height = height - legend_height - bottom
    plot_width = width - left - right
    most = max([limit.visits for limit in funnel.curve] + [p.visits for p in funnel.points] + [1])
    lowest = min(
        [limit.low_998 for limit in funnel.curve if limit.visits >= 1.5]
        + [p.score for p in funnel.points]
        + [funnel.target]
    )
    # The scale ends at 100 and steps by 10 points, or 20 when it spans more than 50.
    span = 100 - max(0.0, min(80.0, lowest - 2))
    grid = 10 if span <= 50 else 20
    floor = max(0.0, 100.0 - grid * math.ceil(span / grid))

    def x_of(visits: float) -> float:
        return left + plot_width * visits / most

    def y_of(score: float) -> float:
        return bottom + plot_height * (min(100.0, max(floor, score)) - floor) / (100 - floor)

    for mark in range(int(floor), 101, grid):
        y = y_of(mark)
        drawing.add(Line(left, y, left + plot_width, y, strokeColor=RULE, strokeWidth=0.4))
        drawing.add(
            String(left - 4, y - 2.5, f"{mark}", fontName=FONT, fontSize=7, fillColor=MUTED,
                   textAnchor="end")
        )  # fmt: skip
    step = max(1, math.ceil(most / 8))
    for visits in range(0, int(most) + 1, step):
        drawing.add(
            String(x_of(visits), bottom - 10, formatter.integer(visits), fontName=FONT,
                   fontSize=7, fillColor=MUTED, textAnchor="middle")
        )  # fmt: skip
    drawing.add(
        String(left + plot_width / 2, 2, _("Visits in the wave"), fontName=FONT, fontSize=7.5,
               fillColor=INK, textAnchor="middle")
    )  # fmt: skip
    _axis_title_up(drawing, _("Outlet result (%)"), 7, bottom + plot_height / 2)
    drawing.add(Line(left, bottom, left + plot_width, bottom, strokeColor=MUTED, strokeWidth=0.6))
    # The limits from one visit on: below that a result rests on no visit at all.
    curve = [limit for limit in funnel.curve if limit.visits >= 1]
    for field, dashed in (
        ("low_95", True), ("high_95", True), ("low_998", False), ("high_998", False)
    ):  # fmt: skip
        coordinates: list[float] = []
        for limit in curve:
            coordinates.extend((x_of(limit.visits), y_of(getattr(limit, field))))
        if len(coordinates) > 2:
            drawing.add(
                PolyLine(
                    coordinates,
                    strokeColor=MUTED,
                    strokeWidth=0.9 if dashed else 1.2,
                    strokeDashArray=[3, 2] if dashed else None,
                )
            )
    y = y_of(funnel.target)
    drawing.add(Line(left, y, left + plot_width, y, strokeColor=INK, strokeWidth=1.2))
    drawing.add(
        String(left + plot_width, y + 3, formatter.score(funnel.target), fontName=FONT_BOLD,
               fontSize=7, fillColor=INK, textAnchor="end")
    )  # fmt: skip
    # Outlets with as many visits and close results would hide one another: such a run is
    # spread sideways around its place (a few points, far less than one visit apart).
    offset: dict[int, float] = {}
    by_visits: dict[float, list[int]] = {}
    for index, point in enumerate(funnel.points):
        by_visits.setdefault(round(point.visits, 3), []).append(index)
    for members in by_visits.values():
        members.sort(key=lambda index: funnel.points[index].score)
        run = 0
        for before, index in zip([None, *members], members, strict=False):
            close = before is not None and (
                y_of(funnel.points[index].score) - y_of(funnel.points[before].score) < 6
            )
            run = run + 1 if close else 0
            offset[index] = (-1) ** run * 5.0 * ((run + 1) // 2)
    # Names for the outlets beyond the limits: those beyond 99.8% only when the 95% ones are
    # too many to read, and none but the marked outlet when even those are.
    beyond = [point for point in funnel.points if point.funnel != "level"]
    if len(beyond) > MOST_NAMED:
        beyond = [point for point in beyond if point.funnel_998 != "level"]
    named = {id(point) for point in beyond} if len(beyond) <= MOST_NAMED else set()
    for index, point in sorted(enumerate(funnel.points), key=lambda pair: pair[1].marked):
        x, y = x_of(point.visits) + offset.get(index, 0.0), y_of(point.score)
        drawing.add(_marker(point.funnel, x, y, 4.5 if point.marked else 3.2))
        if point.marked or id(point) in named:
            drawing.add(
                String(x + 5, y + 2, point.code, fontName=FONT_BOLD if point.marked else FONT,
                       fontSize=7, fillColor=INK)
            )  # fmt: skip
    return drawing
