"""Fill the rollup's new `nps`, `nps_item` and `fcr` columns for audits released before them.

Runs after the migration that adds the columns (Piccolo runs a migration's raw steps before its
column changes, hence a migration of its own). Each rollup row gets what `write_rollup` now
writes, computed from the audit's current answers and checklist by the same functions, so the
NPS and first-contact figures of earlier waves do not vanish on upgrade. Rows are read in
chunks; a database with no released audits does nothing.
"""

from __future__ import annotations

import json
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T11:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "score rollup nps and first-contact resolution backfill"
CHUNK = 500


async def backfill_recommendation_and_resolution() -> int:
    """Fill the three columns of every rollup row that has none of them; rows changed."""
    from piccolo.apps.migrations.tables import Migration

    from server.workflow.rollup import first_contact_resolution, recommendation
    from shared.checklist import Template

    rows = await Migration.raw(
        "SELECT r.id, a.id AS audit_id, a.template FROM score_rollup r "
        "JOIN audit a ON a.uuid = r.audit_uuid "
        "WHERE r.nps IS NULL AND r.nps_item IS NULL AND r.fcr IS NULL ORDER BY r.id"
    )
    templates: dict[int, Template] = {}
    changed = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        audit_ids = [row["audit_id"] for row in chunk]
        answers: dict[int, list[dict[str, Any]]] = {audit_id: [] for audit_id in audit_ids}
        marks = ", ".join("{}" for _ in audit_ids)
        for answer in await Migration.raw(
            "SELECT audit, item, value, na, comment, photos FROM audit_answer "  # noqa: S608
            f"WHERE audit IN ({marks})",
            *audit_ids,
        ):
            answers[answer["audit"]].append(
                {
                    "item": answer["item"],
                    "value": None if answer["value"] is None else json.loads(answer["value"]),
                    "na": bool(answer["na"]),
                    "comment": answer["comment"],
                    "photos": json.loads(answer["photos"]),
                }
            )
        for row in chunk:
            template_id = row["template"]
            if template_id not in templates:
                [body] = await Migration.raw(
                    "SELECT body FROM checklist_template WHERE id = {}", template_id
                )
                templates[template_id] = Template.from_dict(json.loads(body["body"]))
            template = templates[template_id]
            nps, nps_item = recommendation(template, answers[row["audit_id"]])
            fcr = first_contact_resolution(template, answers[row["audit_id"]])
            if nps is None and fcr is None:
                continue
            await Migration.raw(
                "UPDATE score_rollup SET nps = {}, nps_item = {}, fcr = {} WHERE id = {}",
                nps,
                nps_item,
                fcr,
                row["id"],
            )
            changed += 1
    return changed


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def backfill() -> None:
        await backfill_recommendation_and_resolution()

    manager.add_raw(backfill)
    return manager
