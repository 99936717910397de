"""What a wave's visits can tell of a client's outlets and auditors, as the product shows it.

`server.analytics.estimates` is pure: visits in, figures out. This module feeds it from the
rollup and keeps its answers, so that the league of 2,000 outlets answers as fast as the raw
league did (docs/contract.md#estimates):

- **Whole network, whoever asks.** An outlet's estimate, rank interval, tier and funnel class
  come from the client's whole network in the wave (with the request's channel, checklist and
  visit-date filters), never from the part a manager may see: the same outlet shows the same
  figures to everyone, in the league, the dashboard and both PDFs.
- **Ranked outlets.** The model is fitted to the outlets the league ranks (at least
  `min_visits` visits); an outlet with fewer keeps its result and "too few to rank".
- **Channel weights.** Each visit carries its share of its outlet's result as
  `server.analytics.results` weighs it, so `raw` here is the league's result and the estimate
  shrinks that very figure (`estimates._shrink_weighted`).
- **League basis.** A client chooses in its workflow settings whether its league orders and
  groups the raw results (default) or those with auditor leniency taken out
  (`server.workflow.rules.league_bases`).
- **Kept while the data is unchanged.** The figures of a (client, wave, filters, basis,
  minimum) are kept with a fingerprint of the sums the league has just read (per outlet,
  channel and checklist: visits, sum and sum of squares, the channel weights); the raw model
  rests on those alone, so the same fingerprint means the same figures. An adjusted league
  also depends on who made which visit, which never changes once a visit is released: its
  fingerprint adds one aggregate row of the visits' ids, so that a hit reads no visit. A
  miss is computed in a worker thread; concurrent requests for the same figures wait for one
  computation (`server.analytics.kept`). The simulation is seeded with the wave's id, so
  every process computes the same figures.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import anyio.to_thread

from server.access.caller import ADMIN, HEAD_OFFICE, REVIEWER, Caller
from server.analytics import estimates
from server.analytics.estimates import (
    AuditorSeverity,
    LeagueEstimates,
    OutletEstimate,
    Tier,
    TooFewVisits,
    Visit,
)
from server.analytics.filters import Filters, data_filters, network_where
from server.analytics.kept import KEPT_FIGURES
from server.analytics.results import MIN_VISITS_TO_RANK, OutletResult, WaveRef, read_results
from server.workflow.rules import ADJUSTED, RAW, channel_weights, league_bases
from server.workflow.tables import ScoreRollup

NETWORK_ROLES: Final = (ADMIN, REVIEWER, HEAD_OFFICE)


async def _raw(sql: str, args: Iterable[Any]) -> list[dict[str, Any]]:
    """Run `sql`, built only from fixed fragments; every value goes through a placeholder."""
    rows: list[dict[str, Any]] = await ScoreRollup.raw(sql, *args)
    return rows


@dataclasses.dataclass(frozen=True, slots=True)
class NetworkEstimates:
    """The estimates of one client's network in one wave (docs/contract.md#estimates)."""

    client_id: int
    wave_id: int
    basis: str  # RAW or ADJUSTED: which results the league orders and groups
    min_visits: int
    league: LeagueEstimates
    by_outlet: Mapping[int, OutletEstimate]
    tier_of: Mapping[int, Tier]
    # Each outlet's league fields as the JSON carries them, made once with the figures.
    fields: Mapping[int, Mapping[str, Any]]

    @property
    def ranked(self) -> int:
        return len(self.league.outlets)

    @property
    def tiers(self) -> tuple[Tier, ...]:
        return self.league.tiers


def sees_whole_network(caller: Caller, filters: Filters) -> bool:
    """Whether the caller's results of a client are its whole network (no region, outlet or
    scope narrows them), so that the league's own results can be used as they are."""
    return caller.role in NETWORK_ROLES and filters.region is None and filters.outlet is None


async def network_results(
    caller: Caller, filters: Filters, wave: WaveRef, shown: Mapping[int, OutletResult]
) -> dict[int, OutletResult]:
    """Every outlet result of the client's network in `wave` under the data filters: the
    league's own when they are the whole network, else read for it."""
    if sees_whole_network(caller, filters):
        return {outlet: r for outlet, r in shown.items() if r.client_id == wave.client_id}
    # Kept: a narrowed league's outlet intervals pooled the same read (`results.read_results`).
    results = await read_results(network_where(wave.client_id, filters), [wave], kept=True)
    return results.outlets(wave.id)


# --- the kept figures -----------------------------------------------------------------------


def _fingerprint(parts: Iterable[Any]) -> int:
    return hash(tuple(parts))


