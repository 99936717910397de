"""The dashboard on the demo programme (`make demo`'s data), in each language: what head
office and PM-001's manager read where the data is realistic (four checklists whose sections
share names in some languages, 28 outlets)."""

from __future__ import annotations

import collections
import html
import json
import re
from collections.abc import AsyncIterator
from fractions import Fraction

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.settings import Settings
from tests.server.analytics.test_dashboard_http import csrf_of
from tests.server.api import Api
from tests.server.audits.helpers import sql

LANGUAGES = ("en", "ru", "uk", "pl")


@pytest.fixture
async def demo(demo_settings: Settings) -> AsyncIterator[Api]:
    app = create_app(demo_settings)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, app)


async def log_in(reader: Api, email: str) -> None:
    page = await reader.client.get("/login")
    response = await reader.client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "email": email, "password": "demo-client-pass"},
        follow_redirects=False,
    )
    assert 303 == response.status_code, response.text


def heat_rows(page: str) -> list[str]:
    table = page[page.index('<table class="heat"') :]
    header = table[: table.index("</thead>")]
    return [html.unescape(name) for name in re.findall(r'<th scope="col">([^<]*)</th>', header)]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_no_two_heatmap_sections_share_a_name_in_any_language(
    demo: Api, language: str
) -> None:
    await log_in(demo, "hq@polmarket.demo")
    demo.client.cookies.set("shopscore_lang", language)
    names = heat_rows((await demo.client.get("/heatmap")).text)
    assert len(names) > 5
    assert len(names) == len(set(names)), names


async def test_the_demo_manager_is_ranked_in_the_whole_network(demo: Api) -> None:
    headers = await demo.login("hq@polmarket.demo", "demo-client-pass")
    league = await demo.ok("GET", "/api/v1/analytics/league", headers)
    ranked = [row for row in league["rows"] if row["rank"] is not None]
    own = next(row for row in league["rows"] if row["outlet"]["code"] == "PM-001")
    await log_in(demo, "pm-001@polmarket.demo")
    demo.client.cookies.set("shopscore_lang", "pl")
    page = (await demo.client.get("/")).text
    assert len(ranked) > 10
    # the ranks the manager's outlet could hold lead, the league's own; its place by this
    # wave's results alone follows
    low, high = own["rank_low"], own["rank_high"]
    figure = f"{low}–{high}" if high != low else f"{low}"
    assert f'<span class="figure">{figure}</span> Możliwe miejsca wśród {len(ranked)}' in page
    assert f"Tylko według wyników tej fali: {own['rank']} z {len(ranked)} w sieci" in page


@pytest.mark.parametrize("language", ["ru", "uk", "pl"])
async def test_head_office_pages_name_channels_and_statuses_in_words(
    demo: Api, language: str
) -> None:
    await log_in(demo, "hq@polmarket.demo")
    demo.client.cookies.set("shopscore_lang", language)
    overview = (await demo.client.get("/")).text
    outlet = re.search(r'href="(/outlets/\d+)"', overview)
    assert outlet is not None
    for path in ("/", "/heatmap", "/channels", "/network", "/disputes", outlet.group(1)):
        page = (await demo.client.get(path)).text
        main = page[page.index("<main") :]
        for key in ("in_store", "phone", "email", "chat", "approved", "upheld", "None"):
            assert f">{key}<" not in main, (path, key)
        assert not re.search(r">\d+\.\d<", main), path  # "76.1" is English; here "76,1"
        assert "“" not in main, path  # quotation marks are the language's own
    disputes = (await demo.client.get("/disputes")).text
    assert {"ru": "«", "uk": "«", "pl": "„"}[language] in disputes
    if language == "pl":
        # A shopper's „dzień dobry” quoted again takes the inner marks: „… «dzień dobry».”
        assert "«dzień dobry»" in disputes
        assert not re.search(r"„[^”<]*„", disputes)


async def test_each_visits_section_chart_is_named_above_it(demo: Api) -> None:
    """A visit's section chart opens with which visit it is (number, date, channel, score), so
    the name never reads as the title of the chart below it."""
    await log_in(demo, "hq@polmarket.demo")
    demo.client.cookies.set("shopscore_lang", "pl")
    overview = (await demo.client.get("/")).text
    outlet = re.search(r'href="(/outlets/\d+)"', overview)
    assert outlet is not None
    page = (await demo.client.get(outlet.group(1))).text
    figures = re.findall(r"<figure[^>]*>(.*?)</figure>", page, re.S)
    visits = [figure for figure in figures if "<strong>Wizyta " in figure]
    assert visits, "no visit's section chart"
    for number, figure in enumerate(visits, start=1):
        caption = re.search(r"<figcaption>(.*?)</figcaption>", figure, re.S)
        assert caption is not None
        assert figure.index("<figcaption>") < figure.index("<svg")
        words = html.unescape(re.sub(r"<[^>]+>", "", caption.group(1)))
        assert words.startswith(f"Wizyta {number} · ")
        assert re.search(r"\d{4} · (W sklepie|Telefon|E-mail|Czat) · \d+,\d\s?%", words), words


async def test_a_store_visits_and_a_calls_sections_are_never_averaged_together(
    demo: Api, demo_settings: Settings
) -> None:
    """The demo's store visit and phone call both have a `needs_discovery` section: the
    heatmap shows each checklist's own, each the mean of that checklist's visits only, under
    names that tell them apart."""
    headers = await demo.login("hq@polmarket.demo", "demo-client-pass")
    heatmap = await demo.ok("GET", "/api/v1/analytics/heatmap", headers)
    sections = {(section["checklist"], section["key"]) for section in heatmap["sections"]}
    assert {("store-visit", "needs_discovery"), ("phone-call", "needs_discovery")} <= sections
    (wave,) = heatmap["wave_ids"]
    outlet = next(outlet for outlet in heatmap["outlets"] if outlet["code"] == "PM-001")
    ratios: dict[tuple[str, str], list[Fraction]] = collections.defaultdict(list)
    for template_key, section_ratios in await sql(
        demo_settings,
        "SELECT template_key, section_ratios FROM score_rollup WHERE outlet = ? AND wave = ?",
        outlet["id"],
        wave,
    ):
        for key, ratio in json.loads(section_ratios).items():
            ratios[(template_key, key)].append(Fraction(ratio))
    assert {("store-visit", "needs_discovery"), ("phone-call", "needs_discovery")} <= set(ratios)
    assert {
        key: round(float(100 * sum(values) / len(values)), 2) for key, values in ratios.items()
    } == {
        (cell["checklist"], cell["section"]): cell["percent"]
        for cell in heatmap["cells"]
        if cell["outlet_id"] == outlet["id"]
    }
    await log_in(demo, "hq@polmarket.demo")
    demo.client.cookies.set("shopscore_lang", "en")
    names = heat_rows((await demo.client.get("/heatmap")).text)
    # the checklist with the most visits (the store visit) first, each in its own order
    assert names.index("Needs discovery") < names.index("Needs discovery and hold")
    assert names.index("Welcome") < names.index("Needs discovery")
