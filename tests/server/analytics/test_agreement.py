"""Every view shows the same number for an outlet, a region and the network in a wave.

For a seeded programme and two scopes (head office; the regional manager of one region), each
figure is read from every place that shows it, all at their defaults (no wave named, so each
client's latest wave with released visits, docs/contract.md#wave-result): the league table
from `/api/v1/analytics/league`, the dashboard's overview and its fragment, the CSV and XLSX
downloads and the comparison PDF; the network's result from the league's `networks`, the
overview's headline, the trend and the PDF; regions from the API, the overview and the PDF;
the heatmap and best vs rest from the API, their dashboard pages and the PDF. The outlet page
is held against the outlet PDF it offers. Then, on the demo, every outlet: its PDF's headline,
its dashboard page, the comparison PDF and the export all show the league's score.

The rounding rule, one for every place: the JSON and the exports carry two decimals; whatever
shows one decimal (dashboard, PDF) rounds that two-decimal figure with Python's `round`/`%.1f`
(the same correctly rounded binary rule), so `one_decimal` below is the only place the test
rounds a score.
"""

from __future__ import annotations

import csv
import html
import html.parser
import io
import itertools
import re
from collections.abc import AsyncIterator
from typing import Any

import pdfplumber
import pytest
from babel.numbers import format_decimal
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook

from reports.i18n import Formatter
from server.app import create_app
from server.core.settings import Settings
from tests.reports.pdf import (
    checklist_ellipses,
    cut_short,
    mostly_empty_pages,
    page_texts,
    squeeze,
)
from tests.server.analytics.seed import Programme
from tests.server.analytics.test_dashboard_http import csrf_of, log_in
from tests.server.api import Api

SCOPES = ("head_office", "regional_manager")
PDF_MINUS = "\u2212"  # Babel may write a minus sign where Python writes a hyphen
EN = Formatter("en")
# An outlet's, a region's and the network's change alike.
CHANGE_WORDS = {
    True: "More than chance: more than what the two waves' visits alone could move the result.",
    False: "Within chance: with these visits this change cannot be told from no change.",
}


def one_decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def signed_one_decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def expected_display(row: dict[str, Any]) -> dict[str, str]:
    """A JSON league row as one decimal, the way every screen and PDF must show it."""
    interval = (
        "—"
        if row["ci_low"] is None
        else f"{one_decimal(row['ci_low'])}–{one_decimal(row['ci_high'])}"
    )
    return {
        # Where the wave is estimated, the places the outlet could hold, not a bare rank.
        "rank": "—"
        if row["rank"] is None
        else str(row["rank"])
        if row["rank_low"] is None
        else f"{row['rank_low']}–{row['rank_high']}",
        "score": one_decimal(row["score"]),
        "audits": str(row["audits"]),
        "change": signed_one_decimal(row["change"]),
        "interval": interval,
    }


class TableCells(html.parser.HTMLParser):
    """The text of every cell of the tables (optionally only those with a given class)."""

    def __init__(self, table_class: str | None = None) -> None:
        super().__init__()
        self.table_class = table_class
        self.tables: list[list[list[str]]] = []
        self._inside = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            classes = (dict(attrs).get("class") or "").split()
            self._inside = self.table_class is None or self.table_class in classes
            if self._inside:
                self.tables.append([])
        elif self._inside and tag == "tr":
            self._row = []
        elif self._inside and tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._inside = False
        elif (
            self._inside
            and tag in ("td", "th")
            and self._row is not None
            and self._cell is not None
        ):
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif self._inside and tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_table(page: str, table_class: str | None = None) -> list[list[str]]:
    parser = TableCells(table_class)
    parser.feed(page)
    assert parser.tables, table_class
    return parser.tables[0]


def dashboard_league(page: str) -> dict[str, dict[str, str]]:
    header, *rows = html_table(page, "league")
    assert header[0] in ("Rank", "Ranks it could hold")
    assert ["Outlet", "Region", "Score", "Interval (95%)", "Change", "Audits"] == header[1:7]
    league = {}
    # Rows of one cell head the tiers of outlets the data cannot tell apart.
    for rank, outlet, _region, score, interval, change, audits, *_rest in (
        row for row in rows if len(row) > 1
    ):
        league[outlet.split(" · ")[0]] = {
            "rank": "—" if rank in ("–", "") else rank,
            "score": score.rstrip(" *"),
            "audits": audits,
            "change": change or "—",
            "interval": interval or "—",
        }
    return league


