"""Analytics benchmark: the league table request against a full scan of the raw answers.

Builds (once; cached under var/bench/) an SQLite database with the real schema: 2,000 outlets
in 20 regions, 12 waves, about 100,000 released audits with 50 answers each (about 5 million
`audit_answer` rows) and their `score_rollup` rows, written with plain sqlite3 executemany.
Then it times `GET /api/v1/analytics/league` through the real app (in-process test client,
head-office scope, median of several requests) and a full scan of `audit_answer` on the same
file, and prints their ratio (goal <= 0.05) and the league table's median time.

    .venv/bin/python bench/analytics.py [--rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sqlite3
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from litestar.testing import AsyncTestClient  # noqa: E402 -- after the path set-up

from server.app import create_app  # noqa: E402
from server.auth.passwords import Passwords  # noqa: E402
from server.core.database import Database, migrate  # noqa: E402
from server.core.settings import Argon2Parameters, Settings  # noqa: E402

CACHE = ROOT / "var" / "bench" / "analytics.db"
OUTLETS = 2000
REGIONS = 20
WAVES = 12
AUDITS_PER_OUTLET_WAVE = (3, 5)  # uniform: about 4 on average -> about 96,000 audits
ANSWERS = 50
AUDITORS = 200
EMAIL = "head-office@bench.test"
PASSWORD = "bench password 123"
GOAL = 0.05


def build(path: Path) -> None:
    """The whole programme written with raw sqlite3 into a freshly migrated file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    for leftover in _with_journals(partial):
        leftover.unlink(missing_ok=True)
    asyncio.run(_migrate(partial))
    started = time.perf_counter()
    random.seed(6)
    connection = sqlite3.connect(partial)
    connection.execute("PRAGMA synchronous = OFF")  # a throw-away build; nothing to protect
    now = "2026-06-01 00:00:00+00:00"
    hashed = Passwords(Argon2Parameters.cheap_for_tests()).hash(PASSWORD)
    with connection:
        connection.execute("INSERT INTO client (id, name) VALUES (1, 'Bench retail')")
        connection.executemany(
            "INSERT INTO region (id, client, name) VALUES (?, 1, ?)",
            [(region, f"Region {region}") for region in range(1, REGIONS + 1)],
        )
        connection.executemany(
            "INSERT INTO outlet (id, client, region, code, name) VALUES (?, 1, ?, ?, ?)",
            [
                (outlet, 1 + outlet % REGIONS, f"O{outlet:05d}", f"Outlet {outlet}")
                for outlet in range(1, OUTLETS + 1)
            ],
        )
        connection.executemany(
            "INSERT INTO wave (id, client, name, starts_on, ends_on) VALUES (?, 1, ?, ?, ?)",
            [
                (
                    wave,
                    f"Wave {wave}",
                    (dt.date(2025, 1, 1) + dt.timedelta(days=30 * wave)).isoformat(),
                    (dt.date(2025, 1, 25) + dt.timedelta(days=30 * wave)).isoformat(),
                )
                for wave in range(1, WAVES + 1)
            ],
        )
        connection.execute(
            "INSERT INTO app_user (id, email, name, password_hash, role, client) "
            "VALUES (1, ?, 'Head office', ?, 'head_office', 1)",
            (EMAIL, hashed),
        )
        connection.executemany(
            "INSERT INTO app_user (id, email, name, role) VALUES (?, ?, ?, 'auditor')",
            [(100 + a, f"a{a}@bench.test", f"Auditor {a}") for a in range(AUDITORS)],
        )
        connection.execute(
            "INSERT INTO checklist_template (id, key, version, channel, title, status, body) "
            "VALUES (1, 'bench', 1, 'in_store', 'Bench', 'published', '{}')"
        )
    audit_id = 0
    for wave in range(1, WAVES + 1):
        assignments, audits, answers, rollups = [], [], [], []
        visited = dt.datetime(2025, 1, 2, 10, tzinfo=dt.UTC) + dt.timedelta(days=30 * wave)
        for outlet in range(1, OUTLETS + 1):
            quality = 55 + (outlet * 7919 % 40)
            for _visit in range(random.randint(*AUDITS_PER_OUTLET_WAVE)):
                audit_id += 1
                audit_uuid = str(uuid.UUID(int=random.getrandbits(128), version=4))
                auditor = 100 + random.randrange(AUDITORS)
                percent = round(min(100.0, max(0.0, random.gauss(quality, 8))), 1)
                stamp = visited.isoformat(sep=" ")
                assignments.append((audit_id, wave, outlet, auditor))
                audits.append(
                    (audit_id, audit_uuid, audit_id, auditor, outlet, wave, percent, stamp, stamp)
                )
                answers.extend(
                    (audit_id, f"item{position:02d}", position,
                     "true" if random.random() * 100 < percent else "false")
                    for position in range(ANSWERS)
                )  # fmt: skip
                rollups.append(
                    (audit_uuid, outlet, 1 + outlet % REGIONS, wave, stamp, now, percent,
                     '{"main": "1/1"}')
                )  # fmt: skip
        with connection:
            connection.executemany(
                "INSERT INTO assignment (id, wave, outlet, auditor, template, channel, status) "
                "VALUES (?, ?, ?, ?, 1, 'in_store', 'done')",
                assignments,
            )
            connection.executemany(
                "INSERT INTO audit (id, uuid, assignment, auditor, outlet, client, wave, "
                "template, template_key, template_version, channel, status, canonical, "
                "canonical_sha256, score_percent, started_at, released_at) "
                "VALUES (?, ?, ?, ?, ?, 1, ?, 1, 'bench', 1, 'in_store', 'approved', '{}', '', "
                "?, ?, ?)",
                audits,
            )
            connection.executemany(
                "INSERT INTO audit_answer (audit, item, position, value) VALUES (?, ?, ?, ?)",
                answers,
            )
            connection.executemany(
                "INSERT INTO score_rollup (audit_uuid, outlet, region, client, wave, "
                "template_key, template_version, channel, visited_at, released_at, percent, "
                "section_ratios) VALUES (?, ?, ?, 1, ?, 'bench', 1, 'in_store', ?, ?, ?, ?)",
                rollups,
            )
        print(f"  wave {wave}: {audit_id} audits so far", flush=True)
    connection.execute("ANALYZE")
    # The file is WAL: fold the log into it and close, so that the file is whole on its own
    # before it is moved (a log left beside it would be lost, or replayed into another file).
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    for journal in _with_journals(partial)[1:]:
        journal.unlink(missing_ok=True)  # empty after the checkpoint
    for stale in _with_journals(path)[1:]:
        stale.unlink(missing_ok=True)  # an earlier cache's log must not meet the new file
    partial.replace(path)
    print(f"built {path} in {time.perf_counter() - started:.0f} s")


