"""Additive: what the trust score of a visit needs (docs/contract.md#trust).

- `audit` and `audit_revision`: `trust` (0-100, 100 for existing rows until the next migration
  scores them from their flags), `trust_reasons` (JSON, `[]`) and `device_id` (null); `audit`
  also `answers_sha256` (null), whose partial indexes the next migration creates (Piccolo runs
  a migration's raw steps before its column changes).
- `photo`: `metadata_read` (false: the camera details of photos stored before are unknown),
  `camera_make`, `camera_model`, `software`, `phash` (null) and the hash's four bands
  `phash_b0`-`phash_b3` (null), each indexed for the near-duplicate search.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Integer, Text, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "trust score: audit trust, device and answers; photo camera details and hash"

PARAMS: dict[str, Any] = {
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}
NULLABLE: dict[str, Any] = {**PARAMS, "default": None, "null": True}
INDEXED: dict[str, Any] = {**NULLABLE, "index": True}

COLUMNS: tuple[tuple[str, str, str, type, dict[str, Any]], ...] = (
    ("Audit", "audit", "trust", Integer, {**PARAMS, "default": 100, "null": False}),
    ("Audit", "audit", "trust_reasons", Text, {**PARAMS, "default": "[]", "null": False}),
    ("Audit", "audit", "device_id", Varchar, {**NULLABLE, "length": 128}),
    ("Audit", "audit", "answers_sha256", Varchar, {**NULLABLE, "length": 64}),
    ("AuditRevision", "audit_revision", "trust", Integer, {**PARAMS, "default": 100, "null": False}),
    (
        "AuditRevision",
        "audit_revision",
        "trust_reasons",
        Text,
        {**PARAMS, "default": "[]", "null": False},
    ),
    ("AuditRevision", "audit_revision", "device_id", Varchar, {**NULLABLE, "length": 128}),
    ("Photo", "photo", "metadata_read", Boolean, {**PARAMS, "default": False, "null": False}),
    ("Photo", "photo", "camera_make", Varchar, {**NULLABLE, "length": 100}),
    ("Photo", "photo", "camera_model", Varchar, {**NULLABLE, "length": 100}),
    ("Photo", "photo", "software", Varchar, {**NULLABLE, "length": 100}),
    ("Photo", "photo", "phash", Varchar, {**NULLABLE, "length": 16}),
    ("Photo", "photo", "phash_b0", Integer, INDEXED),
    ("Photo", "photo", "phash_b1", Integer, INDEXED),
    ("Photo", "photo", "phash_b2", Integer, INDEXED),
    ("Photo", "photo", "phash_b3", Integer, INDEXED),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="audits", description=DESCRIPTION)
    for class_name, tablename, name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
