"""Charts: the same drawings serve the PDFs and, as SVG, the dashboard; colours read in grey."""

from __future__ import annotations

import dataclasses
import itertools
import xml.etree.ElementTree as ElementTree

import pytest
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import STATE_DEFAULTS, Drawing, Rect, String

from reports import heatmap_chart, section_chart, to_svg, trend_chart
from reports.charts import distribution_chart, wrap
from reports.model import Heatmap, SectionScore, TrendPoint
from reports.styles import BAND_COLOURS, FONT, heat_colour
from shared.i18n import translation
from tests.reports.samples import comparison_report_data, outlet_report_data


def all_strings(drawing: Drawing) -> list[String]:
    found = []
    stack = list(drawing.getContents())
    while stack:
        shape = stack.pop()
        if isinstance(shape, String):
            found.append(shape)
        stack.extend(getattr(shape, "contents", []))
    return found


def grey(colour: object) -> float:
    red, green, blue = colour.red, colour.green, colour.blue  # type: ignore[attr-defined]
    return float(0.299 * red + 0.587 * green + 0.114 * blue)


def test_section_chart_as_svg_shows_unicode_labels_and_legend() -> None:
    data = outlet_report_data("uk")
    svg = to_svg(section_chart(data.visits[0].sections, "uk"))
    text = "".join(ElementTree.fromstring(svg).itertext())
    for expected in (
        data.visits[0].sections[0].title,
        translation("uk").gettext("Network average"),
    ):
        assert expected in text


def test_trend_chart_as_svg_names_every_wave() -> None:
    data = outlet_report_data("ru")
    text = "".join(ElementTree.fromstring(to_svg(trend_chart(data.trend, "ru"))).itertext())
    assert [] == [point.wave for point in data.trend if point.wave not in text]


def test_every_chart_string_uses_dejavu() -> None:
    outlet = outlet_report_data("pl")
    comparison = comparison_report_data("pl")
    drawings = [
        section_chart(outlet.visits[0].sections, "pl"),
        trend_chart(outlet.trend, "pl"),
        heatmap_chart(comparison.heatmap_by_outlet, "pl"),
    ]
    assert FONT == STATE_DEFAULTS["fontName"]
    fonts = {string.fontName for drawing in drawings for string in all_strings(drawing)}
    assert fonts <= {FONT, "DejaVuSans-Bold", "DejaVuSans-Oblique"}
    assert renderPDF.drawToString(drawings[0]).startswith(b"%PDF")


def test_heatmap_shows_each_score_and_a_dash_for_none() -> None:
    heatmap = Heatmap(
        rows=("Powitanie", "Kasa"), columns=("Łódź", "Gdańsk"), values=((41.0, None), (88.4, 100.0))
    )
    labels = [string.text for string in all_strings(heatmap_chart(heatmap, "pl"))]
    for expected in ("Powitanie", "Kasa", "Łódź", "Gdańsk", "41", "—", "88", "100"):
        assert expected in labels


def test_heatmap_rejects_values_that_do_not_match_its_rows_and_columns() -> None:
    with pytest.raises(ValueError, match="one row per section"):
        Heatmap(rows=("A", "B"), columns=("X",), values=((1.0,),))
    with pytest.raises(ValueError, match="one row per section"):
        Heatmap(rows=("A",), columns=("X",), values=((1.0,),), visits=((1, 2),))


def test_a_heatmap_cell_from_one_visit_is_in_italics_and_framed() -> None:
    heatmap = Heatmap(
        rows=("Powitanie", "Kasa"),
        columns=("Łódź", "Gdańsk"),
        values=((41.0, 57.0), (88.4, 100.0)),
        visits=((3, 1), (2, 4)),
    )
    drawing = heatmap_chart(heatmap, "pl")
    italic = [s.text for s in all_strings(drawing) if s.fontName == "DejaVuSans-Oblique"]
    assert ["57"] == italic
    dashed = [
        shape
        for shape in drawing.getContents()
        if isinstance(shape, Rect) and getattr(shape, "strokeDashArray", None)
    ]
    assert 1 == len(dashed)
    plain = heatmap_chart(dataclasses.replace(heatmap, visits=()), "pl")
    assert [] == [s for s in all_strings(plain) if s.fontName == "DejaVuSans-Oblique"]


def test_heatmap_colours_get_lighter_with_the_score_so_they_read_in_greyscale() -> None:
    greys = [grey(heat_colour(score)) for score in range(0, 101, 10)]
    assert sorted(greys) == greys
    assert all(later - earlier > 0.02 for earlier, later in itertools.pairwise(greys))


def test_band_colours_differ_in_lightness_not_only_in_hue() -> None:
    greys = sorted(grey(colour) for colour in BAND_COLOURS.values())
    assert all(later - earlier > 0.08 for earlier, later in itertools.pairwise(greys))


LONG_TITLE = "Знання асортименту, акційних пропозицій та програми лояльності мережі"


def test_long_labels_wrap_onto_lines_and_are_never_cut() -> None:
    lines = wrap(LONG_TITLE, FONT, 8, 100)
    assert len(lines) > 1
    assert LONG_TITLE == " ".join(lines)
    assert ["Gdańsk"] == wrap("Gdańsk", FONT, 8, 100)
    # A word longer than a line is broken, not shortened.
    assert "Nieprzerwanieniezrozumiałość" == "".join(
        wrap("Nieprzerwanieniezrozumiałość", FONT, 8, 30)
    )
    charts = [
        section_chart([SectionScore(LONG_TITLE, 50.0, 60.0, 70.0)], "uk", width=300),
        trend_chart([TrendPoint(LONG_TITLE, 50.0, 60.0), TrendPoint("Q2", 60.0, 61.0)], "uk"),
        heatmap_chart(Heatmap(rows=(LONG_TITLE,), columns=(LONG_TITLE,), values=((50.0,),)), "uk"),
    ]
    for drawing in charts:
        texts = [string.text for string in all_strings(drawing)]
        assert [] == [text for text in texts if "…" in text]
        words = " ".join(texts)
        assert all(word in words for word in LONG_TITLE.split())


def test_the_distribution_names_its_groups_and_the_network() -> None:
    _ = translation("pl").gettext
    drawing = distribution_chart([(91.0, "above"), (72.0, "level"), (55.0, None)], 75.5, "pl")
    texts = [string.text for string in all_strings(drawing)]
    for expected in (
        _("Clearly above the network"),
        _("Not clearly different from the network"),
        _("Too few visits to tell"),
        _("Network %(result)s") % {"result": "75,5%"},
    ):
        assert expected in texts
    assert _("Clearly below the network") not in texts  # no outlet there: no legend entry
    # Both axes say what they count.
    assert {_("Outlet result (%)"), _("Outlets")} <= set(texts)
    # The network's label covers no bar: its box meets no rectangle of the chart.
    label = next(string for string in all_strings(drawing) if string.text.startswith("Sieć"))
    box = label.getBounds()
    for shape in drawing.getContents():
        if isinstance(shape, Rect):
            x0, y0, x1, y1 = shape.getBounds()
            apart = x1 <= box[0] or box[2] <= x0 or y1 <= box[1] or box[3] <= y0
            assert apart, (shape.getBounds(), box)
