"""Login throttling: per account (from any address) and per address (for any account), on the
API and on the dashboard's login form; a throttled caller gets 429 with Retry-After.

The test settings allow 3 failures per account and 6 per address in a 15-minute window.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import re
from typing import Any

from tests.security.conftest import PEER_HEADER
from tests.server.api import ADMIN_EMAIL, PASSWORD, Api

WINDOW_SECONDS = 15 * 60


async def attempt(api: Api, email: str, password: str, address: str) -> Any:
    return await api.client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": password},
        headers={PEER_HEADER: address},
    )


async def form_attempt(api: Api, email: str, password: str, address: str) -> Any:
    page = await api.client.get("/login", headers={PEER_HEADER: address})
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    response = await api.client.post(
        "/login",
        data={"csrf_token": match.group(1), "email": email, "password": password},
        headers={PEER_HEADER: address},
        follow_redirects=False,
    )
    api.client.cookies.clear()
    return response


def assert_throttled(response: Any) -> None:
    assert 429 == response.status_code, response.text
    assert 1 <= int(response.headers["retry-after"]) <= WINDOW_SECONDS


async def test_an_account_is_throttled_from_every_address(api: Api) -> None:
    admin = await api.admin()
    await api.create_user(admin, "target@example.test", "auditor")
    for number in range(3):
        failed = await attempt(api, "target@example.test", "a guess", f"10.0.0.{number}")
        assert 401 == failed.status_code
    # Even the right password, from an address that never failed, waits out the window.
    assert_throttled(await attempt(api, "target@example.test", PASSWORD, "10.9.9.9"))
    assert (
        "application/problem+json"
        == (await attempt(api, "target@example.test", PASSWORD, "10.9.9.9")).headers["content-type"]
    )
    assert_throttled(await form_attempt(api, "target@example.test", PASSWORD, "10.8.8.8"))
    # Other accounts are not locked by it, from those very addresses.
    assert 200 == (await attempt(api, ADMIN_EMAIL, PASSWORD, "10.0.0.1")).status_code


async def test_an_address_is_throttled_for_every_account(api: Api) -> None:
    for number in range(6):
        failed = await attempt(api, f"nobody{number}@example.test", "a guess", "10.1.1.1")
        assert 401 == failed.status_code
    assert_throttled(await attempt(api, ADMIN_EMAIL, PASSWORD, "10.1.1.1"))
    assert_throttled(await form_attempt(api, ADMIN_EMAIL, PASSWORD, "10.1.1.1"))
    # The same account logs in from another address: the account itself is not locked.
    assert 200 == (await attempt(api, ADMIN_EMAIL, PASSWORD, "10.2.2.2")).status_code