def region_change_cell(page: str, name: str) -> str:
    """The inside of the change cell of region `name` in the overview's table of regions (after
    its outlets, audits, score and interval)."""
    table = page[page.index('<table class="regions"') :]
    found = re.search(
        rf"<tr><td>{re.escape(html.escape(name))}</td>(?:<td[^>]*>.*?</td>){{4}}"
        r'<td class="num">(.*?)</td></tr>',
        table,
    )
    assert found, name
    return found.group(1)


def headline_figures(page: str) -> list[str]:
    return re.findall(r'<span class="figure">([^<]*)</span>', page)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(content)) as document:
        text = "\n".join(page.extract_text() or "" for page in document.pages)
    return text.replace(PDF_MINUS, "-")


def headline_score(content: bytes) -> str:
    """The outlet PDF's headline: the one figure set in the score box's large type."""
    with pdfplumber.open(io.BytesIO(content)) as document:
        chars = [char for char in document.pages[0].chars if char["size"] > 30]
    return "".join(char["text"] for char in chars)


OUTLET_CODE = re.compile(r"^[A-Z][A-Z0-9_-]*$")
# The league in tiers (a wave with estimates): the places it could hold, the name, score and
# visits, the estimate and class; under it the code, region, change and the estimate's interval.
PDF_TIER_ROW = re.compile(
    r"^(?P<ranks>\d+–\d+|—) .+? (?P<score>\d+\.\d)% (?P<audits>\d+)(?: \*)? "
    r"(?P<estimate>\d+\.\d%|—) .+$"
)
PDF_TIER_CODE = re.compile(
    r"^(?P<code>[A-Z][A-Z0-9_-]*)(?: · .+?)? (?P<change>[+-]\d+\.\d|—)"
    r"(?: (?P<low>\d+\.\d)–(?P<high>\d+\.\d))?$"
)


def expected_tier_display(row: dict[str, Any]) -> dict[str, str]:
    """A JSON league row as the comparison PDF's league in tiers shows it."""
    shown = {
        "ranks": "—" if row["rank_low"] is None else f"{row['rank_low']}–{row['rank_high']}",
        "score": one_decimal(row["score"]),
        "audits": str(row["audits"]),
        "change": signed_one_decimal(row["change"]),
        "estimate": "—" if row["estimate"] is None else one_decimal(row["estimate"]),
    }
    if row["estimate"] is not None:
        shown["interval"] = (
            f"{one_decimal(row['estimate_low'])}–{one_decimal(row['estimate_high'])}"
        )
    return shown


def pdf_tier_league(text: str) -> dict[str, dict[str, str]]:
    """The comparison PDF's league in tiers, by outlet code."""
    lines = text.splitlines()
    start = lines.index("League table")
    end = next(index for index in range(start, len(lines)) if lines[index] == "Funnel plot")
    league: dict[str, dict[str, str]] = {}
    pending: dict[str, str] | None = None
    for line in lines[start + 1 : end]:
        match = PDF_TIER_ROW.match(line)
        if match:
            assert pending is None, line
            pending = {
                "ranks": match["ranks"],
                "score": match["score"],
                "audits": match["audits"],
                "estimate": match["estimate"].rstrip("%"),
            }
            continue
        code = PDF_TIER_CODE.match(line)
        if pending is not None and code:
            pending["change"] = code["change"]
            if code["low"] is not None:
                pending["interval"] = f"{code['low']}–{code['high']}"
            league[code["code"]] = pending
            pending = None
    return league


PDF_REGION_ROW = re.compile(
    r"^(?P<name>.+?) (?P<score>\d+\.\d)% (?:(?P<low>\d+\.\d)% – (?P<high>\d+\.\d)%|—) "
    r"(?P<change>[+-]\d+\.\d|—) (?P<outlets>\d+) (?P<visits>\d+)$"
)


def region_display(region: dict[str, Any]) -> tuple[str, str, str]:
    """A region's score, interval and change as a page shows them, from the API's figures."""
    interval = (
        f"{one_decimal(region['ci_low'])}–{one_decimal(region['ci_high'])}"
        if region["ci_low"] is not None
        else ""
    )
    return one_decimal(region["score"]), interval, signed_one_decimal(region["change"])


