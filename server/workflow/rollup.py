"""The score rollup: one row per released audit, rewritten on release and on an upheld dispute.

League tables, trends, best-vs-rest and Pareto analyses read only `score_rollup` and
`score_rollup_item` (DESIGN §8), never raw answers. `write_rollup` must run inside the
transaction that releases the audit or corrects its answers, so the rollup never disagrees
with the audit it summarises.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from server.workflow.access import AuditRecord
from server.workflow.tables import ScoreRollup, ScoreRollupItem
from shared.checklist import Template
from shared.scoring import ScoreCard


async def write_rollup(
    audit: AuditRecord,
    template: Template,
    card: ScoreCard,
    released_at: dt.datetime,
    rescored_at: dt.datetime | None = None,
) -> int:
    """Replace the audit's rollup row and its item rows; return the rollup row's id."""
    existing = (
        await ScoreRollup.select(ScoreRollup.id).where(ScoreRollup.audit_uuid == audit.uuid).first()
    )
    values: dict[str, Any] = {
        "outlet": audit.outlet_id,
        "region": audit.region_id,
        "client": audit.client_id,
        "wave": audit.wave_id,
        "template_key": audit.template_key,
        "template_version": audit.template_version,
        "channel": audit.channel,
        "visited_at": audit.started_at,
        "released_at": released_at,
        "rescored_at": rescored_at,
        "percent": None if card.percent is None else Decimal(card.percent),
        "total": None if card.total is None else str(card.total),
        "band": card.band,
        "passed": card.passed,
        "section_ratios": json.dumps(
            {key: str(ratio) for key, ratio in card.sections.items()}, sort_keys=True
        ),
        "critical_failure": bool(card.critical_failures),
    }
    if existing is None:
        rows = await ScoreRollup.insert(ScoreRollup(audit_uuid=audit.uuid, **values))
        rollup_id: int = rows[0]["id"]
    else:
        rollup_id = existing["id"]
        await ScoreRollup.update(**values).where(ScoreRollup.id == rollup_id)
        await ScoreRollupItem.delete().where(ScoreRollupItem.rollup == rollup_id)
    failed = set(card.failed)
    item_rows = [
        ScoreRollupItem(
            rollup=rollup_id,
            item=item.key,
            section=template.section_of(item.key).key,
            earned=float(card.earned[item.key]),
            possible=float(card.possible[item.key]),
            failed=item.key in failed,
            critical=item.critical,
        )
        for item in template.items()
        if item.key in card.possible
    ]
    if item_rows:
        await ScoreRollupItem.insert(*item_rows)
    return rollup_id
