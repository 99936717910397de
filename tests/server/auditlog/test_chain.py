"""The audit log's hash chain (docs/contract.md#audit-log) on SQLite and PostgreSQL.

Changes made through the API leave a chain `shopscore verify-log` accepts; every kind of hand
edit a person with psql or sqlite3 could make (an `after` or `reason` changed, an entry
deleted, a forged entry inserted, two entries swapped, the newest entries cut off) is reported
at the right entry with what is wrong, and exits 1. Concurrent writers link one after another;
older logs are chained by the migration; a chain written on one engine verifies on the other.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import transport as litestar_transport
from piccolo.apps.migrations.commands.forwards import run_forwards

from server.auditlog import chain
from server.auditlog.service import record, verify_log
from server.core.database import Database, migrate
from server.core.settings import Settings
from tests.server.api import Api, build_world
from tests.server.audits.helpers import audit_body, new_uuid, put_audit
from tests.server.postgres import PostgresServer
from tests.server.test_backup import run_cli
from tests.server.workflow.helpers import sql

# The last core migration before the chain: a log written by an older version.
BEFORE_THE_CHAIN = "2026-11-23T09:00:00:000000"
# Text that must come back byte for byte on both engines and through a PostgreSQL dump.
AWKWARD = 'tab\there, line\nbreak, back\\slash, quote " and Grüße, ×, 日本'


@dataclasses.dataclass
class Verified:
    status: int
    output: str


async def shopscore_verify_log(
    settings: Settings, capsys: pytest.CaptureFixture[str], *arguments: str
) -> Verified:
    capsys.readouterr()
    status = await asyncio.to_thread(run_cli, settings, ["verify-log", *arguments])
    captured = capsys.readouterr()
    return Verified(status, (captured.out + captured.err).strip())


async def log_rows(database_url: str) -> list[dict[str, Any]]:
    return await sql(database_url, "SELECT * FROM audit_log ORDER BY sequence")


async def verified(database_url: str) -> chain.Verification:
    """`verify_log` through a `Database` of the test's own (the app's belongs to its loop)."""
    database = Database(database_url)
    try:
        return await verify_log(database)
    finally:
        await database.close()


async def changes(api: Api, count: int) -> None:
    """`count` audit-log entries through the API: clients created, then renamed."""
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "Client 0"})
    for number in range(1, count):
        await api.ok(
            "PATCH", f"/api/v1/clients/{client['id']}", admin, {"name": f"Client {number}"}
        )


async def test_changes_through_the_api_leave_a_chain_that_verifies(
    api: Api, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    world = await build_world(api)
    admin, auditor = world.headers["admin"], world.headers["auditor"]
    submitted = await put_audit(api, auditor, new_uuid(), audit_body(world.ids["assignment_own"]))
    assert 201 == submitted.status_code, submitted.text
    await api.ok("PATCH", f"/api/v1/outlets/{world.ids['outlet_own']}", admin, {"name": AWKWARD})
    await api.ok("DELETE", f"/api/v1/outlets/{world.ids['outlet_other_region']}", admin)

    rows = await sql(settings.database_url, "SELECT * FROM audit_log ORDER BY id")
    assert 25 <= len(rows)
    assert list(range(1, len(rows) + 1)) == [row["sequence"] for row in rows]
    assert [chain.GENESIS] + [row["entry_hash"] for row in rows[:-1]] == [
        row["previous_hash"] for row in rows
    ]
    verified = await shopscore_verify_log(settings, capsys)
    assert 0 == verified.status, verified.output
    head = f"{rows[-1]['sequence']}:{rows[-1]['entry_hash']}"
    assert f"audit log intact: {len(rows)} entries, head {head}" == verified.output
    # The head printed today is what a later check is held to.
    assert 0 == (await shopscore_verify_log(settings, capsys, "--head", head)).status


@dataclasses.dataclass(frozen=True)
class Tamper:
    name: str
    statements: tuple[str, ...]
    # The entry the report must start with, and the faults it must name (regular expressions;
    # `{id[n]}` is the id of the entry that had sequence n before the tampering).
    entry: str
    faults: tuple[str, ...]


FORGED = (
    "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after, reason, "
    "sequence, previous_hash, entry_hash) SELECT at, actor, 'delete', entity, entity_id, "
    "after, NULL, 'forged', 9, previous_hash, entry_hash FROM audit_log WHERE sequence = 8"
)
TAMPERS = (
    Tamper("after edited",
           ("UPDATE audit_log SET after = replace(after, 'Client 3', 'Client X') "
            "WHERE sequence = 5",),
           "entry 5 (id {id[5]})", ("hash mismatch",)),
    Tamper("reason edited", ("UPDATE audit_log SET reason = 'approved by me' WHERE sequence = 4",),
           "entry 4 (id {id[4]})", ("hash mismatch",)),
    Tamper("entry deleted", ("DELETE FROM audit_log WHERE sequence = 4",),
           "entry 5 (id {id[5]})",
           ("gap in sequence: entry 4 missing", r"broken link: .* entry 3 \(id {id[3]}\)")),
    # The forger copies the last entry's link and hash into a new entry at the end.
    Tamper("forged entry appended", (FORGED,), "entry 9 (id {new})", ("hash mismatch",)),
    # The forger makes room in the middle and gives the new entry a correct link and hash: the
    # entry after it no longer fits, and the report names the forged one as what precedes it.
    Tamper("forged entry inserted with a valid hash",
           ("UPDATE audit_log SET sequence = -sequence - 1 WHERE sequence >= 4",
            "UPDATE audit_log SET sequence = -sequence WHERE sequence < 0"),
           "entry 5 (id {id[4]})",
           ("hash mismatch", r"broken link: .* entry 4 \(id {new}\)")),
    Tamper("two entries swapped",
           ("UPDATE audit_log SET sequence = 100 WHERE sequence = 4",
            "UPDATE audit_log SET sequence = 4 WHERE sequence = 5",
            "UPDATE audit_log SET sequence = 5 WHERE sequence = 100"),
           "entry 4 (id {id[5]})", ("hash mismatch", r"broken link: .* entry 3 \(id {id[3]}\)")),
)  # fmt: skip


@pytest.mark.parametrize("tamper", TAMPERS, ids=[tamper.name for tamper in TAMPERS])
async def test_verify_log_names_the_entry_a_hand_edit_broke(
    api: Api,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tamper: Tamper,
) -> None:
    monkeypatch.setattr(chain, "CHUNK", 3)  # the chain is read across several chunks
    await changes(api, 7)  # with the admin's creation: entries 1..8
    url = settings.database_url
    ids = {row["sequence"]: row["id"] for row in await log_rows(url)}
    assert list(range(1, 9)) == sorted(ids)
    for statement in tamper.statements:
        await sql(url, statement)
    if tamper.name == "forged entry inserted with a valid hash":
        await forge_valid_entry(url, sequence=4)
    new = {row["id"] for row in await log_rows(url)} - set(ids.values())
    names = {"id": ids, "new": next(iter(new), None)}

    verified = await shopscore_verify_log(settings, capsys)
    assert 1 == verified.status
    entry = tamper.entry.format(**names)
    assert verified.output.startswith(f"audit log chain broken at {entry}: "), verified.output
    for fault in tamper.faults:
        assert re.search(fault.format(**names), verified.output), (fault, verified.output)


async def forge_valid_entry(database_url: str, sequence: int) -> None:
    """Insert an entry at `sequence` (left free) linked to the one before, with its true hash:
    what someone who knows the chain's rules would write."""
    [before] = await sql(database_url, "SELECT * FROM audit_log WHERE sequence = ?", sequence - 1)
    entry = {
        **before,
        "sequence": sequence,
        "reason": "forged",
        "previous_hash": before["entry_hash"],
    }
    entry.pop("id")
    entry["at"] = as_datetime(entry["at"])
    entry["entry_hash"] = chain.entry_hash(entry)
    names = ", ".join(entry)
    marks = ", ".join("?" * len(entry))
    await sql(database_url, f"INSERT INTO audit_log ({names}) VALUES ({marks})", *entry.values())


