"""What the data can tell, in a real browser: the league in tiers with its note, the funnel plot
drawn as SVG, the planner form answered, the auditors' pages for agency staff only, in two
languages. Screenshots go to test-artifacts/dashboard/ for people to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.dashboard import axe
from tests.server.analytics.seed import Programme
from tests.server.api import PASSWORD

pytestmark = pytest.mark.ui

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def log_in(browser: Any, base_url: str, role: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(viewport=viewport)
    page: Page = context.new_page()
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill(f"{role}@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header nav")).to_be_visible()
    return page


def test_head_office_reads_the_tiers_the_funnel_and_the_planner(
    browser: Any, server: tuple[str, Programme], artifacts: Path
) -> None:
    base_url, _programme = server
    page = log_in(browser, base_url, "head_office", DESKTOP)
    page.goto(base_url + "/")
    league = page.locator("#league")
    expect(league.locator("tr.tier").first).to_contain_text("Tier 1: ranks 1–")
    expect(league.locator("tr.tier").last).to_contain_text("Too few visits to tell")
    note = league.locator("details.how-to-read")
    note.locator("summary").click()
    expect(note).to_contain_text("Tiers group outlets the data cannot tell apart")

    page.get_by_role("link", name="What the data can tell").click()
    expect(page.locator("h1")).to_have_text("What the data can tell")
    chart = page.locator('svg[aria-label="Funnel plot"]')
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] > 300
    expect(page.locator("main")).to_contain_text("Each dot is an outlet")
    expect(page.locator("main")).to_contain_text("OWN")
    # Client roles are not offered the pages that name auditors.
    expect(page.get_by_role("link", name="Auditors")).to_have_count(0)
    page.screenshot(path=str(artifacts / "funnel-head-office.png"), full_page=True)

    page.get_by_role("link", name="Visit planner").click()
    page.get_by_label("Widest interval you accept (points)").fill("20")
    page.get_by_label("Difference to detect (points)").fill("15")
    page.get_by_role("button", name="Plan").click()
    expect(page.locator("main")).to_contain_text("For an interval no wider than 20.0 points:")
    expect(page.locator("main")).to_contain_text("To tell apart two outlets 15.0 points apart:")
    page.screenshot(path=str(artifacts / "planner-head-office.png"), full_page=True)

    response = page.goto(base_url + "/auditors")
    assert response is not None
    assert 403 == response.status
    assert "Shopper" not in page.content()

    page.get_by_role("button", name="Polski", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    page.goto(base_url + "/funnel")
    expect(page.locator("h1")).to_have_text("Co mówią dane")
    expect(page.locator('svg[aria-label="Wykres lejkowy"]')).to_be_visible()
    expect(page.locator("main")).to_contain_text("Każdy punkt to placówka")
    page.screenshot(path=str(artifacts / "funnel-head-office-pl.png"), full_page=True)
    page.context.close()


def test_a_reviewer_reads_auditor_leniency_and_agreement_on_a_phone(
    browser: Any, server: tuple[str, Programme], artifacts: Path
) -> None:
    base_url, _programme = server
    page = log_in(browser, base_url, "reviewer", PHONE)
    page.goto(base_url + "/funnel")
    page.get_by_role("link", name="Auditors").click()
    expect(page.locator("h1")).to_have_text("Auditor leniency")
    expect(page.locator("main")).to_contain_text("Shopper X")
    expect(page.locator("main")).to_contain_text("Every auditor is linked")
    expect(page.locator("main")).to_contain_text("Adjusted result")
    assert 0 == axe.overflow(page), axe.too_wide(page)
    page.screenshot(path=str(artifacts / "auditors-reviewer-phone.png"), full_page=True)
    page.get_by_role("link", name="Agreement on calibration visits").click()
    expect(page.locator("main")).to_contain_text("When two auditors visit the same outlet")
    page.get_by_role("button", name="Русский", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_have_text("Согласованность на калибровочных визитах")
    expect(page.locator("table.figures td.num").first).to_be_visible()
    # The note on the figure a verdict rests on is hidden from sight: where the table scrolls
    # (the narrowest phones), it must not make the page wider than the phone.
    assert 0 == axe.overflow(page), axe.too_wide(page)
    page.set_viewport_size({"width": 320, "height": 640})
    page.screenshot(path=str(artifacts / "agreement-reviewer-320-ru.png"), full_page=True)
    assert 0 == axe.overflow(page), axe.too_wide(page)
    page.screenshot(path=str(artifacts / "agreement-reviewer-phone-ru.png"), full_page=True)
    page.context.close()
