"""Browser journeys through the dashboard of a real server, one role per browser context.

Screenshots go to test-artifacts/dashboard/ for people to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.fixtures import PHOTOS
from tests.server.analytics.seed import Programme
from tests.server.api import PASSWORD

pytestmark = pytest.mark.ui

PHONE = {"width": 390, "height": 844}
# A real phone JPEG (rotated by EXIF): the server stores it upright and serves a thumbnail.
PHOTO = PHOTOS / "small_orientation_6.jpg"
CONSOLE: list[str] = []  # browser console messages of every page (CSP violations show here)


def log_in(browser: Any, base_url: str, role: str, viewport: dict[str, int] | None = None) -> Page:
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    page: Page = context.new_page()
    page.on("console", lambda message: CONSOLE.append(message.text))
    page.goto(base_url + "/")
    expect(page).to_have_url(base_url + "/login")
    page.get_by_label("E-mail").fill(f"{role}@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def test_head_office_filters_opens_an_outlet_and_switches_language(
    browser: Any, server: tuple[str, Programme], artifacts: Path
) -> None:
    base_url, programme = server
    page = log_in(browser, base_url, "head_office")
    league = page.locator("#league")
    for code in ("OWN", "OTHER_OUTLET", "OTHER_REGION"):
        expect(league).to_contain_text(code)
    expect(league).not_to_contain_text("OTHER_CLIENT")
    expect(page.locator("svg.chart").first).to_be_visible()
    page.get_by_label("Region").select_option(label="north")  # htmx swaps the table in
    expect(league).not_to_contain_text("OTHER_REGION")
    expect(page.locator("#league")).to_contain_text("OWN")
    page.screenshot(path=str(artifacts / "overview-head-office.png"), full_page=True)

    page.get_by_role("link", name="OWN · Outlet own").click()
    expect(page.locator("h1")).to_contain_text("OWN")
    expect(page.get_by_role("heading", name="Latest released audits")).to_be_visible()
    page.screenshot(path=str(artifacts / "outlet-head-office.png"), full_page=True)

    pdf = page.context.request.get(f"{base_url}/outlets/{programme.ids['outlet_own']}/report.pdf")
    assert 200 == pdf.status
    assert pdf.body().startswith(b"%PDF")

    page.get_by_label("Language").select_option("ru")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_contain_text("OWN")  # back on the same page

    assert [] == [text for text in CONSOLE if "Content Security Policy" in text]
    response = page.goto(f"{base_url}/outlets/{programme.ids['outlet_other_client']}")
    assert response is not None
    assert 404 == response.status
    page.context.close()


def test_regional_manager_on_a_phone_sees_only_their_region(
    browser: Any, server: tuple[str, Programme], artifacts: Path
) -> None:
    base_url, _programme = server
    page = log_in(browser, base_url, "regional_manager", PHONE)
    league = page.locator("#league")
    expect(league).to_contain_text("OWN")
    expect(league).to_contain_text("OTHER_OUTLET")
    expect(league).not_to_contain_text("OTHER_REGION")
    page.screenshot(path=str(artifacts / "overview-regional-manager-phone.png"), full_page=True)
    page.context.close()


def test_reviewer_approves_an_audit_from_the_queue(
    browser: Any, server: tuple[str, Programme], artifacts: Path
) -> None:
    base_url, programme = server
    page = log_in(browser, base_url, "reviewer")
    expect(page).to_have_url(base_url + "/review")
    pending = page.locator(f"#audit-{programme.pending[0]}")
    expect(pending).to_contain_text("OWN")
    page.screenshot(path=str(artifacts / "review-queue.png"), full_page=True)
    pending.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#audit-{programme.pending[0]}")).to_have_count(0)
    page.context.close()


def loaded_width(image: Any) -> int:
    """The natural width of an <img> once the browser is done with it (0 if it is broken):
    being visible, it may still be loading."""
    width: int = image.evaluate(
        "image => image.complete ? image.naturalWidth : new Promise(done => {"
        " image.addEventListener('load', () => done(image.naturalWidth));"
        " image.addEventListener('error', () => done(0)); })"
    )
    return width


def test_outlet_manager_disputes_and_the_reviewer_rejects(
    browser: Any, server: tuple[str, Programme], artifacts: Path
) -> None:
    base_url, programme = server
    manager = log_in(browser, base_url, "outlet_manager")
    expect(manager.locator("#league")).not_to_contain_text("OTHER_OUTLET")
    manager.goto(f"{base_url}/outlets/{programme.ids['outlet_own']}")
    dispute = manager.locator("details").first
    dispute.locator("summary").click()
    dispute.get_by_label("Why is this wrong?").fill("The queue was short; see the CCTV.")
    dispute.get_by_label("Photo (optional)").set_input_files(str(PHOTO))
    dispute.get_by_role("button", name="Raise dispute").click()
    expect(manager.get_by_text("A dispute is open on this audit.")).to_be_visible()
    manager.screenshot(path=str(artifacts / "outlet-dispute-raised.png"), full_page=True)
    manager.context.close()

    reviewer = log_in(browser, base_url, "reviewer")
    disputes = reviewer.locator("article[id^=dispute-]")
    expect(disputes).to_have_count(1)
    expect(disputes).to_contain_text("The queue was short")
    thumbnail = disputes.get_by_role("img", name="Photo sent with the dispute")
    expect(thumbnail).to_be_visible()
    # Loaded through the authorised route: a broken image has no natural width.
    assert 0 < loaded_width(thumbnail)
    reviewer.screenshot(path=str(artifacts / "review-dispute-photo.png"), full_page=True)
    reject = disputes.locator("form[action$=reject]")
    reject.get_by_label("Reply").fill("The recording shows 2 min.")
    disputes.get_by_role("button", name="Reject").click()
    expect(reviewer.get_by_text("No open disputes.")).to_be_visible()
    reviewer.context.close()


def test_head_office_follows_a_corrective_action(
    browser: Any, server: tuple[str, Programme], artifacts: Path
) -> None:
    """The critical failure at OTHER_REGION created an action on release; mark it done."""
    base_url, programme = server
    page = log_in(browser, base_url, "head_office")
    page.goto(f"{base_url}/outlets/{programme.ids['outlet_other_region']}")
    # Items and statuses are shown in words, not as the template's keys.
    row = page.locator("tr", has_text="Emergency exit clear?")
    expect(row).to_contain_text("Open")
    row.get_by_label("Comment").fill("Exit cleared and checked daily.")
    row.get_by_label("Evidence photo (optional)").set_input_files(str(PHOTO))
    row.get_by_role("button", name="Mark done").click()
    expect(page.locator("tr", has_text="Emergency exit clear?")).to_contain_text("Done")
    evidence = page.locator("tr", has_text="Emergency exit clear?").get_by_role(
        "img", name="Evidence photo"
    )
    expect(evidence).to_be_visible()
    assert 0 < loaded_width(evidence)
    page.screenshot(path=str(artifacts / "outlet-corrective-done.png"), full_page=True)
    page.context.close()


def test_dispute_photos_keep_the_csrf_check_and_the_photo_limits(
    server: tuple[str, Programme],
) -> None:
    """Over plain HTTP: the multipart form still needs its CSRF field, and a file that is not
    an image is refused with the photo pipeline's own status and message."""
    base_url, programme = server
    # A failed item of the outlet's first wave: the browser journey disputes a later audit.
    visit = next(v for v in programme.visits if v.outlet == "own" and v.wait > 60)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        login_page = client.get("/login")
        client.post(
            "/login",
            data={"csrf_token": _csrf_of(login_page.text), "email": "outlet_manager@example.test",
                  "password": PASSWORD},
        )  # fmt: skip
        outlet_page = client.get(f"/outlets/{programme.ids['outlet_own']}")
        assert 200 == outlet_page.status_code
        assert 'enctype="multipart/form-data"' in outlet_page.text
        form = {"audit_uuid": visit.uuid, "item": "wait", "reason": "The queue was short."}
        broken = {"photo": ("truncated.png", (PHOTOS / "truncated.png").read_bytes(), "image/png")}
        forged = client.post("/disputes", data={**form, "csrf_token": "x" * 43}, files=broken)
        assert 403 == forged.status_code
        refused = client.post(
            "/disputes", data={**form, "csrf_token": _csrf_of(outlet_page.text)}, files=broken
        )
        assert refused.status_code in (415, 422), refused.text[:300]
        assert "DENY" == refused.headers["x-frame-options"]
        api = client.post(
            "/api/v1/auth/login",
            json={"email": "outlet_manager@example.test", "password": PASSWORD},
        )
        headers = {"Authorization": "Bearer " + api.json()["token"]}
        disputes = client.get("/api/v1/disputes", headers=headers).json()["items"]
        # The dispute itself was raised (the photo is attached after it), without a photo.
        (raised,) = [d for d in disputes if d["audit_uuid"] == visit.uuid and d["item"] == "wait"]
        assert raised["photo_uuid"] is None


def _csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)
