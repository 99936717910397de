"""What the database knows about an audit's evidence, for its flags and trust score.

- `photo_facts`: the received photos an audit names, with their capture time, camera details,
  the other audits holding the same bytes and those holding a near-duplicate (perceptual hash
  within `server.photos.similarity.NEAR_DUPLICATE_BITS`, found through the hash's band indexes),
  and which photos of theirs those are.
- `patterns`: other auditors who sent audits from the same phone, and other audits with the
  same answer fingerprint.

Reads only; they run inside the caller's snapshot or transaction when given its connection.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections.abc import Sequence
from typing import Final

from server.audits.flags import PhotoFacts
from server.audits.trust import Patterns
from server.core.database import Connection, Database, marks
from server.photos import similarity

# Photos whose hash is compared in one query: each brings 4 x 137 band values, so that a
# query stays far below the engines' limits on parameters (32766 on SQLite, 32767 asyncpg).
HASHES_PER_QUERY: Final = 8

SELECT_PHOTOS: Final = (
    "SELECT uuid, sha256, captured_at, metadata_read, camera_make, camera_model, software, "
    "phash FROM photo WHERE uuid IN ({marks})"
)
SELECT_SAME_BYTES: Final = (
    "SELECT DISTINCT p.sha256 AS sha256, p.uuid AS photo_uuid, a.uuid AS audit_uuid FROM photo p "
    "JOIN audit_photo ap ON ap.photo_uuid = p.uuid JOIN audit a ON a.id = ap.audit "
    "WHERE p.sha256 IN ({marks}) AND a.uuid <> ?"
)
# One index lookup per band value: each term names one band's column and its own index.
SELECT_BAND_CANDIDATES: Final = (
    "SELECT uuid, sha256, phash FROM photo WHERE phash_b0 IN ({b0}) OR phash_b1 IN ({b1}) "
    "OR phash_b2 IN ({b2}) OR phash_b3 IN ({b3})"
)
SELECT_AUDITS_NAMING: Final = (
    "SELECT DISTINCT ap.photo_uuid AS photo_uuid, a.uuid AS audit_uuid FROM audit_photo ap "
    "JOIN audit a ON a.id = ap.audit WHERE ap.photo_uuid IN ({marks}) AND a.uuid <> ?"
)
SELECT_DEVICE_USERS: Final = (
    "SELECT COUNT(DISTINCT auditor) AS auditors FROM audit WHERE device_id = ? AND auditor <> ?"
)
SELECT_SAME_ANSWERS: Final = (
    "SELECT COUNT(*) AS audits FROM audit WHERE answers_sha256 = ? AND uuid <> ?"
)

Reader = Database | Connection


async def photo_facts(
    reader: Reader, photo_uuids: Sequence[str], audit_uuid: uuid_module.UUID
) -> list[PhotoFacts]:
    """The received photos among `photo_uuids`, with what other audits share them."""
    wanted = sorted({uuid_module.UUID(photo) for photo in photo_uuids}, key=str)
    if not wanted:
        return []
    photos = await reader.fetch(SELECT_PHOTOS.format(marks=marks(len(wanted))), *wanted)
    if not photos:
        return []
    hashes = sorted({row["sha256"] for row in photos})
    users = await reader.fetch(
        SELECT_SAME_BYTES.format(marks=marks(len(hashes))), *hashes, audit_uuid
    )
    same_bytes: dict[str, set[tuple[str, str]]] = {}
    for row in users:
        same_bytes.setdefault(row["sha256"], set()).add(
            (str(row["audit_uuid"]), str(row["photo_uuid"]))
        )
    perceptual = {
        str(row["uuid"]): (row["sha256"], similarity.from_text(row["phash"]))
        for row in photos
        if row["phash"]
    }
    near = await near_duplicates(reader, perceptual, audit_uuid) if perceptual else {}
    facts = []
    for row in photos:
        copies = same_bytes.get(row["sha256"], set())
        similar = near.get(str(row["uuid"]), set())
        facts.append(
            PhotoFacts(
                uuid=str(row["uuid"]),
                captured_at=dt.datetime.fromisoformat(row["captured_at"])
                if row["captured_at"]
                else None,
                metadata_read=bool(row["metadata_read"]),
                camera_make=row["camera_make"],
                camera_model=row["camera_model"],
                software=row["software"],
                same_file=tuple(sorted(copies)),
                copied_from=tuple(sorted(similar)),
            )
        )
    return facts


async def near_duplicates(
    reader: Reader, photos: dict[str, tuple[str, int]], audit_uuid: uuid_module.UUID
) -> dict[str, set[tuple[str, str]]]:
    """For each photo (uuid: (sha256, perceptual hash)), the other audits naming a photo of
    other bytes whose hash is within `NEAR_DUPLICATE_BITS` of it, each with that photo."""
    matches: dict[str, set[str]] = {}  # candidate photo uuid -> our photos it resembles
    ours = list(photos.items())
    for start in range(0, len(ours), HASHES_PER_QUERY):
        chunk = ours[start : start + HASHES_PER_QUERY]
        values: list[list[int]] = [[], [], [], []]
        for _uuid, (_sha256, phash) in chunk:
            for band, value in enumerate(similarity.bands(phash)):
                values[band].extend(similarity.band_neighbours(value))
        statement = SELECT_BAND_CANDIDATES.format(
            **{f"b{band}": marks(len(values[band])) for band in range(similarity.BANDS)}
        )
        candidates = await reader.fetch(statement, *(value for band in values for value in band))
        for row in candidates:
            if not row["phash"]:
                continue
            theirs = similarity.from_text(row["phash"])
            for photo_uuid, (sha256, phash) in chunk:
                # The same bytes are reuse, not a near-duplicate (`photo_reused` says so).
                if row["sha256"] != sha256 and similarity.is_near_duplicate(phash, theirs):
                    matches.setdefault(str(row["uuid"]), set()).add(photo_uuid)
    if not matches:
        return {}
    candidates_named = sorted(matches)
    rows = await reader.fetch(
        SELECT_AUDITS_NAMING.format(marks=marks(len(candidates_named))),
        *(uuid_module.UUID(candidate) for candidate in candidates_named),
        audit_uuid,
    )
    found: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        for photo_uuid in matches[str(row["photo_uuid"])]:
            found.setdefault(photo_uuid, set()).add(
                (str(row["audit_uuid"]), str(row["photo_uuid"]))
            )
    return found


async def patterns(
    reader: Reader,
    audit_uuid: uuid_module.UUID,
    auditor_id: int,
    device_id: str | None,
    answers_sha256: str | None,
) -> Patterns:
    """Other auditors on the same phone and other audits with the same answers; a query only
    for what the audit carries."""
    auditors = copies = 0
    if device_id is not None:
        rows = await reader.fetch(SELECT_DEVICE_USERS, device_id, auditor_id)
        auditors = int(rows[0]["auditors"])
    if answers_sha256 is not None:
        rows = await reader.fetch(SELECT_SAME_ANSWERS, answers_sha256, audit_uuid)
        copies = int(rows[0]["audits"])
    return Patterns(other_auditors_on_device=auditors, copies=copies)
