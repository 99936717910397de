"""`shopscore backup` / `shopscore restore` round trips on SQLite and PostgreSQL.

Data goes in through the HTTP API (audits with photos); backup and restore run through the
CLI's `main` in a worker thread, as an operator would run them beside a live server. A quiet
round trip must give back every row of every table and every media file byte for byte; a
backup taken while PUTs keep arriving must be a consistent snapshot (complete audits, every
photo's files present with the right hash, row counts as the manifest says). The audit log's
hash chain survives the round trip, and an archive whose log was changed (its database's
SHA-256 brought up to date) or whose manifest names another head is refused before anything
is touched.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import io
import itertools
import json
import logging
import os
import re
import sqlite3
import struct
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from piccolo.apps.migrations.commands.forwards import run_forwards

from server.app import create_app
from server.cli import main
from server.core.database import Database
from server.core.settings import Settings
from tests.fixtures import PHOTOS
from tests.server.api import Api, World, build_world
from tests.server.audits.helpers import audit_body, new_uuid, put_audit, put_photo
from tests.server.postgres import PostgresServer

PHOTO_FILES = ("small_orientation_6.jpg", "cmyk.jpg", "flower.webp")
_photo_numbers = itertools.count()
_edit_numbers = itertools.count()


def distinct_photo() -> bytes:
    """A real phone JPEG made unique by a comment segment (photos are stored by SHA-256)."""
    data = (PHOTOS / "small_orientation_6.jpg").read_bytes()
    comment = f"visit {next(_photo_numbers)}".encode()
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + data[2:]


async def table_rows(database_url: str) -> dict[str, list[str]]:
    """Every row of every table, as sorted text (comparable across two databases)."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            names = [row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'")]  # fmt: skip
            return {name: sorted(repr(row) for row in connection.execute(
                f'SELECT * FROM "{name}"')) for name in names}  # fmt: skip
        finally:
            connection.close()
    pg = await asyncpg.connect(database_url)
    try:
        names = [row[0] for row in await pg.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]  # fmt: skip
        return {name: sorted(repr(tuple(row)) for row in await pg.fetch(
            f'SELECT * FROM "{name}"')) for name in names}  # fmt: skip
    finally:
        await pg.close()


