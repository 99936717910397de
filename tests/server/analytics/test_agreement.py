"""Every number on the dashboard agrees with the PDFs, the exports and the analytics JSON.

For a seeded programme and two scopes (head office; the regional manager of one region), the
league table of the latest wave is read four ways: parsed from the dashboard's overview HTML,
from the dashboard's CSV and XLSX downloads (csv module, openpyxl), from the comparison PDF
(text via pdfplumber) and from `/api/v1/analytics/league`. The outlet page's charts are checked
against the outlet PDF the page offers for download.

The rounding rule, one for every place: the JSON and the exports carry two decimals; whatever
shows one decimal (dashboard, PDF) rounds that two-decimal figure with Python's `round`/`%.1f`
(the same correctly rounded binary rule), so `expected_display` below is the only place the
test rounds.
"""

from __future__ import annotations

import csv
import html.parser
import io
import itertools
import re
from typing import Any

import pdfplumber
import pytest
from openpyxl import load_workbook

from tests.server.analytics.seed import Programme
from tests.server.analytics.test_dashboard_http import log_in
from tests.server.api import Api

SCOPES = ("head_office", "regional_manager")
PDF_MINUS = "\u2212"  # Babel may write a minus sign where Python writes a hyphen


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
        "rank": str(row["rank"]),
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


def dashboard_league(page: str) -> dict[str, dict[str, str]]:
    parser = TableCells("league")
    parser.feed(page)
    assert 1 == len(parser.tables)
    header, *rows = parser.tables[0]
    assert ["Rank", "Outlet", "Region", "Score", "Interval (95%)", "Change", "Audits"] == header[:7]
    league = {}
    for rank, outlet, _region, score, interval, change, audits, *_rest in rows:
        league[outlet.split(" · ")[0]] = {
            "rank": rank,
            "score": score,
            "audits": audits,
            "change": change or "—",
            "interval": interval or "—",
        }
    return league


def headline_figures(page: str) -> list[str]:
    return re.findall(r'<span class="figure">([^<]*)</span>', page)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(content)) as document:
        text = "\n".join(page.extract_text() or "" for page in document.pages)
    return text.replace(PDF_MINUS, "-")


PDF_LEAGUE_ROW = re.compile(
    r"^(?P<rank>\d+) .+? (?P<score>\d+\.\d)% (?P<change>[+-]\d+\.\d|—) (?P<audits>\d+)(?: \*)? "
    r"(?P<interval>(?P<low>-?\d+\.\d)% – (?P<high>-?\d+\.\d)%|—)$"
)
OUTLET_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def pdf_league(text: str) -> dict[str, dict[str, str]]:
    """The comparison PDF's league rows by outlet code (the code is the line under the name)."""
    lines = text.splitlines()
    start = lines.index("League table")
    end = next(index for index in range(start, len(lines)) if lines[index] == "Regions")
    league: dict[str, dict[str, str]] = {}
    pending: dict[str, str] | None = None
    for line in lines[start + 1 : end]:
        match = PDF_LEAGUE_ROW.match(line)
        if match:
            assert pending is None, line
            interval = "—" if match["low"] is None else f"{match['low']}–{match['high']}"
            pending = {
                "rank": match["rank"],
                "score": match["score"],
                "audits": match["audits"],
                "change": match["change"],
                "interval": interval,
            }
        elif pending is not None and OUTLET_CODE.match(line):
            league[line] = pending
            pending = None
    assert pending is None
    return league


def pdf_fact(text: str, name: str) -> str:
    match = re.search(rf"^{name} (.+)$", text, re.MULTILINE)
    assert match is not None, name
    return match.group(1)


async def download(reader: Api, path: str) -> bytes:
    response = await reader.client.get(path)
    assert 200 == response.status_code, response.text[:300]
    return response.content


