"""Audits stored before the trust score get the reasons of their flags from the backfill
migration, on both engines; audits without flags keep 100, and running it again changes nothing."""

# asserts are written as `expected == actual`

from __future__ import annotations

import importlib
import json
import uuid

from server.core.database import Database
from server.core.settings import Settings
from tests.server.api import Api, World
from tests.server.audits.helpers import audit_body, new_uuid, put_audit, sql

BACKFILL = importlib.import_module(
    "server.audits.piccolo_migrations.audits_2026_12_06t03_01_00_000000_trust_backfill"
)


async def test_the_backfill_scores_audits_from_their_flags(
    api: Api, world: World, settings: Settings
) -> None:
    flagged, plain = new_uuid(), new_uuid()
    body = audit_body(
        world.ids["assignment_own"],
        location={"lat": 50.45, "lon": 30.52, "accuracy_m": 20.0},  # Kyiv, not Warsaw
        finished_at="2026-01-06T10:16:00+01:00",
        sent_at="2020-01-01T00:00:00+00:00",
    )
    assert 201 == (await put_audit(api, world.headers["auditor"], flagged, body)).status_code
    honest = audit_body(
        world.ids["assignment_other"], location={"lat": 52.24, "lon": 21.02, "accuracy_m": 5.0}
    )
    assert 201 == (await put_audit(api, world.headers["other_auditor"], plain, honest)).status_code
    # As the rows were before the trust score: every audit at 100, without reasons.
    for table in ("audit", "audit_revision"):
        await sql(settings, f"UPDATE {table} SET trust = 100, trust_reasons = '[]'")

    database = Database(str(settings.database_url))
    await database.start()
    try:
        assert 2 == await BACKFILL.backfill_trust()  # the flagged audit and its revision
        assert 0 == await BACKFILL.backfill_trust()
    finally:
        await database.close()

    rows = await sql(
        settings,
        "SELECT a.uuid, a.trust, a.trust_reasons, r.trust FROM audit a "
        "JOIN audit_revision r ON r.audit = a.id ORDER BY a.id",
    )
    scored = {str(uuid.UUID(str(row[0]))): (row[1], row[2], row[3]) for row in rows}
    trust, reasons, revision_trust = scored[flagged]
    assert ["off_site", "too_short", "clock_skew"] == [
        reason["code"] for reason in json.loads(reasons)
    ]
    assert (25, 25) == (trust, revision_trust)
    assert (100, "[]", 100) == scored[plain]
