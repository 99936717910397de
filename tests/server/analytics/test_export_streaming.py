"""The raw-answers CSV export streams: every row once, in order, in memory that does not grow.

Seeds, with raw sqlite3 into the migrated schema (as bench/analytics.py builds its database),
four waves of released audits of 50 answers each, one wave holding more than two export
batches (`exports.BATCH` rows), so the whole export spans more than eight; every tenth audit
belongs to another client and must not appear. The export is driven through the ASGI app
directly (bench/export_memory.py's `asgi_request`) because the test clients collect the whole
body before returning it. The body is checked as it arrives and never kept.

Memory: with tracemalloc, the peak while exporting all four waves must stay below twice the
peak of exporting one wave (a quarter of the rows); an export that held its rows, or the body,
would need about four times as much.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import sqlite3
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

from bench.export_memory import asgi_request
from server.analytics import exports
from server.app import create_app
from server.auth.passwords import Passwords
from server.core.settings import Argon2Parameters, Settings

WAVES = 4
ANSWERS = 50
OTHER_CLIENT_EVERY = 10
# One wave of the streamed client is more than two batches: the export may hold the batch it
# is fetching beside the one it has just written, so one batch alone is not its steady state.
AUDITS_PER_WAVE = 2 * exports.BATCH // ANSWERS * OTHER_CLIENT_EVERY // (OTHER_CLIENT_EVERY - 1) + 20
EMAIL = "head-office@stream.test"
PASSWORD = "stream password 123"
EXPORT = "/api/v1/analytics/exports/answers?format=csv&separator=;"

AnswerKey = tuple[str, str]  # (audit uuid, item)


def seed(path: Path) -> dict[int, list[AnswerKey]]:
    """Two clients' released audits; returns client 1's answers per wave in insertion order."""
    stamp = "2026-03-02 10:00:00+00:00"
    hashed = Passwords(Argon2Parameters.cheap_for_tests()).hash(PASSWORD)
    expected: dict[int, list[AnswerKey]] = {wave: [] for wave in range(1, WAVES + 1)}
    audits: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    rollups: list[tuple[Any, ...]] = []
    for wave in range(1, WAVES + 1):
        for visit in range(AUDITS_PER_WAVE):
            audit_id = len(audits) + 1
            client = 2 if visit % OTHER_CLIENT_EVERY == 0 else 1
            audit_uuid = str(uuid.uuid4())
            percent = float(visit % 101)
            audits.append((audit_id, audit_uuid, audit_id, client, client, wave, percent, stamp))
            rollups.append((audit_uuid, client, client, client, wave, stamp, percent))
            for position in range(ANSWERS):
                item = f"item{position:02d}"
                answers.append((audit_id, item, position, "true" if position % 3 else "false"))
                if client == 1:
                    expected[wave].append((audit_uuid, item))
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO client (id, name) VALUES (?, ?)", [(1, "Streamed"), (2, "Other")]
        )
        connection.executemany(
            "INSERT INTO region (id, client, name) VALUES (?, ?, 'Region')", [(1, 1), (2, 2)]
        )
        connection.executemany(
            "INSERT INTO outlet (id, client, region, code, name) VALUES (?, ?, ?, ?, ?)",
            [(1, 1, 1, "S1", "Streamed outlet"), (2, 2, 2, "O2", "Other outlet")],
        )
        connection.executemany(
            "INSERT INTO wave (id, client, name, starts_on, ends_on) VALUES (?, 1, ?, ?, ?)",
            [
                (wave, f"Wave {wave}", dt.date(2026, wave, 1).isoformat(),
                 dt.date(2026, wave, 25).isoformat())
                for wave in range(1, WAVES + 1)
            ],
        )  # fmt: skip
        connection.execute(
            "INSERT INTO app_user (id, email, name, password_hash, role, client) "
            "VALUES (1, ?, 'Head office', ?, 'head_office', 1)",
            (EMAIL, hashed),
        )
        connection.execute(
            "INSERT INTO app_user (id, email, name, role) "
            "VALUES (2, 'a@stream.test', 'Auditor', 'auditor')"
        )
        connection.execute(
            "INSERT INTO checklist_template (id, key, version, channel, title, status, body) "
            "VALUES (1, 'stream', 1, 'in_store', 'Stream', 'published', '{}')"
        )
        connection.executemany(
            "INSERT INTO assignment (id, wave, outlet, auditor, template, channel, status) "
            "VALUES (?, ?, ?, 2, 1, 'in_store', 'done')",
            [(audit[0], audit[5], audit[4]) for audit in audits],
        )
        connection.executemany(
            "INSERT INTO audit (id, uuid, assignment, auditor, outlet, client, wave, template, "
            "template_key, template_version, channel, status, canonical, canonical_sha256, "
            "score_percent, started_at, released_at) VALUES (?, ?, ?, 2, ?, ?, ?, 1, 'stream', "
            "1, 'in_store', 'approved', '{}', '', ?, ?, ?)",
            [(*audit, stamp) for audit in audits],
        )
        connection.executemany(
            "INSERT INTO audit_answer (audit, item, position, value) VALUES (?, ?, ?, ?)",
            answers,
        )
        connection.executemany(
            "INSERT INTO score_rollup (audit_uuid, outlet, region, client, wave, template_key, "
            "template_version, channel, visited_at, released_at, percent, section_ratios) "
            "VALUES (?, ?, ?, ?, ?, 'stream', 1, 'in_store', ?, ?, ?, '{}')",
            [(*rollup[:6], stamp, rollup[6]) for rollup in rollups],
        )
    connection.close()
    return expected


class RowChecker:
    """Parses the CSV body chunk by chunk and compares each row's (audit, item) with the next
    expected one, keeping only a count, the unfinished last line and the first mismatches."""

    def __init__(self, expected: list[AnswerKey]) -> None:
        self.expected = expected
        self.rows = 0
        self.tail = b""
        self.columns: dict[str, int] | None = None
        self.mismatches: list[tuple[int, AnswerKey]] = []

    def feed(self, chunk: bytes) -> None:
        lines = (self.tail + chunk).split(b"\r\n")
        self.tail = lines.pop()
        for line in lines:
            fields = next(csv.reader([line.decode("utf-8-sig")], delimiter=";"))
            if self.columns is None:
                self.columns = {name: index for index, name in enumerate(fields)}
                continue
            key = (fields[self.columns["audit_uuid"]], fields[self.columns["item"]])
            in_place = self.rows < len(self.expected) and self.expected[self.rows] == key
            if not in_place and len(self.mismatches) < 5:
                self.mismatches.append((self.rows, key))
            self.rows += 1


async def export(app: Litestar, headers: dict[str, str], query: str, checker: RowChecker) -> None:
    status, _ = await asgi_request(app, "GET", EXPORT + query, headers, on_chunk=checker.feed)
    assert 200 == status
    assert b"" == checker.tail  # the body ends with a complete line
    assert [] == checker.mismatches
    assert len(checker.expected) == checker.rows


async def traced_peak(
    app: Litestar, headers: dict[str, str], query: str, expected: list[Any]
) -> int:
    checker = RowChecker(expected)
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    await export(app, headers, query, checker)
    return tracemalloc.get_traced_memory()[1] - before


@pytest.fixture
def seeded(sqlite_template: Path, tmp_path: Path) -> tuple[Settings, dict[int, list[AnswerKey]]]:
    path = tmp_path / "stream.db"
    shutil.copyfile(sqlite_template, path)
    expected = seed(path)
    settings = Settings(
        database_url=f"sqlite:///{path}",
        media_dir=tmp_path / "media",
        secret_key="stream-secret-key-" + "x" * 32,
        argon2=Argon2Parameters.cheap_for_tests(),
    )
    return settings, expected


async def test_answers_csv_streams_every_row_once_in_order_in_bounded_memory(
    seeded: tuple[Settings, dict[int, list[AnswerKey]]],
) -> None:
    settings, expected = seeded
    everything = [key for wave in sorted(expected) for key in expected[wave]]
    assert len(expected[1]) > 2 * exports.BATCH  # the seed really spans many batches
    app = create_app(settings)
    async with app.lifespan():
        credentials = json.dumps({"email": EMAIL, "password": PASSWORD}).encode()
        status, body = await asgi_request(
            app, "POST", "/api/v1/auth/login", {"content-type": "application/json"}, credentials
        )
        assert 200 == status, body
        headers = {"authorization": "Bearer " + json.loads(body)["token"]}
        # Untraced first run: first-use allocations (caches, compiled routes) are not streaming.
        await export(app, headers, "&wave=1", RowChecker(expected[1]))
        tracemalloc.start()
        try:
            one_wave = await traced_peak(app, headers, "&wave=1", expected[1])
            all_waves = await traced_peak(app, headers, "", everything)
        finally:
            tracemalloc.stop()
    assert all_waves < 2 * one_wave, (one_wave, all_waves)
