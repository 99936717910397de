"""Tables of audits as they arrive from the phone: audits, their revisions, answers and photos.

`audit` — one row per audit UUID (the phone creates it), always describing the current
revision. Other features (review, disputes, rollup in `server.workflow`) read and update it;
column names are stable.

- `uuid`: the phone's audit UUID, unique; the public id of the audit.
- `assignment`, `auditor`, `outlet`, `client`, `wave`: where it belongs. Everything but the
  assignment is copied from the assignment at first receipt so scope checks need no join.
  `auditor` must never reach a client user (shopper anonymity).
- `template` (row id), `template_key`, `template_version`, `channel`: the checklist used.
- `revision`: 1 at first receipt; +1 each time a returned audit comes back changed.
- `status`: one of `shared.lifecycle.AUDIT_STATES` (`submitted`, `returned`, `approved`,
  `disputed`); a new audit or revision is `submitted`.
- `canonical`: `shared.codec.canonical_json(body, template)` of the current revision (UTF-8
  JSON text); `canonical_sha256` its hex digest, compared to recognise a replay.
- `started_at`, `finished_at`: device times of the visit; `sent_at`: device clock at send;
  `received_at`: server clock when the current revision was stored (first receipt for rev 1).
- `lat`, `lon`, `accuracy_m`, `located_at`: the GPS fix sent by the phone, all null if none.
- `score_percent` (one decimal, null when nothing is scored), `score_band`, `score_passed`,
  `critical_failure` (any critical item failed) and `score` (JSON of
  `shared.scoring.ScoreCard.to_dict()`): the server's own score of the current revision.
- `flags`: JSON list of proof-of-visit flags, each `{"code": ..., "detail": {...}}`, codes
  `off_site`, `too_short`, `clock_skew`, `photo_reused`, `photo_outside_visit`. They never
  block ingest; the reviewer sees them.
- `trust` (0-100) and `trust_reasons` (JSON list of `{"code", "params", "penalty"}`): the trust
  score of the visit and why it is not 100 (`server.audits.trust`, docs/contract.md#trust),
  computed on receipt and again when one of its photos arrives. Auditor-related reasons never
  reach a client user.
- `device_id`: the identifier of the phone that sent the current revision, null if it sent
  none; `answers_sha256`: the fingerprint of answers distinctive enough to tell a copy (null
  otherwise). Both only serve the trust score and never reach a client user. Each has a partial
  index of the rows where it is set (created by the trust migration: Piccolo columns cannot
  say so), so an audit without them costs no index entry.
- `released_at`: when the audit was approved (released to the client); null before.
- `status_changed_at`: the last change of `status`; `updated_at`: the last change of the row.
  Set `updated_at` on every change: `GET /api/v1/sync` sends an assignment to the phone
  again when its audit's `updated_at` passed the phone's cursor (after a return, say).
- One audit per assignment (unique key on `assignment`).

`audit_revision` keeps the canonical body, score, flags, trust and device of every revision
ever stored (the current one included), so a correction after a return never loses the earlier
answers.

`audit_answer` — one row per answer of the current revision (replaced when a new revision
arrives): `item` key, `position` (template order), `value` (JSON text of the answer value),
`na`, `comment`, `photos` (JSON list of photo UUIDs in the given order).

`photo` — one row per photo UUID, written only after the media store holds the files:
`sha256` of the original bytes (also the storage key of the original), `media_type`,
`width`, `height`, `size_bytes`, `captured_at` (EXIF capture time as ISO 8601 text, with
its offset when the camera recorded one, else the camera's local time; null if unknown), the
storage keys of the `original`, `display` and `thumbnail` files, `uploaded_by`,
`received_at`. What the trust score reads of the original: `metadata_read` (true for every photo
received since the camera facts are read; false for older ones, whose facts are unknown),
`camera_make`, `camera_model`, `software` (EXIF texts, null when absent), `phash` (the 64-bit
perceptual hash as 16 hex digits, null for an image too plain to compare) and its four 16-bit
bands `phash_b0`-`phash_b3`, each indexed, to find near-duplicates
(`server.photos.similarity`).

`client_visit_rules` — per-client visit settings: `max_distance_m`, how far from the
outlet's coordinates a GPS fix may be before the audit is flagged off-site (default 300 m when
a client has no row); `live_score`, whether the phone shows the shopper the live score while
auditing (default true; sync sends it with each assignment).

`audit_photo` — the photo UUIDs the current revision of an audit references (a photo may
arrive before or after its audit, so this is not a foreign key to `photo`); a referenced
UUID without a `photo` row is a missing photo.
"""