def _sums_fingerprint(results: Mapping[int, OutletResult], extra: Sequence[Any]) -> int:
    """What the raw model's figures rest on: each ranked outlet's region, result and sums by
    channel and checklist (the result carries the channel weights: changing them changes the
    result of every outlet visited on two channels, and an outlet on one channel is not
    affected). A hash, not a digest: it is compared only within this process."""
    return hash(
        (
            tuple(extra),
            tuple(
                (outlet, result.region_id, result.estimate.score, result.sums)
                for outlet, result in sorted(results.items())
            ),
        )
    )


# --- visits ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class VisitRow:
    outlet: int
    auditor: int
    percent: float
    channel: str
    template: str


async def read_visits(
    client_id: int, wave_id: int, filters: Filters, outlets: Iterable[int], with_auditor: bool
) -> list[VisitRow]:
    """The scored released visits of these outlets of the client in the wave, as the data
    filters keep them; with the auditor of each when asked (agency figures only)."""
    where = network_where(client_id, filters)
    where.add("r.wave = {}", wave_id)
    where.add("r.percent IS NOT NULL")
    wanted = frozenset(outlets)
    where.add_in("r.outlet", wanted)
    join = " JOIN outlet o ON o.id = r.outlet" if where.uses_outlet else ""
    auditor = "a.auditor" if with_auditor else "0"
    if with_auditor:
        join += " JOIN audit a ON a.uuid = r.audit_uuid"
    rows = await _raw(
        f"SELECT r.outlet, {auditor} AS auditor, r.percent, r.channel, r.template_key "  # noqa: S608 -- fixed fragments, values in placeholders
        f"FROM score_rollup r{join} WHERE {where.sql()} ORDER BY r.id",
        where.args,
    )
    # A large network's thousands of visits: made into rows beside the event loop.
    return await anyio.to_thread.run_sync(_visit_rows, rows)


def _visit_rows(rows: Sequence[Mapping[str, Any]]) -> list[VisitRow]:
    return [
        VisitRow(
            outlet=row["outlet"],
            auditor=int(row["auditor"] or 0),
            percent=float(row["percent"]),
            channel=row["channel"],
            template=row["template_key"],
        )
        for row in rows
    ]


def as_visits(rows: Sequence[VisitRow], shares: Mapping[str, float]) -> list[Visit]:
    """The model's visits, each weighing its share of its outlet's result as the league weighs
    it: a channel's weight shared equally among the outlet's visits on that channel."""
    per_channel: collections.Counter[tuple[int, str]] = collections.Counter(
        (row.outlet, row.channel) for row in rows
    )
    return [
        Visit(
            outlet=row.outlet,
            auditor=row.auditor,
            percent=row.percent,
            channel=row.channel,
            template=row.template,
            weight=(shares.get(row.channel, 1.0) / per_channel[(row.outlet, row.channel)])
            if shares
            else 1.0,
        )
        for row in rows
    ]


async def _visits_signature(client_id: int, wave_id: int, filters: Filters) -> tuple[Any, ...]:
    """What an adjusted league rests on beyond the sums: who made the visits. Who made a
    released visit never changes, so the visits themselves say it: one aggregate row of the
    rollup (visits, the sum of their ids, the last), read from its index without a visit; a
    visit released or replaced changes it."""
    where = network_where(client_id, filters)
    where.add("r.wave = {}", wave_id)
    where.add("r.percent IS NOT NULL")
    join = " JOIN outlet o ON o.id = r.outlet" if where.uses_outlet else ""
    rows = await _raw(
        "SELECT COUNT(*) AS visits, COALESCE(SUM(r.id), 0) AS ids, COALESCE(MAX(r.id), 0) AS last "  # noqa: S608 -- fixed fragments, values in placeholders
        f"FROM score_rollup r{join} WHERE {where.sql()}",
        where.args,
    )
    row = rows[0]
    return (int(row["visits"]), int(row["ids"]), int(row["last"]))


# --- the league's estimates -----------------------------------------------------------------


def _network_estimates(
    client_id: int,
    wave_id: int,
    basis: str,
    min_visits: int,
    rows: Sequence[VisitRow],
    shares: Mapping[str, float],
    target: float | None,
) -> NetworkEstimates | None:
    """The network's estimates from its visits (in a worker thread: seconds for a large one)."""
    try:
        league = estimates.league_estimates(
            as_visits(rows, shares),
            adjust_for_auditors=basis == ADJUSTED,
            seed=wave_id,
            target=target,
        )
    except TooFewVisits:
        return None
    tier_of = {outlet: tier for tier in league.tiers for outlet in tier.outlets}
    adjusted = league.adjusted_for_auditors
    fields = {
        int(found.outlet): {
            "estimate": round(found.estimate, 2),
            "estimate_low": round(found.interval.low, 2),
            "estimate_high": round(found.interval.high, 2),
            "shrinkage": round(found.weight, 4),
            "adjusted": round(found.adjusted, 2) if adjusted else None,
            "estimate_rank": found.rank,
            "rank_low": found.rank_low,
            "rank_high": found.rank_high,
            "tier": found.tier,
            "funnel": found.funnel,
            "funnel_998": found.funnel_998,
        }
        for found in league.outlets
    }
    return NetworkEstimates(
        client_id=client_id,
        wave_id=wave_id,
        basis=basis,
        min_visits=min_visits,
        league=league,
        by_outlet={int(estimate.outlet): estimate for estimate in league.outlets},
        tier_of={int(outlet): tier for outlet, tier in tier_of.items()},
        fields=fields,
    )


