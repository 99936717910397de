"""Per-client workflow rules: the dispute window, how long a corrective action may take, and
the trust threshold of the client's audits.

A client without a row uses the defaults (docs/contract.md#disputes: 7 days to dispute; no
trust threshold); admins change them. Below `trust_threshold` an audit is held: releasing it
takes a reviewer's written reason; with `auto_release`, an audit at or above it with no flag
is released without a reviewer once all its photos are in (docs/contract.md#trust).

`channel_weights` says how the channels of a wave's visits weigh in an outlet's wave result
(docs/contract.md#wave-result): empty, every visit weighs the same; otherwise each channel's
visits together weigh its weight (a channel not named: 1), as `server.analytics.results`
computes it.

`live_score` says whether the client's shoppers see the live score on the phone while they
audit (default true); it is kept with the client's visit rules (`client_visit_rules`), which
sync sends with each assignment (docs/contract.md#sync-pull).

`league_basis` says which results the client's league orders and groups into tiers: "raw" (the
results as visited, the default) or "adjusted" (each visit's auditor leniency taken out,
docs/contract.md#estimates); the headline score every view shows stays the raw result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping

import msgspec

from server.access.abilities import ADMINISTER, require
from server.access.caller import Caller
from server.access.scope import Record, can_see
from server.auditlog import service as auditlog
from server.audits.tables import ClientVisitRules
from server.core.database import Database
from server.core.errors import Invalid, NotFound
from server.core.i18n import _
from server.organisation.tables import Client
from server.workflow.schemas import WorkflowSettings, WorkflowSettingsUpdate
from server.workflow.tables import ClientWorkflowSettings
from shared.checklist import CHANNELS
from shared.lifecycle import DEFAULT_DISPUTE_WINDOW

DEFAULT_DISPUTE_WINDOW_DAYS = DEFAULT_DISPUTE_WINDOW.days
DEFAULT_CORRECTIVE_DUE_DAYS = 14
MAX_DAYS = 366
MAX_CHANNEL_WEIGHT = 100
RAW, ADJUSTED = "raw", "adjusted"
LEAGUE_BASES = (RAW, ADJUSTED)


@dataclasses.dataclass(frozen=True, slots=True)
class ClientRules:
    dispute_window: dt.timedelta
    corrective_due: dt.timedelta
    trust_threshold: int | None = None
    auto_release: bool = False
    channel_weights: Mapping[str, float] = dataclasses.field(default_factory=dict)
    league_basis: str = RAW

    def holds(self, trust: int) -> bool:
        """Whether an audit of this trust is held for a reviewer's written reason."""
        return self.trust_threshold is not None and trust < self.trust_threshold


async def client_rules(client_id: int) -> ClientRules:
    row = (
        await ClientWorkflowSettings.select()
        .where(ClientWorkflowSettings.client == client_id)
        .first()
    )
    if row is None:
        return ClientRules(
            dt.timedelta(days=DEFAULT_DISPUTE_WINDOW_DAYS),
            dt.timedelta(days=DEFAULT_CORRECTIVE_DUE_DAYS),
        )
    return ClientRules(
        dt.timedelta(days=row["dispute_window_days"]),
        dt.timedelta(days=row["corrective_due_days"]),
        row["trust_threshold"],
        bool(row["auto_release"]),
        _weights(row["channel_weights"]),
        _basis(row["league_basis"]),
    )


def _basis(stored: str | None) -> str:
    return stored if stored in LEAGUE_BASES else RAW


async def league_bases(client_ids: Iterable[int]) -> dict[int, str]:
    """Which results each of these clients' league ranks: "raw" unless it chose "adjusted"."""
    wanted = sorted(set(client_ids))
    if not wanted:
        return {}
    rows = await ClientWorkflowSettings.select(
        ClientWorkflowSettings.client, ClientWorkflowSettings.league_basis
    ).where(ClientWorkflowSettings.client.is_in(wanted))
    chosen = {row["client"]: _basis(row["league_basis"]) for row in rows}
    return {client: chosen.get(client, RAW) for client in wanted}


def _weights(stored: str | None) -> dict[str, float]:
    return {channel: float(weight) for channel, weight in json.loads(stored or "{}").items()}


async def channel_weights(client_ids: Iterable[int]) -> dict[int, dict[str, float]]:
    """The channel weights of each of these clients that set some (docs/contract.md#wave-result)."""
    wanted = sorted(set(client_ids))
    if not wanted:
        return {}
    rows = await ClientWorkflowSettings.select(
        ClientWorkflowSettings.client, ClientWorkflowSettings.channel_weights
    ).where(ClientWorkflowSettings.client.is_in(wanted))
    weights = {row["client"]: _weights(row["channel_weights"]) for row in rows}
    return {client: chosen for client, chosen in weights.items() if chosen}


