"""The phone's local store: one sqlite3 file in the app's private data directory.

Everything the auditor gives (answers, comments, photos) is written the moment it is given, in
one transaction per user action, with WAL and ``synchronous=FULL``: once a method returns, the
change survives the app or the phone being killed. The outbox keeps the sync state of every
submitted audit and photo. Never JsonStore (it rewrites its file without fsync).

A returned audit arrives with the pull (docs/contract.md#sync-pull) and becomes a draft under
its own uuid, filled with the server's latest revision; its photos that this phone did not take
are kept as *remote* photos (the server holds them: they are referenced, never uploaded) and
shown from the thumbnail the sync client downloads.

The store knows nothing of Kivy or HTTP; the session, the sync client and the screens use it.
One ``Store`` may be shared by the UI thread and the sync thread: a lock serialises access.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assignments (
    id INTEGER PRIMARY KEY, status TEXT NOT NULL, due_to TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS templates (
    key TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (key, version));
CREATE TABLE IF NOT EXISTS outlets (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audits (
    uuid TEXT PRIMARY KEY,
    assignment_id INTEGER NOT NULL,
    template_key TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    location TEXT,
    state TEXT NOT NULL DEFAULT 'draft',
    body TEXT,
    base_revision INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS answers (
    audit_uuid TEXT NOT NULL REFERENCES audits(uuid),
    item TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT 'null',
    na INTEGER NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (audit_uuid, item));
CREATE TABLE IF NOT EXISTS photos (
    uuid TEXT PRIMARY KEY,
    audit_uuid TEXT NOT NULL REFERENCES audits(uuid),
    item TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    content_type TEXT NOT NULL,
    position INTEGER NOT NULL,
    remote INTEGER NOT NULL DEFAULT 0,
    source_url TEXT,
    marked_from TEXT);
CREATE TABLE IF NOT EXISTS outbox (
    kind TEXT NOT NULL,
    uuid TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_retry_at REAL NOT NULL DEFAULT 0,
    server_response TEXT,
    PRIMARY KEY (kind, uuid));
"""
# Columns added since the first release, for stores made before them: (table, column, type).
ADDED_COLUMNS = (
    ("audits", "base_revision", "INTEGER NOT NULL DEFAULT 0"),
    ("photos", "remote", "INTEGER NOT NULL DEFAULT 0"),
    ("photos", "source_url", "TEXT"),
    ("photos", "marked_from", "TEXT"),
)

QUEUED = "queued"
SENDING = "sending"
SYNCED = "synced"
FAILED = "failed"
OUTBOX_STATES = (QUEUED, SENDING, SYNCED, FAILED)

DRAFT = "draft"
SUBMITTED = "submitted"


@dataclass(frozen=True)
class StoredAnswer:
    """One answer as kept on the phone (photos are listed separately in ``photos``)."""

    item: str
    value: Any
    na: bool
    comment: str


@dataclass(frozen=True)
class StoredPhoto:
    """A shrunk photo file attached to one item of one audit."""

    uuid: str
    audit_uuid: str
    item: str
    sha256: str
    path: Path
    content_type: str
    # A photo the server already holds (of a returned audit this phone did not take): its
    # file is the downloaded thumbnail, and it is referenced, never uploaded.
    remote: bool = False
    source_url: str | None = None
    # A marked-up copy (arrow, circle, text) of the photo with this uuid, which is kept too.
    marked_from: str | None = None

    @property
    def on_phone(self) -> bool:
        """Whether its file is here to show (a remote thumbnail may not be downloaded yet)."""
        return self.path.exists()


@dataclass(frozen=True)
class AuditRecord:
    """The header of one audit on the phone."""

    uuid: str
    assignment_id: int
    template_key: str
    template_version: int
    started_at: str
    finished_at: str | None
    location: dict[str, Any] | None
    state: str
    body: dict[str, Any] | None
    # The server revision this audit corrects (a returned audit); 0 for a new audit.
    base_revision: int = 0

    @property
    def is_correction(self) -> bool:
        return self.base_revision > 0


