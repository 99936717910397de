"""A new programme set up entirely in the browser, from an empty database, until the first
audit sent from a phone shows on the dashboard.

`shopscore migrate` and `shopscore user create` (the first admin) are the only commands; then
headless Chromium walks the set-up pages: a client, a region, outlets imported from a workbook
after a preview (a bad file first: its rows' problems, nothing stored), one of them changed (a
refused value first), a checklist written in Excel previewed in Polish and published, an
auditor invited by a setup link, a reviewer of the client (a refused new password on her form),
a wave, and its visits proposed by the planner and published.
The field app's own sync client, set up from the link the page showed, logs in, downloads the
visits and sends the first audit, which the review desk then lists. Screenshots go to
test-artifacts/dashboard/setup-*.png.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from mobile.session import start_visit
from mobile.setup_link import parse_setup_link
from mobile.store import SYNCED, Store
from mobile.sync import SyncClient
from server.templates.xlsform import write_workbook
from shared.checklist import Template
from shared.starters import PACKAGE
from tests.dashboard.axe import overflow, too_wide, violations
from tests.dashboard.conftest import SHOPSCORE, _free_port, _wait_until_up
from tests.mobile.test_sync import fill_valid_answers
from tests.server.api import ADMIN_EMAIL, PASSWORD

pytestmark = pytest.mark.ui

AUDITOR_EMAIL = "olena.auditor@example.test"
AUDITOR_PASSWORD = "a first password for olena"
HEAD_OFFICE_PASSWORD = "a first password for halina"


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`shopscore serve` on a database holding nothing but the admin the command created."""
    root = tmp_path_factory.mktemp("setup-journey")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{root / 'shopscore.db'}",
        "MEDIA_DIR": str(root / "media"),
        "SECRET_KEY": "setup-journey-secret-" + "k" * 32,
        "PUBLIC_URL": base_url,
        "SHOPSCORE_CHEAP_ARGON2": "1",
        "LOG_LEVEL": "WARNING",
    }
    for command in (
        ["migrate"],
        ["user", "create", "--role", "admin", "--email", ADMIN_EMAIL, "--password", PASSWORD,
         "--name", "Admin"],
    ):  # fmt: skip
        done = subprocess.run([SHOPSCORE, *command], cwd=root, env=env, capture_output=True)
        assert 0 == done.returncode, done.stderr.decode(errors="replace")[-2000:]
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [SHOPSCORE, "serve", "--port", str(port)], cwd=root, env=env, stdout=log, stderr=log
    )
    try:
        _wait_until_up(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _outlets_workbook(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "outlets"
    sheet.append(["code", "name", "region", "address", "city", "lat", "lon", "timezone"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD_OUTLETS = [
    ["KN-01", "Kawiarnia Centrum", "Mazowsze", "ul. Marszałkowska 104", "Warszawa", 52.2319,
     21.0067, "Europe/Warsaw"],
    ["KN-02", "Kawiarnia Mokotów", "Mazowsze", "ul. Puławska 12", "Warszawa", 52.1934, 21.035,
     "Europe/Warsaw"],
    ["KN-03", "Kawiarnia Rynek", "Małopolska", "Rynek Główny 1", "Kraków", 50.0617, 19.9373,
     "Europe/Warsaw"],
]  # fmt: skip


def look(page: Page, path: Path) -> None:
    """A screenshot for people to look at, and the page's serious accessibility problems."""
    page.screenshot(path=str(path), full_page=True)
    assert [] == violations(page), path.name


def _choose_file(page: Page, label: str, name: str, content: bytes, mime: str) -> None:
    page.get_by_label(label).set_input_files({"name": name, "mimeType": mime, "buffer": content})


def test_a_programme_set_up_in_the_browser_receives_its_first_audit(
    browser: Any, empty_server: str, artifacts: Path, tmp_path: Path
) -> None:
    base_url = empty_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page: Page = context.new_page()
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # A client: an empty name is refused next to its field, then the client is created.
    page.get_by_role("link", name="Set-up").click()
    expect(page.locator("h1")).to_have_text("Set-up")
    page.get_by_role("button", name="Create the client").click()
    expect(page.locator("#c-name-errors")).to_contain_text("Give a name.")
    page.get_by_label("Name of the client (brand or chain)").fill("Kawiarnia Nowa")
    page.get_by_role("button", name="Create the client").click()
    expect(page.locator("h1")).to_have_text("Kawiarnia Nowa")
    client_url = page.url.split("?")[0]

    # A region by hand; the others come with the outlets' file.
    page.get_by_label("New region").fill("Mazowsze")
    page.get_by_role("button", name="Add the region").click()
    expect(page.get_by_role("status")).to_contain_text("The region was added.")

    # A bad workbook: every bad row by its cell, nothing stored.
    bad = _outlets_workbook([GOOD_OUTLETS[0], ["KN-09", "", "Mazowsze", "", "", 95, 21, "Mars"]])
    _choose_file(page, "CSV file or Excel workbook (.xlsx)", "outlets.xlsx", bad, XLSX)
    page.get_by_role("button", name="Check the file").click()
    problems = page.locator("section.problems")
    expect(problems).to_contain_text("Nothing was imported from outlets.xlsx")
    for cell in ("outlets!B3", "outlets!F3", "outlets!H3"):
        expect(problems).to_contain_text(cell)
    expect(page.get_by_text("0 outlets", exact=True)).to_be_visible()
    look(page, artifacts / "setup-import-problems.png")

    # The good workbook: a preview first, then the import.
    good = _outlets_workbook(GOOD_OUTLETS)
    _choose_file(page, "CSV file or Excel workbook (.xlsx)", "outlets.xlsx", good, XLSX)
    page.get_by_role("button", name="Check the file").click()
    preview = page.locator("section.preview")
    expect(preview).to_contain_text("Nothing is stored yet.")
    expect(preview).to_contain_text("3 new outlets")
    expect(preview).to_contain_text("Małopolska")
    expect(preview).to_contain_text("52.2319, 21.0067")
    look(page, artifacts / "setup-import-preview.png")
    started = time.perf_counter()
    page.get_by_role("button", name="Import 3 outlets").click()
    expect(page.get_by_role("status")).to_contain_text("3 new outlets")
    print(f"import of 3 outlets from the preview: {time.perf_counter() - started:.2f} s")
    expect(page.get_by_text("3 outlets", exact=True)).to_be_visible()

    # One outlet changed on the page that lists it: a refused value is shown to correct (and
    # nothing stored), then the change is saved.
    page.get_by_text("List of outlets").click()
    page.get_by_role("link", name="Edit KN-01").click()
    edit = page.locator("section#edit")
    expect(edit.get_by_role("heading")).to_contain_text("KN-01")
    edit.get_by_label("Latitude").fill("95")
    edit.get_by_label("Address").fill("ul. Marszałkowska 106")
    edit.get_by_role("button", name="Save").click()
    expect(page.locator("#edit-lat-errors")).to_contain_text("Latitude is between -90 and 90.")
    expect(edit.get_by_label("Address")).to_have_value("ul. Marszałkowska 106")
    look(page, artifacts / "setup-edit-outlet.png")
    page.set_viewport_size({"width": 390, "height": 844})
    assert 0 == overflow(page), too_wide(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    edit.get_by_label("Latitude").fill("52.2321")
    edit.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    page.get_by_text("List of outlets").click()
    expect(page.locator("main")).to_contain_text("ul. Marszałkowska 106")

    # A checklist written in Excel: previewed in Polish, then published.
    starter = Template.from_dict(
        json.loads(files(PACKAGE).joinpath("store-visit.json").read_text("utf-8"))
    )
    page.get_by_role("link", name="Checklists").first.click()
    _choose_file(page, "Workbook (.xlsx)", "wizyta.xlsx", write_workbook(starter), XLSX)
    page.get_by_role("button", name="Import as a draft").click()
    expect(page.locator("h1")).to_contain_text("draft")
    page.get_by_role("link", name="Polski").first.click()
    expect(page).to_have_url(re.compile(r"lang=pl"))
    look(page, artifacts / "setup-checklist-pl.png")
    page.get_by_role("button", name=re.compile("Publish as version")).click()
    expect(page.get_by_role("status")).to_contain_text("Published")

    # An auditor, invited by a setup link and its QR code.
    page.goto(base_url + "/setup")
    invite = page.locator("form[action='/setup/auditors']")
    invite.get_by_label("Full name").fill("Olena")
    invite.get_by_label("E-mail").fill(AUDITOR_EMAIL)
    invite.get_by_label(re.compile("First password")).fill(AUDITOR_PASSWORD)
    invite.get_by_role("button", name="Invite the auditor").click()
    expect(page.locator("svg.qr")).to_be_visible()
    link = page.locator("a[href^='shopscore://setup']").get_attribute("href")
    assert link is not None
    look(page, artifacts / "setup-invite.png")

    # A reviewer of the client, added on the same page; her form changes what she reviews.
    page.goto(base_url + "/setup#staff")
    staff = page.locator("form[action^='/setup/staff']")
    staff.get_by_label("Full name").fill("Rita")
    staff.get_by_label("E-mail").fill("rita.reviewer@example.test")
    staff.get_by_label("Kawiarnia Nowa").check()
    staff.get_by_role("button", name="Add the person").click()
    expect(page.get_by_role("status")).to_contain_text("The account was created.")
    page.get_by_role("link", name="Back to the set-up").click()
    page.get_by_role("link", name="Edit Rita").click()
    reviewer = page.locator("section#edit")
    expect(reviewer.get_by_label("Kawiarnia Nowa")).to_be_checked()
    reviewer.get_by_label(re.compile("New password")).fill("short")
    reviewer.get_by_role("button", name="Save").click()
    expect(page.locator("#edit-password-errors")).to_contain_text("at least 10 characters")
    look(page, artifacts / "setup-edit-reviewer.png")
    page.set_viewport_size({"width": 390, "height": 844})
    assert 0 == overflow(page), too_wide(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # A wave with the checklist for visits in person.
    page.goto(client_url)
    today = dt.date.today()
    wave_form = page.locator("form[action$='/waves']")
    wave_form.get_by_label("Name").fill("Pierwsza fala")
    wave_form.get_by_label("First day").fill(today.isoformat())
    wave_form.get_by_label("Last day").fill((today + dt.timedelta(days=30)).isoformat())
    wave_form.get_by_label("In store", exact=False).select_option(index=1)
    wave_form.get_by_role("button", name="Create the wave").click()
    expect(page.get_by_role("status")).to_contain_text("The wave was created.")
    look(page, artifacts / "setup-client.png")

    # The planner proposes; the visits are published.
    page.get_by_role("link", name="Plan the visits").click()
    page.get_by_role("button", name="Propose visits").click()
    expect(page.locator("table tbody tr")).to_have_count(3)
    look(page, artifacts / "setup-plan.png")
    page.get_by_role("button", name="Publish the visits").click()
    expect(page.get_by_role("status")).to_contain_text("3 visits were published")

    # The phone: set up from the link, it downloads the visits and sends the first audit.
    setup = parse_setup_link(link)
    assert setup is not None
    assert (base_url, AUDITOR_EMAIL) == (setup.server, setup.email)
    store = Store(tmp_path / "phone")
    try:
        phone = SyncClient(store, timeout=15)
        phone.login(setup.server, setup.email, AUDITOR_PASSWORD)
        phone.pull()
        visits = store.assignments()
        assert 3 == len(visits)
        session = start_visit(store, visits[0]["id"])
        for _ in range(3):  # questions shown by an earlier answer come into view as it is given
            with contextlib.suppress(AssertionError):
                fill_valid_answers(session)
                break
        assert [] == session.problems()
        session.submit()
        for _ in range(5):
            phone.push()
            if store.next_retry_at() is None:
                break
        assert {SYNCED} == {entry.state for entry in store.outbox()}
    finally:
        store.close()

    # The dashboard shows the audit on the review desk.
    page.goto(base_url + "/review")
    expect(page.locator("main")).to_contain_text("Olena")
    look(page, artifacts / "setup-first-audit.png")

    # The same pages in Polish and Ukrainian, for people to look at.
    for language, button in (("pl", "Polski"), ("uk", "Українська")):
        page.get_by_role("button", name=button).click()
        for name, path in (
            ("start", "/setup"),
            ("client", client_url),
            ("checklists", "/checklists"),
        ):
            page.goto(path if path.startswith("http") else base_url + path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            look(page, artifacts / f"setup-{name}-{language}.png")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(client_url)
        assert 0 == overflow(page), too_wide(page)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.locator("a[href$='/plan']").first.click()
        look(page, artifacts / f"setup-plan-{language}.png")

    # The client lets its head office set up; the admin adds it as a manager.
    page.get_by_role("button", name="English").click()
    page.goto(client_url)
    client_form = page.locator(f"form[action='{client_url.removeprefix(base_url)}']")
    client_form.get_by_label(re.compile("head office may set up")).check()
    client_form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    people = page.locator("form[action$='/people']")
    people.get_by_role("radio", name=re.compile("Head office")).check()
    people.get_by_label("Full name").fill("Halina")
    people.get_by_label("E-mail").fill("halina@example.test")
    people.get_by_label("Language of reports and pages").select_option("pl")
    people.get_by_label(re.compile("First password")).fill(HEAD_OFFICE_PASSWORD)
    people.get_by_role("button", name="Add the person").click()
    expect(page.locator("main")).to_contain_text(HEAD_OFFICE_PASSWORD)
    context.close()

    # Head office, in Polish, sets up its own client: a region, from the keyboard.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill("halina@example.test")
    page.get_by_label(re.compile("Password|Hasło")).fill(HEAD_OFFICE_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Konfiguracja").click()
    expect(page.locator("h1")).to_have_text("Kawiarnia Nowa")
    expect(page.get_by_role("heading", name="Fale")).to_have_count(0)
    page.get_by_label("Nowy region").fill("Pomorze")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Region został dodany.")
    look(page, artifacts / "setup-head-office-pl.png")
    context.close()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
