"""Analytics benchmark: the league table request against a full scan of the raw answers.

Builds (once; cached under var/bench/) an SQLite database with the real schema: 2,000 outlets
in 20 regions, 12 waves, about 100,000 released audits with 50 answers each (about 5 million
`audit_answer` rows) and their `score_rollup` rows, written with plain sqlite3 executemany.
Then it times `GET /api/v1/analytics/league` through the real app (in-process test client,
head-office scope) and a full scan of `audit_answer` on the same file, and prints each
league's median time and its ratio to the scan (goal <= 0.014) for:

- kept: the same league asked again, the data unchanged (the league is kept until it changes);
- after a write elsewhere: each request follows a change written by another connection, as
  another server process writes it with its audit-log entry, that the league does not rest on
  (an auditor renamed): a few aggregates say the league is unchanged;
- after an outlet renamed: the same after an outlet's name changed: the kept figures get the
  outlets' names read again (names are labels, not figures);
- after a corrected visit: a visit of the shown wave rescored (with its entry), so that the
  results are read again and the network's estimates fitted again, by the request itself;
- a few seconds after a corrected visit, of a server keeping leagues fresh (as `shopscore serve`
  does, `LEAGUE_REFRESH_SECONDS`): the server saw the change and worked the league out again
  before the request, as when head office opens the league after a reviewer's correction;
- the first request of a server process started a few seconds before (a restart, a deploy),
  the league having been asked before: the process worked out the leagues recorded as asked
  lately as it started (the figures this process kept are dropped first, as a new process has
  none).

The exit status is that of the league served from kept figures (asked again, after a write
elsewhere, after an outlet renamed, a few seconds after a correction, after a restart) against
the goal. The first request of the process and the request right after a corrected visit run
the estimates' computation, whose own goal is `bench/estimates.py`'s; they are printed with
their ratio against the same goal too, and say whether it meets it.

    .venv/bin/python bench/analytics.py [--rebuild] [--basis adjusted]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import random
import sqlite3
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from litestar.testing import AsyncTestClient  # noqa: E402 -- after the path set-up

from server.analytics.kept import KEPT_FIGURES  # noqa: E402
from server.app import create_app  # noqa: E402
from server.auditlog import chain  # noqa: E402
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
GOAL = 0.014
CORRECTIONS = 3
REFRESH = 1.0  # LEAGUE_REFRESH_SECONDS's default
SETTLE = 3.0  # seconds between a correction and the league asked of a server keeping it fresh


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
    """The real schema in a new file, or a kept file brought up to it, its connections closed
    again."""
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


def change_data(path: Path, kind: str, step: int, undo: bool = False) -> None:
    """One change as a server process writes it, in one transaction with its audit-log entry
    (chained to the head): `elsewhere` renames an auditor (nothing the league rests on),
    `edit` renames an outlet, `correction` rescores a visit of the
    latest wave as 100 - percent, `adjusted` has the client's league rank adjusted results.
    `undo` puts the name or the basis back (the correction is its own undo), so the cached
    file keeps its figures; its audit log grows by two entries a change."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        if kind == "adjusted":
            entity, entity_id = "workflow_settings", 1
            connection.execute(
                "INSERT INTO client_workflow_settings (client, league_basis) VALUES (1, ?) "
                "ON CONFLICT (client) DO UPDATE SET league_basis = excluded.league_basis",
                ("raw" if undo else "adjusted",),
            )
        elif kind == "elsewhere":
            entity, entity_id = "user", 100 + step % AUDITORS
            name = f"Auditor {step % AUDITORS}" if undo else f"Auditor {step} (renamed)"
            connection.execute("UPDATE app_user SET name = ? WHERE id = ?", (name, entity_id))
        elif kind == "edit":
            entity, entity_id = "outlet", 1 + step % OUTLETS
            name = f"Outlet {entity_id}" if undo else f"Outlet {entity_id} ({step})"
            connection.execute(
                "UPDATE outlet SET name = ?, updated_at = ? WHERE id = ?",
                (name, dt.datetime.now(dt.UTC).isoformat(sep=" "), entity_id),
            )
        else:
            (entity_id,) = connection.execute(
                "SELECT id FROM score_rollup WHERE wave = ? ORDER BY id LIMIT 1 OFFSET ?",
                (WAVES, 10 * step),
            ).fetchone()
            entity = "audit"
            # Rescored as 100 - percent: its own undo.
            connection.execute(
                "UPDATE score_rollup SET percent = 100 - percent WHERE id = ?", (entity_id,)
            )
        head = connection.execute(
            "SELECT sequence, entry_hash FROM audit_log ORDER BY sequence DESC LIMIT 1"
        ).fetchone()
        sequence, previous = (head[0] + 1, head[1]) if head else (1, chain.GENESIS)
        entry = {
            "sequence": sequence,
            "at": dt.datetime.now(dt.UTC),
            "actor": 1,
            "action": "update",
            "entity": entity,
            "entity_id": str(entity_id),
            "before": None,
            "after": None,
            "reason": "bench",
            "previous_hash": previous,
        }
        connection.execute(
            "INSERT INTO audit_log (sequence, at, actor, action, entity, entity_id, before, "
            "after, reason, previous_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*entry.values(), chain.entry_hash(entry)),
        )
        connection.execute("COMMIT")
    finally:
        connection.close()


