"""How an outlet, a region and the network did in a wave: the one definition, from the rollup.

Every number that says how an outlet, a region or the network did in a wave (the league table,
regions, trend, best vs rest, the exports, the dashboard, the outlet and comparison PDFs) comes
from here (docs/contract.md#wave-result). Only `score_rollup` is read, with the open disputes
and the checklists' pass marks and bands beside it; never raw answers.

Definitions:
- An outlet's result in a wave is the weighted mean of the percents of its released visits in
  the wave (a visit without a score is left out). The weights are the client's channel weights
  (`server.workflow.rules`): none set, every visit weighs the same; set, each channel's visits
  together weigh the channel's weight (1 for a channel not named), shared equally among them,
  over the channels the outlet was visited on in that wave.
- A visit under an open dispute counts with its current score; the result says on how many
  such visits it rests (`under_dispute`), and is provisional while there is one.
- Its 95% interval is Student's t on the weighted mean, the variance of a mean with
  normalised weights a being s^2 * sum(a^2) (s^2 / n with equal weights), where s^2 is one
  visit's variance pooled over the visits of the client's whole network in the wave (each
  outlet, channel and checklist around its own mean; `VisitVariance`), on its degrees of
  freedom, under the data filters, whoever reads it: an outlet's own two or three visits say
  little of how far visits scatter (with three, the t quantile is 4.3, and three visits that
  happen to agree give an interval of two points), its network's hundreds say it well, and
  even one visit gets an interval. No interval when no outlet of the network had two scored
  visits on one channel and checklist. It is cut to 0-100; `margin` keeps the half-width
  before the cut, which is what tells two results apart.
- Its pass mark is the same weighted mean of the pass marks of the visits' checklists; its
  band is looked up in the bands of the checklist weighing most. Both are decided on the score
  as shown, with one decimal.
- A region's and the network's result is the mean of the results of their outlets (each
  outlet weighs the same). Its 95% interval is what their visits alone could move it
  (`visit_margin`): the result is the mean of these outlets, so their spread is no uncertainty
  of it.
- Change: the result minus the result of the same outlet, region or network in the client's
  previous wave (by start date). It is more than chance when the two waves' results are told
  apart (`moved`): an outlet's by its intervals (`outlet_moved`); a region's or the
  network's (`group_moved`), over the same outlets, by how far its visits alone could move it
  (`GroupResult.from_visits`), since the outlets' spread is then no noise of a change, and
  over different outlets by their intervals (the outlets' spread).
- Ranks are competition ranks ("1224") of the outlets with at least `MIN_VISITS_TO_RANK`
  visits. Where an outlet stands (its third of the network, how many outlets it cannot be told
  apart from, above or below the network) is derived from the intervals in `standings`: the
  one place to change when the statistics behind it change.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import anyio.to_thread

from server.access.caller import Caller
from server.access.scope import Columns, scope_of
from server.analytics import stats
from server.analytics.filters import Filters, Where, network_where, scope_where
from server.analytics.kept import KEPT_FIGURES, data_version, database
from server.templates.published import parsed_template
from server.workflow.rules import channel_weights
from server.workflow.tables import ScoreRollup
from shared.checklist import Template
from shared.errors import TemplateError

MIN_VISITS_TO_RANK: Final = 3
INTERVAL_METHOD: Final = (
    "student-t on the weighted mean of visit percents, one visit's variance pooled over the "
    "network's visits in the wave"
)
THIRDS: Final = ("top", "middle", "bottom")
ABOVE, LEVEL, BELOW = "above", "level", "below"


async def _raw(sql: str, args: Iterable[Any]) -> list[dict[str, Any]]:
    """Run `sql`, built only from fixed fragments; every value goes through a placeholder."""
    rows: list[dict[str, Any]] = await ScoreRollup.raw(sql, *args)
    return rows


def _day(value: Any) -> dt.date:
    """A DATE column as a date (SQLite may hand back ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@dataclasses.dataclass(frozen=True, slots=True)
class WaveRef:
    id: int
    client_id: int
    name: str
    starts_on: dt.date


@dataclasses.dataclass(frozen=True, slots=True)
class WaveChoice:
    """The waves a figure shows, the client's wave before each, and every wave by client."""

    shown: tuple[WaveRef, ...]
    previous: Mapping[int, WaveRef]
    by_client: Mapping[int, tuple[WaveRef, ...]]

    @property
    def ids(self) -> list[int]:
        return sorted(wave.id for wave in self.shown)

    def waves_and_previous(self) -> list[WaveRef]:
        return [*self.shown, *self.previous.values()]


async def visible_waves(caller: Caller, client_id: int | None = None) -> list[WaveRef]:
    """The waves the caller may see (client-level records), oldest first."""
    visible, args = scope_of(caller).sql(Columns(client="client"), placeholder="{}")
    sql = f"SELECT id, client, name, starts_on FROM wave WHERE {visible}"  # noqa: S608
    if client_id is not None:
        sql += " AND client = {}"
        args.append(client_id)
    rows = await _raw(sql + " ORDER BY starts_on, id", args)
    return [WaveRef(row["id"], row["client"], row["name"], _day(row["starts_on"])) for row in rows]


async def choose_waves(caller: Caller, filters: Filters) -> WaveChoice:
    """The wave `filters` names, or each client's latest wave holding released data that the
    caller may see and the other filters keep; with the client's wave before each."""
    waves = await visible_waves(caller, filters.client)
    by_client: dict[int, list[WaveRef]] = collections.defaultdict(list)
    for wave in waves:
        by_client[wave.client_id].append(wave)
    if filters.wave is not None:
        shown = [wave for wave in waves if wave.id == filters.wave]
    else:
        shown = []
        for client_waves in by_client.values():
            for wave in reversed(client_waves):
                where = scope_where(caller, filters, with_wave=False)
                where.add("r.wave = {}", wave.id)
                found = await _raw(
                    "SELECT 1 AS found FROM score_rollup r JOIN outlet o ON o.id = r.outlet "  # noqa: S608
                    f"WHERE {where.sql()} LIMIT 1",
                    where.args,
                )
                if found:
                    shown.append(wave)
                    break
    previous = {}
    for wave in shown:
        client_waves = by_client[wave.client_id]
        position = client_waves.index(wave)
        if position > 0:
            previous[wave.id] = client_waves[position - 1]
    return WaveChoice(
        shown=tuple(sorted(shown, key=lambda wave: (wave.client_id, wave.starts_on, wave.id))),
        previous=previous,
        by_client={client: tuple(client_waves) for client, client_waves in by_client.items()},
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Estimate:
    """A mean with its 95% interval: `count` values (visits, or outlets for a group)."""

    score: float
    count: int
    low: float | None = None
    high: float | None = None
    # The half-width before the cut to 0-100: what tells two results apart.
    margin: float | None = None


def _estimate(score: float, count: int, half_width: float | None) -> Estimate:
    if half_width is None:
        return Estimate(score, count)
    # A t interval is symmetric; scores are not: cut it to the 0-100 scale.
    return Estimate(
        score, count, max(0.0, score - half_width), min(100.0, score + half_width), half_width
    )


def mean_estimate(values: Sequence[float]) -> Estimate:
    """The plain mean of `values` with its t interval (the result of a region or network)."""
    interval = stats.t_interval(values)
    score = stats.mean(values)
    return _estimate(score, len(values), None if interval is None else score - interval.low)


@dataclasses.dataclass(frozen=True, slots=True)
class VisitSums:
    """Count, sum and sum of squares of the scored visits of one outlet in one wave that share
    a channel and a checklist version."""

    channel: str
    template: tuple[str, int]
    count: int
    total: float
    squares: float


def visit_weights(groups: Sequence[VisitSums], shares: Mapping[str, float]) -> list[float]:
    """The weight of one visit of each group: 1 each without shares; else the channel's share
    split among the channel's visits."""
    if not shares:
        return [1.0] * len(groups)
    per_channel: collections.Counter[str] = collections.Counter()
    for group in groups:
        per_channel[group.channel] += group.count
    return [shares.get(group.channel, 1.0) / per_channel[group.channel] for group in groups]


def concentration(groups: Sequence[VisitSums], weights: Sequence[float]) -> float:
    """sum(a^2) of the visits' normalised weights a: the variance of their weighted mean is one
    visit's variance times this (1/n when n visits weigh the same)."""
    weight_sum = math.fsum(w * g.count for w, g in zip(weights, groups, strict=True))
    return math.fsum(w * w * g.count for w, g in zip(weights, groups, strict=True)) / (
        weight_sum * weight_sum
    )


def weighted_mean(groups: Sequence[VisitSums], weights: Sequence[float]) -> float | None:
    """The weighted mean of the visits of `groups` (each visit weighing its group's weight);
    None when no visit has a score."""
    count = sum(group.count for group in groups)
    if not count:
        return None
    if len({w for w, g in zip(weights, groups, strict=True) if g.count}) == 1:
        # Every visit the same weight (most outlets of most waves): the plain mean, as the
        # SQL's sums give it.
        return math.fsum(group.total for group in groups) / count
    weight_sum = math.fsum(w * g.count for w, g in zip(weights, groups, strict=True))
    return math.fsum(w * g.total for w, g in zip(weights, groups, strict=True)) / weight_sum


@dataclasses.dataclass(frozen=True, slots=True)
class OutletResult:
    """An outlet's result in one wave (docs/contract.md#wave-result)."""

    outlet_id: int
    code: str
    name: str
    client_id: int
    region_id: int | None
    wave_id: int
    estimate: Estimate
    under_dispute: int = 0
    critical_visits: int = 0
    pass_mark: float | None = None
    band: str | None = None
    # The sums it was computed from (by channel and checklist): what says whether the wave's
    # estimates of a network must be computed again (server.analytics.wave_estimates).
    sums: tuple[VisitSums, ...] = dataclasses.field(default=(), compare=False, repr=False)
    # sum(a^2) of its visits' normalised weights (`concentration`); 1/visits without weights.
    weight_squares: float | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def score(self) -> float:
        return self.estimate.score

    @property
    def visits(self) -> int:
        return self.estimate.count

    @property
    def provisional(self) -> bool:
        return self.under_dispute > 0

    @property
    def passed(self) -> bool | None:
        if self.pass_mark is None:
            return None
        return shown(self.score) >= self.pass_mark


@dataclasses.dataclass(frozen=True, slots=True)
class GroupResult:
    """A region's or the network's result in one wave: the mean of its outlets' results."""

    wave_id: int
    # The t interval over its outlets' results, how far they spread (its count is the number
    # of outlets): what a change over other outlets is judged by (`group_moved`).
    estimate: Estimate
    visits: int
    provisional_outlets: int
    # The 95% margin of the result from its visits alone (`visit_margin`): None when no outlet
    # had two scored visits on one channel and checklist.
    visit_margin: float | None = None
    # Its outlets: a change is judged by its visits alone only against the same outlets.
    outlet_ids: frozenset[int] = dataclasses.field(default=frozenset(), compare=False, repr=False)

    @property
    def from_visits(self) -> Estimate:
        """The result with the interval its visits alone give it (`visit_margin`): how sure the
        mean of these outlets' results is, the interval every view shows, and what tells its
        change from chance over the same outlets (`group_moved`)."""
        return _estimate(self.score, self.visits, self.visit_margin)

    @property
    def score(self) -> float:
        return self.estimate.score

    @property
    def outlets(self) -> int:
        return self.estimate.count


def shown(score: float) -> float:
    """A score as the JSON carries it (two decimals), then as a screen or PDF shows it (one):
    the figure bands and pass marks are decided on, so the reader never sees 75.0 "Fair"."""
    return round(round(score, 2), 1)


def change(now: float | None, before: float | None) -> float | None:
    """How far a score moved, as the reader sees it: the difference of the two figures shown
    (`shown`), so that 87.8 after 83.8 reads +4.0 in every view, never the +4.1 that the
    digits behind them would give."""
    return None if now is None or before is None else round(shown(now) - shown(before), 1)


def score_of(result: OutletResult | GroupResult | None) -> float | None:
    return None if result is None else result.score


@dataclasses.dataclass(frozen=True, slots=True)
class VisitVariance:
    """One visit's variance around its outlet's mean (on its channel and checklist), pooled
    over the visits of some outlets, with its degrees of freedom: how far chance alone, which
    visits an outlet happened to get, moves a result."""

    variance: float
    degrees: int

    @classmethod
    def pooled(cls, members: Iterable[OutletResult]) -> VisitVariance | None:
        """Pooled over every outlet, channel and checklist of `members`, each group of visits
        around its own mean; None when no outlet had two scored visits on one channel and
        checklist."""
        return cls.of_groups(group for member in members for group in member.sums)

    @classmethod
    def of_groups(cls, groups: Iterable[VisitSums]) -> VisitVariance | None:
        """Pooled over `groups` (one outlet's visits on one channel and checklist each), each
        around its own mean; None when no group has two scored visits."""
        squares, degrees = 0.0, 0
        for group in groups:
            if group.count > 1:
                squares += max(0.0, group.squares - group.total * group.total / group.count)
                degrees += group.count - 1
        return cls(squares / degrees, degrees) if degrees else None

    def margin(self, weight_squares: float, outlets: int = 1) -> float:
        """The 95% margin of the mean of `outlets` results whose visits' normalised weights
        square to `weight_squares` in all: the variance s^2 * sum(a_i^2) / n^2, with a t
        quantile on the pooled degrees of freedom."""
        quantile = stats.student_t_quantile(0.5 + stats.CONFIDENCE / 2.0, self.degrees)
        return quantile * math.sqrt(self.variance * weight_squares) / outlets


def visit_margin(members: Sequence[OutletResult]) -> float | None:
    """The 95% margin of the mean of `members`' results from their visits alone.

    The outlets are taken as given (a network visits all of them, every wave): what moves the
    mean from wave to wave by chance is which visits each outlet happened to get, by one
    visit's variance pooled over the members' visits (`VisitVariance`). None when no outlet
    had two scored visits on one channel and checklist, or a member's weights are not known.
    """
    weight_squares = [member.weight_squares for member in members]
    known = [square for square in weight_squares if square is not None]
    pool = VisitVariance.pooled(members)
    if pool is None or len(known) < len(weight_squares):
        return None
    return pool.margin(math.fsum(known), len(members))


def _group(wave_id: int, results: Iterable[OutletResult]) -> GroupResult | None:
    members = list(results)
    if not members:
        return None
    return GroupResult(
        wave_id=wave_id,
        estimate=mean_estimate([member.score for member in members]),
        visits=sum(member.visits for member in members),
        provisional_outlets=sum(member.provisional for member in members),
        visit_margin=visit_margin(members),
        outlet_ids=frozenset(member.outlet_id for member in members),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Results:
    """The outlet results of some waves, and the region and network results made from them."""

    waves: Mapping[int, WaveRef]
    by_wave: Mapping[int, Mapping[int, OutletResult]]

    def outlets(self, wave_id: int) -> dict[int, OutletResult]:
        return dict(self.by_wave.get(wave_id, {}))

    def outlet(self, wave_id: int | None, outlet_id: int) -> OutletResult | None:
        if wave_id is None:
            return None
        return self.by_wave.get(wave_id, {}).get(outlet_id)

    def network(self, wave_id: int | None) -> GroupResult | None:
        if wave_id is None:
            return None
        return _group(wave_id, self.by_wave.get(wave_id, {}).values())

    def regions(self, wave_id: int | None) -> dict[int | None, GroupResult]:
        if wave_id is None:
            return {}
        members: dict[int | None, list[OutletResult]] = collections.defaultdict(list)
        for result in self.by_wave.get(wave_id, {}).values():
            members[result.region_id].append(result)
        return {
            region: group
            for region, results in members.items()
            if (group := _group(wave_id, results)) is not None
        }

    def region(self, wave_id: int | None, region_id: int | None) -> GroupResult | None:
        return self.regions(wave_id).get(region_id)


async def _checklists(keys: Iterable[str]) -> dict[tuple[str, int], Template]:
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    placeholders = ", ".join("{}" for _key in wanted)
    rows = await _raw(
        f"SELECT body FROM checklist_template WHERE key IN ({placeholders}) "  # noqa: S608
        "AND status <> 'draft'",
        wanted,
    )
    templates = {}
    for row in rows:
        try:
            template = parsed_template(row["body"])
        except TemplateError:
            # Published bodies were validated when published; one that no longer reads (a
            # hand-made row) costs the results their pass mark and band, not the figure.
            continue
        templates[(template.key, template.version)] = template
    return templates


@dataclasses.dataclass(frozen=True, slots=True)
class Marks:
    """What a checklist version says of a result: its pass mark and its bands, highest first."""

    pass_mark: float | None
    bands: tuple[tuple[float, str], ...]

    @classmethod
    def of(cls, template: Template) -> Marks:
        bands = sorted(((float(band.min), band.key) for band in template.bands), reverse=True)
        mark = None if template.pass_mark is None else float(template.pass_mark)
        return cls(mark, tuple(bands))

    def band(self, score: float) -> str | None:
        for low, key in self.bands:
            if score >= low:
                return key
        return None


NO_MARKS: Final = Marks(None, ())
ONE_WEIGHT: Final = (1.0,)


def outlet_result(
    identity: Mapping[str, Any],
    groups: Sequence[VisitSums],
    shares: Mapping[str, float],
    marks: Mapping[tuple[str, int], Marks],
    pool: VisitVariance | None,
) -> OutletResult | None:
    """The result of one outlet in one wave from the sums of its visits (`identity` holds
    outlet, code, name, client, region, wave, under_dispute, critical), its interval from one
    visit's variance pooled over its network's visits in the wave (`pool`)."""
    if len(groups) == 1:
        # One channel and checklist (most outlets of most waves): every visit weighs the same,
        # and the checklist's own pass mark and bands apply.
        score = weighted_mean(groups, ONE_WEIGHT)
        if score is None:
            return None
        weight_squares = 1.0 / groups[0].count
        heaviest = groups[0].template
        pass_mark = marks.get(heaviest, NO_MARKS).pass_mark
    else:
        weights = visit_weights(groups, shares)
        score = weighted_mean(groups, weights)
        if score is None:
            return None
        weight_squares = concentration(groups, weights)
        weight_of: dict[tuple[str, int], float] = collections.defaultdict(float)
        for weight, group in zip(weights, groups, strict=True):
            weight_of[group.template] += weight * group.count
        marked = {
            key: mark
            for key in weight_of
            if (mark := marks.get(key, NO_MARKS).pass_mark) is not None
        }
        marked_weight = math.fsum(weight_of[key] for key in marked)
        pass_mark = (
            math.fsum(weight_of[key] * mark for key, mark in marked.items()) / marked_weight
            if marked_weight
            else None
        )
        heaviest = max(sorted(weight_of), key=lambda key: weight_of[key])
    visits = sum(group.count for group in groups)
    estimate = _estimate(score, visits, None if pool is None else pool.margin(weight_squares))
    heaviest_marks = marks.get(heaviest, NO_MARKS)
    return OutletResult(
        outlet_id=identity["outlet"],
        code=identity["code"],
        name=identity["name"],
        client_id=identity["client"],
        region_id=identity["region"],
        wave_id=identity["wave"],
        estimate=estimate,
        under_dispute=int(identity.get("under_dispute", 0)),
        critical_visits=int(identity.get("critical", 0)),
        pass_mark=None if pass_mark is None else round(pass_mark, 2),
        band=heaviest_marks.band(shown(estimate.score)) if heaviest_marks.bands else None,
        sums=tuple(groups),
        weight_squares=weight_squares,
    )


async def read_results(
    where: Where,
    waves: Sequence[WaveRef],
    kept: bool = False,
    narrowed: Filters | None = None,
) -> Results:
    """Every outlet's result in `waves` over the rollup rows `where` keeps (its conditions on
    `r`, the rollup, and `o`, the outlet). `kept`: kept until the data changes
    (`server.analytics.kept`), for the few waves a page shows, which the league, the regions
    and best vs rest of a page then read once.

    An outlet's interval rests on one visit's variance pooled over its client's whole network
    in the wave under the data filters (`VisitVariance`), whoever reads it and whatever part of
    the network they look at. `narrowed`: the filters of a read that keeps less than whole
    networks (a caller's scope, a region, an outlet), whose networks' visits are then read for
    the pool; None when `where` keeps whole networks, whose own visits pool it."""
    wave_ids = frozenset(wave.id for wave in waves)
    if not wave_ids:
        return Results({}, {})
    read = functools.partial(_outlet_results, where, waves, narrowed)
    if not kept:
        return Results({wave.id: wave for wave in waves}, await read())
    version = await data_version()
    key = ("results", where.sql(), tuple(where.args), tuple(sorted(wave_ids)), narrowed)
    by_wave = await KEPT_FIGURES.read(key, version, read)
    return Results({wave.id: wave for wave in waves}, by_wave)


async def _visit_sums(where: Where, wave_ids: frozenset[int]) -> list[dict[str, Any]]:
    """The rows of sums of the scored visits `where` keeps in these waves, one per outlet,
    channel and checklist version, with the outlet's code, name and region."""
    scoped = Where(list(where.conditions), list(where.args))
    scoped.add_in("r.wave", wave_ids)
    inner = (
        "score_rollup r JOIN outlet o ON o.id = r.outlet"
        if scoped.uses_outlet
        else ("score_rollup r")
    )
    # Grouped first, names joined after, so that the grouping reads only the covering index
    # score_rollup_result (client, wave, outlet, channel, template, percent, critical_failure).
    # The ids are read as `+column`, the same integer: an expression has no declared type, so
    # SQLite hands it over as it is instead of through a converter, row by row (a third of
    # the query's time at 2,000 outlets).
    return await _raw(
        "SELECT +g.client AS client, +g.wave AS wave, +g.outlet AS outlet, o.code, o.name, "  # noqa: S608
        "+o.region AS region, g.channel, g.template_key, "
        "+g.template_version AS template_version, g.n, g.total, g.squares, g.critical "
        "FROM (SELECT r.client, r.wave, r.outlet, r.channel, r.template_key, "
        "r.template_version, COUNT(r.percent) AS n, SUM(r.percent) AS total, "
        "SUM(r.percent * r.percent) AS squares, SUM(CASE WHEN r.critical_failure AND "
        "r.percent IS NOT NULL THEN 1 ELSE 0 END) AS critical "
        f"FROM {inner} WHERE {scoped.sql()} GROUP BY r.client, r.wave, r.outlet, r.channel, "
        "r.template_key, r.template_version) g JOIN outlet o ON o.id = g.outlet",
        scoped.args,
    )


def _sums_of(row: Mapping[str, Any]) -> VisitSums:
    return VisitSums(
        row["channel"],
        (row["template_key"], int(row["template_version"])),
        int(row["n"] or 0),
        float(row["total"] or 0),
        float(row["squares"] or 0),
    )


def visit_pools(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[int, int], VisitVariance | None]:
    """One visit's variance pooled per client and wave over rows of visit sums (`_visit_sums`)
    of whole networks, taken in the order `VisitVariance.pooled` takes a network's results
    (outlet, channel, checklist), so that every view of a network works it out to the same
    digits."""
    groups: dict[tuple[int, int], list[tuple[int, VisitSums]]] = collections.defaultdict(list)
    for row in rows:
        groups[(row["client"], row["wave"])].append((row["outlet"], _sums_of(row)))
    return {
        key: VisitVariance.of_groups(
            sums
            for _outlet, sums in sorted(members, key=lambda m: (m[0], m[1].channel, m[1].template))
        )
        for key, members in groups.items()
    }


async def _network_pools(
    waves: Sequence[WaveRef], clients: Iterable[int], narrowed: Filters
) -> dict[tuple[int, int], VisitVariance | None]:
    """The pooled visit variance of each wave of these clients' networks under the data
    filters, from the whole network's results, kept: the same read as the network's figures
    beside a narrowed league (`wave_estimates.network_results`), so it is read once."""
    wanted = frozenset(clients)
    pools = {}
    for wave in waves:
        if wave.client_id in wanted:
            network = await read_results(network_where(wave.client_id, narrowed), [wave], kept=True)
            pools[(wave.client_id, wave.id)] = VisitVariance.pooled(
                network.outlets(wave.id).values()
            )
    return pools


async def _outlet_results(
    where: Where, waves: Sequence[WaveRef], narrowed: Filters | None
) -> Mapping[int, Mapping[int, OutletResult]]:
    wave_ids = frozenset(wave.id for wave in waves)
    rows = await _visit_sums(where, wave_ids)
    clients = sorted({row["client"] for row in rows})
    pools = (
        visit_pools(rows) if narrowed is None else await _network_pools(waves, clients, narrowed)
    )
    scoped = Where(list(where.conditions), list(where.args))
    scoped.add_in("r.wave", wave_ids)
    disputed = await _raw(
        # From the open disputes (few) to their visits, not from every visit in scope to its
        # disputes: a network's wave of visits without any open dispute costs nothing.
        "SELECT r.wave, r.outlet, COUNT(DISTINCT r.id) AS n FROM score_rollup r "  # noqa: S608
        "JOIN outlet o ON o.id = r.outlet WHERE r.audit_uuid IN "
        "(SELECT d.audit_uuid FROM dispute d WHERE d.status = 'open') "
        f"AND r.percent IS NOT NULL AND {scoped.sql()} GROUP BY r.wave, r.outlet",
        scoped.args,
    )
    under_dispute = {(row["wave"], row["outlet"]): int(row["n"]) for row in disputed}
    shares = await channel_weights(clients)
    templates = {(row["template_key"], int(row["template_version"])) for row in rows}
    checklists = await _checklists(key for key, _version in templates)
    marks = {key: Marks.of(template) for key, template in checklists.items()}
    # Thousands of outlets' results are tens of milliseconds of Python: worked out beside the
    # event loop, which meanwhile serves other requests.
    return await anyio.to_thread.run_sync(_results_of, rows, under_dispute, shares, marks, pools)


def _results_of(
    rows: Sequence[dict[str, Any]],
    under_dispute: Mapping[tuple[int, int], int],
    shares: Mapping[int, Mapping[str, float]],
    marks: Mapping[tuple[str, int], Marks],
    pools: Mapping[tuple[int, int], VisitVariance | None],
) -> dict[int, dict[int, OutletResult]]:
    """Each outlet's result per wave, from its rows of sums per channel and checklist version
    and its network's pooled visit variance per client and wave."""
    groups: dict[tuple[int, int], list[VisitSums]] = {}
    identities: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        key = (row["wave"], row["outlet"])
        sums = _sums_of(row)
        critical = int(row["critical"] or 0)
        identity = identities.get(key)
        if identity is None:
            # The outlet's first row is its identity (outlet, code, name, client, region,
            # wave), its counts made the outlet's own.
            row["under_dispute"] = under_dispute.get(key, 0)
            row["critical"] = critical
            identities[key] = row
            groups[key] = [sums]
        else:
            identity["critical"] += critical
            groups[key].append(sums)
    by_wave: dict[int, dict[int, OutletResult]] = collections.defaultdict(dict)
    for key in sorted(groups):
        identity = identities[key]
        ordered = groups[key]
        if len(ordered) > 1:
            ordered.sort(key=lambda group: (group.channel, group.template))
        result = outlet_result(
            identity,
            ordered,
            shares.get(identity["client"], {}),
            marks,
            pools.get((identity["client"], key[0])),
        )
        if result is not None:
            by_wave[key[0]][key[1]] = result
    return dict(by_wave)


async def rests_on(client_ids: Iterable[int], wave_ids: Iterable[int]) -> tuple[Any, ...]:
    """What the figures of every outlet result of these clients in these waves rest on, in a
    few indexed aggregates: per client and wave, the rollup rows (how many, and their percents
    and critical failures summed with their ids, so that a visit released or rescored changes
    them); per client, the outlets (how many, and their regions summed with their ids: a
    region is what groups and filters them), the open disputes and the channel weights. The
    same answer means the same figures, whatever the scope and filters (a published checklist
    never changes; who made a released visit never changes); an outlet's code and name are
    labels, read apart (`outlet_labels`)."""
    clients, waves = sorted(set(client_ids)), sorted(set(wave_ids))
    if not clients or not waves:
        return ()
    of_clients = ", ".join("{}" for _client in clients)
    of_waves = ", ".join("{}" for _wave in waves)
    rollup = await _raw(
        "SELECT r.client, r.wave, COUNT(*) AS n, MAX(r.id) AS last, SUM(r.percent) AS total, "  # noqa: S608 -- placeholders only
        "SUM(r.percent * r.id) AS placed, "
        "SUM(CASE WHEN r.critical_failure THEN r.id ELSE 0 END) AS critical "
        f"FROM score_rollup r WHERE r.client IN ({of_clients}) AND r.wave IN ({of_waves}) "
        "GROUP BY r.client, r.wave ORDER BY r.client, r.wave",
        [*clients, *waves],
    )
    outlets = await _raw(
        # Two sums, so that two outlets trading regions change them too; BIGINT: PostgreSQL
        # multiplies integers in their own width.
        "SELECT o.client, COUNT(*) AS n, "  # noqa: S608 -- placeholders only
        "SUM(CAST(o.id AS BIGINT) * COALESCE(o.region, 0)) AS placed, "
        "SUM(CAST(o.id AS BIGINT) * o.id * COALESCE(o.region, 0)) AS placed_squared "
        f"FROM outlet o WHERE o.client IN ({of_clients}) GROUP BY o.client ORDER BY o.client",
        clients,
    )
    disputes = await _raw(
        "SELECT COUNT(*) AS n, COALESCE(SUM(d.id), 0) AS ids FROM dispute d "  # noqa: S608 -- placeholders only
        f"JOIN outlet o ON o.id = d.outlet WHERE d.status = 'open' AND o.client IN ({of_clients})",
        clients,
    )
    weights = await channel_weights(clients)
    return (
        tuple(tuple(row.values()) for row in rollup),
        tuple(tuple(row.values()) for row in outlets),
        tuple(disputes[0].values()),
        tuple((client, tuple(sorted(weights.get(client, {}).items()))) for client in clients),
    )


async def outlet_labels(client_ids: Iterable[int]) -> Mapping[int, tuple[str, str]]:
    """Every outlet's code and name of these clients, by outlet id: kept while the clients'
    outlets (how many, the last edit) read the same, so that a figure kept on `rests_on`
    shows an outlet renamed since without being worked out again."""
    clients = sorted(set(client_ids))
    if not clients:
        return {}
    of_clients = ", ".join("{}" for _client in clients)
    edits = await _raw(
        "SELECT o.client, COUNT(*) AS n, MAX(o.updated_at) AS edited FROM outlet o "  # noqa: S608 -- placeholders only
        f"WHERE o.client IN ({of_clients}) GROUP BY o.client ORDER BY o.client",
        clients,
    )

    async def read() -> Mapping[int, tuple[str, str]]:
        rows = await _raw(
            f"SELECT o.id, o.code, o.name FROM outlet o WHERE o.client IN ({of_clients})",  # noqa: S608 -- placeholders only
            clients,
        )
        return {row["id"]: (row["code"], row["name"]) for row in rows}

    labels: Mapping[int, tuple[str, str]] = await KEPT_FIGURES.read(
        ("outlet labels", database(), tuple(clients)),
        tuple(tuple(row.values()) for row in edits),
        read,
    )
    return labels


# --- ranks and standing --------------------------------------------------------------------


def ranks(results: Iterable[OutletResult], min_visits: int = MIN_VISITS_TO_RANK) -> dict[int, int]:
    """Competition ranks ("1224") of the outlets with at least `min_visits` visits, by their
    score as the JSON carries it (two decimals), best first."""
    ranked = [result for result in results if result.visits >= min_visits]
    places = stats.competition_ranks([round(result.score, 2) for result in ranked])
    return {result.outlet_id: place for result, place in zip(ranked, places, strict=True)}


def apart(first: Estimate, second: Estimate) -> bool:
    """Whether the data tell two results apart: their difference is larger than the 95%
    margin of a difference, taken as the two margins combined. Without a margin, never."""
    if first.margin is None or second.margin is None:
        return False
    return abs(first.score - second.score) > math.hypot(first.margin, second.margin)


def moved(now: Estimate, before: Estimate | None) -> bool | None:
    """Whether a result moved by more than chance since the wave before (`apart`); None when
    there is no result before, or either has no interval."""
    if before is None or now.margin is None or before.margin is None:
        return None
    return apart(now, before)


def outlet_moved(now: OutletResult, before: OutletResult | None) -> bool | None:
    """Whether an outlet's result moved by more than chance since the wave before (`moved`):
    by their intervals, each from one visit's variance pooled over its network's visits in
    its wave, as every outlet interval is. None when it has no result before, or no
    interval."""
    return None if before is None else moved(now.estimate, before.estimate)


def group_moved(now: GroupResult, before: GroupResult | None) -> bool | None:
    """Whether a region's or the network's result moved by more than chance since the wave
    before. Over the same outlets, by what their visits alone could move it (`from_visits`);
    over other outlets (some visited in one wave only), also by which outlets were visited:
    by the outlets' spread, the interval of the result, as for a sample of outlets."""
    if before is None:
        return None
    if now.outlet_ids == before.outlet_ids:
        return moved(now.from_visits, before.from_visits)
    return moved(now.estimate, before.estimate)


def versus(result: Estimate, reference: float | None) -> str | None:
    """`ABOVE` or `BELOW` when the result is clearly above or below `reference` (the network's
    result, taken as known), `LEVEL` when not clearly different, None without an interval."""
    if reference is None or result.margin is None:
        return None
    if result.score - reference > result.margin:
        return ABOVE
    if reference - result.score > result.margin:
        return BELOW
    return LEVEL


@dataclasses.dataclass(frozen=True, slots=True)
class Standing:
    """Where an outlet stands in its network in a wave, as far as the data can tell."""

    rank: int | None  # None: too few visits to rank
    ranked: int  # outlets ranked
    third: str | None  # "top", "middle" or "bottom" third of the ranked outlets
    alike: int | None  # other ranked outlets whose results it cannot be told apart from
    versus_network: str | None  # ABOVE, LEVEL or BELOW the network's result; None: no interval


class Standings:
    """Where each outlet of one wave's results (one client's network) stands.

    Ranks and thirds are worked out once; how many outlets one cannot be told apart from is
    counted when asked (`of`), for that outlet alone: across every pair of a network of
    2,000 outlets it would cost seconds, and a league only needs `versus_network`.
    """

    def __init__(
        self,
        results: Mapping[int, OutletResult],
        network: float | None,
        min_visits: int = MIN_VISITS_TO_RANK,
    ) -> None:
        self.results = results
        self.network = network
        self.places = ranks(results.values(), min_visits)
        self.ranked = [results[outlet] for outlet in self.places]

    def of(self, outlet_id: int) -> Standing | None:
        result = self.results.get(outlet_id)
        if result is None:
            return None
        place = self.places.get(outlet_id)
        third = alike = None
        if place is not None:
            third = THIRDS[min(2, 3 * (place - 1) // len(self.ranked))]
            if result.estimate.margin is not None:
                alike = sum(
                    1
                    for other in self.ranked
                    if other.outlet_id != outlet_id and not apart(result.estimate, other.estimate)
                )
        return Standing(
            rank=place,
            ranked=len(self.ranked),
            third=third,
            alike=alike,
            versus_network=versus(result.estimate, self.network),
        )


def standings(
    results: Mapping[int, OutletResult],
    network: float | None,
    min_visits: int = MIN_VISITS_TO_RANK,
) -> dict[int, Standing]:
    """The standing of every outlet of one wave's results (one client's network)."""
    every = Standings(results, network, min_visits)
    return {outlet: standing for outlet in results if (standing := every.of(outlet)) is not None}
