"""`shopscore backup FILE` and `shopscore restore FILE`: the database and every media file in
one tar archive, with a manifest that lets a restore prove it got everything back.

Archive layout (plain tar: photos are JPEGs already, compressing them gains nothing):

- `manifest.json`: format version, engine, creation time, the row count of every table *in
  the snapshot*, the SHA-256 of the database file and of every media file.
- `database.sqlite3` (SQLite: the online backup API, `sqlite3.Connection.backup`, copies a
  consistent snapshot in one read transaction while the server keeps writing) or
  `database.pgdump` (PostgreSQL: `pg_dump --format=custom` of an exported snapshot; the row
  counts are read in that same snapshot, so they match the dump exactly).
- `media/<key>`: every media file, taken after the database snapshot. Media files are written
  before the rows that name them and never change afterwards, so every photo the snapshot
  references is in the archive; files uploaded later are harmless extras.

Media in S3 object storage (`MEDIA_STORE=s3`) are refused: a bucket is backed up with its own
tools. The archive is written to `FILE.partial` and renamed when complete. A restore reads the
manifest, checks every member against its hash *before* touching the target, refuses a
non-empty database or media directory unless `force`, then loads the database (backup API into
the SQLite file, or `pg_restore` of the same major version as the server) and the media, and
compares the restored row counts with the manifest.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

import asyncpg

from server.core.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media/"
TEMPORARY_MEDIA_PREFIX = ".tmp-"  # unfinished uploads of LocalMediaStore, never valid keys
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclasses.dataclass(frozen=True)
class BackupSummary:
    tables: dict[str, int]
    media_files: int
    archive_bytes: int


# --- backup --------------------------------------------------------------------------------


def backup(settings: Settings, archive: Path) -> BackupSummary:
    """Write the database snapshot and every media file into `archive`."""
    _require_local_media(settings)
    partial = archive.with_name(archive.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="shopscore-backup-") as scratch:
        if settings.is_sqlite:
            member = SQLITE_MEMBER
            database_file = Path(scratch) / member
            tables = _sqlite_snapshot(settings.sqlite_path, database_file)
        else:
            member = POSTGRES_MEMBER
            database_file = Path(scratch) / member
            tables = asyncio.run(_postgres_snapshot(settings.database_url, database_file))
        media: dict[str, str] = {}
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            database_sha256 = _sha256_file(database_file)
            tar.add(database_file, arcname=member)
            for key, path in _media_files(settings.media_dir):
                media[key] = _sha256_file(path)
                tar.add(path, arcname=MEDIA_PREFIX + key, recursive=False)
            manifest = {
                "format": FORMAT,
                "engine": "sqlite" if settings.is_sqlite else "postgresql",
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "database": {"member": member, "sha256": database_sha256},
                "tables": tables,
                "media": media,
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    _fsync(partial)
    os.replace(partial, archive)
    return BackupSummary(tables, len(media), archive.stat().st_size)


def _sqlite_snapshot(source: Path, target: Path) -> dict[str, int]:
    """Copy the live database with the online backup API; count rows in the copy."""
    if not source.exists():
        raise BackupError(f"no database at {source}")
    live = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # pages=-1: the whole database in one step, i.e. one read transaction, so writers
        # committing meanwhile cannot make the copy start over or mix two states.
        live.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        return _sqlite_counts(copy)
    finally:
        copy.close()
        live.close()


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in names
    }


async def _postgres_snapshot(url: str, target: Path) -> dict[str, int]:
    """pg_dump of an exported snapshot, with the row counts read in that very snapshot."""
    connection = await asyncpg.connect(url)
    try:
        pg_dump = postgres_tool("pg_dump", await _server_major(connection))
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            tables = await _postgres_counts(connection)
            # The snapshot lives as long as this transaction: dump while it is open.
            dbname, password = _without_password(url)
            await asyncio.to_thread(
                _run,
                [str(pg_dump), "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                 f"--file={target}", f"--dbname={dbname}"],
                password,
            )  # fmt: skip
        return tables
    finally:
        await connection.close()


async def _postgres_counts(connection: asyncpg.Connection) -> dict[str, int]:
    names = [
        row["tablename"]
        for row in await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    return {
        name: await connection.fetchval(f'SELECT count(*) FROM "{name}"')  # noqa: S608
        for name in names
    }


async def _server_major(connection: asyncpg.Connection) -> int:
    return int(await connection.fetchval("SHOW server_version_num")) // 10000


def postgres_tool(name: str, server_major: int) -> Path:
    """`pg_dump`/`pg_restore` of the server's major version (Debian keeps each version's tools
    in /usr/lib/postgresql/N/bin), else one on PATH of that version or newer."""
    versioned = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    if versioned.exists():
        return versioned
    found = shutil.which(name)
    if found:
        version = _run([found, "--version"]).decode()
        match = re.search(r"(\d+)(?:\.\d+)?", version)
        if match and int(match.group(1)) >= server_major:
            return Path(found)
    raise BackupError(
        f"{name} of PostgreSQL {server_major} or newer is needed (install postgresql-client-"
        f"{server_major} or put its bin folder on PATH)"
    )


def _require_local_media(settings: Settings) -> None:
    if settings.media_store != "local":
        raise BackupError(
            f"media are kept in {settings.media_store} object storage: back the bucket up with "
            "its own tools (versioning or replication); this command covers MEDIA_DIR only"
        )


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.exists():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(TEMPORARY_MEDIA_PREFIX):
            yield path.relative_to(root).as_posix(), path


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


# --- restore -------------------------------------------------------------------------------


def restore(settings: Settings, archive: Path, force: bool = False) -> BackupSummary:
    """Load `archive` into the configured database and media directory (both empty, or
    emptied first with `force`), after checking every member against the manifest."""
    _require_local_media(settings)
    with (
        tarfile.open(archive, "r") as tar,
        tempfile.TemporaryDirectory(prefix="shopscore-restore-") as scratch,
    ):
        manifest = _read_manifest(tar)
        expected_engine = "sqlite" if settings.is_sqlite else "postgresql"
        if manifest["engine"] != expected_engine:
            raise BackupError(
                f"the archive holds a {manifest['engine']} database; DATABASE_URL is "
                f"{expected_engine}"
            )
        database_file = Path(scratch) / manifest["database"]["member"]
        # First pass: check everything before the target is touched.
        _check_members(tar, manifest, database_file)
        _prepare_media_dir(settings.media_dir, force)
        if settings.is_sqlite:
            tables = _restore_sqlite(database_file, settings.sqlite_path, force)
        else:
            tables = asyncio.run(_restore_postgres(database_file, settings.database_url, force))
        if tables != manifest["tables"]:
            raise BackupError(f"restored row counts differ from the manifest: {tables}")
        # Second pass: the media, streamed to disk and checked again as written.
        for member in tar.getmembers():
            if member.name.startswith(MEDIA_PREFIX):
                key = member.name.removeprefix(MEDIA_PREFIX)
                _write_media(settings.media_dir, key, tar, member, manifest["media"][key])
    return BackupSummary(tables, len(manifest["media"]), archive.stat().st_size)


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
    except KeyError as error:
        raise BackupError("not a Shopscore backup: the archive has no manifest") from error
    assert member is not None
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unsupported backup format {manifest.get('format')!r}")
    return manifest


def _check_members(tar: tarfile.TarFile, manifest: dict[str, Any], database_file: Path) -> None:
    """Extract the database file and hash every media member, refusing anything that is not
    in the manifest, not a plain file, or whose SHA-256 differs."""
    expected_media: dict[str, str] = manifest["media"]
    seen: set[str] = set()
    database_seen = False
    for member in tar.getmembers():
        name = member.name
        if name == MANIFEST:
            continue
        if not member.isfile():
            raise BackupError(f"unexpected archive member {name!r}")
        source = tar.extractfile(member)
        assert source is not None
        if name == manifest["database"]["member"]:
            with database_file.open("wb") as target:
                shutil.copyfileobj(source, target, _CHUNK)
            if _sha256_file(database_file) != manifest["database"]["sha256"]:
                raise BackupError("the database in the archive does not match its SHA-256")
            database_seen = True
            continue
        key = name.removeprefix(MEDIA_PREFIX)
        if not name.startswith(MEDIA_PREFIX) or key not in expected_media or not _safe_key(key):
            raise BackupError(f"unexpected archive member {name!r}")
        if _sha256_stream(source) != expected_media[key]:
            raise BackupError(f"media file {key} does not match its SHA-256")
        seen.add(key)
    missing = sorted(set(expected_media) - seen)
    if missing or not database_seen:
        raise BackupError(f"the archive lacks files its manifest lists: {missing[:5]}")


def _safe_key(key: str) -> bool:
    path = PurePosixPath(key)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def _prepare_media_dir(media_dir: Path, force: bool) -> None:
    if media_dir.exists() and any(media_dir.iterdir()):
        if not force:
            raise BackupError(f"the media directory {media_dir} is not empty (use --force)")
        for child in media_dir.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    media_dir.mkdir(parents=True, exist_ok=True)


def _write_media(
    media_dir: Path, key: str, tar: tarfile.TarFile, member: tarfile.TarInfo, sha256: str
) -> None:
    target = media_dir / key
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(TEMPORARY_MEDIA_PREFIX + target.name)
    source = tar.extractfile(member)
    assert source is not None
    digest = hashlib.sha256()
    with temporary.open("wb") as handle:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    if digest.hexdigest() != sha256:
        temporary.unlink()
        raise BackupError(f"media file {key} changed while it was restored")
    os.replace(temporary, target)


def _restore_sqlite(snapshot: Path, target: Path, force: bool) -> dict[str, int]:
    if target.exists() and target.stat().st_size > 0:
        probe = sqlite3.connect(target)
        try:
            has_tables = bool(_sqlite_counts(probe))
        finally:
            probe.close()
        if has_tables and not force:
            raise BackupError(f"the database {target} is not empty (use --force)")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(snapshot)
    restored = sqlite3.connect(target)
    try:
        source.backup(restored, pages=-1)
        restored.execute("PRAGMA journal_mode = WAL")  # the server's mode (server.core.database)
        return _sqlite_counts(restored)
    finally:
        restored.close()
        source.close()


async def _restore_postgres(dump: Path, url: str, force: bool) -> dict[str, int]:
    connection = await asyncpg.connect(url)
    try:
        pg_restore = postgres_tool("pg_restore", await _server_major(connection))
        if await _postgres_counts(connection):
            if not force:
                raise BackupError("the database is not empty (use --force)")
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        dbname, password = _without_password(url)
        await asyncio.to_thread(
            _run,
            [str(pg_restore), "--no-owner", "--exit-on-error", "--single-transaction",
             f"--dbname={dbname}", str(dump)],
            password,
        )  # fmt: skip
        return await _postgres_counts(connection)
    finally:
        await connection.close()


# --- helpers -------------------------------------------------------------------------------


def _without_password(url: str) -> tuple[str, dict[str, str]]:
    """The URL for a PostgreSQL tool's command line, with any password moved to PGPASSWORD
    (a command line is visible to every user of the machine)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url, {}
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = urllib.parse.quote(urllib.parse.unquote(parts.username or ""), safe="")
    safe = parts._replace(netloc=f"{user}@{netloc}" if user else netloc).geturl()
    return safe, {"PGPASSWORD": urllib.parse.unquote(parts.password)}


def _run(command: list[str], environment: dict[str, str] | None = None) -> bytes:
    # The commands are our own: a PostgreSQL tool and arguments built here, no shell.
    result = subprocess.run(  # noqa: S603
        command,
        capture_output=True,
        timeout=3600,
        check=False,
        env={**os.environ, **environment} if environment else None,
    )
    if result.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def _sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return _sha256_stream(handle)


def _sha256_stream(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
