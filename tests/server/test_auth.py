"""Login, tokens, revocation, disabled users and throttling."""

# asserts are written as `expected == actual`

from __future__ import annotations

import asyncio

import httpx
import pytest

from server.app import create_app
from server.core.settings import Settings
from tests.server.api import ADMIN_EMAIL, PASSWORD, Api
from tests.server.audits.helpers import sql
from tests.server.conftest import create_first_admin

NEW_PASSWORD = "a brand new passphrase"


async def test_login_returns_token_role_and_scope(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL.upper(), "password": PASSWORD}
    )
    assert 200 == response.status_code
    body = response.json()
    assert "bearer" == body["token_type"]
    assert {"id", "email", "name", "role", "language", "scope"} == set(body["user"])
    assert "admin" == body["user"]["role"]


async def test_wrong_password_is_a_401_problem(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "wrong password"}
    )
    assert 401 == response.status_code
    assert "application/problem+json" == response.headers["content-type"]
    assert {"type", "title", "status", "detail"} <= set(response.json())


async def test_garbage_token_is_refused(api: Api) -> None:
    response = await api.client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert 401 == response.status_code


async def test_logout_revokes_earlier_tokens(api: Api) -> None:
    headers = await api.admin()
    assert 204 == (await api.client.post("/api/v1/auth/logout", headers=headers)).status_code
    assert 401 == (await api.client.get("/api/v1/me", headers=headers)).status_code
    fresh = await api.admin()
    assert 200 == (await api.client.get("/api/v1/me", headers=fresh)).status_code


async def test_password_change_revokes_and_needs_the_current_password(api: Api) -> None:
    headers = await api.admin()
    wrong = await api.client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
    )
    assert 401 == wrong.status_code
    short = await api.client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert 422 == short.status_code
    changed = await api.client.post(
        "/api/v1/auth/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert 200 == changed.status_code
    assert 401 == (await api.client.get("/api/v1/me", headers=headers)).status_code
    new_headers = {"Authorization": "Bearer " + changed.json()["token"]}
    assert 200 == (await api.client.get("/api/v1/me", headers=new_headers)).status_code
    assert "Authorization" in await api.login(ADMIN_EMAIL, NEW_PASSWORD)


async def test_disabled_user_is_refused_and_their_tokens_die(api: Api) -> None:
    admin = await api.admin()
    user_id = await api.create_user(admin, "leaver@example.test", "auditor")
    headers = await api.login("leaver@example.test")
    assert 204 == (await api.client.delete(f"/api/v1/users/{user_id}", headers=admin)).status_code
    assert 401 == (await api.client.get("/api/v1/me", headers=headers)).status_code
    response = await api.client.post(
        "/api/v1/auth/login", json={"email": "leaver@example.test", "password": PASSWORD}
    )
    assert 401 == response.status_code


async def test_failed_logins_are_throttled_per_account(api: Api) -> None:
    # The test settings allow 3 failures per account in the window.
    for _attempt in range(3):
        response = await api.client.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "guess"}
        )
        assert 401 == response.status_code
    throttled = await api.client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}
    )
    assert 429 == throttled.status_code
    assert 1 <= int(throttled.headers["retry-after"]) <= 15 * 60
    assert "application/problem+json" == throttled.headers["content-type"]


async def test_failed_logins_are_throttled_per_address(api: Api) -> None:
    # 6 failures from one address across different accounts block that address.
    for attempt in range(6):
        await api.client.post(
            "/api/v1/auth/login", json={"email": f"x{attempt}@example.test", "password": "guess"}
        )
    throttled = await api.client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}
    )
    assert 429 == throttled.status_code


async def test_simultaneous_guesses_at_one_account_reach_the_password_check_at_most_the_limit(
    settings: Settings,
) -> None:
    """Ten wrong passwords sent at once: each is counted before its (slow) check, so at most
    the limit of 3 are checked (401) and the rest are refused (429) without one."""
    await create_first_admin(settings)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # ASGI typing differs
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        guesses = await asyncio.gather(
            *[
                client.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "guess"})
                for _guess in range(10)
            ]
        )
        statuses = sorted(response.status_code for response in guesses)
        assert statuses.count(401) <= settings.login_failures_per_account
        assert set(statuses) <= {401, 429}
        assert 429 in statuses
        # Only checked guesses count: the right password is refused while they reach the limit.
        checked = statuses.count(401)
        then = await client.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}
        )
        assert (429 if checked >= settings.login_failures_per_account else 200) == then.status_code


@pytest.mark.parametrize("engine", ["sqlite"])  # the plan of the embedded engine
async def test_the_callers_scope_is_read_from_their_own_links_only(settings: Settings) -> None:
    """Every request reads its caller's scope: each kind of link is looked up by the user's
    index, never by reading every user's links (a network's store managers have thousands)."""
    from server.auth.service import CALLER_SQL

    plan = await sql(settings, "EXPLAIN QUERY PLAN " + CALLER_SQL, *[1] * CALLER_SQL.count("?"))
    details = [str(row[-1]) for row in plan]
    for table in ("user_region", "user_outlet", "reviewer_client"):
        assert any(f"SEARCH {table} USING" in detail for detail in details), details
        assert not any(f"SCAN {table}" in detail for detail in details), details
