"""Ingest benchmark: audits of 50 answers PUT over HTTP vs plain sqlite3 (issue 4, Speed).

Starts a real `shopscore serve` process on a temporary SQLite file, seeds a programme over
HTTP (a 50-item template, N assignments), then PUTs N audits over one keep-alive HTTP/1.1
connection and times it. The baseline inserts exactly the rows the server stored into the
same schema (a copy of the database taken before the run) with plain `sqlite3`, WAL,
`synchronous=FULL` and one transaction per audit. Prints the ratio (goal >= 0.35), then
resends every audit: each must be 200, at least as fast as the first writes, 0 new rows.
One client sends one request at a time (concurrency 1), like one phone syncing its outbox;
the baseline does no HTTP, JSON, validation or scoring, only the inserts and their fsync.

The client is kept lean so that the figure is the server's: bodies are encoded before the
clock starts (a phone's outbox holds them encoded) and sent with `http.client`, whose
round trip to a do-nothing ASGI app is ~0.3 ms here; httpx spends ~1.5 ms of client CPU per
PUT of this size, which on a 2-core machine would be counted against the server.

    .venv/bin/python bench/ingest.py [--audits 300]

`LiveServer` and `seed_programme` are also used by the kill -9 test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
SHOPSCORE = ROOT / ".venv" / "bin" / "shopscore"
ADMIN_EMAIL = "bench-admin@example.test"
AUDITOR_EMAIL = "bench-auditor@example.test"
PASSWORD = "bench password 123"
ITEMS = 50


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    """A `shopscore serve` subprocess on an SQLite file in `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{root / 'shopscore.db'}",
            "MEDIA_DIR": str(root / "media"),
            "SECRET_KEY": "bench-secret-key-" + "x" * 32,
            "SHOPSCORE_CHEAP_ARGON2": "1",
            "LOG_LEVEL": "WARNING",
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.root / "shopscore.db"

    def run(self, *commands: list[str]) -> None:
        """Run `shopscore` commands in one Python process (one start-up instead of several)."""
        script = "import sys\nfrom server.cli import main\n" + "".join(
            f"assert main({command!r}) in (0, None)\n" for command in commands
        )
        subprocess.run([sys.executable, "-c", script], cwd=self.root, env=self.env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(SHOPSCORE), "serve", "--port", str(self.port)],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/api/v1/me", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start within 30 s")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flush; what is on disk is all that survives."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None


def template_of(items: int) -> dict[str, Any]:
    """A template of `items` yes/no questions in sections of ten."""
    sections = []
    for section in range(0, items, 10):
        sections.append(
            {
                "key": f"s{section // 10}",
                "title": {"en": f"Section {section // 10}"},
                "weight": 1,
                "items": [
                    {"key": f"q{n}", "kind": "yes_no", "text": {"en": f"Question {n}"}, "points": 1}
                    for n in range(section, min(section + 10, items))
                ],
            }
        )
    return {
        "key": "bench-visit",
        "version": 1,
        "channel": "in_store",
        "title": {"en": "Bench visit"},
        "pass_mark": 80,
        "critical_policy": "zero_total",
        "bands": [{"min": 0, "key": "all"}],
        "sections": sections,
    }


def audit_of(assignment_id: int, items: int, seed: int) -> dict[str, Any]:
    return {
        "assignment_id": assignment_id,
        "template": {"key": "bench-visit", "version": 1},
        "started_at": "2026-01-06T10:15:00+01:00",
        "finished_at": "2026-01-06T10:41:30+01:00",
        "location": {"lat": 52.2297, "lon": 21.0122, "accuracy_m": 12.0},
        "answers": [
            {"item": f"q{n}", "value": (n + seed) % 7 != 0, "comment": "", "photos": []}
            for n in range(items)
        ],
        "sent_at": "2026-01-06T10:42:00+01:00",
    }


def login(client: httpx.Client, email: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": "Bearer " + response.json()["token"]}


def seed_programme(server: LiveServer, assignments: int) -> tuple[dict[str, str], list[int]]:
    """Migrate, create an admin and an auditor, a client, outlet, template, wave and
    `assignments` assignments; return the auditor's headers and the assignment ids."""
    server.run(
        ["migrate"],
        ["user", "create", "--role", "admin", "--email", ADMIN_EMAIL, "--password", PASSWORD],
        ["user", "create", "--role", "auditor", "--email", AUDITOR_EMAIL, "--password", PASSWORD],
    )
    server.start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        admin = login(client, ADMIN_EMAIL)

        def ok(method: str, path: str, body: Any = None) -> Any:
            response = client.request(method, path, headers=admin, json=body)
            response.raise_for_status()
            return response.json() if response.content else None

        client_id = ok("POST", "/api/v1/clients", {"name": "Bench client"})["id"]
        region = ok("POST", f"/api/v1/clients/{client_id}/regions", {"name": "Centre"})["id"]
        template = ok("POST", "/api/v1/templates", template_of(ITEMS))["id"]
        ok("POST", f"/api/v1/templates/{template}/publish")
        wave = ok("POST", "/api/v1/waves", {
            "client_id": client_id, "name": "Bench wave", "starts_on": "2026-01-05",
            "ends_on": "2026-12-31", "templates": {"in_store": template},
        })["id"]  # fmt: skip
        users = ok("GET", "/api/v1/users?role=auditor&limit=10")
        auditor = next(u["id"] for u in users["items"] if u["email"] == AUDITOR_EMAIL)
        ids = []
        # One outlet per assignment: an auditor visits an outlet once per wave.
        for number in range(assignments):
            outlet = {
                "client_id": client_id, "region_id": region, "code": f"B{number}",
                "name": f"Bench outlet {number}", "city": "Warsaw", "lat": 52.2297,
                "lon": 21.0122, "timezone": "Europe/Warsaw", "channels": ["in_store"],
            }  # fmt: skip
            outlet_id = ok("POST", "/api/v1/outlets", outlet)["id"]
            assignment = {
                "wave_id": wave, "outlet_id": outlet_id, "auditor_id": auditor,
                "channel": "in_store",
            }  # fmt: skip
            ids.append(ok("POST", "/api/v1/assignments", assignment)["id"])
        return login(client, AUDITOR_EMAIL), ids


def put_all(
    server: LiveServer, headers: dict[str, str], audits: list[tuple[str, dict[str, Any]]]
) -> tuple[float, list[int]]:
    """PUT every audit in turn over one keep-alive connection; the seconds and the statuses."""
    encoded = [
        (f"/api/v1/audits/{audit_uuid}", json.dumps(body).encode()) for audit_uuid, body in audits
    ]
    request_headers = {**headers, "Content-Type": "application/json"}
    statuses = []
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        started = time.perf_counter()
        for path, body in encoded:
            connection.request("PUT", path, body=body, headers=request_headers)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    return elapsed, statuses


def requests_per_second(server: LiveServer, headers: dict[str, str], path: str, n: int) -> float:
    """The rate of a cheap authenticated GET: the floor every request pays (auth, routing)."""
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        started = time.perf_counter()
        for _ in range(n):
            client.get(path).raise_for_status()
        return n / (time.perf_counter() - started)


def count(path: Path, table: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        connection.close()


TABLES = ("audit", "audit_revision", "audit_answer", "audit_log")


def plain_sqlite_rate(stored: Path, empty_copy: Path) -> tuple[float, int]:
    """Insert the rows the server stored into a copy of the schema with plain sqlite3, one
    transaction per audit and the same PRAGMAs; audits per second."""
    source = sqlite3.connect(stored)
    audits = source.execute("SELECT * FROM audit ORDER BY id").fetchall()
    per_audit: dict[int, dict[str, list[tuple[Any, ...]]]] = {row[0]: {} for row in audits}
    columns: dict[str, list[str]] = {}
    for table in ("audit_revision", "audit_answer"):
        columns[table] = [r[1] for r in source.execute(f"PRAGMA table_info({table})")][1:]
        names = ", ".join(columns[table])
        for row in source.execute(f"SELECT {names} FROM {table}"):
            per_audit[row[0]].setdefault(table, []).append(row)
    logs = source.execute(
        "SELECT at, actor, action, entity, entity_id, before, after, reason FROM audit_log "
        "WHERE entity = 'audit' ORDER BY id"
    ).fetchall()
    audit_columns = [r[1] for r in source.execute("PRAGMA table_info(audit)")][1:]
    source.close()

    target = sqlite3.connect(empty_copy, isolation_level=None)
    for pragma in ("PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON",
                   "PRAGMA synchronous = FULL", "PRAGMA busy_timeout = 15000"):  # fmt: skip
        target.execute(pragma)
    insert_audit = (
        f"INSERT INTO audit ({', '.join(audit_columns)}) "
        f"VALUES ({', '.join('?' * len(audit_columns))}) RETURNING id"
    )
    started = time.perf_counter()
    for index, audit in enumerate(audits):
        target.execute("BEGIN IMMEDIATE")
        audit_id = target.execute(insert_audit, audit[1:]).fetchone()[0]
        for child in ("audit_revision", "audit_answer"):
            child_columns = columns[child]
            rows = [(audit_id, *row[1:]) for row in per_audit[audit[0]].get(child, [])]
            marks = ", ".join("?" * len(child_columns))
            target.executemany(
                f"INSERT INTO {child} ({', '.join(child_columns)}) VALUES ({marks})", rows
            )
        target.execute("UPDATE assignment SET status = 'submitted' WHERE id = ?", (audit[2],))
        target.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            logs[index],
        )
        target.execute("COMMIT")
    elapsed = time.perf_counter() - started
    target.close()
    return len(audits) / elapsed, len(audits)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=300)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="shopscore-bench-ingest-"))
    server = LiveServer(root)
    try:
        headers, assignments = seed_programme(server, args.audits)
        server.stop()
        shutil.copyfile(server.database, root / "baseline.db")
        server.start()
        audits = [(str(uuid.uuid4()), audit_of(a, ITEMS, n)) for n, a in enumerate(assignments)]
        first, statuses = put_all(server, headers, audits)
        assert statuses == [201] * len(audits), sorted(set(statuses))
        rows_before = {table: count(server.database, table) for table in TABLES}
        again, statuses = put_all(server, headers, audits)
        assert statuses == [200] * len(audits), sorted(set(statuses))
        rows_after = {table: count(server.database, table) for table in TABLES}
        auth_only = requests_per_second(server, headers, "/api/v1/me", len(audits))
        server.stop()
        baseline, inserted = plain_sqlite_rate(server.database, root / "baseline.db")
    finally:
        server.stop()
    http_rate = len(audits) / first
    resend_rate = len(audits) / again
    new_rows = sum(rows_after[t] - rows_before[t] for t in TABLES)
    print(f"audits of {ITEMS} answers: {len(audits)}")
    print("concurrency: 1 client (http.client, bodies encoded in advance), 1 keep-alive")
    print("HTTP/1.1 connection, 1 uvicorn worker;")
    print("PRAGMAs on both sides: WAL, synchronous=FULL, foreign_keys=ON, busy_timeout")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the end: {load} on {os.cpu_count()} CPUs (other work skews ratios)")
    print(f"HTTP PUT (first writes):  {http_rate:8.1f} audits/s")
    print(f"plain sqlite3 (same rows): {baseline:8.1f} audits/s ({inserted} audits)")
    print(f"ratio HTTP / sqlite3:      {http_rate / baseline:8.3f}  (goal >= 0.35)")
    print(f"HTTP PUT (resend, 200):   {resend_rate:8.1f} audits/s "
          f"({resend_rate / http_rate:.2f}x first writes; goal >= 1.0)")  # fmt: skip
    print(f"new rows on resend:        {new_rows}  (goal 0)")
    print(f"GET /api/v1/me (auth only): {auth_only:7.1f} requests/s (the per-request floor)")
    shutil.rmtree(root, ignore_errors=True)
    ok = new_rows == 0 and resend_rate >= http_rate
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
