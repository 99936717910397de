"""A real Shopscore server process for the field app's tests (``shopscore serve``).

The server's sync endpoints (``server/sync/``) arrive after the field app; ``needs_sync_server``
skips the tests that need them, with that reason, only while ``server/sync/`` does not exist.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.mobile.sample_data import every_kind_template

ROOT = Path(__file__).resolve().parents[2]
SHOPSCORE = ROOT / ".venv" / "bin" / "shopscore"
AUDITOR = ("anna.auditor@example.com", "correct horse battery staple")
ADMIN = ("root.admin@example.com", "another long admin passphrase")

needs_sync_server = pytest.mark.skipif(
    not (ROOT / "server" / "sync").is_dir(),
    reason="waiting for the server's sync endpoints: server/sync/ does not exist yet",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningServer:
    """``shopscore serve`` on a free port with its own database and media folder."""

    workdir: Path
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *arguments: str) -> None:
        subprocess.run(
            [str(SHOPSCORE), *arguments],
            cwd=self.workdir,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(SHOPSCORE), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.base_url}/api/v1/me", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def seed_programme(base_url: str, template: dict[str, Any]) -> None:
    """An admin publishes the template and assigns one visit to the auditor.

    Written against the admin API as planned for issue 3 (clients, outlets, templates, waves,
    assignments); adjust the routes here if the server names them differently.
    """
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=10) as admin:
        login = admin.post("/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        login.raise_for_status()
        admin.headers["Authorization"] = f"Bearer {login.json()['token']}"
        auditor_id = admin.get("/users", params={"email": AUDITOR[0]}).json()["items"][0]["id"]
        client = admin.post("/clients", json={"name": "Żabka"}).raise_for_status().json()
        outlet = (
            admin.post(
                "/outlets",
                json={
                    "client_id": client["id"],
                    "code": "WAW-001",
                    "name": "Żabka Mokotów",
                    "address": "ul. Puławska 1",
                    "city": "Warszawa",
                    "lat": 52.2,
                    "lon": 21.0,
                    "timezone": "Europe/Warsaw",
                },
            )
            .raise_for_status()
            .json()
        )
        admin.post("/templates", json=template).raise_for_status()
        wave = (
            admin.post(
                "/waves",
                json={
                    "client_id": client["id"],
                    "name": "November 2026",
                    "starts_on": "2026-11-01",
                    "ends_on": "2026-11-30",
                },
            )
            .raise_for_status()
            .json()
        )
        admin.post(
            f"/waves/{wave['id']}/assignments",
            json={
                "outlet_id": outlet["id"],
                "auditor_id": auditor_id,
                "template": {"key": template["key"], "version": template["version"]},
                "channel": "in_store",
                "due_from": "2026-11-20",
                "due_to": "2026-11-30",
                "scenario": "Buy water.",
            },
        ).raise_for_status()


def start_seeded_server(workdir: Path) -> RunningServer:
    """Migrate a fresh database, create an admin and an auditor, serve, seed one visit."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(DATABASE_URL=f"sqlite:///{workdir}/shopscore.db", MEDIA_DIR=str(workdir / "media"))
    running = RunningServer(workdir, env, free_port())
    running.cli("migrate")
    running.cli("user", "create", "--role", "admin", "--email", ADMIN[0], "--password", ADMIN[1])
    running.cli(
        "user", "create", "--role", "auditor", "--email", AUDITOR[0], "--password", AUDITOR[1]
    )
    running.start()
    seed_programme(running.base_url, every_kind_template())
    return running
