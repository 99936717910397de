"""Load: 200 concurrent auditors syncing against ``shopscore serve --workers 2``.

The server runs on SQLite and on PostgreSQL, seeded through the admin API (outlets by CSV
import, 200 auditors, a wave assigned to them in bulk). Locust (``tests/load/locustfile.py``)
runs headless in its own process on loopback for a bounded time; each user is one auditor's
phone pulling ``GET /api/v1/sync`` and pushing photos and audits (or replaying an audit).
Throughput, p50/p99 latency and the error count are printed per request kind; any error, any
unexpected status, fails the test. Afterwards the server must hold exactly the audits locust
saw stored.
"""

from __future__ import annotations

import asyncio
import csv
import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from tests.fleet.programme import seed_programme
from tests.mobile.live_server import (
    ADMIN,
    RunningServer,
    free_port,
    needs_sync_server,
    server_environment,
)
from tests.server.postgres import PostgresServer, start_postgres

ROOT = Path(__file__).resolve().parents[2]
LOCUST = ROOT / ".venv" / "bin" / "locust"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
AUDITORS = 200
EMAIL_PATTERN = "load.auditor{:03d}@example.com"
PASSWORD = "load test auditor passphrase"


@dataclass(frozen=True)
class LoadForm:
    seconds: int
    visits_per_auditor: int


FORMS = [
    pytest.param(LoadForm(seconds=15, visits_per_auditor=2), id="15s"),
    pytest.param(
        LoadForm(seconds=120, visits_per_auditor=10),
        id="120s",
        marks=[pytest.mark.slow, pytest.mark.timeout(900)],
    ),
]


@pytest.fixture(scope="module")
def load_postgres() -> Iterator[PostgresServer]:
    try:
        server = start_postgres()
    except (FileNotFoundError, OSError) as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but could not start: {error}")
        pytest.skip(f"POSTGRESQL TESTS SKIPPED: no usable PostgreSQL ({error})")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


def database_url(engine: str, workdir: Path, request: pytest.FixtureRequest) -> str:
    if engine == "sqlite":
        return f"sqlite:///{workdir}/shopscore.db"
    postgres: PostgresServer = request.getfixturevalue("load_postgres")
    name = f"load_{uuid.uuid4().hex[:12]}"
    postgres.sql(f"CREATE DATABASE {name}")
    return postgres.url(name)


@dataclass(frozen=True)
class RequestStats:
    name: str
    requests: int
    failures: int
    per_second: float
    p50_ms: float
    p99_ms: float

    def line(self) -> str:
        return (
            f"  {self.name:<22} {self.requests:>7} req {self.per_second:>7.1f}/s"
            f"  p50 {self.p50_ms:>6.0f} ms  p99 {self.p99_ms:>6.0f} ms  errors {self.failures}"
        )


def read_stats(prefix: Path) -> list[RequestStats]:
    with open(f"{prefix}_stats.csv", newline="") as file:
        return [
            RequestStats(
                name=row["Name"],
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                per_second=float(row["Requests/s"]),
                p50_ms=float(row["50%"]),
                p99_ms=float(row["99%"]),
            )
            for row in csv.DictReader(file)
        ]


def read_failures(prefix: Path) -> list[str]:
    failures = []
    for suffix in ("failures", "exceptions"):
        path = Path(f"{prefix}_{suffix}.csv")
        if path.exists():
            with open(path, newline="") as file:
                failures += [" | ".join(row.values()) for row in csv.DictReader(file)]
    return failures


def run_locust(base_url: str, seconds: int, prefix: Path) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, LOAD_EMAIL_PATTERN=EMAIL_PATTERN, LOAD_PASSWORD=PASSWORD)
    command = [
        str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--host", base_url,
        "--users", str(AUDITORS), "--spawn-rate", "100", "--run-time", f"{seconds}s",
        "--stop-timeout", "30", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    return subprocess.run(
        command,
        env=environment,
        capture_output=True,
        text=True,
        timeout=seconds + 180,
        check=False,
    )


AUDITS_AND_INCOMPLETE = (
    "SELECT (SELECT COUNT(*) FROM audit),"
    " (SELECT COUNT(*) FROM audit_photo ap WHERE NOT EXISTS"
    "  (SELECT 1 FROM photo p WHERE p.uuid = ap.photo_uuid))"
)


def stored_audits_and_missing_photos(server: RunningServer, url: str) -> tuple[int, int]:
    """(audits stored, photo references of stored audits without the photo) on the server."""
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)) as db:
            audits, missing = db.execute(AUDITS_AND_INCOMPLETE).fetchone()
            return int(audits), int(missing)

    async def count() -> tuple[int, int]:
        connection = await asyncpg.connect(url)
        try:
            row = await connection.fetchrow(AUDITS_AND_INCOMPLETE)
            return int(row[0]), int(row[1])
        finally:
            await connection.close()

    return asyncio.run(count())


@needs_sync_server
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_200_auditors_sync_with_no_errors(
    engine: str,
    form: LoadForm,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workdir = tmp_path / "server"
    workdir.mkdir()
    url = database_url(engine, workdir, request)
    environment = dict(server_environment(workdir), DATABASE_URL=url)
    server = RunningServer(workdir, environment, free_port(), workers=2)
    server.cli("migrate")
    server.cli("user", "create", "--role", "admin", "--email", ADMIN[0], "--password", ADMIN[1])
    started = time.monotonic()
    server.start()
    try:
        seed_programme(
            server.base_url,
            auditors=AUDITORS,
            visits_per_auditor=form.visits_per_auditor,
            email_pattern=EMAIL_PATTERN,
            password=PASSWORD,
            template_key="load-visit",
        )
        seeded_s = time.monotonic() - started
        prefix = tmp_path / "locust"
        finished = run_locust(server.base_url, form.seconds, prefix)
        stats = read_stats(prefix)
        failures = read_failures(prefix)
        with capsys.disabled():
            print(
                f"\nload {engine}, {AUDITORS} auditors, {form.seconds} s, 2 workers"
                f" (server started and seeded in {seeded_s:.1f} s):"
            )
            for line in stats:
                print(line.line())
        assert [] == failures
        assert 0 == finished.returncode, finished.stderr[-3000:]
        by_name = {line.name: line for line in stats}
        new_audits = by_name["PUT /audits (new)"].requests
        assert 0 < new_audits
        assert 0 == by_name["Aggregated"].failures
    finally:
        server.stop()
    # Audits stored while locust stopped are not in its figures: at least those, all complete.
    stored, missing_photos = stored_audits_and_missing_photos(server, url)
    assert 0 == missing_photos
    assert new_audits <= stored
