"""Rollup rows written before the `nps` / `fcr` columns existed get them from the backfill
migration: the same values a release writes now, recomputed from the audit's answers."""

from __future__ import annotations

import importlib
import random
import uuid
from typing import Any

from server.core.database import Database
from tests.server.analytics.starters import random_answers, starter
from tests.server.api import Api
from tests.server.workflow.helpers import ReviewWorld, sql, stored_uuid

BACKFILL = importlib.import_module(
    "server.workflow.piccolo_migrations.workflow_2026_11_23t11_41_00_000000_nps_fcr_backfill"
)


async def rollup_columns(url: str, audit_uuid: str) -> tuple[Any, Any, Any]:
    [row] = await sql(
        url,
        "SELECT nps, nps_item, fcr FROM score_rollup WHERE audit_uuid = ?",
        stored_uuid(url, audit_uuid),
    )
    return row["nps"], row["nps_item"], None if row["fcr"] is None else bool(row["fcr"])


async def test_backfill_restores_what_the_release_wrote(api: Api, review: ReviewWorld) -> None:
    admin, ids = review.headers["admin"], review.ids
    body = starter("phone")
    template = await api.ok("POST", "/api/v1/templates", admin, body)
    await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    released: dict[str, list[dict[str, Any]]] = {}
    for seed in (1, 2):
        email = f"caller{seed}@agency.test"
        auditor_id = await api.create_user(admin, email, "auditor")
        assignment = await api.ok("POST", "/api/v1/assignments", admin, {
            "wave_id": ids["wave_a"], "outlet_id": ids["outlet_own"], "auditor_id": auditor_id,
            "channel": "phone", "template_id": template["id"]})  # fmt: skip
        audit_uuid = str(uuid.uuid4())
        sent = random_answers(body, random.Random(seed))
        await api.ok("PUT", f"/api/v1/audits/{audit_uuid}", await api.login(email), {
            "assignment_id": assignment["id"],
            "template": {"key": body["key"], "version": template["version"]},
            "started_at": "2026-01-06T10:15:00+00:00",
            "finished_at": "2026-01-06T10:31:00+00:00",
            "location": None, "answers": sent})  # fmt: skip
        await api.ok("POST", f"/api/v1/review/audits/{audit_uuid}/approve", admin, {})
        released[audit_uuid] = sent
    # A phone checklist that asks neither question keeps both columns null.
    plain = await review.approved()

    url = str(api.context.settings.database_url)
    written = {audit_uuid: await rollup_columns(url, audit_uuid) for audit_uuid in released}
    assert {
        audit_uuid: (
            next(a["value"] for a in sent if a["item"] == "recommend"),
            "recommend",
            next(a["value"] for a in sent if a["item"] == "resolved_first_contact"),
        )
        for audit_uuid, sent in released.items()
    } == written
    assert (None, None, None) == await rollup_columns(url, plain.uuid)

    await sql(url, "UPDATE score_rollup SET nps = NULL, nps_item = NULL, fcr = NULL")
    database = Database(url)
    await database.start()
    try:
        assert 2 == await BACKFILL.backfill_recommendation_and_resolution()
        assert 0 == await BACKFILL.backfill_recommendation_and_resolution()
    finally:
        await database.close()
    assert written == {audit_uuid: await rollup_columns(url, audit_uuid) for audit_uuid in released}
    assert (None, None, None) == await rollup_columns(url, plain.uuid)
