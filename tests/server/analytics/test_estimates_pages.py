"""The dashboard's pages of what the visits can tell, over HTTP on both engines: the league in
tiers, the funnel plot as SVG, the planner form, and the auditor and agreement pages that only
agency staff reach (a client role gets the 403 page and never an auditor's name)."""

from __future__ import annotations

import re

import pytest

from shared.i18n import translation
from tests.server.analytics.seed import Programme
from tests.server.analytics.test_dashboard_http import log_in
from tests.server.api import Api

CLIENT_ROLES = ("head_office", "regional_manager", "outlet_manager")


async def test_the_league_is_grouped_in_tiers_with_a_note_on_reading_it(
    reader: Api, programme: Programme
) -> None:
    await log_in(reader, "head_office@example.test")
    page = await reader.client.get("/")
    assert 200 == page.status_code
    assert re.search(
        r'<tr class="tier"><th scope="rowgroup" colspan="9">Tier 1: ranks 1–\d', page.text
    )
    assert "Too few visits to tell" in page.text  # other_region: one visit in the wave
    assert "How to read this" in page.text
    assert "Tiers group outlets the data cannot tell apart" in page.text
    assert 'href="/funnel"' in page.text


@pytest.mark.parametrize("role", CLIENT_ROLES)
async def test_the_funnel_page_draws_the_network_and_the_callers_outlets(
    reader: Api, programme: Programme, role: str
) -> None:
    await log_in(reader, f"{role}@example.test")
    page = await reader.client.get("/funnel")
    assert 200 == page.status_code, page.text[:500]
    assert '<svg role="img" aria-label="Funnel plot"' in page.text
    assert "Each dot is an outlet" in page.text
    assert "OWN" in page.text
    assert ("OTHER_OUTLET" in page.text) == (role != "outlet_manager")
    assert "OTHER_CLIENT" not in page.text
    assert "Shopper" not in page.text
    # Client roles are not offered the pages about auditors.
    assert 'href="/auditors"' not in page.text
    for agency_page in ("/auditors", "/agreement"):
        refused = await reader.client.get(agency_page)
        assert 403 == refused.status_code, agency_page
        assert "Shopper" not in refused.text


async def test_the_planner_answers_the_form(reader: Api, programme: Programme) -> None:
    await log_in(reader, "regional_manager@example.test")
    empty = await reader.client.get("/planner")
    assert 200 == empty.status_code
    assert 'name="target_width"' in empty.text
    answered = await reader.client.get("/planner?target_width=20&difference=15")
    assert 200 == answered.status_code
    assert "For an interval no wider than 20.0 points:" in answered.text
    assert "To tell apart two outlets 15.0 points apart:" in answered.text
    refused = await reader.client.get("/planner?target_width=abc")
    assert 400 == refused.status_code


async def test_agency_staff_see_auditors_and_agreement(reader: Api, programme: Programme) -> None:
    await log_in(reader, "reviewer@example.test")
    funnel = await reader.client.get("/funnel")
    assert 'href="/auditors"' in funnel.text
    auditors = await reader.client.get("/auditors")
    assert 200 == auditors.status_code, auditors.text[:500]
    for name in ("Shopper X", "Shopper Y", "Shopper Z"):
        assert name in auditors.text
    assert "Leniency is how many points" in auditors.text
    assert "Every auditor is linked" in auditors.text
    assert "Adjusted result" in auditors.text
    agreement = await reader.client.get("/agreement")
    assert 200 == agreement.status_code, agreement.text[:500]
    assert "When two auditors visit the same outlet" in agreement.text
    assert "Too few paired visits" in agreement.text


@pytest.mark.parametrize("lang", ["ru", "uk", "pl"])
async def test_the_pages_speak_the_chosen_language(
    reader: Api, programme: Programme, lang: str
) -> None:
    await log_in(reader, "admin@agency.test")
    reader.client.cookies.set("shopscore_lang", lang)
    words = translation(lang).gettext
    for path, text in (
        ("/funnel", "Funnel plot"),
        ("/planner", "Visit planner"),
        ("/auditors", "Auditor leniency"),
        ("/agreement", "Agreement on calibration visits"),
    ):
        page = await reader.client.get(path)
        assert 200 == page.status_code, path
        assert f'lang="{lang}"' in page.text
        assert words(text) in page.text, (path, lang)
        assert words(text) != text, (path, lang)  # translated, not left in English
