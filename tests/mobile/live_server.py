"""A real Shopscore server process for the field app's tests (``shopscore serve``).

The server is seeded through its real admin API (client, region, outlet, auditor, template,
wave, assignment), so the phone downloads a real assignment. ``needs_sync_server`` skips the
tests that need the sync endpoints only while the app built by ``server.app.create_app`` has no
``PUT /api/v1/audits/{uuid}`` route. What the server holds is read back from its SQLite file,
opened read-only, so "exactly once" is counted on the server itself.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
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
AUDIT_ROUTE = "/api/v1/audits/{audit_uuid:uuid}"


def missing_sync_route() -> str:
    """Why the sync tests cannot run yet ("" when the server has the audit PUT route)."""
    try:
        from server.app import create_app
        from server.core.settings import Settings
    except ImportError as error:
        return f"the server app cannot be imported: {error}"
    with tempfile.TemporaryDirectory() as unused:
        # Building the app opens nothing: the paths are never touched.
        app = create_app(
            Settings(
                database_url=f"sqlite:///{unused}/never.db",
                media_dir=Path(unused) / "media",
                secret_key="route-table-only",
            )
        )
    for route in app.routes:
        if route.path == AUDIT_ROUTE and "PUT" in getattr(route, "methods", ()):
            return ""
    return f"waiting for the server's sync endpoints: no PUT {AUDIT_ROUTE} route yet"


_WHY_SKIP = missing_sync_route()
needs_sync_server = pytest.mark.skipif(bool(_WHY_SKIP), reason=_WHY_SKIP or "-")


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
    workers: int = 1

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.workdir / "shopscore.db"

    def cli(self, *arguments: str) -> None:
        completed = subprocess.run(
            [str(SHOPSCORE), *arguments],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"shopscore {' '.join(arguments)}: {completed.stderr.decode()}")

    def start(self) -> None:
        command = [
            str(SHOPSCORE), "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(self.workers),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=(self.workdir / "server.log").open("ab"),
        )
        # Generous: two workers importing the app on a 2-core machine busy with other test
        # processes took more than 30 s once; how fast it starts is not what these tests judge.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited: " + self.log_tail())
            try:
                httpx.get(f"{self.base_url}/api/v1/me", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start: " + self.log_tail())

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def log_tail(self) -> str:
        log = self.workdir / "server.log"
        return log.read_text(errors="replace")[-3000:] if log.exists() else ""

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run one query on the server's database file, opened read-only."""
        uri = f"file:{self.database}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
            return db.execute(sql, params).fetchall()

    def audits_stored(self, audit_uuid: str) -> list[tuple[int, str, str | None]]:
        """(revision, status, score percent) of every stored row of that audit uuid."""
        return [
            (int(revision), str(status), None if percent is None else f"{float(percent):.1f}")
            for revision, status, percent in self.rows(
                "SELECT revision, status, score_percent FROM audit"
                " WHERE replace(lower(uuid), '-', '') = ?",
                audit_uuid.replace("-", "").lower(),
            )
        ]

    def photos_stored(self, sha256: str) -> int:
        return int(self.rows("SELECT COUNT(*) FROM photo WHERE sha256 = ?", sha256)[0][0])


@contextmanager
def admin_client(base_url: str) -> Iterator[httpx.Client]:
    """An HTTP client of the API logged in as the admin."""
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=10) as admin:
        login = admin.post("/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        login.raise_for_status()
        admin.headers["Authorization"] = f"Bearer {login.json()['token']}"
        yield admin


def _created(response: httpx.Response) -> dict[str, Any]:
    if response.status_code not in (200, 201):
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: "
            f"{response.status_code} {response.text}"
        )
    body: dict[str, Any] = response.json()
    return body


def seed_programme(base_url: str, template: dict[str, Any]) -> dict[str, int]:
    """An admin sets up a client's programme through the admin API and assigns one visit.

    Client, region and outlet; the auditor; the template created and published; a wave using
    it for the in-store channel; one assignment of the auditor to the outlet. Returns the ids.
    """
    with admin_client(base_url) as admin:
        client = _created(admin.post("/clients", json={"name": "Żabka"}))
        region = _created(admin.post(f"/clients/{client['id']}/regions", json={"name": "Mazowsze"}))
        outlet = _created(
            admin.post(
                "/outlets",
                json={
                    "client_id": client["id"],
                    "region_id": region["id"],
                    "code": "WAW-001",
                    "name": "Żabka Mokotów",
                    "address": "ul. Puławska 1",
                    "city": "Warszawa",
                    "lat": 52.2,
                    "lon": 21.0,
                    "timezone": "Europe/Warsaw",
                    "channels": ["in_store"],
                },
            )
        )
        auditor = _created(
            admin.post(
                "/users",
                json={
                    "email": AUDITOR[0],
                    "name": "Anna",
                    "role": "auditor",
                    "password": AUDITOR[1],
                    "language": "en",
                },
            )
        )
        draft = _created(admin.post("/templates", json=template))
        published = _created(admin.post(f"/templates/{draft['id']}/publish"))
        wave = _created(
            admin.post(
                "/waves",
                json={
                    "client_id": client["id"],
                    "name": "November 2026",
                    "starts_on": "2026-11-01",
                    "ends_on": "2026-11-30",
                    "templates": {"in_store": published["id"]},
                },
            )
        )
        assignment = _created(
            admin.post(
                "/assignments",
                json={
                    "wave_id": wave["id"],
                    "outlet_id": outlet["id"],
                    "auditor_id": auditor["id"],
                    "channel": "in_store",
                    "due_from": "2026-11-20",
                    "due_to": "2026-11-30",
                    "scenario": "Buy water.",
                },
            )
        )
    return {
        "client": client["id"],
        "outlet": outlet["id"],
        "auditor": auditor["id"],
        "template": published["id"],
        "wave": wave["id"],
        "assignment": assignment["id"],
    }


def server_environment(workdir: Path) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(
        DATABASE_URL=f"sqlite:///{workdir}/shopscore.db",
        MEDIA_DIR=str(workdir / "media"),
        SECRET_KEY="a test secret key that is long enough for HS256 signing",
        SHOPSCORE_CHEAP_ARGON2="1",  # full-strength hashing costs seconds per login here
        LOG_LEVEL="WARNING",
    )
    return environment


def migrated_database(workdir: Path) -> Path:
    """A database brought to the latest schema with the first admin, made once per session."""
    workdir.mkdir(parents=True, exist_ok=True)
    blueprint = RunningServer(workdir, server_environment(workdir), 0)
    blueprint.cli("migrate")
    blueprint.cli("user", "create", "--role", "admin", "--email", ADMIN[0], "--password", ADMIN[1])
    return blueprint.database


def start_seeded_server(workdir: Path, blueprint: Path) -> RunningServer:
    """Serve a copy of the blueprint database and seed one visit through the admin API."""
    workdir.mkdir(parents=True, exist_ok=True)
    running = RunningServer(workdir, server_environment(workdir), free_port())
    # The backup API copies a consistent database, WAL included, in milliseconds.
    with (
        closing(sqlite3.connect(blueprint)) as source,
        closing(sqlite3.connect(running.database)) as copy,
    ):
        source.backup(copy)
    running.start()
    try:
        seed_programme(running.base_url, every_kind_template())
    except BaseException:
        running.stop()
        raise
    return running