async def network_estimates(
    wave: WaveRef,
    network: Mapping[int, OutletResult],
    filters: Filters,
    min_visits: int = MIN_VISITS_TO_RANK,
    basis: str | None = None,
) -> NetworkEstimates | None:
    """The estimates of the client's network in `wave` (`network`: every outlet result of it
    under the data filters), computed when the data changed since they were last kept. None
    when the visits cannot support the model (fewer than two ranked outlets)."""
    if basis is None:
        basis = (await league_bases([wave.client_id]))[wave.client_id]
    ranked = {
        outlet: result
        for outlet, result in network.items()
        if result.visits >= min_visits and result.client_id == wave.client_id
    }
    if len(ranked) < 2:
        return None
    key = ("league", wave.client_id, wave.id, data_filters(filters), basis, min_visits)
    # The funnel's centre is the network's result (every outlet weighing the same) for raw
    # results; for adjusted ones, the mean of the adjusted results.
    target = (
        sum(result.score for result in network.values()) / len(network) if basis == RAW else None
    )
    extra: list[Any] = [target]
    if basis == ADJUSTED:
        extra.append(await _visits_signature(wave.client_id, wave.id, filters))
    fingerprint = _sums_fingerprint(ranked, extra)
    found, value = KEPT_FIGURES.get(key, fingerprint)
    if found:
        return value  # type: ignore[no-any-return]
    rows = await read_visits(
        wave.client_id, wave.id, filters, ranked, with_auditor=basis == ADJUSTED
    )
    shares = (await channel_weights([wave.client_id])).get(wave.client_id, {})
    return await KEPT_FIGURES.computed(
        key,
        fingerprint,
        functools.partial(
            _network_estimates, wave.client_id, wave.id, basis, min_visits, rows, shares, target
        ),
    )


# --- auditors -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class AuditorFigures:
    """Auditor severity in one client's wave, with the names it speaks of (agency only)."""

    client_id: int
    wave_id: int
    severity: AuditorSeverity
    auditor_names: Mapping[int, str]
    outlet_codes: Mapping[int, str]


async def auditor_figures(wave: WaveRef, filters: Filters) -> AuditorFigures | None:
    """Each auditor's leniency in the client's wave, the design check and adjusted results,
    from every scored released visit of the network (data filters applied). None when the
    visits cannot support the model (fewer than two outlets or auditors, no repeated outlet)."""
    shares = (await channel_weights([wave.client_id])).get(wave.client_id, {})
    outlets = await _raw(
        "SELECT id, code FROM outlet WHERE client = {}",
        [wave.client_id],
    )
    codes = {row["id"]: row["code"] for row in outlets}
    rows = await read_visits(wave.client_id, wave.id, filters, codes, with_auditor=True)
    auditor_ids = sorted({row.auditor for row in rows})
    if len(auditor_ids) < 2:
        return None
    names = await _raw(
        f"SELECT id, name FROM app_user WHERE id IN ({', '.join('{}' for _ in auditor_ids)})",  # noqa: S608 -- placeholders only
        auditor_ids,
    )
    auditor_names = {row["id"]: row["name"] for row in names}
    key = ("auditors", wave.client_id, wave.id, data_filters(filters))
    fingerprint = _fingerprint(
        [
            tuple(sorted(shares.items())),
            tuple(sorted(auditor_names.items())),
            tuple(
                (row.outlet, row.auditor, row.percent, row.channel, row.template) for row in rows
            ),
        ]
    )

    def compute() -> AuditorSeverity | None:
        try:
            return estimates.auditor_severity(
                as_visits(rows, shares),
                auditor_names=auditor_names,
                outlet_names=codes,
                seed=wave.id,
            )
        except TooFewVisits:
            return None

    severity = await KEPT_FIGURES.computed(key, fingerprint, compute)
    if severity is None:
        return None
    return AuditorFigures(wave.client_id, wave.id, severity, auditor_names, codes)
