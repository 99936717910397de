"""The dashboard over HTTP (no browser): session cookie, CSRF, security headers, scope, pages.

Browser journeys live in tests/dashboard; these run in-process on both engines.
"""

from __future__ import annotations

import re

import pytest

from tests.server.analytics.seed import Programme
from tests.server.api import PASSWORD, Api

PAGES = ("/", "/heatmap", "/best-vs-rest", "/channels")
SCOPES = {
    "head_office": {"own", "other_outlet", "other_region"},
    "regional_manager": {"own", "other_outlet"},
    "outlet_manager": {"own"},
}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


async def log_in(reader: Api, email: str) -> None:
    page = await reader.client.get("/login")
    assert 200 == page.status_code
    response = await reader.client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert 303 == response.status_code, response.text


async def test_pages_need_a_session_and_carry_security_headers(reader: Api) -> None:
    response = await reader.client.get("/", follow_redirects=False)
    assert 303 == response.status_code
    assert "/login" == response.headers["location"]
    login = await reader.client.get("/login")
    csp = login.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "DENY" == login.headers["x-frame-options"]
    assert "nosniff" == login.headers["x-content-type-options"]
    assert "same-origin" == login.headers["referrer-policy"]
    htmx = await reader.client.get("/static/htmx.min.js")
    assert 200 == htmx.status_code
    assert htmx.text.startswith("/* htmx.org 2")
    assert "nosniff" == htmx.headers["x-content-type-options"]


async def test_login_sets_a_strict_session_cookie_and_needs_csrf(
    reader: Api, programme: Programme
) -> None:
    page = await reader.client.get("/login")
    forged = await reader.client.post(
        "/login",
        data={"csrf_token": "x" * 43, "email": "head_office@example.test", "password": PASSWORD},
    )
    assert 403 == forged.status_code
    response = await reader.client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "email": "head_office@example.test",
              "password": PASSWORD},
        follow_redirects=False,
    )  # fmt: skip
    assert 303 == response.status_code
    cookie = response.headers["set-cookie"]
    assert "shopscore_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in the test; HTTPS adds Secure
    overview = await reader.client.get("/")
    assert 200 == overview.status_code
    assert "<svg" in overview.text


@pytest.mark.parametrize("role", ["head_office", "regional_manager", "outlet_manager"])
async def test_client_pages_are_scoped_and_anonymous(
    reader: Api, programme: Programme, role: str
) -> None:
    await log_in(reader, f"{role}@example.test")
    for page in PAGES:
        response = await reader.client.get(page)
        assert 200 == response.status_code, (page, response.text[:500])
        assert "Shopper" not in response.text
        assert "shopper-" not in response.text
    later = await reader.client.get("/heatmap?visited_from=2026-03-01")
    assert "No released audits match these filters." in later.text
    assert 'aria-label="Sections by outlet"' in (await reader.client.get("/heatmap")).text
    own = await reader.client.get(f"/outlets/{programme.ids['outlet_own']}")
    assert 200 == own.status_code
    assert "Shopper" not in own.text
    other = await reader.client.get(f"/outlets/{programme.ids['outlet_other_client']}")
    assert 404 == other.status_code
    assert "DENY" == other.headers["x-frame-options"]
    league = await reader.client.get("/league?min_audits=1", headers={"HX-Request": "true"})
    assert 200 == league.status_code
    assert league.text.lstrip().startswith('<div id="league">')
    assert "OTHER_CLIENT" not in league.text
    answers = await reader.client.get("/exports/answers")
    assert 200 == answers.status_code
    lines = answers.content.decode("utf-8-sig").splitlines()
    assert "auditor" not in lines[0]
    shown = {line.split(";")[0] for line in lines[1:]}
    in_scope = {visit.uuid for visit in programme.visits if visit.outlet in SCOPES[role]}
    assert in_scope == shown


async def test_forms_without_the_csrf_token_are_refused(reader: Api, programme: Programme) -> None:
    await log_in(reader, "reviewer@example.test")
    response = await reader.client.post("/language", data={"language": "pl", "next": "/"})
    assert 403 == response.status_code
    page = await reader.client.get("/review")
    assert 200 == page.status_code
    assert f'id="audit-{programme.pending[0]}"' in page.text
    assert "Phone clock differs" in page.text  # the pending audit's clock_skew flag
    switched = await reader.client.post(
        "/language",
        data={"csrf_token": csrf_of(page.text), "language": "pl", "next": "/review"},
        follow_redirects=False,
    )
    assert 303 == switched.status_code
    assert '<html lang="pl">' in (await reader.client.get("/review")).text


async def test_the_outlet_pdf_downloads_in_scope_only(reader: Api, programme: Programme) -> None:
    await log_in(reader, "outlet_manager@example.test")
    pdf = await reader.client.get(f"/outlets/{programme.ids['outlet_own']}/report.pdf")
    assert 200 == pdf.status_code, pdf.text[:300]
    assert "application/pdf" == pdf.headers["content-type"]
    assert pdf.content.startswith(b"%PDF")
    other = await reader.client.get(f"/outlets/{programme.ids['outlet_other_outlet']}/report.pdf")
    assert 404 == other.status_code


async def test_session_cookie_is_secure_behind_https(reader: Api, programme: Programme) -> None:
    page = await reader.client.get("/login")
    response = await reader.client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "email": "admin@agency.test", "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https"},
        follow_redirects=False,
    )
    assert 303 == response.status_code
    assert "Secure" in response.headers["set-cookie"]
