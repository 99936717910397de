"""`shopscore backup FILE` and `shopscore restore FILE`: the database and every media file in
one tar archive, with a manifest that lets a restore prove it got everything back.

Archive layout (plain tar: photos are JPEGs already, compressing them gains nothing):

- `manifest.json`: format version, engine, creation time, the row count of every table *in
  the snapshot*, the SHA-256 of the database file and of every media file, and the head of the
  audit log's hash chain in the snapshot (`audit_log`: entries, sequence and hash of the last
  entry, and the chain's first problem, null when it verifies; docs/contract.md#audit-log).
- `database.sqlite3` (SQLite: the online backup API, `sqlite3.Connection.backup`, copies a
  consistent snapshot in one read transaction while the server keeps writing) or
  `database.pgdump` (PostgreSQL: `pg_dump --format=custom` of an exported snapshot; the row
  counts are read in that same snapshot, so they match the dump exactly).
- `media/<key>`: every media file, taken after the database snapshot. Media files are written
  before the rows that name them and never change afterwards, so every photo the snapshot
  references is in the archive; files uploaded later are harmless extras.

Media in S3 object storage (`MEDIA_STORE=s3`) are refused: a bucket is backed up with its own
tools. The archive is written to `FILE.partial` and renamed when complete. A restore reads the
manifest, checks every member against its hash and the audit log's chain in the archived
database against the manifest's head *before* touching the target, refuses a non-empty database
or media directory unless `force`, then loads the database (backup API into the SQLite file, or
`pg_restore` of the same major version as the server) and the media, and compares the restored
row counts with the manifest.

The chain is checked in the archive's own database (the SQLite file, or the `audit_log` data of
the dump as `pg_restore` prints it, without a server): an entry edited, inserted or removed, or
a head other than the manifest's, refuses the archive. A log whose chain was already broken
when the backup was taken is still backed up (the data must stay recoverable); the manifest
records that break, a warning says so at both ends, and the restore accepts exactly that break
and no other. An archive from before the chain (no chain columns, no `audit_log` in the
manifest) restores as before; `shopscore migrate` then chains its entries.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
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

from server.auditlog import chain
from server.core.database import SQLITE_TYPES, numbered_placeholders
from server.core.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media/"
TEMPORARY_MEDIA_PREFIX = ".tmp-"  # unfinished uploads of LocalMediaStore, never valid keys
_CHUNK = 1024 * 1024
LOG_TABLE = "audit_log"

log = logging.getLogger("shopscore.backup")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclasses.dataclass(frozen=True)
class BackupSummary:
    tables: dict[str, int]
    media_files: int
    archive_bytes: int
    # The audit log's chain in the archive; None for a database from before the chain.
    audit_log: chain.Verification | None = None


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
            audit_log = _sqlite_log(database_file)
        else:
            member = POSTGRES_MEMBER
            database_file = Path(scratch) / member
            tables, audit_log = asyncio.run(
                _postgres_snapshot(settings.database_url, database_file)
            )
        if audit_log is not None and audit_log.problem is not None:
            log.warning(
                "the audit log's chain is broken at %s; the archive keeps it as it is and "
                "records the break (run `shopscore verify-log`)",
                audit_log.problem,
            )
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
            if audit_log is not None:
                manifest[LOG_TABLE] = _log_manifest(audit_log)
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    _fsync(partial)
    os.replace(partial, archive)
    return BackupSummary(tables, len(media), archive.stat().st_size, audit_log)


def _log_manifest(verification: chain.Verification) -> dict[str, Any]:
    return {
        "entries": verification.entries,
        "sequence": verification.head.sequence,
        "entry_hash": verification.head.entry_hash,
        "problem": None if verification.problem is None else str(verification.problem),
    }


def _sqlite_log(path: Path) -> chain.Verification | None:
    """The audit log's chain in a SQLite file, read-only; None when it has no chain."""
    connection = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, detect_types=SQLITE_TYPES
    )
    connection.row_factory = sqlite3.Row
    try:
        columns = {row["name"] for row in connection.execute(f"PRAGMA table_info({LOG_TABLE})")}
        if not columns >= chain.CHAIN_COLUMNS:
            return None

        async def fetch(sql: str, *params: Any) -> list[sqlite3.Row]:
            return connection.execute(sql, params).fetchall()

        return asyncio.run(chain.verify(fetch))
    finally:
        connection.close()


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


async def _postgres_snapshot(
    url: str, target: Path
) -> tuple[dict[str, int], chain.Verification | None]:
    """pg_dump of an exported snapshot, with the row counts and the audit log's chain read in
    that very snapshot."""
    connection = await asyncpg.connect(url)
    try:
        pg_dump = postgres_tool("pg_dump", await _server_major(connection))
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            tables = await _postgres_counts(connection)
            audit_log = await _postgres_log(connection)
            # The snapshot lives as long as this transaction: dump while it is open.
            dbname, password = _without_password(url)
            await asyncio.to_thread(
                _run,
                [str(pg_dump), "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                 f"--file={target}", f"--dbname={dbname}"],
                password,
            )  # fmt: skip
        return tables, audit_log
    finally:
        await connection.close()


async def _postgres_log(connection: asyncpg.Connection) -> chain.Verification | None:
    """The audit log's chain, read in the connection's snapshot; None when it has no chain."""
    columns = {
        row["column_name"]
        for row in await connection.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = $1",
            LOG_TABLE,
        )
    }
    if not columns >= chain.CHAIN_COLUMNS:
        return None

    async def fetch(sql: str, *params: Any) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await connection.fetch(numbered_placeholders(sql), *params)
        return rows

    return await chain.verify(fetch)


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
        if settings.is_sqlite:
            audit_log = _sqlite_log(database_file)
        else:
            audit_log = asyncio.run(_dump_log(database_file, settings.database_url))
        _check_log(manifest, audit_log)
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
    return BackupSummary(tables, len(manifest["media"]), archive.stat().st_size, audit_log)


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


