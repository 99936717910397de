"""`make look`: screenshots of every dashboard page, for people to look at.

Loads the demo into a temporary database (as `make demo` does), serves it with `shopscore
serve`, and walks Debian's Chromium through each role's pages (admin, a reviewer of both
clients, Polmarket's head office and PM-001's manager) in English, Russian, Ukrainian and
Polish, at 1280 and 390 px wide, writing full-page PNGs to out/look/dashboard/
(``LANG-WIDTH-ROLE-PAGE.png``). Runs axe-core on every page too (tests/dashboard/axe.py),
prints each serious or critical violation and each page wider than the window, and exits
1 then.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from server.core.settings import Argon2Parameters, Settings
from server.demo import load_demo
from tests.dashboard import axe
from tests.dashboard.conftest import CHROMIUM, CHROMIUM_ARGS, SHOPSCORE, _free_port, _wait_until_up

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out" / "look" / "dashboard"
LANGUAGES = ("en", "ru", "uk", "pl")
WIDTHS = {1280: 900, 390: 844}
LOGINS = {
    "admin": ("admin@shopscore.demo", "demo-admin-pass"),
    "reviewer": ("reviewer2@shopscore.demo", "demo-review-pass"),  # both clients
    "head-office": ("hq@polmarket.demo", "demo-client-pass"),
    "outlet-manager": ("pm-001@polmarket.demo", "demo-client-pass"),
}


def _first_link(page: Any, selector: str) -> str | None:
    link = page.locator(selector).first
    return str(link.get_attribute("href")) if link.count() else None


# What the data can tell: the funnel plot and the planner for every role; auditors'
# severity and agreement name auditors, so only the agency sees them.
ESTIMATES = {"funnel": "/funnel", "planner": "/planner"}
AGENCY_ESTIMATES = ESTIMATES | {"auditors": "/auditors", "agreement": "/agreement"}


def _pages(page: Any, base_url: str, role: str) -> dict[str, str]:
    """The role's pages by name, found by following the demo's own links."""
    if role == "admin":
        found = {"admin": "/admin", "setup": "/setup", "disputes": "/disputes",
                 "checklists": "/checklists"}  # fmt: skip
        page.goto(base_url + "/checklists")
        if checklist := _first_link(page, "a[href^='/checklists/']:not([download])"):
            found["checklist"] = checklist
        page.goto(base_url + "/setup")
        if client := _first_link(page, "a[href^='/setup/clients/']"):
            found["setup-client"] = client
            page.goto(base_url + client)
            if plan := _first_link(page, "a[href$='/plan']"):
                found["setup-plan"] = plan
        return found | AGENCY_ESTIMATES
    if role == "reviewer":
        page.goto(base_url + "/review")
        found = {"review": "/review", "disputes": "/disputes", "network": "/network"}
        if audit := _first_link(page, "ol.queue h2 a"):
            found["audit-to-review"] = audit
        return found | AGENCY_ESTIMATES
    page.goto(base_url + "/")
    outlet = _first_link(page, "a[href^='/outlets/']")
    found = {"overview": "/", "disputes": "/disputes"}
    if role == "head-office":
        found |= {"network": "/network?q=PM-0", "heatmap": "/heatmap",
                  "best-vs-rest": "/best-vs-rest", "channels": "/channels"}  # fmt: skip
    if outlet:
        found["outlet"] = outlet
        page.goto(base_url + outlet)
        if audit := _first_link(page, "table.audits a"):
            found["audit"] = audit
    return found | ESTIMATES


def _walk(base_url: str) -> list[str]:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        for role, (email, password) in LOGINS.items():
            for width, height in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(base_url + "/login")
                page.locator("#email").fill(email)
                page.locator("#password").fill(password)
                page.locator("form[action='/login'] button[type=submit]").click()
                page.wait_for_load_state()
                pages = _pages(page, base_url, role)
                for language in LANGUAGES:
                    context.add_cookies(
                        [{"name": "shopscore_lang", "value": language, "url": base_url}]
                    )
                    for name, path in pages.items():
                        page.goto(base_url + path)
                        shot = OUT / f"{language}-{width}-{role}-{name}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        label = f"{language} {width} {role} {name}"
                        problems += [f"{label}: {found}" for found in axe.violations(page)]
                        if axe.overflow(page):
                            problems.append(f"{label}: wider than {width} px: "
                                            f"{axe.too_wide(page)}")  # fmt: skip
                context.close()
        browser.close()
    return problems


def main() -> int:
    if not Path(CHROMIUM).exists():
        sys.exit("make look needs Debian's chromium (apt-get install chromium)")
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="shopscore-look-") as work:
        root = Path(work)
        settings = Settings(
            database_url=f"sqlite:///{root / 'shopscore.db'}",
            media_dir=root / "media",
            secret_key="look-at-the-dashboard-" + "x" * 32,
            argon2=Argon2Parameters.cheap_for_tests(),
        )
        asyncio.run(load_demo(settings))
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "MEDIA_DIR": str(settings.media_dir),
            "SECRET_KEY": settings.secret_key,
            "LOG_LEVEL": "WARNING",
        }
        with (root / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [SHOPSCORE, "serve", "--port", str(port)], cwd=root, env=env, stdout=log,
                stderr=log,
            )  # fmt: skip
            try:
                _wait_until_up(base_url, server)
                started = time.monotonic()
                problems = _walk(base_url)
            finally:
                server.terminate()
                server.wait(timeout=10)
    for problem in problems:
        print(problem, file=sys.stderr)
    shots = sorted(OUT.glob("*.png"))
    print(
        f"{len(shots)} dashboard screenshots in {OUT.relative_to(ROOT)}/ "
        f"({time.monotonic() - started:.0f} s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
