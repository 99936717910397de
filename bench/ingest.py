"""Ingest benchmark: audits of 50 answers PUT over HTTP vs plain sqlite3 (README, Speed).

Starts a real `shopscore serve` process on a temporary SQLite file, seeds a programme over
HTTP (a 50-item template, assignments), then PUTs audits and times them, in two ways:

- 4 phones sending at once (`--clients`), each over its own keep-alive connection and one
  request at a time: a server's rate, as in the evening when the field force syncs. This is
  the figure the goal (ratio >= 0.30) is about.
- 1 phone sending its audits one after another: each audit then waits for the whole round
  trip of the one before, so this is as much a measure of latency (two process wake-ups and
  an fsync per audit, on a VM) as of the server's work. Printed for information.

The baseline inserts exactly the rows the server stored into the same schema (a copy of the
database taken before the run) with plain `sqlite3`, WAL, `synchronous=FULL` and one
transaction per audit. After 20 untimed audits (which fill the server's caches), server and
floor alternate in rounds (default 6 rounds of 100 audits
per way of sending: the server stores a round, then the floor inserts that round's rows),
and the ratio printed is the median of the rounds'. Then every audit is resent the same way:
each must be 200, at least as fast as the first writes, 0 new rows. The baseline does no
HTTP, JSON, validation or scoring, only the inserts and their fsync.

The clients are kept lean so that the figure is the server's: requests are encoded before
the clock starts (a phone's outbox holds its audits encoded) and written to raw sockets, and
each response is read up to its Content-Length (`KeepAliveClient`). httpx spends ~1.5 ms of
client CPU per PUT of this size and `http.client` ~0.2 ms; on a 2-core machine the clients'
time is counted against the server.
The server logs at WARNING, so without an access-log line per request (~20 us at INFO).

    .venv/bin/python bench/ingest.py [--audits 600] [--rounds 6] [--clients 4] [--workers 1]

`--workers 2` serves with two processes (as the load test does); on this 2-core machine they
share the cores with the phones and the floor.

`LiveServer` and `seed_programme` are also used by the kill -9 test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
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
WARM_UP = 20  # audits sent before the clock starts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    """A `shopscore serve` subprocess on an SQLite file in `root`."""

    def __init__(self, root: Path, workers: int = 1) -> None:
        self.root = root
        self.workers = workers
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
            [str(SHOPSCORE), "serve", "--port", str(self.port), "--workers", str(self.workers)],
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


class KeepAliveClient:
    """The thinnest HTTP/1.1 client: one socket, requests built as bytes before the clock
    starts, responses read up to their Content-Length (the server always sends one)."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    @staticmethod
    def request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def send(self, request: bytes) -> int:
        """Send one request and read its whole response; the status code."""
        self.socket.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, _blank, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _colon, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(self.buffer) < length:
            self._receive()
        self.buffer = self.buffer[length:]
        return status

    def _receive(self) -> None:
        chunk = self.socket.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.socket.close()


def put_all(
    server: LiveServer,
    headers: dict[str, str],
    audits: list[tuple[str, dict[str, Any]]],
    clients: int = 1,
) -> tuple[float, list[int]]:
    """PUT every audit over `clients` keep-alive connections, each sending one request at a
    time (a thread each; they wait on their sockets, not on the GIL): the seconds and the
    statuses, in the order of `audits`."""
    request_headers = {**headers, "Content-Type": "application/json"}
    requests = [
        KeepAliveClient.request(
            "PUT", f"/api/v1/audits/{audit_uuid}", request_headers, json.dumps(body).encode()
        )
        for audit_uuid, body in audits
    ]
    return send_all(server, requests, clients)


def send_all(server: LiveServer, requests: list[bytes], clients: int) -> tuple[float, list[int]]:
    statuses = [0] * len(requests)
    connections = [KeepAliveClient(server.port) for _ in range(clients)]

    def send_share(connection: KeepAliveClient, first: int) -> None:
        for index in range(first, len(requests), clients):
            statuses[index] = connection.send(requests[index])

    threads = [
        threading.Thread(target=send_share, args=(connection, first))
        for first, connection in enumerate(connections)
    ]
    try:
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        for connection in connections:
            connection.close()
    return elapsed, statuses