def as_datetime(value: Any) -> dt.datetime:
    """`at` as a test's own sqlite3 connection gives it (text) or asyncpg (a datetime)."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


async def test_entries_cut_off_the_end_are_found_against_an_earlier_head(
    api: Api, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await changes(api, 5)
    rows = await log_rows(settings.database_url)
    earlier = f"{rows[-1]['sequence']}:{rows[-1]['entry_hash']}"
    await sql(settings.database_url, "DELETE FROM audit_log WHERE sequence >= ?", len(rows) - 1)
    # What is left is a valid chain on its own: only the head kept elsewhere shows the cut.
    assert 0 == (await shopscore_verify_log(settings, capsys)).status
    verified = await shopscore_verify_log(settings, capsys, "--head", earlier)
    assert 1 == verified.status
    assert f"the log ends at entry {len(rows) - 2}, before the expected head {earlier}" in (
        verified.output
    )
    # A rewritten chain (every hash from an edit on recomputed) differs from the earlier head.
    await sql(settings.database_url, "DELETE FROM audit_log WHERE sequence >= 3")
    await forge_valid_entry(settings.database_url, sequence=3)
    middle = f"3:{rows[2]['entry_hash']}"
    verified = await shopscore_verify_log(settings, capsys, "--head", middle)
    assert 1 == verified.status
    assert "entry 3 (id " in verified.output
    assert "not the expected head" in verified.output


async def test_concurrent_changes_link_one_after_another(api: Api, settings: Settings) -> None:
    """20 changes at once must not link two entries to the same predecessor: all succeed and
    the chain verifies. The test client handles one request at a time per caller, so each
    request is sent from a thread of its own; the app serves them together on its loop (on
    PostgreSQL each in a transaction on a connection of its own)."""
    admin = await api.admin()
    before = len(await log_rows(settings.database_url))
    transport = litestar_transport.TestClientTransport(client=api.client)
    url = f"{api.client.base_url}/api/v1/clients"
    requests = [
        httpx.Request("POST", url, headers=admin, json={"name": f"C{n}"}) for n in range(20)
    ]
    loop = asyncio.get_running_loop()
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as threads:
        responses = await asyncio.gather(
            *[
                loop.run_in_executor(threads, transport.handle_request, request)
                for request in requests
            ]
        )
    assert [201] * 20 == [response.status_code for response in responses]
    rows = await log_rows(settings.database_url)
    assert before + 20 == len(rows)
    result = await verified(settings.database_url)
    assert result.intact, result.summary()
    assert (len(rows), rows[-1]["entry_hash"]) == (result.head.sequence, result.head.entry_hash)


async def test_the_migration_chains_an_older_log_in_id_order(empty_database_url: str) -> None:
    database = Database(empty_database_url)
    database.bind()
    ran = await run_forwards(app_name="shopscore", migration_id=BEFORE_THE_CHAIN)
    assert ran.success, ran.message
    older = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)
    # Written out of time order (ids are the order of writing), one time without microseconds.
    entries = [
        (older + dt.timedelta(hours=2, microseconds=1), "create", '{"name":"A"}', ""),
        (older, "update", '{"name":"B"}', AWKWARD),
        (older + dt.timedelta(hours=1), "delete", None, "closed"),
    ]
    async with database.transaction() as connection:
        for at, action, after, reason in entries:
            await connection.insert(
                "audit_log",
                {"at": at, "actor": None, "action": action, "entity": "client",
                 "entity_id": "1", "before": None, "after": after, "reason": reason},
            )  # fmt: skip
    await migrate(database)
    await database.start()
    try:
        rows = await sql(empty_database_url, "SELECT * FROM audit_log ORDER BY id")
        assert [1, 2, 3] == [row["sequence"] for row in rows]
        assert ["create", "update", "delete"] == [row["action"] for row in rows]
        result = await verify_log(database)
        assert (True, 3) == (result.intact, result.entries), result.summary()
        # New entries carry on from the chained ones.
        async with database.transaction():
            await record(None, "create", "client", 2, after={"name": "C"})
        result = await verify_log(database)
        assert (True, 4) == (result.intact, result.head.sequence), result.summary()
    finally:
        await database.close()


@pytest.fixture
def both_engines(
    tmp_path: Path, sqlite_template: Path, postgres_server: PostgresServer
) -> Iterator[tuple[str, str]]:
    """One migrated SQLite database and one migrated PostgreSQL database."""
    sqlite_path = tmp_path / "chain.db"
    sqlite_path.write_bytes(sqlite_template.read_bytes())
    name = f"chain_{os.getpid()}"
    postgres_server.sql(f"CREATE DATABASE {name} TEMPLATE shopscore_template")
    try:
        yield f"sqlite:///{sqlite_path}", postgres_server.url(name)
    finally:
        postgres_server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("direction", ["sqlite to postgres", "postgres to sqlite"])
async def test_a_chain_written_on_one_engine_verifies_on_the_other(
    both_engines: tuple[str, str], direction: str
) -> None:
    sqlite_url, postgres_url = both_engines
    source_url, target_url = (
        (sqlite_url, postgres_url)
        if direction == "sqlite to postgres"
        else (postgres_url, sqlite_url)
    )
    source = Database(source_url)
    # Times in other zones, without microseconds, naive (taken as UTC); awkward text and JSON.
    times = [
        dt.datetime(2026, 12, 6, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        dt.datetime(2026, 12, 6, 1, 2, 3, 456789, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 6, 1, 2, 3),
    ]
    for number, at in enumerate(times):
        async with source.transaction():
            await record(
                None, "update", "outlet", number, before={"name": AWKWARD, "n": None},
                after={"name": "x", "lat": 52.5}, reason=AWKWARD, at=at,
            )  # fmt: skip
    written = await verify_log(source)
    await source.close()
    assert (True, 3) == (written.intact, written.entries), written.summary()

    target = Database(target_url)
    try:
        async with target.transaction() as connection:
            for row in await log_rows(source_url):
                row["at"] = as_datetime(row["at"])
                await connection.insert("audit_log", row)
        copied = await verify_log(target)
    finally:
        await target.close()
    assert written == copied
