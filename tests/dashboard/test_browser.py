"""Browser journeys through the dashboard of a real server, one role per browser context, in
two languages: head office finding outlets, failures and overdue actions; a reviewer judging
and deciding from the keyboard; a manager disputing and reading the outcome; and every page
checked by axe-core and at a phone's 390 px.

Screenshots go to test-artifacts/dashboard/ for people to look at.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.dashboard import axe
from tests.fixtures import PHOTOS
from tests.server.analytics.seed import Programme
from tests.server.api import PASSWORD

pytestmark = pytest.mark.ui

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# A real phone JPEG (rotated by EXIF): the server stores it upright and serves a thumbnail.
PHOTO = PHOTOS / "small_orientation_6.jpg"
CONSOLE: list[str] = []  # browser console messages of every page (CSP violations show here)
NATIVE = {"en": "English", "ru": "Русский", "uk": "Українська", "pl": "Polski"}


def log_in(browser: Any, base_url: str, role: str, viewport: dict[str, int] | None = None) -> Page:
    context = browser.new_context(viewport=viewport or DESKTOP)
    page: Page = context.new_page()
    page.on("console", lambda message: CONSOLE.append(message.text))
    page.goto(base_url + "/")
    expect(page).to_have_url(base_url + "/login")
    page.get_by_label("E-mail").fill(f"{role}@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def switch_language(page: Page, language: str) -> None:
    """One press on the language's own name in the picker."""
    page.get_by_role("button", name=NATIVE[language], exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def own_visits(programme: Programme, wave: str) -> list[Any]:
    return [visit for visit in programme.visits if visit.outlet == "own" and visit.wave == wave]


def test_head_office_finds_outlets_failures_and_overdue_actions(
    browser: Any, server: tuple[str, Programme], artifacts: Path
) -> None:
    base_url, programme = server
    page = log_in(browser, base_url, "head_office")
    league = page.locator("#league")
    for code in ("OWN", "OTHER_OUTLET", "OTHER_REGION"):
        expect(league).to_contain_text(code)
    expect(league).not_to_contain_text("OTHER_CLIENT")
    trend = page.get_by_role("img", name="Network result per wave")
    expect(trend).to_contain_text("Network average")
    expect(trend).not_to_contain_text("This outlet")  # the overview draws no outlet's line
    page.get_by_label("Region").select_option(label="north")  # htmx swaps the page in
    expect(league).not_to_contain_text("OTHER_REGION")
    expect(page.get_by_role("link", name="CSV").first).to_have_attribute(
        "href", re.compile(r"region=\d+")
    )
    page.screenshot(path=str(artifacts / "overview-head-office.png"), full_page=True)

    page.get_by_role("link", name="OWN · Outlet own").click()
    expect(page.locator("h1")).to_contain_text("OWN")
    expect(page.locator("#wave-result")).to_contain_text("Wave result")
    expect(page.locator("#wave-rank")).to_contain_text(re.compile(r"\d+ of \d+"))
    audits = page.locator("table.audits tbody tr")
    expect(audits).to_have_count(len([v for v in programme.visits if v.outlet == "own"]))
    expect(audits.first).to_contain_text("Q1 a, second")  # the latest wave's visit first
    expect(audits.last).to_contain_text("Q1 a")
    page.screenshot(path=str(artifacts / "outlet-head-office.png"), full_page=True)
    pdf = page.context.request.get(f"{base_url}/outlets/{programme.ids['outlet_own']}/report.pdf")
    assert 200 == pdf.status
    assert pdf.body().startswith(b"%PDF")

    switch_language(page, "pl")
    expect(page.locator("h1")).to_contain_text("OWN")  # back on the same page
    expect(page.locator("#wave-result .figure")).to_have_text(re.compile(r"^\d+,\d$"))
    expect(page.get_by_role("heading", name="Audyty według dat")).to_be_visible()
    page.screenshot(path=str(artifacts / "outlet-head-office-pl.png"), full_page=True)

    page.get_by_role("link", name="Sieć").click()
    page.get_by_label("Znajdź placówkę").fill("other_reg")
    page.get_by_role("button", name="Szukaj").click()
    expect(page.locator("ul.found")).to_contain_text("OTHER_REGION")
    # OTHER_REGION failed the critical exit item in the first wave; the list shows every wave
    # the filters keep, the latest by default.
    page.get_by_label("Fala").select_option(label="Q1 a")
    page.get_by_role("button", name="Filtruj").click()
    critical = page.locator("section[aria-labelledby=critical-title] tbody")
    expect(critical).to_contain_text("OTHER_REGION")
    expect(critical).to_contain_text("Emergency exit clear?")
    comparison = page.locator("a[href*='comparison.pdf']").first
    download = page.context.request.get(base_url + str(comparison.get_attribute("href")))
    assert 200 == download.status
    assert download.body().startswith(b"%PDF")
    page.screenshot(path=str(artifacts / "network-head-office-pl.png"), full_page=True)

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
    assert 0 == axe.overflow(page), axe.too_wide(page)
    page.context.close()


# Where the rightmost drawing of the page's first trend sits against its box, as seen.
TREND_END = """() => {
    const box = document.querySelector('figure.chart-box.trend');
    const shown = box.getBoundingClientRect();
    const right = Math.max(...[...box.querySelectorAll('svg text, svg circle, svg rect, svg path')]
        .map(e => e.getBoundingClientRect()).filter(r => r.width > 0).map(r => r.right));
    const caption = getComputedStyle(box.querySelector('figcaption')).direction;
    return {scrolls: box.scrollWidth > box.clientWidth, right, left: shown.left,
            edge: shown.right, caption};
}"""


def test_on_a_phone_a_trend_opens_on_its_latest_wave(
    browser: Any, server: tuple[str, Programme], artifacts: Path
) -> None:
    """A trend is wider than a 390 px phone and scrolls in its box; the box opens on the
    latest wave (the right end, where its point and label are), not on the first."""
    base_url, _programme = server
    page = log_in(browser, base_url, "outlet_manager", PHONE)
    expect(page.get_by_role("img", name=re.compile("per wave"))).to_be_visible()
    # Measured once the page has loaded: a chart can be visible before the page is whole (one
    # loaded run measured it at its start while its screenshot, just after, showed the end).
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    end = page.evaluate(TREND_END)
    page.screenshot(path=str(artifacts / "overview-outlet-manager-phone.png"), full_page=True)
    assert end["scrolls"]
    assert end["left"] <= end["right"] <= end["edge"] + 1, end
    assert "ltr" == end["caption"]
    page.context.close()


def focus_by_tab(page: Page, name: str, presses: int = 80) -> None:
    """Press Tab until the focused element's accessible text is `name` (as a keyboard user
    would), failing when it is not reached."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        text = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.innerText || e.value || e.getAttribute('aria-label') || '').trim(); }"
        )
        if text == name:
            return
    raise AssertionError(f"{name!r} is not reachable with Tab")


def test_reviewer_judges_returns_and_approves_from_the_keyboard(
    browser: Any, server: tuple[str, Programme], artifacts: Path
) -> None:
    base_url, programme = server
    first, second = programme.pending
    page = log_in(browser, base_url, "reviewer")
    expect(page).to_have_url(base_url + "/review")
    expect(page.locator(f"#audit-{first}")).to_contain_text("OWN")
    page.get_by_label("Order").select_option("flags")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"sort=flags"))
    page.screenshot(path=str(artifacts / "review-queue.png"), full_page=True)

    # Open the first audit, write a note on one item and return it: keyboard only.
    focus_by_tab(page, "Start with the first")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/audits/"))
    opened = page.url.rsplit("/", 1)[-1].split("#")[0]
    other = second if opened == first else first
    expect(page.get_by_role("heading", name="Answers")).to_be_visible()
    expect(page.locator(".answer").first).to_contain_text("points")
    note = page.locator("#answer-greeted details.item-note")
    note.locator("summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("The greeting is not in the recording; listen again.")
    focus_by_tab(page, "Return")
    page.screenshot(path=str(artifacts / "audit-review-return.png"), full_page=True)
    page.keyboard.press("Enter")
    # On to the next audit of the queue; the returned one carries its note with the item.
    expect(page).to_have_url(re.compile(rf"/audits/{other}|/review"))
    page.goto(f"{base_url}/audits/{opened}")
    revisions = page.locator("section", has=page.get_by_role("heading", name="Revisions"))
    expect(revisions).to_contain_text("Returned with these notes")
    expect(revisions).to_contain_text("Greeted?")
    expect(revisions).to_contain_text("listen again")

    # The next one in Russian: approved from the keyboard, the queue is then empty.
    page.goto(f"{base_url}/audits/{other}")
    switch_language(page, "ru")
    focus_by_tab(page, "Утвердить и опубликовать")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/review"))
    expect(page.locator(f"#audit-{other}")).to_have_count(0)
    expect(page.get_by_text("Проверять нечего.")).to_be_visible()
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


def test_outlet_manager_disputes_and_reads_the_outcome(
    browser: Any, server: tuple[str, Programme], artifacts: Path
) -> None:
    """In Polish: the manager's overview ranks the outlet in the whole network; they dispute an
    item from the audit's page; the reviewer upholds it with a yes/no control; the manager
    reads the outcome on the same page."""
    base_url, programme = server
    manager = log_in(browser, base_url, "outlet_manager")
    switch_language(manager, "pl")
    # the ranks it could hold in the whole network lead, its place by results alone follows
    expect(manager.locator("main")).to_contain_text("Możliwe miejsca wśród 2 placówek")
    expect(manager.locator("main")).to_contain_text("Tylko według wyników tej fali: 1 z 2 w sieci")
    expect(manager.locator("main")).not_to_contain_text("1 z 1")
    expect(manager.locator("main")).not_to_contain_text("OTHER_OUTLET")
    manager.screenshot(path=str(artifacts / "overview-outlet-manager-pl.png"), full_page=True)
    visit = next(v for v in own_visits(programme, "a2") if not v.greeted)
    manager.get_by_role("link", name="OWN · Outlet own").click()
    manager.locator(f"a[href='/audits/{visit.uuid}']").click()
    item = manager.locator("#answer-greeted")
    item.locator("summary", has_text="Zakwestionuj").click()
    item.get_by_label("Dlaczego to jest błędne?").fill("The greeting is on the CCTV at 10:02.")
    item.get_by_label("Zdjęcie (opcjonalnie)").set_input_files(str(PHOTO))
    item.get_by_role("button", name="Złóż odwołanie").click()
    expect(manager.locator("[id^=dispute-]")).to_contain_text("The greeting is on the CCTV")
    manager.screenshot(path=str(artifacts / "audit-dispute-raised-pl.png"), full_page=True)

    reviewer = log_in(browser, base_url, "reviewer")
    reviewer.goto(base_url + "/disputes?status=open")
    card = reviewer.locator("article.dispute", has_text="The greeting is on the CCTV")
    expect(card).to_contain_text("OWN · Outlet own")
    expect(card).to_contain_text("Greeted?")
    expect(card).to_contain_text("No")  # the answer in words, never "False"
    expect(card).not_to_contain_text("False")
    thumbnail = card.get_by_role("img", name="Photo sent with the dispute")
    expect(thumbnail).to_be_visible()
    assert 0 < loaded_width(thumbnail)
    uphold = card.locator("form[action$=uphold]")
    uphold.get_by_label("Yes").check()
    uphold.get_by_label("Reply to the manager").fill("Confirmed on the recording.")
    uphold.get_by_role("button", name="Uphold").click()
    reviewer.screenshot(path=str(artifacts / "dispute-upheld.png"), full_page=True)
    reviewer.context.close()

    manager.reload()
    disputes = manager.locator("[id^=dispute-]")
    expect(disputes).to_contain_text("Uwzględnione")
    expect(disputes).to_contain_text("Confirmed on the recording.")
    expect(disputes).to_contain_text("Poprawiono na")
    manager.context.close()


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


def pages_of(role: str, programme: Programme) -> list[str]:
    """Every dashboard page the role works with, on records of the seeded programme."""
    own = programme.ids["outlet_own"]
    released = own_visits(programme, "a1")[0].uuid
    estimates = ["/funnel", "/planner?target_width=10&difference=5"]
    if role == "head_office":
        return ["/", f"/outlets/{own}", f"/audits/{released}", "/network?q=own", "/heatmap",
                "/best-vs-rest", "/channels", "/disputes", *estimates]  # fmt: skip
    if role == "reviewer":
        return ["/review", f"/audits/{released}", "/disputes", "/network", *estimates,
                "/auditors", "/agreement"]  # fmt: skip
    if role == "outlet_manager":
        return ["/", f"/outlets/{own}", f"/audits/{released}", "/disputes", *estimates]
    return ["/admin"]


# English and Russian (long words) in `make test`, Ukrainian in `make soak` (about 15 s each).
@pytest.mark.parametrize("language", ["en", "ru", pytest.param("uk", marks=pytest.mark.slow)])
def test_every_page_passes_axe_and_fits_a_phone(
    browser: Any, server: tuple[str, Programme], artifacts: Path, language: str
) -> None:
    """axe-core finds no serious or critical violation on any page, and nothing but a wide
    table's own scroll box is wider than a 390 px phone; no page hangs."""
    base_url, programme = server
    problems: list[str] = []
    timings: list[tuple[str, float]] = []
    for role in ("head_office", "reviewer", "outlet_manager", "admin"):
        page = log_in(browser, base_url, role, PHONE)
        switch_language(page, language)
        for path in pages_of(role, programme):
            started = time.perf_counter()
            response = page.goto(base_url + path)
            timings.append((f"{role} {path}", time.perf_counter() - started))
            assert response is not None
            assert 200 == response.status, (role, path)
            problems += [f"{role} {path}: {found}" for found in axe.violations(page)]
            if (wider := axe.overflow(page)) > 0:
                problems.append(f"{role} {path}: {wider} px wider: {axe.too_wide(page)}")
            shown = re.sub(r"/audits/.*", "/audit", path)
            name = re.sub(r"[^a-z0-9]+", "-", f"{role}{shown}".lower()).strip("-")
            page.screenshot(path=str(artifacts / f"phone-{language}-{name}.png"), full_page=True)
        page.context.close()
    anonymous = browser.new_context(viewport=PHONE).new_page()
    for path in ("/login", "/verify"):
        anonymous.goto(base_url + path)
        switch_language(anonymous, language)
        problems += [f"anonymous {path}: {found}" for found in axe.violations(anonymous)]
        if (wider := axe.overflow(anonymous)) > 0:
            problems.append(f"anonymous {path}: {wider} px wider than the phone")
    anonymous.context.close()
    assert [] == problems, "\n".join(problems)
    # Not a measure of speed (bench/ has those): a page that hangs, under the load of a test run.
    slow = [(path, round(seconds, 2)) for path, seconds in timings if seconds > 5.0]
    assert [] == slow


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
        audit_page = client.get(f"/audits/{visit.uuid}")
        assert 200 == audit_page.status_code
        assert 'enctype="multipart/form-data"' in audit_page.text
        form = {"audit_uuid": visit.uuid, "item": "wait", "reason": "The queue was short."}
        broken = {"photo": ("truncated.png", (PHOTOS / "truncated.png").read_bytes(), "image/png")}
        forged = client.post("/disputes", data={**form, "csrf_token": "x" * 43}, files=broken)
        assert 403 == forged.status_code
        refused = client.post(
            "/disputes", data={**form, "csrf_token": _csrf_of(audit_page.text)}, files=broken
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


def test_the_heatmap_takes_the_windows_width(browser: Any, server: tuple[str, Programme]) -> None:
    """A column per section of each checklist: on a laptop the table has the whole window,
    not the text pages' 72rem, before it scrolls sideways."""
    base_url, _programme = server
    page = log_in(browser, base_url, "head_office", {"width": 1600, "height": 900})
    page.goto(base_url + "/heatmap")
    main_width = page.locator("main").evaluate("element => element.clientWidth")
    page.goto(base_url + "/")
    text_width = page.locator("main").evaluate("element => element.clientWidth")
    assert text_width <= 72 * 16 < main_width
    page.context.close()


# Each filter's label and its control, as laid out: the label's middle and the control's top
# and bottom edge, in CSS pixels.
LABELS_AND_CONTROLS = """
() => [...document.querySelectorAll("form.filters label")].map(label => {
  const control = document.getElementById(label.htmlFor).getBoundingClientRect();
  const own = label.getBoundingClientRect();
  return [label.textContent, (own.top + own.bottom) / 2, control.top, control.bottom];
})
"""


@pytest.mark.parametrize("width", [1280, 800])
def test_a_filters_label_stays_on_the_line_of_its_control(
    browser: Any, server: tuple[str, Programme], width: int
) -> None:
    """Where a row of filters wraps, a label goes to the next line with its control, in the
    language of the longest labels (on a phone each label sits beside its control too)."""
    base_url, _programme = server
    apart: list[str] = []
    for role, path in (("reviewer", "/review"), ("head_office", "/heatmap"),
                       ("head_office", "/"), ("reviewer", "/planner")):  # fmt: skip
        page = log_in(browser, base_url, role, {"width": width, "height": 900})
        switch_language(page, "ru")
        page.goto(base_url + path)
        fields = page.evaluate(LABELS_AND_CONTROLS)
        assert fields, path
        apart += [f"{path} {text}" for text, middle, top, bottom in fields
                  if not top <= middle <= bottom]  # fmt: skip
        page.context.close()
    assert [] == apart
