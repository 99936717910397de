"""The score rollup: one row per released audit, rewritten on release and on an upheld dispute.

League tables, trends, best-vs-rest and Pareto analyses read only `score_rollup` and
`score_rollup_item` (docs/contract.md#rollup), never raw answers. `write_rollup` must run inside the
transaction that releases the audit or corrects its answers, so the rollup never disagrees
with the audit it summarises.

Two answers that are not points are copied into the row, because analytics may not read raw
answers and templates have no field marking them (docs/contract.md#templates):

- `nps`: the value of the first visible, answered `nps` item (0-10, scored or not); `nps_item`
  is that item's key. Null when the template asks none or it was left unanswered / N/A.
- `fcr` (first-contact resolution): on a phone, e-mail or chat template, the visible,
  answered `yes_no` item keyed with the first of `FIRST_CONTACT_RESOLUTION_KEYS` the template
  has (the starters use `resolved_first_contact` and `resolved`); true when its answer is the
  good one. Null on other channels, or when no such item was answered. A template author who
  wants FCR reported names the question with one of these keys.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from server.workflow.access import AuditRecord
from server.workflow.tables import ScoreRollup, ScoreRollupItem
from shared.answers import Answer
from shared.checklist import Template
from shared.scoring import ScoreCard, index_answers, is_answered, visible_items

FIRST_CONTACT_RESOLUTION_KEYS: Final = (
    "first_contact_resolution",
    "resolved_first_contact",
    "resolved",
)
CONTACT_CHANNELS: Final = frozenset({"phone", "email", "chat"})


def _shown_answers(
    template: Template, answers: Iterable[Answer | Mapping[str, Any]]
) -> list[tuple[str, str, Answer]]:
    """(item key, item kind, answer) of every visible, answered item, in template order."""
    by_item = index_answers(answers)
    visible = visible_items(template, by_item)
    return [
        (item.key, item.kind, by_item[item.key])
        for item in template.items()
        if visible[item.key] and is_answered(by_item.get(item.key))
    ]


def recommendation(
    template: Template, answers: Iterable[Answer | Mapping[str, Any]]
) -> tuple[int | None, str | None]:
    """(rating 0-10, item key) of the first answered `nps` item, or (None, None)."""
    for key, kind, answer in _shown_answers(template, answers):
        if kind == "nps" and isinstance(answer.value, int | float):
            return int(answer.value), key  # validation let through whole numbers 0-10 only
    return None, None


def first_contact_resolution(
    template: Template, answers: Iterable[Answer | Mapping[str, Any]]
) -> bool | None:
    """Whether a contact audit's resolution item got its good answer; None if not asked."""
    if template.channel not in CONTACT_CHANNELS:
        return None
    shown = {
        key: answer for key, kind, answer in _shown_answers(template, answers) if kind == "yes_no"
    }
    for key in FIRST_CONTACT_RESOLUTION_KEYS:
        if key in shown:
            return shown[key].value == template.item(key).good
    return None


async def write_rollup(
    audit: AuditRecord,
    template: Template,
    card: ScoreCard,
    answers: Iterable[Answer | Mapping[str, Any]],
    released_at: dt.datetime,
    rescored_at: dt.datetime | None = None,
) -> int:
    """Replace the audit's rollup row and its item rows; return the rollup row's id.

    `card` is `shared.scoring.score(template, answers)`: the caller has scored them already.
    """
    answers = list(answers)
    nps, nps_item = recommendation(template, answers)
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
        "nps": nps,
        "nps_item": nps_item,
        "fcr": first_contact_resolution(template, answers),
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