def pdf_regions(text: str) -> dict[str, tuple[str, str, str]]:
    """Each region's score, interval ("low–high", "" without one) and change in the PDF."""
    lines = text.splitlines()
    start = lines.index("Regions")
    found = {}
    for line in lines[start + 1 :]:
        match = PDF_REGION_ROW.match(line)
        if match:
            interval = f"{match['low']}–{match['high']}" if match["low"] else ""
            found[match["name"]] = (match["score"], interval, match["change"])
        elif found:
            break
    return found


def pdf_figure_after(text: str, label: str) -> str:
    """The first score on the lines after `label` (a key figure of the comparison's page 1)."""
    after = text[text.index(label) + len(label) :]
    match = re.search(r"(\d+\.\d)%", after)
    assert match is not None, label
    return match.group(1)


async def download(reader: Api, path: str) -> bytes:
    response = await reader.client.get(path)
    assert 200 == response.status_code, response.text[:300]
    return response.content


def exported_rows(
    csv_body: bytes, xlsx_body: bytes
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    csv_rows = list(csv.DictReader(io.StringIO(csv_body.decode("utf-8-sig")), delimiter=";"))
    sheet = load_workbook(io.BytesIO(xlsx_body), read_only=True).active
    header, *values = list(sheet.iter_rows(values_only=True))
    # A read-only sheet leaves out a row's empty cells at its end.
    return csv_rows, [dict(itertools.zip_longest(header, row)) for row in values]


@pytest.mark.parametrize("role", SCOPES)
async def test_every_figure_agrees_on_screen_in_exports_pdf_and_json_at_the_defaults(
    reader: Api, programme: Programme, role: str
) -> None:
    headers = programme.headers[role]
    wave = programme.ids["wave_a2"]
    table = await reader.ok("GET", "/api/v1/analytics/league", headers)
    # The default is the client's latest wave with released visits, for every figure.
    assert [wave] == table["wave_ids"]
    json_rows = {row["outlet"]["code"]: row for row in table["rows"]}
    expected = {code: expected_display(row) for code, row in json_rows.items()}
    in_scope = {
        "head_office": {"OWN", "OTHER_OUTLET", "OTHER_REGION"},
        "regional_manager": {"OWN", "OTHER_OUTLET"},
    }[role]
    assert in_scope == set(expected)
    assert {"—"} != {row["rank"] for row in expected.values()}
    # The change is that of the figures shown: a reader subtracting them finds it.
    changed = [row for row in json_rows.values() if row["change"] is not None]
    assert changed
    for row in changed:
        shown_difference = float(one_decimal(row["score"])) - float(
            one_decimal(row["previous_score"])
        )
        assert signed_one_decimal(shown_difference) == signed_one_decimal(row["change"])
    assert expected == {
        row["outlet"]["code"]: expected_display(row)
        for row in (await reader.ok("GET", f"/api/v1/analytics/league?wave={wave}", headers))[
            "rows"
        ]
    }

    await log_in(reader, f"{role}@example.test")
    overview = await reader.client.get("/")
    assert 200 == overview.status_code
    assert expected == dashboard_league(overview.text)
    assert "Showing: <strong>Q1 a, second</strong>" in overview.text
    fragment = await reader.client.get("/league", headers={"HX-Request": "true"})
    assert expected == dashboard_league(fragment.text)

    csv_rows, xlsx_rows = exported_rows(
        await download(reader, "/exports/league?format=csv"),
        await download(reader, "/exports/league?format=xlsx"),
    )
    for exported in csv_rows:
        row = json_rows[exported["outlet_code"]]
        assert (row["score"], row["audits"], row["change"], row["change_beyond_chance"]) == (
            float(exported["score"]),
            int(exported["audits"]),
            float(exported["change"]) if exported["change"] else None,
            {"": None, "true": True, "false": False}[exported["change_beyond_chance"]],
        )
    for exported in xlsx_rows:
        row = json_rows[str(exported["outlet_code"])]
        assert (
            row["score"], row["audits"], row["change"], row["ci_low"], row["change_beyond_chance"]
        ) == (
            exported["score"], exported["audits"], exported["change"], exported["ci_low"],
            exported["change_beyond_chance"],
        )  # fmt: skip
    assert set(json_rows) == {row["outlet_code"] for row in csv_rows}
    assert set(json_rows) == {row["outlet_code"] for row in xlsx_rows}

    pdf = await reader.call("GET", f"/api/v1/waves/{wave}/comparison.pdf?lang=en", headers)
    assert 200 == pdf.status_code, pdf.text[:300]
    text = pdf_text(pdf.content)
    # The comparison PDF's league is in tiers when the wave's visits support the estimates,
    # in the league's own order (the API's and the dashboard's).
    in_pdf = pdf_tier_league(text)
    assert {code: expected_tier_display(row) for code, row in json_rows.items()} == in_pdf
    assert list(json_rows) == list(in_pdf)

    # The network: the mean of the outlets' results, the same in the league, the headline,
    # the trend and the PDF.
    (network,) = table["networks"]
    trend = await reader.ok("GET", "/api/v1/analytics/trend", headers)
    assert network["score"] == trend[-1]["score"]
    assert network["audits"] == trend[-1]["audits"] == sum(r["audits"] for r in json_rows.values())
    assert [one_decimal(network["score"]), str(len(json_rows)), str(network["audits"])] == (
        headline_figures(overview.text)
    )
    assert one_decimal(network["score"]) == pdf_figure_after(text, "Network result")

    # Regions: the mean of their outlets' results, with the change, in the same wave.
    regions = await reader.ok("GET", "/api/v1/analytics/regions", headers)
    assert {wave} == {region["wave_id"] for region in regions}
    by_name = {region["name"]: region_display(region) for region in regions}
    _header, *screen_regions = html_table(overview.text, "regions")
    assert by_name == {
        name: (score, interval, change or "—")
        for name, _outlets, _audits, score, interval, change in screen_regions
    }
    assert by_name == pdf_regions(text)

    # Whether a region's or the network's change is more than chance: the API's word, in bold
    # or grey on the overview and in words beside the network's change, on screen and in the
    # PDF (a region of one outlet with one visit a wave cannot say: grey).
    assert network["change"] is not None
    judged = {True: "more than chance", False: "within chance"}
    if network["change_beyond_chance"] is None:
        assert not any(f", {words})" in overview.text for words in judged.values())
    else:
        assert f", {judged[network['change_beyond_chance']]})" in overview.text
        assert squeeze(CHANGE_WORDS[network["change_beyond_chance"]]) in squeeze(text)
    for region in regions:
        if region["change"] is None:
            continue
        cell = region_change_cell(overview.text, region["name"])
        assert cell.startswith(
            "<strong" if region["change_beyond_chance"] else '<span class="muted"'
        )

    # Heatmap: the same wave's section scores on the API, the dashboard page and the PDF.
    heatmap = await reader.ok("GET", "/api/v1/analytics/heatmap", headers)
    assert [wave] == heatmap["wave_ids"]
    codes = {outlet["id"]: outlet["code"] for outlet in heatmap["outlets"]}
    cells = {
        (codes[cell["outlet_id"]], cell["section"]): cell["percent"] for cell in heatmap["cells"]
    }
    page = await reader.client.get("/heatmap")
    assert "Showing: <strong>Q1 a, second</strong>" in page.text
    header, *rows = html_table(page.text)
    sections = {"Welcome": "welcome", "Safety": "safety"}
    screen = {
        (row[0], sections[title]): value
        for row in rows
        for title, value in zip(header[1:], row[1:], strict=True)
        if value
    }
    assert {key: one_decimal(value) for key, value in cells.items()} == screen
    heat_lines = text[text.index("Sections by outlet") :].splitlines()
    for title, key in sections.items():
        line = next(line for line in heat_lines if line.startswith(title + " "))
        expected_cells = [
            format_decimal(round(round(cells[(code, key)], 2), 1), format="0", locale="en")
            for code in sorted(codes.values())
            if (code, key) in cells
        ]
        assert expected_cells == line.split()[1:], title

    # Best vs rest: the same items, pass rates and intervals on the API, the dashboard page
    # and the PDF; the PDF lists the gaps beyond chance, the page every gap, those first.
    gaps = await reader.ok("GET", "/api/v1/analytics/best-vs-rest", headers)
    page = await reader.client.get("/best-vs-rest")
    assert "Showing: <strong>Q1 a, second</strong>" in page.text
    _header, *rows = html_table(page.text)

    # (Item texts depend on which checklist's wording a page picks: compare the figures.)
    def shown(gap: dict[str, Any]) -> tuple[str, str, str]:
        return (
            EN.rate(gap["best_pass_rate"]),
            EN.rate(gap["rest_pass_rate"]),
            f"{100 * gap['gap_low']:+.0f} – {100 * gap['gap_high']:+.0f}",
        )

    def rate_of(cell: str) -> str:  # "69%" of "69%13 visits", the visits under the rate
        match = re.match(r"\d+%", cell)
        assert match is not None, cell
        return match.group(0)

    rated = [g for g in gaps if g["best_pass_rate"] is not None and g["rest_pass_rate"] is not None]
    assert [shown(gap) for gap in rated] == [
        (rate_of(best), rate_of(rest), interval)
        for _item, best, rest, _gap, interval in (row for row in rows if len(row) > 1)
        if best and rest
    ]
    within_heading = "Within chance: with these visits the data cannot tell these gaps from none"
    beyond = [gap for gap in rated if gap["beyond_chance"]]
    if len(beyond) < len(rated):
        assert [within_heading] == rows[len(beyond)]
    best_lines = text[text.index("Best vs rest") : text.index("Channels")].splitlines()
    for gap in beyond:
        best, rest, _interval = shown(gap)
        interval = f"{EN.change(100 * gap['gap_low'])} – {EN.change(100 * gap['gap_high'])}"
        assert any(f"{best} {rest}" in line and interval in line for line in best_lines), gap
    assert bool(beyond) != ("No item's pass rate" in " ".join(best_lines))

    # Channels: the same mean and interval on the API, the dashboard page and the PDF.
    channels = await reader.ok("GET", "/api/v1/analytics/channels", headers)
    assert channels
    assert all(row["score_low"] is not None for row in channels)
    page = await reader.client.get("/channels")
    _header, *rows = html_table(page.text, None)
    assert [
        f"{one_decimal(row['score'])}{one_decimal(row['score_low'])} – "
        f"{one_decimal(row['score_high'])}"
        for row in channels
    ] == [score for _channel, _audits, score, _resolution in rows]
    channel_lines = text[text.index("Channels") :].splitlines()
    for row in channels:
        interval = f"{EN.score(row['score_low'])} – {EN.score(row['score_high'])}"
        assert any(
            line.startswith(label) and f"{EN.score(row['score'])} {interval}" in line
            for line in channel_lines
            for label in ("In store", "Phone", "E-mail", "Chat")
        ), row


def svg_texts(page: str, label: str) -> list[str]:
    """The text labels of the inline chart whose accessible name is `label`, in order."""
    match = re.search(rf'<svg role="img" aria-label="{re.escape(label)}".*?</svg>', page, re.DOTALL)
    assert match is not None, label
    return [text.strip() for text in re.findall(r"<text[^>]*>([^<]*)</text>", match.group(0))]


def percent_labels(texts: list[str]) -> list[str]:
    return [text for text in texts if text.endswith("%")]


def wave_result(page: str) -> str:
    match = re.search(r'<div id="wave-result"><span class="figure">([^<]*)</span>', page)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("role", SCOPES)
async def test_the_outlet_page_agrees_with_the_outlet_pdf_and_the_league(
    reader: Api, programme: Programme, role: str
) -> None:
    outlet = programme.ids["outlet_own"]
    headers = programme.headers[role]
    league = await reader.ok("GET", f"/api/v1/analytics/league?outlet={outlet}", headers)
    (row,) = league["rows"]
    await log_in(reader, f"{role}@example.test")
    page = await reader.client.get(f"/outlets/{outlet}")
    assert 200 == page.status_code
    pdf = await reader.call("GET", f"/api/v1/outlets/{outlet}/report.pdf?lang=en", headers)
    assert 200 == pdf.status_code, pdf.text[:300]
    text = pdf_text(pdf.content)

    # The headline: the wave result, on the page, in the PDF and in the league.
    assert one_decimal(row["score"]) == wave_result(page.text)
    assert f"{one_decimal(row['score'])}%" == headline_score(pdf.content)
    assert f"{signed_one_decimal(row['change'])} points" in text
    assert f"{row['audits']} visits" in text

    # What to fix first: the same items in the same order, with the same points lost.
    fix_first = re.findall(
        r'<strong class="item">([^<]*)</strong> · <span class="points">([^<]*)</span>', page.text
    )
    assert fix_first, "the seeded outlet failed items this wave"
    in_pdf = " ".join(text[text.index("Fix these first") : text.index("What went well")].split())
    places = [in_pdf.index(html.unescape(item)) for item, _points in fix_first]
    assert sorted(places) == places
    for (_item, points), place in zip(fix_first, places, strict=True):
        assert points in in_pdf[place:], points

    # Each visit's sections: the page's chart per visit and the PDF's table of that visit.
    visits = re.findall(r'aria-label="Sections against the network · (Visit \d+)"', page.text)
    assert row["audits"] == len(visits)
    for visit in visits:
        texts = svg_texts(page.text, f"Sections against the network · {visit}")
        on_screen = {
            title: value
            for title, value in itertools.pairwise(texts)
            if value.endswith("%") and not title.endswith("%") and title not in ("0", "100")
        }
        assert {"Welcome", "Safety"} == set(on_screen)
        start = text.index(f"{visit} ·")
        for title, value in on_screen.items():
            line = next(line for line in text[start:].splitlines() if line.startswith(title + " "))
            assert line.split()[1] == value, (visit, title)

    # Trend: this outlet's result per wave, as the analytics JSON has it.
    trend = await reader.ok("GET", f"/api/v1/analytics/outlets/{outlet}/trend", headers)
    expected_trend = [f"{one_decimal(point['score'])}%" for point in trend]
    assert 2 == len(expected_trend)
    pdf_trend = " ".join(
        text[text.index("Trend over the waves") : text.index("Visit details")].splitlines()
    )
    assert expected_trend == re.findall(r"\d+\.\d%", pdf_trend)
    screen_trend = svg_texts(page.text, "This outlet against the network average, per wave")
    assert expected_trend == percent_labels(screen_trend)


async def test_an_outlet_managers_card_says_what_the_outlet_page_says(
    reader: Api, programme: Programme
) -> None:
    """In 30 seconds: the card on an outlet manager's overview gives the wave result as the
    outlet page does (band, passed or not, pass mark, interval) and the items to fix first."""
    outlet = programme.ids["outlet_own"]
    await log_in(reader, "outlet_manager@example.test")
    cards = await reader.client.get("/")
    page = await reader.client.get(f"/outlets/{outlet}")
    assert 200 == cards.status_code == page.status_code

    def result_line(html_text: str) -> str:
        match = re.search(r'(<span class="figure">[^<]*</span> Wave result.*?)</div>', html_text)
        assert match is not None
        return match.group(1)

    def fix_first(html_text: str) -> list[tuple[str, str]]:
        return re.findall(
            r'<strong class="item">([^<]*)</strong> · <span class="points">([^<]*)</span>',
            html_text,
        )

    line = result_line(cards.text)
    assert line == result_line(page.text)
    assert "Pass mark: " in line
    assert ("Not passed" in line) != (" Passed" in line)
    assert fix_first(page.text), "the seeded outlet failed items this wave"
    assert fix_first(page.text) == fix_first(cards.text)


# --- every outlet of the demo -------------------------------------------------------------

DEMO_HEAD_OFFICES = {
    "Polmarket": ("hq@polmarket.demo", "demo-client-pass"),
    "Sever Coffee": ("hq@severcoffee.demo", "demo-client-pass"),
}
LANGUAGES = ("en", "ru", "uk", "pl")


@pytest.fixture
async def demo_reader(demo_settings: Settings) -> AsyncIterator[Api]:
    app = create_app(demo_settings)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, app)