async def trust_thresholds(client_ids: list[int]) -> dict[int, int]:
    """The trust threshold of each of these clients that has one."""
    if not client_ids:
        return {}
    rows = await ClientWorkflowSettings.select(
        ClientWorkflowSettings.client, ClientWorkflowSettings.trust_threshold
    ).where(
        ClientWorkflowSettings.client.is_in(client_ids),
        ClientWorkflowSettings.trust_threshold.is_not_null(),
    )
    return {row["client"]: row["trust_threshold"] for row in rows}


async def get_settings(caller: Caller, client_id: int) -> WorkflowSettings:
    if not can_see(caller, Record(client_id=client_id)) or not await Client.exists().where(
        Client.id == client_id
    ):
        raise NotFound(_("No such client."))
    rules = await client_rules(client_id)
    return WorkflowSettings(
        client_id=client_id,
        dispute_window_days=rules.dispute_window.days,
        corrective_due_days=rules.corrective_due.days,
        trust_threshold=rules.trust_threshold,
        auto_release=rules.auto_release,
        channel_weights=dict(rules.channel_weights),
        live_score=await _live_score(client_id),
        league_basis=rules.league_basis,
    )


async def update_settings(
    database: Database, caller: Caller, client_id: int, data: WorkflowSettingsUpdate
) -> WorkflowSettings:
    require(caller, ADMINISTER)
    async with database.transaction():
        before = await get_settings(caller, client_id)
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        after = msgspec.structs.replace(before, **changes)
        problems = [
            {
                "item": field,
                "code": "out_of_range",
                "message": _("must be between 0 and {most} days").format(most=MAX_DAYS),
            }
            for field in ("dispute_window_days", "corrective_due_days")
            if not 0 <= getattr(after, field) <= MAX_DAYS
        ]
        if after.trust_threshold is not None and not 0 <= after.trust_threshold <= 100:
            problems.append(
                {
                    "item": "trust_threshold",
                    "code": "out_of_range",
                    "message": _("must be between 0 and 100, or null for no threshold"),
                }
            )
        if after.auto_release and after.trust_threshold is None:
            problems.append(
                {
                    "item": "auto_release",
                    "code": "threshold_required",
                    "message": _("releasing audits automatically needs a trust threshold"),
                }
            )
        for channel, weight in sorted(after.channel_weights.items()):
            if channel not in CHANNELS:
                problems.append(
                    {
                        "item": f"channel_weights.{channel}",
                        "code": "unknown_channel",
                        "message": _("is not a channel"),
                    }
                )
            elif not 0 < weight <= MAX_CHANNEL_WEIGHT:
                problems.append(
                    {
                        "item": f"channel_weights.{channel}",
                        "code": "out_of_range",
                        "message": _("must be more than 0 and at most {most}").format(
                            most=MAX_CHANNEL_WEIGHT
                        ),
                    }
                )
        if after.league_basis not in LEAGUE_BASES:
            problems.append(
                {
                    "item": "league_basis",
                    "code": "unknown_basis",
                    "message": _("must be raw or adjusted"),
                }
            )
        if problems:
            raise Invalid(_("The workflow settings are not valid."), problems)
        await ClientWorkflowSettings.delete().where(ClientWorkflowSettings.client == client_id)
        await ClientWorkflowSettings.insert(
            ClientWorkflowSettings(
                client=client_id,
                dispute_window_days=after.dispute_window_days,
                corrective_due_days=after.corrective_due_days,
                trust_threshold=after.trust_threshold,
                auto_release=after.auto_release,
                channel_weights=json.dumps(after.channel_weights, sort_keys=True),
                league_basis=after.league_basis,
            )
        )
        await _store_live_score(client_id, after.live_score)
        await auditlog.record(caller, "update", "workflow_settings", client_id, before, after)
    return after


async def _live_score(client_id: int) -> bool:
    row = (
        await ClientVisitRules.select(ClientVisitRules.live_score)
        .where(ClientVisitRules.client == client_id)
        .first()
    )
    return True if row is None else bool(row["live_score"])


async def _store_live_score(client_id: int, live_score: bool) -> None:
    if await ClientVisitRules.exists().where(ClientVisitRules.client == client_id):
        await ClientVisitRules.update({ClientVisitRules.live_score: live_score}).where(
            ClientVisitRules.client == client_id
        )
    else:
        await ClientVisitRules.insert(ClientVisitRules(client=client_id, live_score=live_score))