from piccolo.columns import (
    UUID,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.organisation.tables import Client, Outlet
from server.templates.tables import ChecklistTemplate
from server.users.tables import User
from server.waves.tables import Assignment, Wave


class Audit(Table):
    uuid = UUID(unique=True)
    assignment = ForeignKey(references=Assignment, null=False, on_delete=OnDelete.restrict)
    auditor = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict, index=True)
    outlet = ForeignKey(references=Outlet, null=False, on_delete=OnDelete.restrict, index=True)
    client = ForeignKey(references=Client, null=False, on_delete=OnDelete.restrict)
    wave = ForeignKey(references=Wave, null=False, on_delete=OnDelete.restrict, index=True)
    template = ForeignKey(references=ChecklistTemplate, null=False, on_delete=OnDelete.restrict)
    template_key = Varchar(length=100)
    template_version = Integer()
    channel = Varchar(length=20)
    revision = Integer(default=1)
    status = Varchar(length=20, default="submitted", index=True)
    canonical = Text()
    canonical_sha256 = Varchar(length=64)
    started_at = Timestamptz()
    finished_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz()
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    accuracy_m = DoublePrecision(null=True, default=None)
    located_at = Timestamptz(null=True, default=None)
    score_percent = Numeric(digits=(4, 1), null=True, default=None)
    score_band = Varchar(length=40, null=True, default=None)
    score_passed = Boolean(null=True, default=None)
    critical_failure = Boolean(default=False)
    score = Text(default="{}")
    flags = Text(default="[]")
    trust = Integer(default=100)
    trust_reasons = Text(default="[]")
    device_id = Varchar(length=128, null=True, default=None)
    answers_sha256 = Varchar(length=64, null=True, default=None)
    released_at = Timestamptz(null=True, default=None)
    status_changed_at = Timestamptz()
    updated_at = Timestamptz(index=True)


class AuditRevision(Table):
    audit = ForeignKey(references=Audit, null=False, on_delete=OnDelete.restrict)
    revision = Integer()
    canonical = Text()
    canonical_sha256 = Varchar(length=64)
    score = Text(default="{}")
    score_percent = Numeric(digits=(4, 1), null=True, default=None)
    flags = Text(default="[]")
    trust = Integer(default=100)
    trust_reasons = Text(default="[]")
    device_id = Varchar(length=128, null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz()


class AuditAnswer(Table):
    audit = ForeignKey(references=Audit, null=False, on_delete=OnDelete.restrict)
    item = Varchar(length=100)
    position = Integer()
    value = Text(null=True, default=None)
    na = Boolean(default=False)
    comment = Text(default="")
    photos = Text(default="[]")


class Photo(Table):
    uuid = UUID(unique=True)
    sha256 = Varchar(length=64, index=True)
    media_type = Varchar(length=40)
    width = Integer()
    height = Integer()
    size_bytes = Integer()
    captured_at = Varchar(length=40, null=True, default=None)
    original_key = Varchar(length=200)
    display_key = Varchar(length=200)
    thumbnail_key = Varchar(length=200)
    uploaded_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    received_at = Timestamptz()
    metadata_read = Boolean(default=False)
    camera_make = Varchar(length=100, null=True, default=None)
    camera_model = Varchar(length=100, null=True, default=None)
    software = Varchar(length=100, null=True, default=None)
    phash = Varchar(length=16, null=True, default=None)
    phash_b0 = Integer(null=True, default=None, index=True)
    phash_b1 = Integer(null=True, default=None, index=True)
    phash_b2 = Integer(null=True, default=None, index=True)
    phash_b3 = Integer(null=True, default=None, index=True)


class AuditPhoto(Table):
    audit = ForeignKey(references=Audit, null=False, on_delete=OnDelete.restrict)
    photo_uuid = UUID(index=True)
    item = Varchar(length=100)


class ClientVisitRules(Table):
    client = ForeignKey(references=Client, null=False, unique=True, on_delete=OnDelete.restrict)
    max_distance_m = DoublePrecision(default=300.0)
    live_score = Boolean(default=True)


AUDIT_TABLES = [Audit, AuditRevision, AuditAnswer, Photo, AuditPhoto, ClientVisitRules]