def requests_per_second(server: LiveServer, headers: dict[str, str], path: str, n: int) -> float:
    """The rate of a cheap authenticated GET over one connection: the floor every request
    pays (HTTP, routing, authentication)."""
    elapsed, statuses = send_all(server, [KeepAliveClient.request("GET", path, headers)] * n, 1)
    assert statuses == [200] * n, sorted(set(statuses))
    return n / elapsed


def count(path: Path, table: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        connection.close()


TABLES = ("audit", "audit_revision", "audit_answer", "audit_log")


class PlainSqlite:
    """The floor: the rows the server stored for some audits, inserted with plain `sqlite3`
    into a copy of the database taken before the run, one transaction per audit, the same
    PRAGMAs. Rows are read (untimed) from the server's database while it runs."""

    def __init__(self, stored: Path, empty_copy: Path) -> None:
        self.source = sqlite3.connect(stored)
        self.columns = {
            table: [row[1] for row in self.source.execute(f"PRAGMA table_info({table})")][1:]
            for table in ("audit", "audit_revision", "audit_answer")
        }
        self.target = sqlite3.connect(empty_copy, isolation_level=None)
        for pragma in ("PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON",
                       "PRAGMA synchronous = FULL", "PRAGMA busy_timeout = 15000"):  # fmt: skip
            self.target.execute(pragma)

    def _rows_of(self, audit_uuid: str) -> tuple[tuple[Any, ...], dict[str, list[Any]], Any]:
        audit = self.source.execute("SELECT * FROM audit WHERE uuid = ?", (audit_uuid,)).fetchone()
        children = {}
        for table in ("audit_revision", "audit_answer"):
            names = ", ".join(self.columns[table])
            children[table] = self.source.execute(
                f"SELECT {names} FROM {table} WHERE audit = ? ORDER BY id", (audit[0],)
            ).fetchall()
        log = self.source.execute(
            "SELECT at, actor, action, entity, entity_id, before, after, reason, sequence, "
            "previous_hash, entry_hash FROM audit_log "
            "WHERE entity = 'audit' AND entity_id = ? ORDER BY id",
            (audit_uuid,),
        ).fetchone()
        return audit, children, log

    def insert(self, audit_uuids: list[str]) -> float:
        """Seconds to insert the stored rows of `audit_uuids`, one transaction per audit."""
        rows = [self._rows_of(audit_uuid) for audit_uuid in audit_uuids]
        audit_columns = self.columns["audit"]
        insert_audit = (
            f"INSERT INTO audit ({', '.join(audit_columns)}) "
            f"VALUES ({', '.join('?' * len(audit_columns))}) RETURNING id"
        )
        inserts = {
            table: f"INSERT INTO {table} ({', '.join(self.columns[table])}) "
            f"VALUES ({', '.join('?' * len(self.columns[table]))})"
            for table in ("audit_revision", "audit_answer")
        }
        target = self.target
        started = time.perf_counter()
        for audit, children, log in rows:
            target.execute("BEGIN IMMEDIATE")
            audit_id = target.execute(insert_audit, audit[1:]).fetchone()[0]
            for table, child_rows in children.items():
                target.executemany(inserts[table], [(audit_id, *row[1:]) for row in child_rows])
            target.execute("UPDATE assignment SET status = 'submitted' WHERE id = ?", (audit[2],))
            target.execute(
                "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after, "
                "reason, sequence, previous_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?)",
                log,
            )
            target.execute("COMMIT")
        return time.perf_counter() - started

    def close(self) -> None:
        self.source.close()
        self.target.close()


@dataclasses.dataclass
class Mode:
    """One way of sending: `clients` connections at once; its timings, round by round."""

    name: str
    clients: int
    audits: list[tuple[str, dict[str, Any]]] = dataclasses.field(default_factory=list)
    ratios: list[float] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    floor_seconds: float = 0.0
    resend_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.audits) / self.seconds

    @property
    def resend_rate(self) -> float:
        return len(self.audits) / self.resend_seconds

    def report(self) -> None:
        floor_rate = len(self.audits) / self.floor_seconds
        print(f"{self.name}:")
        print(f"  HTTP PUT (first writes):  {self.rate:8.1f} audits/s")
        print(f"  plain sqlite3 (same rows): {floor_rate:8.1f} audits/s")
        print("  ratio per round:           " + ", ".join(f"{r:.3f}" for r in self.ratios))
        print(f"  ratio HTTP / sqlite3:      {statistics.median(self.ratios):8.3f}  (median)")
        print(f"  ratio of the totals:       {self.floor_seconds / self.seconds:8.3f}")
        print(f"  HTTP PUT (resend, 200):   {self.resend_rate:8.1f} audits/s "
              f"({self.resend_rate / self.rate:.2f}x first writes; goal >= 1.0)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=600, help="per way of sending")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--clients", type=int, default=4, help="phones sending at once")
    parser.add_argument("--workers", type=int, default=1, help="server processes (uvicorn's)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="shopscore-bench-ingest-"))
    server = LiveServer(root, args.workers)
    together = Mode(f"{args.clients} phones sending at once (the goal)", args.clients)
    alone = Mode("1 phone sending its audits one after another", 1)
    modes = (together, alone)
    try:
        headers, assignments = seed_programme(server, args.audits * len(modes) + WARM_UP)
        server.stop()
        shutil.copyfile(server.database, root / "baseline.db")
        server.start()
        audits = [(str(uuid.uuid4()), audit_of(a, ITEMS, n)) for n, a in enumerate(assignments)]
        # Untimed: the server's first requests fill its caches.
        warm_up, audits = audits[:WARM_UP], audits[WARM_UP:]
        _seconds, statuses = put_all(server, headers, warm_up, args.clients)
        assert statuses == [201] * WARM_UP, sorted(set(statuses))
        plain = PlainSqlite(server.database, root / "baseline.db")
        size = -(-args.audits // args.rounds)
        # Rounds alternate between the server and the floor, so that both meet the same
        # machine: on a shared VM the speed of either drifts by tens of percent in seconds.
        for start in range(0, len(audits), size * len(modes)):
            for offset, mode in enumerate(modes):
                first = start + offset * size
                batch = audits[first : first + size]
                if not batch:
                    continue
                mode.audits += batch
                seconds, statuses = put_all(server, headers, batch, mode.clients)
                assert statuses == [201] * len(batch), sorted(set(statuses))
                floor_seconds = plain.insert([audit_uuid for audit_uuid, _body in batch])
                mode.ratios.append(floor_seconds / seconds)
                mode.seconds += seconds
                mode.floor_seconds += floor_seconds
        plain.close()
        rows_before = {table: count(server.database, table) for table in TABLES}
        for mode in modes:
            mode.resend_seconds, statuses = put_all(server, headers, mode.audits, mode.clients)
            assert statuses == [200] * len(mode.audits), sorted(set(statuses))
        rows_after = {table: count(server.database, table) for table in TABLES}
        auth_only = requests_per_second(server, headers, "/api/v1/me", args.audits)
    finally:
        server.stop()
    new_rows = sum(rows_after[t] - rows_before[t] for t in TABLES)
    print(f"audits of {ITEMS} answers: {args.audits} per way of sending, in {args.rounds} rounds")
    print("clients: raw keep-alive HTTP/1.1 sockets, requests encoded in advance, each sending")
    print("one request at a time; 1 uvicorn worker")
    print("PRAGMAs on both sides: WAL, synchronous=FULL, foreign_keys=ON, busy_timeout")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the end: {load} on {os.cpu_count()} CPUs (other work skews ratios)")
    for mode in modes:
        mode.report()
    print(f"goal: ratio >= 0.30 with {together.clients} phones at once: "
          f"{statistics.median(together.ratios):.3f}")  # fmt: skip
    print(f"new rows on resend:        {new_rows}  (goal 0)")
    print(f"GET /api/v1/me (auth only): {auth_only:7.1f} requests/s over 1 connection")
    shutil.rmtree(root, ignore_errors=True)
    ok = new_rows == 0 and all(mode.resend_rate >= mode.rate for mode in modes)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
