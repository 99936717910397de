"""CSRF: every dashboard form (each POST route outside /api and /schema, read from the app's
route table, so a new form is covered the day it is added) refuses a request without the
double-submit token, with a token but no cookie, and with a token that does not match; the
same request with a matching pair gets past the check (the control).
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import secrets

from server.dashboard.web import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE
from tests.security.dashboard import CSRF_REFUSAL, bearer_token, cookie_header, filled
from tests.server.api import Api

NOT_FORMS = ("/api/", "/schema")


def dashboard_forms(api: Api) -> list[str]:
    return sorted(
        route.path
        for route in api.app.routes
        if "POST" in getattr(route, "methods", ()) and not route.path.startswith(NOT_FORMS)
    )


async def test_every_dashboard_form_refuses_a_missing_or_wrong_token(api: Api) -> None:
    forms = dashboard_forms(api)
    assert {"/login", "/logout", "/language"} <= set(forms)
    token = bearer_token(await api.admin())
    cookie, other = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    attempts = {
        "no token": ({SESSION_COOKIE: token}, {}),
        "no cookie": ({SESSION_COOKIE: token}, {CSRF_FIELD: cookie}),
        "no field": ({SESSION_COOKIE: token, CSRF_COOKIE: cookie}, {}),
        "mismatch": ({SESSION_COOKIE: token, CSRF_COOKIE: cookie}, {CSRF_FIELD: other}),
    }
    wrong: list[tuple[str, str, int]] = []
    for form in forms:
        for name, (cookies, fields) in attempts.items():
            response = await api.client.post(
                filled(form),
                data={**fields, "language": "pl", "email": "x@example.test"},
                headers=cookie_header(**cookies),
                follow_redirects=False,
            )
            api.client.cookies.clear()
            if 403 != response.status_code or CSRF_REFUSAL not in response.text:
                wrong.append((form, name, response.status_code))
    assert [] == wrong
    # The refused logout above changed nothing: the session still works.
    assert 200 == (await api.client.get("/admin", headers=cookie_header(
        **{SESSION_COOKIE: token}))).status_code  # fmt: skip


async def test_every_dashboard_form_accepts_a_matching_token(api: Api) -> None:
    """The control: with the pair right, no form answers with the CSRF refusal (logout last,
    as it ends the session)."""
    token = bearer_token(await api.admin())
    csrf = secrets.token_urlsafe(32)
    forms = sorted(dashboard_forms(api), key=lambda form: form == "/logout")
    refused = []
    for form in forms:
        response = await api.client.post(
            filled(form),
            data={CSRF_FIELD: csrf, "language": "pl", "email": "x@example.test"},
            headers=cookie_header(**{SESSION_COOKIE: token, CSRF_COOKIE: csrf}),
            follow_redirects=False,
        )
        api.client.cookies.clear()
        if CSRF_REFUSAL in response.text:
            refused.append(form)
    assert [] == refused