def _with_journals(path: Path) -> list[Path]:
    """An SQLite file and the write-ahead log and shared-memory index beside it."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


async def _migrate(path: Path) -> None:
    """The real schema in a new file, its connections closed again."""
    database = Database(f"sqlite:///{path}")
    try:
        await migrate(database)
    finally:
        await database.close()


def scan_seconds(path: Path, fetch: bool) -> float:
    """One full scan of the raw answers.

    `fetch=False`: SQLite counts rows and value bytes without handing rows to Python (the
    engine's floor). `fetch=True`: every (audit, item, value) row reaches Python, the least a
    league table computed from raw answers would have to read.
    """
    connection = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        if fetch:
            cursor = connection.execute("SELECT audit, item, value FROM audit_answer")
            rows = sum(1 for _row in cursor)
        else:
            rows = connection.execute("SELECT COUNT(*), SUM(LENGTH(value)) FROM audit_answer")
            rows = rows.fetchone()[0]
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    kind = "rows fetched" if fetch else "rows counted in SQL"
    print(f"full scan of audit_answer: {rows} {kind} in {elapsed:.3f} s")
    return elapsed


async def league_seconds(path: Path, repeats: int) -> list[float]:
    settings = Settings(
        database_url=f"sqlite:///{path}",
        media_dir=path.parent / "media",
        secret_key="bench-analytics-" + "x" * 32,
        argon2=Argon2Parameters.cheap_for_tests(),
        log_level="WARNING",
    )
    app = create_app(settings)
    times = []
    async with AsyncTestClient(app=app) as client:
        login = await client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
        headers = {"Authorization": "Bearer " + login.json()["token"]}
        for _repeat in range(repeats):
            started = time.perf_counter()
            response = await client.get("/api/v1/analytics/league", headers=headers)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
        rows = response.json()["rows"]
        print(f"league table: {len(rows)} outlets, wave {response.json()['wave_ids']}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached database")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if args.rebuild or not CACHE.exists():
        build(CACHE)
    counted = statistics.median(scan_seconds(CACHE, fetch=False) for _ in range(3))
    fetched = statistics.median(scan_seconds(CACHE, fetch=True) for _ in range(2))
    times = asyncio.run(league_seconds(CACHE, args.repeats))
    league = statistics.median(times)
    ratio = league / fetched
    print(f"league table median {league * 1000:.1f} ms over {args.repeats} requests")
    print(f"ratio league / full answer scan (rows fetched) = {ratio:.4f} (goal <= {GOAL})")
    print(f"ratio league / full answer scan (COUNT in SQL only) = {league / counted:.4f}")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