@dataclass(frozen=True)
class OutboxEntry:
    """The sync state of one submitted audit or photo."""

    kind: str
    uuid: str
    state: str
    message: str
    attempts: int
    next_retry_at: float
    server_response: dict[str, Any] | None


class Store:
    """The local store of one phone (one auditor's data directory)."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = Path(data_dir)
        self.photo_dir = self.data_dir / "photos"
        self.photo_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # isolation_level=None: transactions are opened explicitly (BEGIN IMMEDIATE) below.
        self._db = sqlite3.connect(
            self.data_dir / "shopscore.sqlite3", isolation_level=None, check_same_thread=False
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA busy_timeout=5000")
        with self.transaction() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            for table, column, kind in ADDED_COLUMNS:
                present = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in present:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE write transaction: committed on success, rolled back on error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # settings -----------------------------------------------------------------------------

    def get_setting(self, key: str, default: str = "") -> str:
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else default

    def set_settings(self, **values: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    def device_id(self) -> str:
        """This install's id, made once and kept across logins: sent with each audit so the
        server notices one phone used by two auditors (docs/contract.md#trust)."""
        device = self.get_setting("device_id")
        if not device:
            device = str(uuid.uuid4())
            self.set_settings(device_id=device)
        return device

    def delete_settings(self, *keys: str) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM settings WHERE key = ?", [(key,) for key in keys])

    # pulled data --------------------------------------------------------------------------

    def apply_pull(self, payload: dict[str, Any]) -> None:
        """Store one ``GET /api/v1/sync`` answer (and its cursor) in a single transaction.

        A returned audit becomes (or becomes again) a draft to correct, unless this phone is
        already correcting that revision or still has its correction to send.
        """
        assignments = [dict(assignment) for assignment in payload.get("assignments", [])]
        returned = [
            (assignment, assignment.pop("returned_audit", None)) for assignment in assignments
        ]
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO templates (key, version, body) VALUES (?, ?, ?)"
                " ON CONFLICT (key, version) DO UPDATE SET body = excluded.body",
                [(t["key"], t["version"], json.dumps(t)) for t in payload.get("templates", [])],
            )
            db.executemany(
                "INSERT INTO outlets (id, body) VALUES (?, ?)"
                " ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                [(o["id"], json.dumps(o)) for o in payload.get("outlets", [])],
            )
            db.executemany(
                "INSERT INTO assignments (id, status, due_to, body) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET status = excluded.status,"
                " due_to = excluded.due_to, body = excluded.body",
                [(a["id"], a["status"], a["due_to"], json.dumps(a)) for a in assignments],
            )
            for assignment, audit in returned:
                if audit is not None:
                    _take_returned_audit(db, assignment, audit, self.photo_dir)
            db.executemany(
                "DELETE FROM assignments WHERE id = ?",
                [(i,) for i in payload.get("removed_assignment_ids", [])],
            )
            db.execute(
                "INSERT INTO settings (key, value) VALUES ('sync_cursor', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(payload.get("cursor", "")),),
            )

    def assignments(self) -> list[dict[str, Any]]:
        rows = self._query("SELECT body FROM assignments ORDER BY due_to, id")
        return [json.loads(row["body"]) for row in rows]

    def assignment(self, assignment_id: int) -> dict[str, Any] | None:
        rows = self._query("SELECT body FROM assignments WHERE id = ?", (assignment_id,))
        return json.loads(rows[0]["body"]) if rows else None

    def template(self, key: str, version: int) -> dict[str, Any] | None:
        rows = self._query(
            "SELECT body FROM templates WHERE key = ? AND version = ?", (key, version)
        )
        return json.loads(rows[0]["body"]) if rows else None

    def outlet(self, outlet_id: int) -> dict[str, Any] | None:
        rows = self._query("SELECT body FROM outlets WHERE id = ?", (outlet_id,))
        return json.loads(rows[0]["body"]) if rows else None

    def outlets_by_id(self) -> dict[int, dict[str, Any]]:
        rows = self._query("SELECT body FROM outlets")
        outlets = [json.loads(row["body"]) for row in rows]
        return {outlet["id"]: outlet for outlet in outlets}

    # audits -------------------------------------------------------------------------------

    def start_audit(
        self,
        assignment_id: int,
        template_key: str,
        template_version: int,
        started_at: str,
        location: dict[str, Any] | None,
    ) -> str:
        """Create the audit of "start visit" under a new uuid4 and return the uuid."""
        audit_uuid = str(uuid.uuid4())
        with self.transaction() as db:
            db.execute(
                "INSERT INTO audits (uuid, assignment_id, template_key, template_version,"
                " started_at, location) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    audit_uuid,
                    assignment_id,
                    template_key,
                    template_version,
                    started_at,
                    json.dumps(location) if location is not None else None,
                ),
            )
        return audit_uuid

    def audit(self, audit_uuid: str) -> AuditRecord | None:
        rows = self._query("SELECT * FROM audits WHERE uuid = ?", (audit_uuid,))
        return _audit_record(rows[0]) if rows else None

    def audits(self) -> list[AuditRecord]:
        return [_audit_record(row) for row in self._query("SELECT * FROM audits ORDER BY rowid")]

    def audit_for_assignment(self, assignment_id: int) -> AuditRecord | None:
        """The assignment's audit on this phone: a correction first, then the latest one."""
        rows = self._query(
            "SELECT * FROM audits WHERE assignment_id = ?"
            " ORDER BY base_revision DESC, rowid DESC LIMIT 1",
            (assignment_id,),
        )
        return _audit_record(rows[0]) if rows else None

    def audit_states(self) -> dict[int, str]:
        """Each assignment's audit state on this phone (draft or submitted), for the list."""
        rows = self._query("SELECT assignment_id, state FROM audits ORDER BY base_revision, rowid")
        return {row["assignment_id"]: row["state"] for row in rows}

    def draft_for_assignment(self, assignment_id: int) -> AuditRecord | None:
        """The unfinished audit of an assignment, so a visit resumes where it was."""
        rows = self._query(
            "SELECT * FROM audits WHERE assignment_id = ? AND state = ?"
            " ORDER BY base_revision DESC, rowid DESC",
            (assignment_id, DRAFT),
        )
        return _audit_record(rows[0]) if rows else None

    def save_answer(
        self,
        audit_uuid: str,
        item: str,
        *,
        value: Any = None,
        na: bool | None = None,
        comment: str | None = None,
        set_value: bool = False,
    ) -> None:
        """Save one change to one answer; only the fields given are changed."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO answers (audit_uuid, item) VALUES (?, ?)"
                " ON CONFLICT (audit_uuid, item) DO NOTHING",
                (audit_uuid, item),
            )
            if set_value:
                db.execute(
                    "UPDATE answers SET value = ? WHERE audit_uuid = ? AND item = ?",
                    (json.dumps(value), audit_uuid, item),
                )
            if na is not None:
                db.execute(
                    "UPDATE answers SET na = ? WHERE audit_uuid = ? AND item = ?",
                    (int(na), audit_uuid, item),
                )
            if comment is not None:
                db.execute(
                    "UPDATE answers SET comment = ? WHERE audit_uuid = ? AND item = ?",
                    (comment, audit_uuid, item),
                )

    def answers(self, audit_uuid: str) -> dict[str, StoredAnswer]:
        rows = self._query("SELECT * FROM answers WHERE audit_uuid = ?", (audit_uuid,))
        return {
            row["item"]: StoredAnswer(
                item=row["item"],
                value=json.loads(row["value"]),
                na=bool(row["na"]),
                comment=row["comment"],
            )
            for row in rows
        }

    def add_photo(
        self,
        audit_uuid: str,
        item: str,
        data: bytes,
        sha256: str,
        content_type: str,
        marked_from: str | None = None,
    ) -> StoredPhoto:
        """Write the file durably (temp file, fsync, rename) and then record it; a marked copy
        replaces the earlier marked copy of the same original, in the same transaction."""
        photo_uuid = str(uuid.uuid4())
        path = self.photo_dir / f"{photo_uuid}.jpg"
        _write_durably(path, data)
        with self.transaction() as db:
            (position,) = db.execute(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM photos"
                " WHERE audit_uuid = ? AND item = ?",
                (audit_uuid, item),
            ).fetchone()
            replaced = [
                Path(row["path"])
                for row in db.execute(
                    "SELECT path FROM photos WHERE marked_from = ? AND marked_from IS NOT NULL",
                    (marked_from,),
                )
            ]
            db.execute("DELETE FROM photos WHERE marked_from = ?", (marked_from,))
            db.execute(
                "INSERT INTO photos (uuid, audit_uuid, item, sha256, path, content_type, position,"
                " marked_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *(photo_uuid, audit_uuid, item, sha256, str(path), content_type, position),
                    marked_from,
                ),
            )
        for old_copy in replaced:
            old_copy.unlink(missing_ok=True)
        return StoredPhoto(
            photo_uuid, audit_uuid, item, sha256, path, content_type, marked_from=marked_from
        )

    def photos(self, audit_uuid: str) -> list[StoredPhoto]:
        rows = self._query(
            "SELECT * FROM photos WHERE audit_uuid = ? ORDER BY item, position", (audit_uuid,)
        )
        return [_stored_photo(row) for row in rows]

    def photo(self, photo_uuid: str) -> StoredPhoto | None:
        rows = self._query("SELECT * FROM photos WHERE uuid = ?", (photo_uuid,))
        return _stored_photo(rows[0]) if rows else None

    def delete_photo(self, photo_uuid: str) -> None:
        """Delete a photo of a draft audit (submitted audits keep theirs)."""
        photo = self.photo(photo_uuid)
        if photo is None:
            return
        audit = self.audit(photo.audit_uuid)
        if audit is not None and audit.state != DRAFT:
            raise ValueError("photos of a submitted audit cannot be deleted")
        # A photo goes with its marked copies; a marked copy alone leaves its original.
        copies = [p for p in self.photos(photo.audit_uuid) if p.marked_from == photo_uuid]
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM photos WHERE uuid = ?", [(p.uuid,) for p in [photo, *copies]]
            )
        for gone in [photo, *copies]:
            gone.path.unlink(missing_ok=True)

    def submit_audit(
        self, audit_uuid: str, finished_at: str, body: dict[str, Any], photo_uuids: list[str]
    ) -> None:
        """Freeze the audit with its wire body and queue it and its photos, all at once."""
        with self.transaction() as db:
            db.execute(
                "UPDATE audits SET state = ?, finished_at = ?, body = ? WHERE uuid = ?",
                (SUBMITTED, finished_at, json.dumps(body), audit_uuid),
            )
            queue = [("photo", photo_uuid) for photo_uuid in photo_uuids]
            queue.append(("audit", audit_uuid))
            # A correction sends its audit again; its photos already sent stay sent.
            db.executemany(
                "INSERT INTO outbox (kind, uuid, state) VALUES (?, ?, 'queued')"
                " ON CONFLICT (kind, uuid) DO UPDATE SET state = 'queued', message = '',"
                " next_retry_at = 0, attempts = 0"
                " WHERE outbox.kind = 'audit' OR outbox.state <> 'synced'",
                queue,
            )

    def reopen_audit(self, audit_uuid: str) -> None:
        """A sent correction the server still holds as returned goes back to being a draft."""
        with self.transaction() as db:
            db.execute(
                "UPDATE audits SET state = ?, body = NULL WHERE uuid = ?", (DRAFT, audit_uuid)
            )

    def photos_to_download(self) -> list[StoredPhoto]:
        """Remote photos whose thumbnail is not on the phone yet."""
        rows = self._query("SELECT * FROM photos WHERE remote = 1 AND source_url IS NOT NULL")
        return [photo for photo in map(_stored_photo, rows) if not photo.path.exists()]

    def save_photo_file(self, photo: StoredPhoto, data: bytes) -> None:
        """Keep a downloaded thumbnail durably (temp file, fsync, rename)."""
        _write_durably(photo.path, data)

    # outbox -------------------------------------------------------------------------------

    def outbox(self) -> list[OutboxEntry]:
        rows = self._query("SELECT * FROM outbox ORDER BY rowid")
        return [_outbox_entry(row) for row in rows]

    def outbox_entry(self, kind: str, entry_uuid: str) -> OutboxEntry | None:
        rows = self._query("SELECT * FROM outbox WHERE kind = ? AND uuid = ?", (kind, entry_uuid))
        return _outbox_entry(rows[0]) if rows else None

    def due_outbox(self, now: float) -> list[OutboxEntry]:
        """Entries to send now: queued or interrupted mid-send, and due for (re)try."""
        rows = self._query(
            "SELECT * FROM outbox WHERE state IN ('queued', 'sending') AND next_retry_at <= ?"
            " ORDER BY rowid",
            (now,),
        )
        return [_outbox_entry(row) for row in rows]

    def next_retry_at(self) -> float | None:
        rows = self._query(
            "SELECT MIN(next_retry_at) AS at FROM outbox WHERE state IN ('queued', 'sending')"
        )
        at = rows[0]["at"]
        return float(at) if at is not None else None

    def mark_outbox(
        self,
        kind: str,
        entry_uuid: str,
        state: str,
        *,
        message: str = "",
        next_retry_at: float = 0.0,
        count_attempt: bool = False,
        server_response: dict[str, Any] | None = None,
    ) -> None:
        if state not in OUTBOX_STATES:
            raise ValueError(f"unknown outbox state {state!r}")
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, message = ?, next_retry_at = ?,"
                " attempts = attempts + ?, server_response = COALESCE(?, server_response)"
                " WHERE kind = ? AND uuid = ?",
                (
                    state,
                    message,
                    next_retry_at,
                    int(count_attempt),
                    json.dumps(server_response) if server_response is not None else None,
                    kind,
                    entry_uuid,
                ),
            )

    def audit_body_text(self, audit_uuid: str) -> str:
        """The frozen wire body of a submitted audit, as stored ("" for a draft)."""
        rows = self._query("SELECT body FROM audits WHERE uuid = ?", (audit_uuid,))
        return str(rows[0]["body"] or "") if rows else ""

    def retry_audit(self, audit_uuid: str) -> None:
        """The auditor's "retry now" for a whole audit: its refused or waiting parts (the audit
        and its photos) are due at once, with a fresh attempt count."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = 'queued', next_retry_at = 0, attempts = 0"
                " WHERE state IN ('failed', 'queued') AND ((kind = 'audit' AND uuid = ?)"
                " OR (kind = 'photo' AND uuid IN (SELECT uuid FROM photos WHERE audit_uuid = ?)))",
                (audit_uuid, audit_uuid),
            )

    def retry_outbox(self, kind: str, entry_uuid: str) -> None:
        """The auditor's "retry": a failed entry is queued again with a fresh attempt count."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = 'queued', next_retry_at = 0, attempts = 0"
                " WHERE kind = ? AND uuid = ? AND state = 'failed'",
                (kind, entry_uuid),
            )


def _take_returned_audit(
    db: sqlite3.Connection, assignment: dict[str, Any], audit: dict[str, Any], photo_dir: Path
) -> None:
    """Make the returned revision the draft to correct, unless this phone has newer work."""
    audit_uuid, revision = str(audit["uuid"]), int(audit["revision"])
    row = db.execute(
        "SELECT state, base_revision FROM audits WHERE uuid = ?", (audit_uuid,)
    ).fetchone()
    if row is not None:
        if row["state"] == DRAFT and row["base_revision"] >= revision:
            return  # already being corrected here: the auditor's changes stay
        if row["state"] == SUBMITTED:
            entry = db.execute(
                "SELECT state FROM outbox WHERE kind = 'audit' AND uuid = ?", (audit_uuid,)
            ).fetchone()
            if entry is not None and entry["state"] != SYNCED:
                return  # this phone's correction is still to be sent: it will answer the return
        db.execute(
            "UPDATE audits SET state = ?, body = NULL, base_revision = ?, started_at = ?,"
            " finished_at = ?, location = ? WHERE uuid = ?",
            (
                DRAFT,
                revision,
                audit["started_at"],
                audit["finished_at"],
                _location_text(audit.get("location")),
                audit_uuid,
            ),
        )
    else:
        template = assignment["template"]
        db.execute(
            "INSERT INTO audits (uuid, assignment_id, template_key, template_version, started_at,"
            " finished_at, location, state, base_revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                audit_uuid,
                assignment["id"],
                template["key"],
                template["version"],
                audit["started_at"],
                audit["finished_at"],
                _location_text(audit.get("location")),
                DRAFT,
                revision,
            ),
        )
    db.execute("DELETE FROM answers WHERE audit_uuid = ?", (audit_uuid,))
    db.executemany(
        "INSERT INTO answers (audit_uuid, item, value, na, comment) VALUES (?, ?, ?, ?, ?)",
        [
            (
                audit_uuid,
                answer["item"],
                json.dumps(answer.get("value")),
                int(bool(answer.get("na"))),
                answer.get("comment") or "",
            )
            for answer in audit.get("answers", [])
        ],
    )
    links = {photo["uuid"]: photo for photo in audit.get("photos", [])}
    wanted = [
        (str(photo_uuid), answer["item"], position)
        for answer in audit.get("answers", [])
        for position, photo_uuid in enumerate(answer.get("photos") or [])
    ]
    kept = {photo_uuid for photo_uuid, _item, _position in wanted}
    db.executemany(
        "DELETE FROM photos WHERE uuid = ?",
        [
            (row["uuid"],)
            for row in db.execute("SELECT uuid FROM photos WHERE audit_uuid = ?", (audit_uuid,))
            if row["uuid"] not in kept
        ],
    )
    for photo_uuid, item, position in wanted:
        link = links.get(photo_uuid, {})
        db.execute(
            "INSERT INTO photos (uuid, audit_uuid, item, sha256, path, content_type, position,"
            " remote, source_url) VALUES (?, ?, ?, '', ?, 'image/jpeg', ?, 1, ?)"
            " ON CONFLICT (uuid) DO UPDATE SET item = excluded.item,"
            " position = excluded.position",
            (
                photo_uuid,
                audit_uuid,
                item,
                str(photo_dir / f"{photo_uuid}.thumbnail.jpg"),
                position,
                link.get("thumbnail_url"),
            ),
        )


def _location_text(location: dict[str, Any] | None) -> str | None:
    return json.dumps(location) if location else None


def _write_durably(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".part")
    with open(temporary, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # A rename is durable only once its directory entry is flushed too.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _audit_record(row: sqlite3.Row) -> AuditRecord:
    return AuditRecord(
        uuid=row["uuid"],
        assignment_id=row["assignment_id"],
        template_key=row["template_key"],
        template_version=row["template_version"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        location=json.loads(row["location"]) if row["location"] else None,
        state=row["state"],
        body=json.loads(row["body"]) if row["body"] else None,
        base_revision=row["base_revision"],
    )


def _stored_photo(row: sqlite3.Row) -> StoredPhoto:
    return StoredPhoto(
        uuid=row["uuid"],
        audit_uuid=row["audit_uuid"],
        item=row["item"],
        sha256=row["sha256"],
        path=Path(row["path"]),
        content_type=row["content_type"],
        remote=bool(row["remote"]),
        source_url=row["source_url"],
        marked_from=row["marked_from"],
    )


def _outbox_entry(row: sqlite3.Row) -> OutboxEntry:
    return OutboxEntry(
        kind=row["kind"],
        uuid=row["uuid"],
        state=row["state"],
        message=row["message"],
        attempts=row["attempts"],
        next_retry_at=row["next_retry_at"],
        server_response=json.loads(row["server_response"]) if row["server_response"] else None,
    )