@pytest.mark.parametrize("role", SCOPES)
async def test_the_league_table_agrees_on_screen_in_exports_pdf_and_json(
    reader: Api, programme: Programme, role: str
) -> None:
    headers = programme.headers[role]
    wave = programme.ids["wave_a2"]
    query = f"wave={wave}&min_audits=1"
    table = await reader.ok("GET", f"/api/v1/analytics/league?{query}", headers)
    json_rows = {row["outlet"]["code"]: row for row in table["rows"]}
    expected = {code: expected_display(row) for code, row in json_rows.items()}
    in_scope = {
        "head_office": {"OWN", "OTHER_OUTLET", "OTHER_REGION"},
        "regional_manager": {"OWN", "OTHER_OUTLET"},
    }[role]
    assert in_scope == set(expected)

    await log_in(reader, f"{role}@example.test")
    overview = await reader.client.get(f"/?{query}")
    assert 200 == overview.status_code
    assert expected == dashboard_league(overview.text)
    fragment = await reader.client.get(f"/league?{query}", headers={"HX-Request": "true"})
    assert expected == dashboard_league(fragment.text)

    csv_body = await download(reader, f"/exports/league?format=csv&{query}")
    csv_rows = list(csv.DictReader(io.StringIO(csv_body.decode("utf-8-sig")), delimiter=";"))
    xlsx_body = await download(reader, f"/exports/league?format=xlsx&{query}")
    sheet = load_workbook(io.BytesIO(xlsx_body), read_only=True).active
    header, *values = list(sheet.iter_rows(values_only=True))
    xlsx_rows = [dict(zip(header, row, strict=True)) for row in values]
    for exported in csv_rows:
        row = json_rows[exported["outlet_code"]]
        assert (row["score"], row["audits"], row["change"]) == (
            float(exported["score"]),
            int(exported["audits"]),
            float(exported["change"]) if exported["change"] else None,
        )
    for exported in xlsx_rows:
        row = json_rows[str(exported["outlet_code"])]
        assert (row["score"], row["audits"], row["change"], row["ci_low"]) == (
            exported["score"],
            exported["audits"],
            exported["change"],
            exported["ci_low"],
        )
    assert set(json_rows) == {row["outlet_code"] for row in csv_rows}
    assert set(json_rows) == {row["outlet_code"] for row in xlsx_rows}

    pdf = await reader.call("GET", f"/api/v1/waves/{wave}/comparison.pdf?lang=en", headers)
    assert 200 == pdf.status_code, pdf.text[:300]
    text = pdf_text(pdf.content)
    assert expected == pdf_league(text)

    # The headline figures: the wave's mean score over every audit in scope, outlets, audits.
    (point,) = await reader.ok("GET", f"/api/v1/analytics/trend?wave={wave}", headers)
    total_audits = sum(row["audits"] for row in json_rows.values())
    assert point["audits"] == total_audits
    assert [one_decimal(point["score"]), str(len(json_rows)), str(total_audits)] == (
        headline_figures(overview.text)
    )
    assert [f"{one_decimal(point['score'])}%", str(len(json_rows)), str(total_audits)] == [
        pdf_fact(text, "Network score"),
        pdf_fact(text, "Outlets"),
        pdf_fact(text, "Visits"),
    ]


def svg_texts(page: str, label: str) -> list[str]:
    """The text labels of the inline chart whose accessible name is `label`, in order."""
    match = re.search(rf'<svg role="img" aria-label="{re.escape(label)}".*?</svg>', page, re.DOTALL)
    assert match is not None, label
    return [text.strip() for text in re.findall(r"<text[^>]*>([^<]*)</text>", match.group(0))]


def percent_labels(texts: list[str]) -> list[str]:
    return [text for text in texts if text.endswith("%")]


def block(text: str, first: str, after: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(first)
    end = lines.index(after, start)
    return lines[start + 1 : end]


@pytest.mark.parametrize("role", SCOPES)
async def test_the_outlet_page_charts_agree_with_the_outlet_pdf(
    reader: Api, programme: Programme, role: str
) -> None:
    outlet = programme.ids["outlet_own"]
    headers = programme.headers[role]
    await log_in(reader, f"{role}@example.test")
    page = await reader.client.get(f"/outlets/{outlet}")
    assert 200 == page.status_code
    pdf = await reader.call("GET", f"/api/v1/outlets/{outlet}/report.pdf?lang=en", headers)
    assert 200 == pdf.status_code, pdf.text[:300]
    text = pdf_text(pdf.content)

    # Sections: the PDF's chart writes each value above its section title.
    pdf_sections = block(text, "Section scores", "0 25 50 75 100")[1:]
    from_pdf = dict(zip(pdf_sections[1::2], pdf_sections[0::2], strict=True))
    # The page's chart writes the title, then the value.
    texts = svg_texts(page.text, "Sections against the network")
    on_screen = {
        title: value
        for title, value in itertools.pairwise(texts)
        if value.endswith("%") and not title.endswith("%") and title not in ("0", "100")
    }
    assert {"Welcome", "Safety"} == set(from_pdf)
    assert from_pdf == on_screen

    # Trend: this outlet's score per wave, as the analytics JSON has it.
    trend = await reader.ok("GET", f"/api/v1/analytics/outlets/{outlet}/trend", headers)
    expected_trend = [f"{one_decimal(point['score'])}%" for point in trend]
    assert 2 == len(expected_trend)
    pdf_trend = " ".join(block(text, "Trend over the waves", "What went wrong"))
    assert expected_trend == re.findall(r"\d+\.\d%", pdf_trend)
    screen_trend = svg_texts(page.text, "This outlet against the network average, per wave")
    assert expected_trend == percent_labels(screen_trend)