async def dashboard_login(reader: Api, email: str, password: str) -> None:
    page = await reader.client.get("/login")
    response = await reader.client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "email": email, "password": password},
        follow_redirects=False,
    )
    assert 303 == response.status_code, response.text
    # Pages in English, whatever the demo user's language: the figures are compared as
    # English writes them ("75.1", where Polish writes "75,1").
    reader.client.cookies.set("shopscore_lang", "en")


@pytest.mark.parametrize(
    "client",
    # Polmarket's larger network (about 40 s) in `make soak`.
    [pytest.param("Polmarket", marks=pytest.mark.slow), "Sever Coffee"],
)
async def test_every_demo_outlet_shows_the_leagues_score_everywhere(
    demo_reader: Api, client: str
) -> None:
    email, password = DEMO_HEAD_OFFICES[client]
    headers = await demo_reader.login(email, password)
    league = await demo_reader.ok("GET", "/api/v1/analytics/league", headers)
    (wave,) = league["wave_ids"]
    rows = {row["outlet"]["code"]: row for row in league["rows"]}
    assert len(rows) >= 12

    comparison = await demo_reader.call(
        "GET", f"/api/v1/waves/{wave}/comparison.pdf?lang=en", headers
    )
    assert 200 == comparison.status_code, comparison.text[:300]
    comparison_text = pdf_text(comparison.content)
    assert {code: expected_tier_display(row) for code, row in rows.items()} == pdf_tier_league(
        comparison_text
    )
    assert [] == mostly_empty_pages(comparison.content)

    # Regions: the same wave and the same numbers on the API, the overview and the PDF.
    regions = await demo_reader.ok("GET", "/api/v1/analytics/regions", headers)
    assert {wave} == {region["wave_id"] for region in regions}
    by_name = {region["name"]: region_display(region) for region in regions}
    assert by_name == pdf_regions(comparison_text)
    await dashboard_login(demo_reader, email, password)
    overview = await demo_reader.client.get("/")
    _header, *screen_regions = html_table(overview.text, "regions")
    assert by_name == {
        name: (score, interval, change or "—")
        for name, _outlets, _audits, score, interval, change in screen_regions
    }

    csv_rows, _xlsx = exported_rows(
        await download(demo_reader, "/exports/league?format=csv"),
        await download(demo_reader, "/exports/league?format=xlsx"),
    )
    assert {code: row["score"] for code, row in rows.items()} == {
        row["outlet_code"]: float(row["score"]) for row in csv_rows
    }

    judged: set[bool | None] = set()
    for index, (code, row) in enumerate(sorted(rows.items())):
        outlet = row["outlet"]["id"]
        pdf = await demo_reader.call(
            "GET", f"/api/v1/outlets/{outlet}/report.pdf?lang=en&wave={wave}", headers
        )
        assert 200 == pdf.status_code, (code, pdf.text[:300])
        # The PDF's headline is the league's score for that outlet and wave.
        assert f"{one_decimal(row['score'])}%" == headline_score(pdf.content), code
        text = pdf_text(pdf.content)
        if row["change"] is not None:
            assert f"{signed_one_decimal(row['change'])} points" in text, code
        visits = re.search(r"(\d+) visits?:", text)
        assert visits is not None, code
        assert row["audits"] == int(visits.group(1)), code
        # The dashboard's outlet page shows the same result for the same (default) wave, and
        # both say what the league says of its change: more than chance or not.
        page = await demo_reader.client.get(f"/outlets/{outlet}")
        assert one_decimal(row["score"]) == wave_result(page.text), code
        said = CHANGE_WORDS.get(row["change_beyond_chance"])
        flowing = " ".join(text.split())
        assert ([said] if said else []) == [w for w in CHANGE_WORDS.values() if w in flowing], code
        on_page = " ".join(html.unescape(page.text).split())
        assert ([said] if said else []) == [w for w in CHANGE_WORDS.values() if w in on_page]
        judged.add(row["change_beyond_chance"])
        # And, in one of the four languages in turn, nothing cut short, no page left empty.
        lang = LANGUAGES[index % len(LANGUAGES)]
        localized = (
            pdf
            if lang == "en"
            else await demo_reader.call(
                "GET", f"/api/v1/outlets/{outlet}/report.pdf?lang={lang}&wave={wave}", headers
            )
        )
        assert [] == cut_short(" ".join(page_texts(localized.content)), checklist_ellipses()), (
            code,
            lang,
        )
        assert [] == mostly_empty_pages(localized.content), (code, lang)
    # Polmarket's latest wave has changes of both kinds; Sever Coffee's is its first.
    assert ({True, False} <= judged) if client == "Polmarket" else ({None} == judged)
