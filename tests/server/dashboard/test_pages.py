"""Dashboard pages over HTTP (no browser), on both engines: what head office and an outlet
manager read on the overview and outlet pages, the downloads, the heatmap's names and the
page's locale. Browser journeys, axe and phone widths are in tests/dashboard."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from importlib.resources import files

import pytest

from reports.answers import answer_words
from server.dashboard.heatmap_view import shade
from server.reporting.service import Vocabulary
from shared.checklist import Item, Template
from shared.starters import PACKAGE
from tests.server.analytics.seed import Programme
from tests.server.analytics.test_dashboard_http import log_in
from tests.server.api import ADMIN_EMAIL, Api


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


async def test_an_outlet_manager_is_ranked_in_the_whole_network_not_among_their_own(
    reader: Api, programme: Programme
) -> None:
    """The overview shows the rank the outlet PDF shows (out of every ranked outlet of the
    client), the network's and the region's result, and no league of their one outlet."""
    head_office = programme.headers["head_office"]
    league = await reader.ok("GET", "/api/v1/analytics/league", head_office)
    ranked = [row for row in league["rows"] if row["rank"] is not None]
    own = next(row for row in league["rows"] if row["outlet"]["code"] == "OWN")
    assert len(ranked) > 1
    await log_in(reader, "outlet_manager@example.test")
    page = (await reader.client.get("/")).text
    # The ranks it could hold lead, the league's own; its place by results alone follows.
    low, high = own["rank_low"], own["rank_high"]
    figure = f"{low}–{high}" if high != low else f"{low}"
    assert (
        f'<span class="figure">{figure}</span> Ranks it could hold among the {len(ranked)}' in page
    )
    assert (
        f"By this wave&#39;s results alone: {own['rank']} of {len(ranked)} in the network" in page
    )
    assert "Network result" in page
    assert "1 of 1" not in page
    assert 'id="league"' not in page
    assert "OTHER_OUTLET" not in page
    # Their outlets alone are no network: no "best against the rest" of one outlet.
    best = (await reader.client.get("/best-vs-rest")).text
    assert "Points lost at your outlets" in best
    assert "across the network" not in best
    assert "top-quartile" not in best


async def test_the_overview_trend_has_no_legend_for_a_line_it_does_not_draw(
    reader: Api, programme: Programme
) -> None:
    await log_in(reader, "head_office@example.test")
    page = (await reader.client.get("/")).text
    chart = page[page.index('aria-label="Network result per wave"') :]
    chart = chart[: chart.index("</svg>")]
    assert "Network average" in chart
    assert "This outlet" not in chart


async def test_the_overview_calls_only_the_whole_network_the_network(
    reader: Api, programme: Programme
) -> None:
    """A regional manager's overview, or head office's filtered to a region, shows the mean of
    the outlets shown: it is named so, never "Network result" (the outlet pages show the
    network's own)."""
    await log_in(reader, "head_office@example.test")
    whole = (await reader.client.get("/")).text
    region = (await reader.client.get(f"/?region={programme.ids['region_north']}")).text
    await log_in(reader, "regional_manager@example.test")
    regional = (await reader.client.get("/")).text
    assert "</span> Network result, " in whole
    assert 'aria-label="Network result per wave"' in whole
    for page in (region, regional):
        assert "</span> Result of the outlets shown, " in page
        assert "Network result" not in page
        assert 'aria-label="Result per wave"' in page
        assert "Network average" not in page
        assert "Outlets shown" in page
        # The region shown is named, for a regional manager too: never "all regions".
        assert " · north · " in page
        assert "all regions" not in page
    assert " · all regions · " in whole


async def test_the_outlet_page_starts_with_the_result_and_lists_audits_by_date(
    reader: Api, programme: Programme
) -> None:
    await log_in(reader, "head_office@example.test")
    page = (await reader.client.get(f"/outlets/{programme.ids['outlet_own']}")).text
    headline = page.index('id="wave-result"')
    assert headline < page.index("Audits by date") < page.index("Trend")
    assert re.search(
        r'id="wave-rank"><span class="figure">\d+(–\d+)?</span> Ranks it could hold among the '
        r"\d+ outlets ranked in the network<br><span class=\"muted\">By this wave&#39;s results "
        r"alone: \d+ of \d+ in the network · \d+ of \d+ in north</span>",
        page,
    )
    visits = page[page.index("This wave&#39;s visits") :]
    assert ">None<" not in visits[: visits.index("</table>")]  # no dispute is a dash
    # The column lists the critical items a visit did not meet, by their checklist wording.
    assert "Critical items not met" in visits[: visits.index("</thead>")]
    audits = page[page.index("Audits by date") :]
    audits = audits[: audits.index("</table>")]
    links = re.findall(r'<a href="/audits/([0-9a-f-]+)">([^<]+)</a>', audits)
    own = [visit.uuid for visit in programme.visits if visit.outlet == "own"]
    assert sorted(own) == sorted(uuid for uuid, _day in links)
    days = [dt.datetime.strptime(day, "%b %d, %Y").date() for _uuid, day in links]
    assert days == sorted(days, reverse=True)


async def test_an_outlet_too_little_visited_to_rank_says_so_once(
    reader: Api, programme: Programme
) -> None:
    """One visit this wave: the rank card shows a dash and the line under it says why."""
    await log_in(reader, "head_office@example.test")
    page = (await reader.client.get(f"/outlets/{programme.ids['outlet_other_region']}")).text
    assert re.search(r'id="wave-rank"><span class="figure">–</span> Rank in the network<', page)
    assert page.count("Too few visits this wave to rank it (the minimum is 3).") == 1


async def test_downloads_carry_names_and_keep_the_page_filters(
    reader: Api, programme: Programme
) -> None:
    await log_in(reader, "head_office@example.test")
    region = programme.ids["region_north"]
    overview = (await reader.client.get(f"/?region={region}")).text
    assert f"/exports/league?format=csv&amp;region={region}" in overview
    league = csv_rows(
        (await reader.client.get(f"/exports/league?format=csv&region={region}")).content
    )
    assert {"OWN", "OTHER_OUTLET"} == {row["outlet_code"] for row in league}
    assert {"north"} == {row["region"] for row in league}
    assert {"Q1 a, second"} == {row["wave"] for row in league}
    assert "region_id" not in league[0]
    everything = csv_rows((await reader.client.get("/exports/league?format=csv")).content)
    assert "OTHER_REGION" in {row["outlet_code"] for row in everything}

    answers = csv_rows(
        (await reader.client.get(f"/exports/answers?format=csv&region={region}")).content
    )
    assert {"OWN", "OTHER_OUTLET"} >= {row["outlet_code"] for row in answers}
    greeted = next(row for row in answers if row["item_key"] == "greeted")
    assert greeted["item"] not in ("", "greeted")
    assert {row["channel"] for row in answers} <= {"Phone", "In store"}  # never `phone`
    assert "auditor" not in answers[0]
    assert "auditor_id" not in answers[0]


async def test_pages_write_figures_and_dates_in_the_page_language(
    reader: Api, programme: Programme
) -> None:
    await log_in(reader, "head_office@example.test")
    reader.client.cookies.set("shopscore_lang", "pl")
    page = (await reader.client.get(f"/outlets/{programme.ids['outlet_own']}")).text
    figure = re.search(r'<div id="wave-result"><span class="figure">([^<]+)</span>', page)
    assert figure is not None
    assert re.fullmatch(r"\d+,\d", figure.group(1))
    assert "Audyty według dat" in page
    assert "Niespełnione punkty krytyczne" in page
    assert " z " in page[page.index('id="wave-rank"') :][:200]  # "1 z 2"
    overview = (await reader.client.get("/")).text
    assert re.search(r'<span class="figure">\d+,\d</span>', overview)


@pytest.mark.parametrize(
    ("language", "waited", "rang"),
    [("en", "45 s", "3 rings"), ("ru", "45 с", "3 гудков"), ("uk", "45 с", "3 rings")],
)
def test_a_measured_answer_reads_with_its_unit_in_the_page_language(
    language: str, waited: str, rang: str
) -> None:
    """A timer counts seconds (the product's word, when the checklist gives none); a number
    shows the checklist's unit in the page's language, or none."""
    rings = {"en": "rings", "ru": "гудков", "pl": "sygnałów"}  # no Ukrainian: English
    assert waited == answer_words(Item(key="wait", kind="timer"), {"value": 45}, language)
    written = Item(key="wait", kind="timer", unit={"en": "s"})  # as most checklists write it
    assert waited == answer_words(written, {"value": 45}, language)
    assert rang == answer_words(Item(key="r", kind="number", unit=rings), {"value": 3}, language)
    assert "3" == answer_words(Item(key="count", kind="number"), {"value": 3}, language)


def test_heatmap_rows_of_different_checklists_never_share_a_name() -> None:
    vocabulary = Vocabulary((), "pl")
    vocabulary.templates = {"store": "Wizyta w sklepie", "phone": "Rozmowa telefoniczna"}
    vocabulary.scoped_sections = {
        ("store", "welcome"): "Powitanie",
        ("store", "exit"): "Wyjście",
        ("store", "needs"): "Rozpoznanie potrzeb",
        ("phone", "greeting"): "Powitanie",
        ("phone", "needs"): "Rozpoznanie potrzeb i oczekiwanie",
        ("phone", "close"): "Wyjście",
        ("phone", "end"): "Wyjście",
    }
    sections = list(vocabulary.scoped_sections)
    names = vocabulary.section_names(sections)
    assert {
        ("store", "welcome"): "Powitanie (Wizyta w sklepie)",
        ("store", "exit"): "Wyjście (Wizyta w sklepie)",
        # one key, two checklists: two sections, each its own name
        ("store", "needs"): "Rozpoznanie potrzeb",
        ("phone", "greeting"): "Powitanie (Rozmowa telefoniczna)",
        ("phone", "needs"): "Rozpoznanie potrzeb i oczekiwanie",
        # alike in name within one checklist too: told apart by their keys
        ("phone", "close"): "Wyjście (Rozmowa telefoniczna) [close]",
        ("phone", "end"): "Wyjście (Rozmowa telefoniczna) [end]",
    } == names
    assert len(set(names.values())) == len(sections)
    assert ["heat-none", "heat-0", "heat-2", "heat-4"] == [
        shade(value) for value in (None, 12.5, 80.0, 100.0)
    ]


def test_an_item_is_placed_in_its_own_checklists_section() -> None:
    """Best vs rest names each item's section from the item's own checklist: a call's item is
    in the call's "Needs discovery and hold", not the store visit's "Needs discovery"."""
    templates = [
        Template.from_dict(json.loads(files(PACKAGE).joinpath(f"{key}.json").read_text("utf-8")))
        for key in ("phone-call", "store-visit")
    ]
    vocabulary = Vocabulary(templates, "en")
    assert "Needs discovery and hold" == vocabulary.section_of_item("used_name")
    assert "Needs discovery" == vocabulary.section_of_item("open_questions")
    assert "" == vocabulary.section_of_item("no_such_item")
    # the outlet report's "What went well" says the answer of an item passed by No
    assert ("store-visit", "private_activity") in vocabulary.passed_by_no
    assert ("store-visit", "approachable") not in vocabulary.passed_by_no


async def test_the_heatmap_is_a_table_of_page_sized_figures(
    reader: Api, programme: Programme
) -> None:
    await log_in(reader, "head_office@example.test")
    page = (await reader.client.get("/heatmap")).text
    assert '<table class="heat"' in page
    assert "<svg" not in page[page.index("<main") :]
    cells = re.findall(
        r'<td class="num heat-\d( one-visit)?" title="(\d+) visits?">\d+\.\d</td>', page
    )
    # Each cell says how many visits it rests on; those of one visit alone are marked so.
    figure = await reader.ok("GET", "/api/v1/analytics/heatmap", programme.headers["head_office"])
    assert sorted(cell["audits"] for cell in figure["cells"]) == sorted(int(n) for _, n in cells)
    assert [] != [n for one, n in cells if one]
    assert all((n == "1") == bool(one) for one, n in cells)
    assert "from one visit alone" in page


# Every page the dashboard's menu can offer, and the pages a role may open without the menu
# offering them: a reviewer's first page is the review desk, an outlet manager's network is
# their overview.
MENU_PAGES = ("/", "/review", "/disputes", "/network", "/heatmap", "/best-vs-rest", "/channels",
              "/funnel", "/setup", "/checklists", "/admin")  # fmt: skip
OPEN_BUT_NOT_OFFERED = {("reviewer", "/"), ("outlet_manager", "/network")}


def menu_links(page: str) -> list[str]:
    menu = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.S)
    return [] if menu is None else re.findall(r'<a href="([^"]+)"', menu.group(1))


@pytest.mark.parametrize(
    "role", ["admin", "reviewer", "head_office", "regional_manager", "outlet_manager", "auditor"]
)
async def test_the_menu_offers_each_role_what_it_may_open_and_nothing_else(
    reader: Api, programme: Programme, role: str
) -> None:
    """The menu and the pages ask the same table of abilities: every page offered opens, and
    every page of the menu not offered is refused (but for the two named above). An auditor
    is offered nothing and told to use the phone app."""
    await log_in(reader, ADMIN_EMAIL if role == "admin" else f"{role}@example.test")
    home = await reader.client.get("/disputes" if role == "auditor" else "/heatmap")
    offered = menu_links(home.text)
    if role == "auditor":
        assert 403 == home.status_code
        assert "Auditors use the phone app." in home.text
        assert [] == offered
    else:
        assert 200 == home.status_code
        assert offered
        assert set(offered) <= set(MENU_PAGES)
    for path in MENU_PAGES:
        status = (await reader.client.get(path, follow_redirects=False)).status_code
        if path in offered:
            assert 200 == status, (role, path)
        elif (role, path) in OPEN_BUT_NOT_OFFERED:
            assert status in (200, 303), (role, path)
        else:
            assert 403 == status, (role, path)
