"""A real `shopscore serve` process on a temp SQLite file, seeded through its HTTP API, and
Debian's Chromium driven by Playwright (never a downloaded browser).

The server and the seeded programme are shared by the module's tests (seeding takes seconds);
each test opens its own browser context, so cookies never leak between roles.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.analytics.seed import Programme, seed_programme
from tests.server.api import ADMIN_EMAIL, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SHOPSCORE = Path(sys.executable).parent / "shopscore"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class HttpApi:
    """The subset of `tests.server.api.Api` that seeding uses, over a real socket."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def call(self, method: str, path: str, headers: dict[str, str], json: Any = None) -> Any:
        return await self.client.request(method, path, headers=headers, json=json)

    async def ok(self, method: str, path: str, headers: dict[str, str], json: Any = None) -> Any:
        response = await self.call(method, path, headers, json)
        assert response.status_code in (200, 201, 204), (method, path, response.text)
        return response.json() if response.content else None

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        response = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert 200 == response.status_code, response.text
        return {"Authorization": "Bearer " + response.json()["token"]}

    async def admin(self) -> dict[str, str]:
        return await self.login(ADMIN_EMAIL)

    async def create_user(self, admin: dict[str, str], email: str, role: str, **scope: Any) -> int:
        body = {"email": email, "name": email.split("@")[0], "role": role, "password": PASSWORD}
        user = await self.ok("POST", "/api/v1/users", admin, {**body, **scope})
        user_id: int = user["id"]
        return user_id


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base_url + "/login", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("the server did not start within 30 s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Programme]]:
    root = tmp_path_factory.mktemp("dashboard")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{root / 'shopscore.db'}",
        "MEDIA_DIR": str(root / "media"),
        "SECRET_KEY": "dashboard-test-secret-" + "k" * 32,
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
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [SHOPSCORE, "serve", "--port", str(port)], cwd=root, env=env, stdout=log, stderr=log
    )
    try:
        _wait_until_up(base_url, process)

        async def seed() -> Programme:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                return await seed_programme(HttpApi(client), pending=2)

        # In a thread of its own: Playwright's sync API may already run a loop in this one.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            programme = pool.submit(asyncio.run, seed()).result()
        yield base_url, programme
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