def media_hashes(media_dir: Path) -> dict[str, str]:
    return {
        path.relative_to(media_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in media_dir.rglob("*")
        if path.is_file()
    }


def run_cli(settings: Settings, arguments: list[str]) -> int:
    """`shopscore ...` against `settings`, configured through the environment as an operator
    does."""
    environment = {
        "DATABASE_URL": settings.database_url,
        "MEDIA_DIR": str(settings.media_dir),
        "SECRET_KEY": settings.secret_key,
    }
    return main(arguments, environment)


async def shopscore(settings: Settings, *arguments: str) -> int:
    return await asyncio.to_thread(run_cli, settings, list(arguments))


async def submit_visit(api: Api, auditor: dict[str, str], assignment: int, data: bytes) -> str:
    """One photo and the audit that uses it, as the phone sends them."""
    photo_uuid = new_uuid()
    assert 201 == (await put_photo(api, auditor, photo_uuid, data)).status_code
    audit_uuid = new_uuid()
    body = audit_body(assignment, photos=[photo_uuid])
    response = await put_audit(api, auditor, audit_uuid, body)
    assert 201 == response.status_code, response.text
    return audit_uuid


async def visits_to_make(api: Api, world: World, auditors: int) -> list[tuple[dict[str, str], int]]:
    """(auditor headers, assignment) for `auditors` new auditors at each outlet of client a:
    an auditor visits an outlet once per wave."""
    admin, ids = world.headers["admin"], world.ids
    planned = []
    for number in range(auditors):
        email = f"shopper{number}@example.test"
        auditor_id = await api.create_user(admin, email, "auditor")
        headers = await api.login(email)
        for outlet in ("outlet_own", "outlet_other_outlet", "outlet_other_region"):
            assignment = await api.ok(
                "POST",
                "/api/v1/assignments",
                admin,
                {"wave_id": ids["wave_a"], "outlet_id": ids[outlet], "auditor_id": auditor_id,
                 "channel": "in_store"},
            )  # fmt: skip
            planned.append((headers, assignment["id"]))
    return planned


def restored_settings(settings: Settings, database_url: str, root: Path) -> Settings:
    return Settings(
        database_url=database_url, media_dir=root / "restored-media", secret_key="x" * 48
    )


def tampered(archive: Path, target: Path) -> Path:
    """A copy of the archive with one byte of one media file changed."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        changed = False
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("media/") and not changed:
                data = bytes([data[0] ^ 1]) + data[1:]
                changed = True
            copy.addfile(member, io.BytesIO(data))
    return target


async def test_round_trip_gives_back_every_row_and_photo(
    api: Api,
    settings: Settings,
    empty_database_url: str,
    tmp_path: Path,
) -> None:
    world = await build_world(api)
    photo_uuids = []
    for assignment_key, photo in zip(
        ("assignment_own", "assignment_other"), PHOTO_FILES, strict=False
    ):
        headers = world.headers[
            "auditor" if assignment_key == "assignment_own" else "other_auditor"
        ]
        photo_uuid = new_uuid()
        photo_uuids.append(photo_uuid)
        data = (PHOTOS / photo).read_bytes()
        assert 201 == (await put_photo(api, headers, photo_uuid, data)).status_code
        body = audit_body(world.ids[assignment_key], photos=[photo_uuid])
        assert 201 == (await put_audit(api, headers, new_uuid(), body)).status_code
    archive = tmp_path / "shopscore.tar"
    assert 0 == await shopscore(settings, "backup", str(archive))
    target = restored_settings(settings, empty_database_url, tmp_path)
    assert 0 == await shopscore(target, "restore", str(archive))

    source_rows = await table_rows(settings.database_url)
    assert 6 <= len(media_hashes(settings.media_dir))
    assert source_rows == await table_rows(target.database_url)
    assert media_hashes(settings.media_dir) == media_hashes(target.media_dir)
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert {name: len(rows) for name, rows in source_rows.items()} == manifest["tables"]
    assert media_hashes(settings.media_dir) == manifest["media"]

    # A non-empty target is refused without --force and left as it was; --force replaces it.
    assert 1 == await shopscore(target, "restore", str(archive))
    assert 0 == await shopscore(target, "restore", "--force", str(archive))
    assert source_rows == await table_rows(target.database_url)
    # A damaged archive is refused before anything is touched.
    damaged = tampered(archive, tmp_path / "damaged.tar")
    assert 1 == await shopscore(target, "restore", "--force", str(damaged))
    assert source_rows == await table_rows(target.database_url)
    assert media_hashes(settings.media_dir) == media_hashes(target.media_dir)
    first_photo = photo_uuids[0]
    # The restored copy serves: same logins, same photos, and new rows get fresh ids.
    app = create_app(dataclasses.replace(settings, database_url=target.database_url,
                                         media_dir=target.media_dir))  # fmt: skip
    async with AsyncTestClient(app=app) as client:
        restored = Api(client, app)
        admin = await restored.admin()
        created = await restored.ok("POST", "/api/v1/clients", admin, {"name": "After restore"})
        assert created["id"] > max(world.ids["client_a"], world.ids["client_b"])
        image = await client.get(f"/api/v1/photos/{first_photo}/display", headers=admin)
        assert 200 == image.status_code


async def test_backup_while_audits_arrive_is_a_consistent_snapshot(
    api: Api,
    settings: Settings,
    empty_database_url: str,
    tmp_path: Path,
) -> None:
    world = await build_world(api)
    planned = await visits_to_make(api, world, 8)
    sent: list[str] = []
    for auditor, assignment in planned[:4]:
        sent.append(await submit_visit(api, auditor, assignment, distinct_photo()))
    archive = tmp_path / "live.tar"
    # The test client runs each request to completion on this loop, so the backup runs on
    # a thread of its own (as `shopscore backup` would beside the server) while visits go on.
    backup = asyncio.get_running_loop().run_in_executor(
        None, run_cli, settings, ["backup", str(archive)]
    )
    during = 0
    for auditor, assignment in planned[4:]:
        sent.append(await submit_visit(api, auditor, assignment, distinct_photo()))
        during += 0 if backup.done() else 1
    assert 0 == await backup
    assert 1 <= during  # PUTs went on while the backup ran

    target = restored_settings(settings, empty_database_url, tmp_path)
    assert 0 == await shopscore(target, "restore", str(archive))
    restored = await table_rows(target.database_url)
    audits = await _rows(target.database_url, "SELECT uuid FROM audit")
    answers = await _rows(
        target.database_url, "SELECT audit, count(*) FROM audit_answer GROUP BY audit"
    )
    print(f"backup under load: {during} audits PUT while it ran, {len(audits)} in the snapshot")
    assert 4 <= len(audits) <= 24
    assert {str(row[0]) for row in audits} <= set(sent)
    assert [2] * len(audits) == [row[1] for row in answers]
    photos = await _rows(
        target.database_url, "SELECT sha256, original_key, display_key, thumbnail_key FROM photo"
    )
    stored = media_hashes(target.media_dir)
    assert len(photos) >= len(audits)
    for sha256, *keys in photos:
        assert set(keys) <= set(stored)
        assert sha256 == stored[keys[0]]
    assert len(restored["audit"]) == len(audits)


async def _rows(database_url: str, statement: str) -> list[tuple[Any, ...]]:
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            return connection.execute(statement).fetchall()
        finally:
            connection.close()
    pg = await asyncpg.connect(database_url)
    try:
        return [tuple(row) for row in await pg.fetch(statement)]
    finally:
        await pg.close()


# --- the audit log's hash chain (docs/contract.md#audit-log) -------------------------------


def archived_manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        manifest: dict[str, Any] = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    return manifest


def rewritten(
    archive: Path,
    target: Path,
    change_database: Callable[[Path], None] | None = None,
    change_manifest: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """A copy of the archive whose database (and manifest) someone changed, with the database's
    SHA-256 in the manifest brought up to date: only the audit log's chain can tell."""
    manifest = archived_manifest(archive)
    member = manifest["database"]["member"]
    database = target.with_suffix(".database")
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        database.write_bytes(source.extractfile(member).read())  # type: ignore[union-attr]
        if change_database is not None:
            change_database(database)
        manifest["database"]["sha256"] = hashlib.sha256(database.read_bytes()).hexdigest()
        if change_manifest is not None:
            change_manifest(manifest)
        for info in source.getmembers():
            if info.name == member:
                data = database.read_bytes()
            elif info.name == "manifest.json":
                data = json.dumps(manifest).encode()
            else:
                data = source.extractfile(info).read()  # type: ignore[union-attr]
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    return target


def database_editor(
    engine: str, request: pytest.FixtureRequest
) -> Callable[[str], Callable[[Path], None]]:
    """`edit(statement)`: a change of the archived database file by one SQL statement, as a
    person with sqlite3, or with pg_restore, psql and pg_dump, would make it."""
    if engine == "sqlite":

        def edit_sqlite(statement: str) -> Callable[[Path], None]:
            def change(path: Path) -> None:
                connection = sqlite3.connect(path)
                try:
                    connection.execute(statement)
                    connection.commit()
                finally:
                    connection.close()

            return change

        return edit_sqlite
    server: PostgresServer = request.getfixturevalue("postgres_server")

    def edit_postgres(statement: str) -> Callable[[Path], None]:
        def change(dump: Path) -> None:
            name = f"edit_{os.getpid()}_{next(_edit_numbers)}"
            server.sql(f"CREATE DATABASE {name}")
            url = server.url(name)
            tool = server.bin_dir
            try:
                for command in (
                    [tool / "pg_restore", "--no-owner", f"--dbname={url}", dump],
                    [tool / "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url,
                     "-c", statement],
                    [tool / "pg_dump", "--format=custom", "--no-owner", f"--file={dump}", url],
                ):  # fmt: skip
                    subprocess.run([str(part) for part in command], check=True, capture_output=True)
            finally:
                server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

        return change

    return edit_postgres


async def shopscore_output(
    settings: Settings, capsys: pytest.CaptureFixture[str], *arguments: str
) -> tuple[int, str]:
    capsys.readouterr()
    status = await shopscore(settings, *arguments)
    captured = capsys.readouterr()
    return status, (captured.out + captured.err).strip()


async def test_restore_keeps_the_audit_log_chain_and_refuses_a_changed_one(
    api: Api,
    settings: Settings,
    empty_database_url: str,
    tmp_path: Path,
    engine: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world = await build_world(api)
    auditor, assignment = (await visits_to_make(api, world, 1))[0]
    await submit_visit(api, auditor, assignment, distinct_photo())
    # Text a dump must give back byte for byte: tabs, newlines, backslashes, quotes, non-ASCII.
    awkward = 'tab\there, line\nbreak, back\\slash, quote " and Grüße, 日本'
    await api.ok("PATCH", f"/api/v1/clients/{world.ids['client_a']}", world.headers["admin"],
                 {"name": awkward})  # fmt: skip
    entries = await _rows(settings.database_url, "SELECT sequence, entry_hash FROM audit_log "
                                                 "ORDER BY sequence")  # fmt: skip
    head = {"sequence": entries[-1][0], "entry_hash": entries[-1][1]}
    archive = tmp_path / "shopscore.tar"
    assert 0 == await shopscore(settings, "backup", str(archive))
    assert {"entries": len(entries), **head, "problem": None} == archived_manifest(archive)[
        "audit_log"
    ]
    target = restored_settings(settings, empty_database_url, tmp_path)
    assert 0 == await shopscore(target, "restore", str(archive))
    status, output = await shopscore_output(target, capsys, "verify-log")
    assert (0, f"audit log intact: {len(entries)} entries, head {head['sequence']}:"
               f"{head['entry_hash']}") == (status, output)  # fmt: skip
    restored = await table_rows(target.database_url)
    restored_media = media_hashes(target.media_dir)

    edit = database_editor(engine, request)
    middle = len(entries) // 2
    refusals = {
        "reason edited": (
            rewritten(archive, tmp_path / "edited.tar", edit(
                f"UPDATE audit_log SET reason = 'nothing to see' WHERE sequence = {middle}")),
            rf"the archived audit log does not verify: entry {middle} \(id \d+\): hash mismatch",
        ),
        "newest entry deleted": (
            rewritten(archive, tmp_path / "cut.tar", edit(
                f"DELETE FROM audit_log WHERE sequence = {len(entries)}")),
            rf"the archived audit log ends at entry {len(entries) - 1}:[0-9a-f]{{64}} .*"
            rf"the manifest says {len(entries)}:{head['entry_hash']}",
        ),
        "manifest's head changed": (
            rewritten(archive, tmp_path / "manifest.tar", change_manifest=lambda manifest:
                      manifest["audit_log"].update(entry_hash="0" * 64)),
            rf"the manifest says {len(entries)}:{'0' * 64}",
        ),
    }  # fmt: skip
    for name, (changed, message) in refusals.items():
        status, output = await shopscore_output(target, capsys, "restore", "--force", str(changed))
        assert 1 == status, name
        assert re.search(message, output), (name, output)
        # Refused before anything was touched, --force notwithstanding.
        assert restored == await table_rows(target.database_url), name
        assert restored_media == media_hashes(target.media_dir), name


async def test_a_log_broken_before_the_backup_is_kept_as_it_was(
    api: Api,
    settings: Settings,
    empty_database_url: str,
    tmp_path: Path,
    engine: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The data stays recoverable: the archive records the break, the restore accepts exactly
    that break, and the restored log still shows it; a further change is refused."""
    admin = await api.admin()
    for number in range(4):
        await api.ok("POST", "/api/v1/clients", admin, {"name": f"Client {number}"})
    await _execute(
        settings.database_url, "UPDATE audit_log SET reason = 'edited' WHERE sequence = 3"
    )
    status, broken = await shopscore_output(settings, capsys, "verify-log")
    assert 1 == status
    archive = tmp_path / "broken.tar"
    with caplog.at_level(logging.WARNING, logger="shopscore.backup"):
        assert 0 == await shopscore(settings, "backup", str(archive))
    problem = archived_manifest(archive)["audit_log"]["problem"]
    assert problem.startswith("entry 3 (id ")
    assert problem in caplog.text
    target = restored_settings(settings, empty_database_url, tmp_path)
    assert 0 == await shopscore(target, "restore", str(archive))
    assert (1, broken) == await shopscore_output(target, capsys, "verify-log")
    edit = database_editor(engine, request)
    also = edit("UPDATE audit_log SET reason = 'also edited' WHERE sequence = 2")
    earlier = rewritten(archive, tmp_path / "earlier.tar", also)
    status, output = await shopscore_output(target, capsys, "restore", "--force", str(earlier))
    assert 1 == status
    assert re.search(r"does not verify: entry 2 \(id \d+\): hash mismatch", output), output


async def _execute(database_url: str, statement: str) -> None:
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            connection.execute(statement)
            connection.commit()
        finally:
            connection.close()
        return
    pg = await asyncpg.connect(database_url)
    try:
        await pg.execute(statement)
    finally:
        await pg.close()


async def test_an_archive_from_before_the_chain_restores_and_is_chained_by_migrate(
    engine: str,
    empty_database_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = Database(empty_database_url)
    source.bind()
    ran = await run_forwards(app_name="shopscore", migration_id="2026-11-23T09:00:00:000000")
    assert ran.success, ran.message
    async with source.transaction() as connection:
        for number in range(3):
            await connection.insert(
                "audit_log",
                {"at": dt.datetime.now(dt.UTC), "actor": None, "action": "create",
                 "entity": "client", "entity_id": str(number), "reason": ""},
            )  # fmt: skip
    await source.close()
    settings = Settings(database_url=empty_database_url, media_dir=tmp_path / "media",
                        secret_key="x" * 48)  # fmt: skip
    archive = tmp_path / "older.tar"
    assert 0 == await shopscore(settings, "backup", str(archive))
    assert "audit_log" not in archived_manifest(archive)
    if engine == "sqlite":
        target_url = f"sqlite:///{tmp_path / 'target.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        name = f"older_{os.getpid()}_{next(_edit_numbers)}"
        server.sql(f"CREATE DATABASE {name}")
        request.addfinalizer(lambda: server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        target_url = server.url(name)
    target = restored_settings(settings, target_url, tmp_path)
    assert 0 == await shopscore(target, "restore", str(archive))
    assert 0 == await shopscore(target, "migrate")
    status, output = await shopscore_output(target, capsys, "verify-log")
    assert 0 == status, output
    assert output.startswith("audit log intact: 3 entries, head 3:")
