"""Security headers on every page and API response: each GET route of the app's route table
(parameters filled with plausible values, whatever status that gives), unknown routes, wrong
methods and API errors. HSTS and Secure cookies appear when the request came over HTTPS (the
scheme, or X-Forwarded-Proto from the reverse proxy), never over plain HTTP.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from server.dashboard.web import CSRF_COOKIE
from tests.security.dashboard import bearer_token, filled, session
from tests.server.api import PASSWORD, Api

HTTPS = {"X-Forwarded-Proto": "https"}
STRICT_REFERRERS = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


def policy(csp: str) -> dict[str, str]:
    directives = (part.strip().split(None, 1) for part in csp.split(";") if part.strip())
    return {parts[0]: parts[1] if len(parts) > 1 else "" for parts in directives}


def header_problems(response: Any, https: bool) -> list[str]:
    headers = response.headers
    problems = []
    csp = policy(headers.get("content-security-policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None:
        problems.append("no script policy")
    elif "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts:
        problems.append("unsafe scripts")
    if csp.get("frame-ancestors") != "'none'" or headers.get("x-frame-options") != "DENY":
        problems.append("framing")
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("nosniff")
    if headers.get("referrer-policy") not in STRICT_REFERRERS:
        problems.append("referrer")
    if https != ("strict-transport-security" in headers):
        problems.append("hsts")
    elif https and int(re.findall(r"max-age=(\d+)", headers["strict-transport-security"])[0]) < (
        180 * 24 * 3600
    ):
        problems.append("short hsts")
    return problems


def get_routes(api: Api) -> list[str]:
    return sorted(
        {route.path for route in api.app.routes if "GET" in getattr(route, "methods", ())}
    )


async def test_every_response_carries_the_security_headers(api: Api) -> None:
    admin = await api.admin()
    both = {**admin, **session(bearer_token(admin))}
    requests = [("GET", filled(route).replace("{file_path:path}", "x"), both)
                for route in get_routes(api)]  # fmt: skip
    requests += [
        ("GET", "/static/htmx.min.js", {}),
        ("GET", "/schema/assets/swagger-ui-bundle.js", {}),
        ("GET", "/no/such/page", {}),
        ("GET", "/api/v1/no-such-route", admin),
        ("DELETE", "/api/v1/me", admin),
        ("GET", "/api/v1/me", {}),
        ("POST", "/api/v1/clients", admin),
        ("GET", "/", {}),
    ]
    missing = []
    for https in (False, True):
        for method, path, headers in requests:
            response = await api.client.request(
                method, path, headers={**headers, **(HTTPS if https else {})},
                follow_redirects=False,
            )  # fmt: skip
            api.client.cookies.clear()
            if problems := header_problems(response, https):
                missing.append((method, path, response.status_code, problems))
    assert [] == missing
    assert len(requests) > 40  # the route table was read


async def test_the_api_docs_run_their_own_inline_script_and_no_other(api: Api) -> None:
    response = await api.client.get("/schema")
    assert 200 == response.status_code
    scripts = re.findall(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", response.text, re.S)
    assert 1 <= len(scripts)
    allowed = policy(response.headers["content-security-policy"])["script-src"].split()
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed
    assert str(len(response.content)) == response.headers["content-length"]


async def test_cookies_are_secure_over_https_only(api: Api) -> None:
    for https, secure in ((True, True), (False, False)):
        page = await api.client.get("/login", headers=HTTPS if https else {})
        api.client.cookies.clear()
        csrf = re.findall(r'name="csrf_token" value="([^"]+)"', page.text)[0]
        assert secure == ("secure" in page.headers["set-cookie"].lower())
        login = await api.client.post(
            "/login",
            data={"csrf_token": csrf, "email": "admin@agency.test", "password": PASSWORD},
            # The test client keeps Secure cookies to itself over its plain-HTTP transport.
            headers={**(HTTPS if https else {}), "Cookie": f"{CSRF_COOKIE}={csrf}"},
            follow_redirects=False,
        )
        assert 303 == login.status_code
        cookies = login.headers.get_list("set-cookie")
        assert 1 <= len(cookies)
        assert [secure] * len(cookies) == ["secure" in cookie.lower() for cookie in cookies]
        api.client.cookies.clear()
