"""Failures of a real `shopscore serve` process and of the phone's connection.

- kill -9 of the server in the middle of a stream of PUTs, from one phone (each write whole
  on the event loop) and from four at once (group-committed by the writer process, which dies
  with the server): after a restart and a resend of
  everything, every audit that got 200/201 before the kill is stored exactly once (its resend
  is a 200 replay), nothing is half-written (each stored audit has all its answers and its
  revision row), and every other audit is then stored too.
- The phone's connection drops after it sent a whole photo or audit (the server finishes the
  request): the retry is a 200 replay. It drops in the middle of the body: nothing is stored
  and the retry is a 201.
"""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.ingest import ITEMS, LiveServer, audit_of, seed_programme
from tests.fixtures import PHOTOS

AUDITS = 18  # per kill
PHONES = (1, 4)
DROPS = 2
PHOTO = PHOTOS / "small_orientation_6.jpg"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Any, list[int]]]:
    server = LiveServer(tmp_path_factory.mktemp("live"))
    try:
        headers, assignments = seed_programme(server, AUDITS * len(PHONES) + DROPS)
        yield server, headers, assignments
    finally:
        server.stop()


def consistency(database: Path) -> dict[str, tuple[int, int, int]]:
    """uuid -> (audit rows, answer rows, revision rows) for every stored audit."""
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT a.uuid, count(DISTINCT a.id), "
            "(SELECT count(*) FROM audit_answer x WHERE x.audit = a.id), "
            "(SELECT count(*) FROM audit_revision r WHERE r.audit = a.id) "
            "FROM audit a GROUP BY a.uuid"
        ).fetchall()
    finally:
        connection.close()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


@pytest.mark.parametrize("phones", PHONES)
def test_kill_9_mid_stream_loses_nothing_acknowledged(
    live: tuple[LiveServer, Any, list[int]], phones: int
) -> None:
    server, headers, assignments = live
    mine = assignments[PHONES.index(phones) * AUDITS :][:AUDITS]
    audits = [(str(uuid.uuid4()), audit_of(a, ITEMS, n)) for n, a in enumerate(mine)]
    acknowledged: list[str] = []
    enough = threading.Event()

    def stream(share: list[tuple[str, dict[str, Any]]]) -> None:
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
            for audit_uuid, body in share:
                try:
                    response = client.put(f"/api/v1/audits/{audit_uuid}", json=body)
                except httpx.TransportError:
                    return
                if response.status_code in (200, 201):
                    acknowledged.append(audit_uuid)
                if len(acknowledged) >= AUDITS // 3:
                    enough.set()

    senders = [
        threading.Thread(target=stream, args=(audits[phone::phones],)) for phone in range(phones)
    ]
    for sender in senders:
        sender.start()
    assert enough.wait(60), "the server acknowledged too few audits"
    server.kill()
    for sender in senders:
        sender.join(30)

    after_crash = consistency(server.database)
    assert AUDITS > len(acknowledged)
    assert set(acknowledged) <= set(after_crash)
    assert {(1, ITEMS, 1)} == set(after_crash.values())

    server.start()
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        statuses = {
            audit_uuid: client.put(f"/api/v1/audits/{audit_uuid}", json=body).status_code
            for audit_uuid, body in audits
        }
    assert {200} == {statuses[audit_uuid] for audit_uuid in acknowledged}
    assert {200, 201} >= set(statuses.values())
    final = consistency(server.database)
    assert {audit_uuid for audit_uuid, _body in audits} <= set(final)
    assert {(1, ITEMS, 1)} == set(final.values())


def send_and_drop(
    server: LiveServer,
    path: str,
    headers: dict[str, str],
    body: bytes,
    send: int | None = None,
    stored_as: tuple[str, str] | None = None,
) -> None:
    """Send a PUT (all of the body, or only its first `send` bytes) and hang up unanswered:
    at once, or once the row (table, uuid) `stored_as` exists (the answer is lost)."""
    head = [f"PUT {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
            f"Content-Length: {len(body)}", "Connection: close"]  # fmt: skip
    head += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[:send])
        if stored_as is not None:
            assert wait_for_row(server.database, *stored_as)


def wait_for_row(database: Path, table: str, row_uuid: str) -> bool:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        connection = sqlite3.connect(database)
        try:
            found = connection.execute(
                f"SELECT count(*) FROM {table} WHERE uuid = ?", (row_uuid,)
            ).fetchone()[0]
        finally:
            connection.close()
        if found:
            return True
        time.sleep(0.05)
    return False


def test_retry_after_a_dropped_connection_is_safe(
    live: tuple[LiveServer, Any, list[int]],
) -> None:
    server, headers, assignments = live
    photo = PHOTO.read_bytes()
    photo_headers = {**headers, "Content-Type": "image/jpeg",
                     "X-Content-SHA256": hashlib.sha256(photo).hexdigest()}  # fmt: skip
    json_headers = {**headers, "Content-Type": "application/json"}
    photo_uuid, audit_uuid, partial_uuid, hasty_uuid = (str(uuid.uuid4()) for _ in range(4))
    body = audit_of(assignments[-2], ITEMS, 1)
    body["answers"][0]["photos"] = [photo_uuid]
    audit_bytes = json.dumps(body).encode()
    partial = json.dumps(audit_of(assignments[-1], ITEMS, 2)).encode()

    # The answer is lost after the server stored the request: the retry is a replay.
    send_and_drop(server, f"/api/v1/photos/{photo_uuid}", photo_headers, photo,
                  stored_as=("photo", photo_uuid))  # fmt: skip
    send_and_drop(server, f"/api/v1/audits/{audit_uuid}", json_headers, audit_bytes,
                  stored_as=("audit", audit_uuid))  # fmt: skip
    # The connection drops in the middle of the body: nothing may be stored.
    send_and_drop(server, f"/api/v1/audits/{partial_uuid}", json_headers, partial, send=100)
    # It drops right after the body: the server may or may not have read it (ASGI servers
    # drop a body the app has not read yet); either way the retry stores it exactly once.
    send_and_drop(server, f"/api/v1/photos/{hasty_uuid}", photo_headers, photo)

    with httpx.Client(base_url=server.url, timeout=10) as client:
        photo_retry = client.put(f"/api/v1/photos/{photo_uuid}", headers=photo_headers,
                                 content=photo)  # fmt: skip
        audit_retry = client.put(f"/api/v1/audits/{audit_uuid}", headers=json_headers,
                                 content=audit_bytes)  # fmt: skip
        partial_retry = client.put(f"/api/v1/audits/{partial_uuid}", headers=json_headers,
                                   content=partial)  # fmt: skip
        hasty_retry = client.put(f"/api/v1/photos/{hasty_uuid}", headers=photo_headers,
                                 content=photo)  # fmt: skip
    assert 200 == photo_retry.status_code
    assert (200, []) == (audit_retry.status_code, audit_retry.json()["missing_photos"])
    assert 201 == partial_retry.status_code
    assert hasty_retry.status_code in (200, 201)
    stored = consistency(server.database)
    assert (1, ITEMS, 1) == stored[audit_uuid]
    assert (1, ITEMS, 1) == stored[partial_uuid]
    assert wait_for_row(server.database, "photo", hasty_uuid)