def _check_log(manifest: dict[str, Any], audit_log: chain.Verification | None) -> None:
    """Refuse an archive whose audit log chain does not verify or ends elsewhere than the
    manifest says; accept a break only when the backup recorded exactly that break."""
    recorded = manifest.get(LOG_TABLE)
    if audit_log is None:
        if recorded is not None:
            raise BackupError(
                "the manifest records an audit log chain the archived database does not have"
            )
        return  # a database from before the chain
    if recorded is None:
        raise BackupError(
            "the archived audit log is a hash chain but the manifest records no head for it"
        )
    problem = None if audit_log.problem is None else str(audit_log.problem)
    if problem != recorded.get("problem"):
        if problem is None:
            raise BackupError(
                f"the manifest records a broken audit log chain ({recorded['problem']}) but the "
                "archived log verifies: the manifest was changed"
            )
        raise BackupError(f"the archived audit log does not verify: {problem}")
    expected = chain.Head(int(recorded.get("sequence", -1)), str(recorded.get("entry_hash")))
    if audit_log.head != expected or audit_log.entries != recorded.get("entries"):
        raise BackupError(
            f"the archived audit log ends at entry {audit_log.head} ({audit_log.entries} "
            f"entries), the manifest says {expected} ({recorded.get('entries')} entries): "
            "entries were added or removed after the backup"
        )
    if problem is not None:
        log.warning(
            "the archived audit log's chain was already broken when the backup was taken: %s",
            problem,
        )


async def _dump_log(dump: Path, url: str) -> chain.Verification | None:
    """The audit log's chain in a PostgreSQL dump, read without loading it anywhere."""
    connection = await asyncpg.connect(url)
    try:
        pg_restore = postgres_tool("pg_restore", await _server_major(connection))
    finally:
        await connection.close()
    return await asyncio.to_thread(_read_dump_log, pg_restore, dump)


def _read_dump_log(pg_restore: Path, dump: Path) -> chain.Verification | None:
    """`pg_restore` prints the table's data as COPY text on its standard output (no database
    is involved); each row's hash is checked as it streams by, then the links in sequence
    order. None when the dump has no audit log with the chain's columns."""
    command = [str(pg_restore), "--data-only", f"--table={LOG_TABLE}", "--file=-", str(dump)]
    links: list[tuple[int, int, str, str, bool]] = []
    outside = 0
    columns: list[str] | None = None
    encoding = "utf-8"
    with tempfile.TemporaryFile() as errors:
        # The command is our own: the PostgreSQL tool and a path, no shell.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)  # noqa: S603
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                if columns is None:
                    header = line.decode("ascii", errors="replace")
                    if header.startswith("SET client_encoding = "):
                        encoding = _python_encoding(header.split("'")[1])
                    elif header.startswith("COPY ") and f"{LOG_TABLE} (" in header:
                        names = header[header.index("(") + 1 : header.rindex(")")]
                        columns = [name.strip().strip('"') for name in names.split(",")]
                        if not set(columns) >= chain.CHAIN_COLUMNS:
                            break  # a database from before the chain
                    continue
                if line == b"\\.\n":
                    break
                row = _typed(dict(zip(columns, _copy_fields(line, encoding), strict=True)))
                if row.get("sequence") is None:
                    outside += 1
                    continue
                links.append(
                    (
                        row["sequence"],
                        row["id"],
                        row["previous_hash"],
                        row["entry_hash"],
                        chain.entry_hash(row) == row["entry_hash"],
                    )
                )
            for _rest in process.stdout:  # let the tool finish writing
                pass
        if process.wait() != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()
            raise BackupError(f"pg_restore could not read the dump: {message}")
    if columns is None or not set(columns) >= chain.CHAIN_COLUMNS:
        return None
    check = chain.ChainCheck()
    for link in sorted(links, key=lambda link: (link[0], link[1])):
        if not check.add_link(*link):
            break
    return check.finish(len(links) + outside)


_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))")
_COPY_CHARACTERS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _copy_fields(line: bytes, encoding: str) -> list[str | None]:
    """One line of COPY's text format: tab-separated fields, `\\N` for null, backslash
    escapes (pg_dump writes characters of the database's encoding as they are)."""
    fields: list[str | None] = []
    for field in line.rstrip(b"\n").decode(encoding).split("\t"):
        if field == "\\N":
            fields.append(None)
        elif "\\" in field:
            fields.append(_COPY_ESCAPE.sub(_copy_unescape, field))
        else:
            fields.append(field)
    return fields


def _copy_unescape(match: re.Match[str]) -> str:
    octal, hexadecimal, character = match.groups()
    if octal:
        return chr(int(octal, 8))
    if hexadecimal:
        return chr(int(hexadecimal, 16))
    return _COPY_CHARACTERS.get(character, character)


def _typed(row: dict[str, str | None]) -> dict[str, Any]:
    """A dumped row with the Python types the server reads (as `chain.canonical` hashes)."""
    typed: dict[str, Any] = dict(row)
    for name in ("id", "sequence", "actor"):
        if typed.get(name) is not None:
            typed[name] = int(typed[name])
    if typed.get("at") is not None:
        typed["at"] = dt.datetime.fromisoformat(typed["at"])
    return typed


def _python_encoding(name: str) -> str:
    if name.upper().replace("-", "") != "UTF8":
        raise BackupError(f"the dump is in {name}; Shopscore's databases are UTF8")
    return "utf-8"


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