async def league_seconds(path: Path, repeats: int, basis: str) -> dict[str, list[float]]:
    """Request times of the league: the first, kept, after a write elsewhere, after an outlet
    renamed, after a corrected visit. Every change is undone at the end, whatever happens."""
    settings = Settings(
        database_url=f"sqlite:///{path}",
        media_dir=path.parent / "media",
        secret_key="bench-analytics-" + "x" * 32,
        argon2=Argon2Parameters.cheap_for_tests(),
        log_level="WARNING",
    )
    times: dict[str, list[float]] = {
        "first": [],
        "kept": [],
        "elsewhere": [],
        "edit": [],
        "correction": [],
        "refreshed": [],
        "restarted": [],
    }
    done: list[tuple[str, int]] = []

    def change(kind: str, step: int) -> None:
        change_data(path, kind, step)
        done.append((kind, step))

    try:
        if basis == "adjusted":
            change("adjusted", 0)
        app = create_app(settings)
        async with AsyncTestClient(app=app) as client:
            login = await client.post(
                "/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}
            )
            headers = {"Authorization": "Bearer " + login.json()["token"]}

            async def timed(kind: str) -> dict[str, Any]:
                """The league asked of the current app (`client`, `headers`), timed."""
                started = time.perf_counter()
                response = await client.get("/api/v1/analytics/league", headers=headers)
                times[kind].append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                body: dict[str, Any] = response.json()
                return body

            body = await timed("first")
            for _repeat in range(repeats):
                await timed("kept")
            for step in range(repeats):
                change("elsewhere", step)
                await timed("elsewhere")
            for step in range(repeats):
                change("edit", step)
                renamed = await timed("edit")
                outlet = 1 + step % OUTLETS
                own = next(row for row in renamed["rows"] if row["outlet"]["id"] == outlet)
                assert own["outlet"]["name"].endswith(f"({step})"), own  # the edit was seen
            for step in range(CORRECTIONS):
                change("correction", step)
                await timed("correction")
            print(f"league table: {len(body['rows'])} outlets, wave {body['wave_ids']}")
        # A server that keeps leagues fresh (as `shopscore serve` does by default): the league
        # asked a few seconds after a correction, as head office would after a reviewer.
        refreshing = create_app(dataclasses.replace(settings, league_refresh_seconds=REFRESH))
        async with AsyncTestClient(app=refreshing) as client:
            login = await client.post(
                "/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}
            )
            headers = {"Authorization": "Bearer " + login.json()["token"]}
            await client.get("/api/v1/analytics/league", headers=headers)  # asked: remembered
            for step in range(CORRECTIONS, 2 * CORRECTIONS):
                change("correction", step)
                await asyncio.sleep(SETTLE)
                await timed("refreshed")
        # A server process started after the league was asked of another (a restart, a deploy):
        # it works out the leagues recorded as asked before anybody asks again.
        for _start in range(CORRECTIONS):
            KEPT_FIGURES.clear()  # what a process that has just started holds
            started = create_app(dataclasses.replace(settings, league_refresh_seconds=REFRESH))
            async with AsyncTestClient(app=started) as client:
                await asyncio.sleep(SETTLE)
                login = await client.post(
                    "/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}
                )
                headers = {"Authorization": "Bearer " + login.json()["token"]}
                await timed("restarted")
    finally:
        for kind, step in reversed(done):
            change_data(path, kind, step, undo=True)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached database")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--basis",
        choices=("raw", "adjusted"),
        default="raw",
        help="which results the league ranks (adjusted: auditor leniency taken out)",
    )
    args = parser.parse_args()
    if args.rebuild or not CACHE.exists():
        build(CACHE)
    asyncio.run(_migrate(CACHE))  # a file kept from an earlier version gets the new tables
    counted = statistics.median(scan_seconds(CACHE, fetch=False) for _ in range(3))
    fetched = statistics.median(scan_seconds(CACHE, fetch=True) for _ in range(2))
    times = asyncio.run(league_seconds(CACHE, args.repeats, args.basis))
    labels = {
        "first": "first request of the process",
        "kept": "kept (data unchanged)",
        "elsewhere": "after a write elsewhere (league kept)",
        "edit": "after an outlet renamed (figures kept, names read again)",
        "correction": "after a corrected visit (estimates fitted again)",
        "refreshed": f"{SETTLE:.0f} s after a corrected visit (worked out meanwhile by the server)",
        "restarted": f"first request of a process started {SETTLE:.0f} s before, asked before it",
    }
    ratios = {}
    for kind, label in labels.items():
        league = statistics.median(times[kind])
        ratios[kind] = league / fetched
        print(
            f"{label}: median {league * 1000:.1f} ms over {len(times[kind])} "
            f"(range {min(times[kind]) * 1000:.1f}-{max(times[kind]) * 1000:.1f}); "
            f"ratio to the scan (rows fetched) {ratios[kind]:.4f}, "
            f"(COUNT in SQL only) {league / counted:.4f}"
        )
    for kind, label in labels.items():
        verdict = "meets" if ratios[kind] <= GOAL else "misses"
        print(f"goal ratio <= {GOAL}: {verdict} ({label})")
    served = ("kept", "elsewhere", "edit", "refreshed", "restarted")
    return 0 if max(ratios[kind] for kind in served) <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
