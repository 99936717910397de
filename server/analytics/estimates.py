"""What one wave's visits can and cannot say about outlets and auditors.

An outlet's wave result rests on a few visits, each made by one shopper on one day, so a bare
1..N league mostly ranks luck. This module turns the visits of one wave into figures that say
how sure each number is, for the league, the dashboard and the PDFs to show beside the result
(docs/contract.md#estimates):

- `league_estimates`: each outlet's result shrunk toward its network (or region) by how much
  its visits tell, with an interval, a 95% interval of its rank, a tier of outlets the data
  cannot tell apart, and its place in a funnel plot (above, level or below the network at 95%
  and 99.8%); with `adjust_for_auditors`, the same on results with auditor effects removed;
- `funnel_plot`: the points and limit curves, ready to draw;
- `auditor_severity`: each auditor's leniency from a model with outlet and auditor effects,
  whether the design links the auditors well enough to estimate it (`design_check`), which
  calibration visits would, and the outlets' results with auditor effects removed;
- `plan_visits`: visits per outlet per wave for a target interval width or a difference to
  detect;
- `analyse_wave`: all of it from one call; `HOW_TO_READ`: a short text per figure.

Everything is pure: plain data in (`Visit`s of one wave), frozen data classes out; no database,
no I/O. Simulated ranks come from a generator seeded by the caller, so the same visits give the
same figures.

Models and sources:

- The league model: percent = mean of the outlet's network (or region) + outlet effect + visit
  noise, outlet effects ~ N(0, tau^2), noise ~ N(0, sigma^2). The auditor model adds a crossed
  auditor effect ~ N(0, sigma_a^2) and fixed effects of the channel and the checklist where a
  wave has several (so that an auditor who only calls is not read as severe because calls score
  lower). Variances by REML (Patterson & Thompson, Biometrika 1971; the profiled criterion and
  penalised least-squares form of Bates, Maechler, Bolker & Walker, J Stat Softw 2015, 67(1)),
  effects by Henderson's mixed-model equations. The auditors' block is dense and small; the
  outlets' block is diagonal and eliminated first, so 2,000 outlets cost no more than their
  sums.
- Shrinkage: an outlet's estimate is its BLUP, the empirical-Bayes posterior mean: the group
  mean plus w (outlet mean - group mean), w = tau^2 / (tau^2 + sigma^2 / n) (Morris, JASA 1983,
  78:47; Laird & Louis, JASA 1987 and Biometrika 1989). Its interval is +-1.96 times the root of
  the prediction error variance, which counts the uncertainty of the group means but not of the
  variances (Kackar & Harville, JASA 1984), so it is a little narrow with very few outlets.
- Rank intervals: outlets' levels drawn from the fitted model's posterior given the variances
  (`draws` times), ranked in each draw (outlets tied in a draw at any of the places they
  share); the 2.5% and 97.5% points of each outlet's ranks (Goldstein & Spiegelhalter, JRSS A
  1996, 159:385; Marshall & Spiegelhalter, BMJ 1998, 316:1701).
- Funnel: Spiegelhalter, Stat Med 2005, 24:1185 and Qual Saf Health Care 2005, 14:347. Limits
  target +- z sqrt(sigma^2 / n + tau^2): additive random-effects over-dispersion, tau^2 the
  DerSimonian-Laird moment estimate from z-scores Winsorized at 10% each side. Additive rather
  than multiplicative because outlets genuinely differ by an amount that more visits do not
  shrink: a multiplicative factor would still flag every large outlet.
- Connectedness: auditor and outlet effects are separable only within a connected set of the
  outlet-auditor graph (Weeks & Williams, Technometrics 1964, 6:319).
- Planner: Student-t interval widths; the power of the two-sample and one-sample t tests from
  the noncentral t; reliability of a mean of n visits tau^2 / (tau^2 + sigma^2 / n).

numpy and scipy are runtime dependencies for this module alone: 100,000 visits of 2,000 outlets
need vectorised sums and dense linear algebra (Cholesky factors, triangular solves, a few
million simulated levels), and scipy gives the bounded optimiser of the REML criterion and the
normal, t and noncentral t distributions; in pure Python the same would take minutes.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import linalg, optimize, sparse, special
from scipy.sparse import csgraph

from server.analytics.stats import Interval, competition_ranks
from server.core.i18n import _

Key: TypeAlias = int | str
Floats: TypeAlias = npt.NDArray[np.float64]
Ints: TypeAlias = npt.NDArray[np.int64]

CONFIDENCE: Final = 0.95
FUNNEL_LEVELS: Final = (0.95, 0.998)
DRAWS: Final = 2000
# An auditor whose leniency rests on outlets shared with fewer colleagues' visits than this
# is "weakly linked": one more calibration visit makes the estimate firmer.
MIN_SHARED_OUTLETS: Final = 2
# Winsorizing 10% of z-scores at each end before estimating over-dispersion (Spiegelhalter).
WINSOR: Final = 0.10
ABOVE, LEVEL, BELOW = "above", "level", "below"
LENIENT, SEVERE, UNLINKED = "lenient", "severe", "unlinked"
Overdispersion: TypeAlias = Literal["additive", "multiplicative", "none"]

HOW_TO_READ: Final = {
    "estimates": _(
        "The estimate is the outlet's result corrected for how few visits it rests on: a "
        "result from a handful of visits is pulled toward the network's, the more the fewer "
        "its visits and the more visits differ from one another. The interval shows where the "
        "outlet's true level lies, with a confidence of 95%. Judge outlets by the estimate and its "
        "interval, not by the raw result alone."
    ),
    "ranks": _(
        "The rank range shows the places an outlet could hold given the luck of its visits: "
        "95 of 100 simulated leagues put it there. Where two outlets' ranges overlap, the data "
        "cannot say which of them is better."
    ),
    "tiers": _(
        "Tiers group outlets the data cannot tell apart: the first tier holds the outlet with "
        "the best estimate and every outlet whose rank range reaches into its range, the next "
        "tier starts with the next outlet, and so on. Compare outlets across tiers, not within "
        "one."
    ),
    "funnel": _(
        "Each dot is an outlet: its number of visits across, its result up. The middle line is "
        "the network; the funnels show how far results of that many visits stray by chance "
        "and through the ordinary differences between outlets (inner lines 95%, outer "
        "99.8%). A dot outside the outer funnel is very unlikely to be luck; one inside is not "
        "clearly different from the network, however high or low it looks."
    ),
    "auditors": _(
        "Leniency is how many points an auditor gives above (or below) what colleagues give "
        "the same outlets, with channel and checklist taken into account, and its interval "
        "(95%). Only an interval that lies wholly above or below zero marks an auditor as "
        "lenient or severe; brief them on the checklist rather than correcting scores by hand."
    ),
    "design": _(
        "Leniency can only be measured between auditors who visit the same outlets, directly "
        "or through a chain of colleagues. Auditors who share no outlet with the rest cannot "
        "be compared with them; the calibration visits listed link them."
    ),
    "adjusted": _(
        "The adjusted result is the outlet's result with each visit's auditor leniency taken "
        "out: what the same visits would have scored with an auditor of average severity."
    ),
    "planner": _(
        "How many visits per outlet and wave are needed, from how much visits to one outlet "
        "differ and how much outlets differ: for an interval no wider than asked, to tell "
        "apart two outlets (or an outlet and the network) that differ by a given number of "
        "points in 8 waves out of 10, and for a result that is mostly the outlet, not luck."
    ),
    "agreement": _(
        "When two auditors visit the same outlet in the same window, their answers to each "
        "question should agree. Alpha is 1 for perfect agreement and 0 for agreement no better "
        "than chance; below 0.667 the question is answered too inconsistently to be trusted "
        "and should be reworded. Where almost every answer is the same, alpha says little and "
        "AC1 is read instead."
    ),
}


class TooFewVisits(ValueError):
    """The visits cannot support the model (fewer than two outlets, or no outlet visited twice)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Visit:
    """One released visit of the wave (a `score_rollup` row; the auditor through its audit)."""

    outlet: Key
    auditor: Key
    percent: float
    channel: str = ""
    template: str = ""
    # How much the visit counts in its outlet's result, relative to the outlet's other visits
    # (a client's channel weights, docs/contract.md#wave-result); 1 for every visit: the mean.
    weight: float = 1.0


@dataclasses.dataclass(frozen=True, slots=True)
class VarianceComponents:
    """Variances in squared percentage points.

    `visit`: between visits to one outlet (with auditor effects in the model, what is left after
    them); `outlet`: between outlets' true levels; `auditor`: between auditors' leniency (None
    when the model has no auditor effects).
    """

    visit: float
    outlet: float
    auditor: float | None = None

    @property
    def within(self) -> float:
        """The spread of one outlet's visits as observed, whoever makes them."""
        return self.visit + (self.auditor or 0.0)


@dataclasses.dataclass(frozen=True, slots=True)
class FixedEffect:
    name: str
    estimate: float
    std_error: float


@dataclasses.dataclass(frozen=True, slots=True)
class ModelFit:
    """What was fitted: the model in words, its variances and fixed effects, the data's size."""

    model: str
    variances: VarianceComponents
    fixed: tuple[FixedEffect, ...]
    visits: int
    outlets: int
    auditors: int
    # -2 x the REML log-likelihood at the estimates, and whether the optimiser converged.
    reml_criterion: float
    converged: bool


@dataclasses.dataclass(frozen=True, slots=True)
class OutletEstimate:
    """One outlet's wave result beside what the model makes of it."""

    outlet: Key
    region: Key | None
    visits: int
    raw: float  # mean percent of its visits (weighted mean with visit weights)
    adjusted: float  # the same with auditor effects removed (equal to raw without them)
    estimate: float  # shrunk toward the group by how much its visits tell
    interval: Interval  # 95% interval of the estimate, cut to 0-100
    margin: float  # its half-width before the cut
    weight: float  # share of the estimate that comes from the outlet's own visits, 0-1
    rank: int  # competition rank of the estimate in the network
    rank_low: int  # 95% interval of the rank
    rank_high: int
    region_rank: int | None
    region_rank_low: int | None
    region_rank_high: int | None
    tier: int
    funnel: str  # ABOVE, LEVEL or BELOW the network at the 95% limits
    funnel_998: str  # the same at the 99.8% limits


@dataclasses.dataclass(frozen=True, slots=True)
class Tier:
    number: int
    outlets: tuple[Key, ...]  # best estimate first
    rank_low: int  # the best and worst ranks its members may hold
    rank_high: int


@dataclasses.dataclass(frozen=True, slots=True)
class FunnelPoint:
    outlet: Key
    visits: int
    score: float
    # Where the point stands across: its visits, or with visit weights the effective number
    # 1 / sum(a^2) of its normalised weights a, the visits of equal weight as precise.
    effective_visits: float
    z: float  # (score - target) / sqrt(sigma^2 / n + tau^2)
    funnel: str
    funnel_998: str


@dataclasses.dataclass(frozen=True, slots=True)
class FunnelLimits:
    """The limits at `visits` visits (a real number, for a smooth curve), cut to 0-100."""

    visits: float
    low_95: float
    high_95: float
    low_998: float
    high_998: float


@dataclasses.dataclass(frozen=True, slots=True)
class FunnelPlot:
    target: float
    within_sd: float  # sigma
    overdispersion: str
    tau: float  # additive between-outlet SD of the limits (0 without)
    phi: float  # multiplicative factor estimated from the Winsorized z-scores (reported)
    points: tuple[FunnelPoint, ...]
    curve: tuple[FunnelLimits, ...]  # by increasing visits


@dataclasses.dataclass(frozen=True, slots=True)
class LeagueEstimates:
    model: ModelFit
    adjusted_for_auditors: bool
    outlets: tuple[OutletEstimate, ...]  # by rank, then outlet
    tiers: tuple[Tier, ...]
    funnel: FunnelPlot
    draws: int
    seed: int


@dataclasses.dataclass(frozen=True, slots=True)
class CalibrationSuggestion:
    """A visit that would link auditors: `auditor` to `outlet`, and why, in words."""

    auditor: Key
    outlet: Key
    reason: str  # "unlinked" (shares no outlet with the main group) or "weak"
    text: str


@dataclasses.dataclass(frozen=True, slots=True)
class AuditorLinks:
    auditor: Key
    visits: int
    outlets: int  # distinct outlets visited
    shared_outlets: int  # of those, visited by another auditor too
    colleagues: int  # distinct auditors met at those outlets
    group: int  # 0 for the largest linked group, 1.. for the others


@dataclasses.dataclass(frozen=True, slots=True)
class DesignCheck:
    connected: bool
    groups: tuple[tuple[Key, ...], ...]  # auditors linked by shared outlets, largest first
    auditors: tuple[AuditorLinks, ...]
    suggestions: tuple[CalibrationSuggestion, ...]
    summary: str


@dataclasses.dataclass(frozen=True, slots=True)
class AuditorEffect:
    auditor: Key
    visits: int
    effect: float  # points above (+, lenient) or below (-, severe) colleagues at the same outlets
    interval: Interval
    verdict: str  # LENIENT, SEVERE, LEVEL, or UNLINKED (not comparable with the main group)


@dataclasses.dataclass(frozen=True, slots=True)
class AuditorSeverity:
    model: ModelFit
    auditors: tuple[AuditorEffect, ...]  # most lenient first
    design: DesignCheck
    outlets: tuple[OutletEstimate, ...]  # results with auditor effects removed, by rank


@dataclasses.dataclass(frozen=True, slots=True)
class PlanRow:
    visits: int
    width: float | None  # full width of the 95% interval of a raw result (None for 1 visit)
    detectable: float | None  # difference between two outlets found with the asked power
    detectable_vs_network: float | None  # an outlet's difference from the network
    reliability: float  # share of a result's variance that is the outlet, not luck


@dataclasses.dataclass(frozen=True, slots=True)
class VisitPlan:
    within_sd: float
    between_sd: float
    power: float
    alpha: float
    reliability_target: float
    target_width: float | None
    visits_for_width: int | None  # None: not reached within `max_visits`
    difference: float | None
    visits_to_compare_outlets: int | None
    visits_to_compare_with_network: int | None
    visits_for_reliability: int | None
    table: tuple[PlanRow, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class WaveAnalysis:
    league: LeagueEstimates
    adjusted: LeagueEstimates | None  # None with fewer than two auditors
    auditors: AuditorSeverity | None
    plan: VisitPlan


def _sort_key(key: Key) -> tuple[int, int | str]:
    return (0, key) if isinstance(key, int) else (1, key)


def _z(confidence: float) -> float:
    return float(special.ndtri(0.5 + confidence / 2.0))


def _cut(value: float) -> float:
    return float(min(100.0, max(0.0, value)))


# ----------------------------------------------------------------------------------------------
# The data of one wave as arrays


@dataclasses.dataclass(frozen=True)
class _Wave:
    y: Floats
    outlet: Ints  # index into outlets
    auditor: Ints  # index into auditors
    outlets: tuple[Key, ...]
    auditors: tuple[Key, ...]
    channels: tuple[str, ...]
    templates: tuple[str, ...]
    channel: Ints
    template: Ints
    region_of: tuple[Key | None, ...]  # by outlet index
    weight: Floats  # each visit's weight within its outlet (1 for all: unweighted)

    def weighted(self) -> bool:
        """Whether some outlet's visits weigh differently (so its result is no plain mean)."""
        if self.weight.size == 0:
            return False
        q1 = len(self.outlets)
        low = np.full(q1, np.inf)
        high = np.full(q1, -np.inf)
        np.minimum.at(low, self.outlet, self.weight)
        np.maximum.at(high, self.outlet, self.weight)
        return bool(np.any(high - low > 1e-12 * np.maximum(1.0, high)))


def _codes(values: Sequence[Key]) -> tuple[tuple[Key, ...], Ints]:
    levels = tuple(sorted(set(values), key=_sort_key))
    index = {level: number for number, level in enumerate(levels)}
    return levels, np.fromiter((index[value] for value in values), np.int64, len(values))


def _wave(visits: Sequence[Visit], regions: Mapping[Any, Key] | None) -> _Wave:
    outlets, outlet = _codes([v.outlet for v in visits])
    auditors, auditor = _codes([v.auditor for v in visits])
    channels, channel = _codes([v.channel for v in visits])
    templates, template = _codes([v.template for v in visits])
    y = np.fromiter((float(v.percent) for v in visits), np.float64, len(visits))
    if not np.all(np.isfinite(y)):
        raise ValueError("every visit needs a finite percent")
    weight = np.fromiter((float(v.weight) for v in visits), np.float64, len(visits))
    if not np.all(np.isfinite(weight)) or np.any(weight <= 0):
        raise ValueError("every visit needs a positive weight")
    # Sorted, so that the same visits in any order give the same sums to the last bit.
    order = np.lexsort((y, template, channel, auditor, outlet))
    return _Wave(
        y=y[order],
        outlet=outlet[order],
        auditor=auditor[order],
        outlets=outlets,
        auditors=auditors,
        channels=tuple(str(c) for c in channels),
        templates=tuple(str(t) for t in templates),
        channel=channel[order],
        template=template[order],
        region_of=tuple(None if regions is None else regions.get(o) for o in outlets),
        weight=weight[order],
    )


def _design(
    wave: _Wave, shrink_to_region: bool, with_auditors: bool
) -> tuple[Floats, tuple[str, ...], Ints]:
    """Fixed-effects design: the group means (network, or each region), then in the auditor
    model channel and checklist contrasts; columns that add nothing (collinear) are left out.
    Returns X, the column names and the group of each outlet."""
    n = wave.y.size
    if shrink_to_region:
        labels = [("none",) if r is None else ("region", r) for r in wave.region_of]
        keys = sorted(set(labels), key=lambda k: (k[0], _sort_key(k[-1])))
        group_of = np.array([keys.index(label) for label in labels], dtype=np.int64)
        names = ["no region" if key == ("none",) else f"region {key[-1]}" for key in keys]
    else:
        group_of = np.zeros(len(wave.outlets), dtype=np.int64)
        names = ["network"]
    columns: list[Floats] = []
    for g in range(len(names)):
        columns.append((group_of[wave.outlet] == g).astype(np.float64))
    if with_auditors:
        for label, codes, levels in (
            ("channel", wave.channel, wave.channels),
            ("checklist", wave.template, wave.templates),
        ):
            if len(levels) < 2:
                continue
            counts = np.bincount(codes, minlength=len(levels))
            reference = int(np.argmax(counts))  # the most common level
            for level in range(len(levels)):
                if level != reference:
                    columns.append((codes == level).astype(np.float64))
                    names.append(f"{label} {levels[level]} vs {levels[reference]}")
    x = np.column_stack(columns) if columns else np.ones((n, 1))
    keep = _independent_columns(x.T @ x)
    return x[:, keep], tuple(names[k] for k in keep), group_of


def _independent_columns(gram: Floats) -> list[int]:
    """Columns kept in order while each adds a direction (its Schur complement on the kept
    ones is not negligible): a channel that only one region uses is no second region mean."""
    kept: list[int] = []
    for j in range(gram.shape[0]):
        if gram[j, j] <= 0.0:
            continue
        if kept:
            block = gram[np.ix_(kept, kept)]
            cross = gram[kept, j]
            rest = gram[j, j] - cross @ np.linalg.solve(block, cross)
        else:
            rest = gram[j, j]
        if rest > 1e-9 * gram[j, j]:
            kept.append(j)
    return kept


# ----------------------------------------------------------------------------------------------
# REML for y = X b + Z1 u1 (+ Z2 u2) + e with diagonal Z1'Z1 (outlets) and a small dense
# Z2 block (auditors). The outlets' block of the mixed-model equations is eliminated first.


@dataclasses.dataclass
class _Fit:
    wave: _Wave
    x: Floats
    fixed_names: tuple[str, ...]
    group_of: Ints
    with_auditors: bool
    lam: Floats  # sqrt of the variance ratios (outlet, [auditor]) to sigma^2
    sigma2: float
    beta: Floats
    u_outlet: Floats
    u_auditor: Floats
    # Pieces of the posterior of (b, u1, u2) given the variances, in the scaled space:
    a: Floats  # diagonal of the outlets' block
    w: Floats  # A^-1 E' (outlets x dense)
    chol: Floats  # upper Cholesky factor of the Schur complement S
    scale_dense: Floats  # s: the scaling of the dense unknowns (1 for b, lam2 for u2)
    xbar: Floats  # mean fixed-design row of each outlet's visits (outlets x p)
    criterion: float
    converged: bool

    @property
    def p(self) -> int:
        return int(self.x.shape[1])

    def levels(self) -> Floats:
        """Each outlet's estimated level: its mean fixed part plus its effect."""
        return np.asarray(self.xbar @ self.beta + self.u_outlet, dtype=np.float64)

    def level_pev(self) -> Floats:
        """Prediction error variance of each outlet's level (uncertainty of b included)."""
        lam1 = float(self.lam[0])
        l2 = np.zeros_like(self.w)
        l2[:, : self.p] = self.xbar
        r = lam1 * self.w - l2
        solved = linalg.solve_triangular(self.chol, r.T, trans="T", lower=False)
        return np.asarray(
            self.sigma2 * (lam1 * lam1 / self.a + np.sum(solved * solved, axis=0)),
            dtype=np.float64,
        )

    def dense_pev(self) -> Floats:
        """Prediction error variances of the dense unknowns (b, then u2), unscaled."""
        inverse_factor = linalg.solve_triangular(self.chol, np.eye(self.chol.shape[0]), lower=False)
        diagonal = np.sum(inverse_factor * inverse_factor, axis=1)
        return np.asarray(self.sigma2 * diagonal * self.scale_dense**2, dtype=np.float64)

    def draw_levels(self, draws: int, seed: int) -> Floats:
        """Outlets' levels drawn from their posterior given the variances (draws x outlets)."""
        rng = np.random.default_rng(seed)
        sigma = math.sqrt(self.sigma2)
        m = self.chol.shape[0]
        z_dense = rng.standard_normal((m, draws))
        z_outlet = rng.standard_normal((self.a.size, draws))
        # S = U'U: U d = z gives d ~ N(0, S^-1); the outlets given the dense part follow.
        dense = sigma * linalg.solve_triangular(self.chol, z_dense, lower=False)
        # levels + xbar dense_b + lam1 (sigma z / sqrt(a) - w dense), worked out in place in
        # the outlets' draws: an array of outlets x draws is tens of megabytes, and each
        # temporary one costs more than the arithmetic.
        deviation = z_outlet
        deviation *= sigma
        deviation /= np.sqrt(self.a)[:, None]
        deviation -= self.w @ dense
        deviation *= float(self.lam[0])
        deviation += self.xbar @ dense[: self.p]
        deviation += self.levels()[:, None]
        return np.ascontiguousarray(deviation.T, dtype=np.float64)


class _Criterion:
    """The profiled REML criterion of the model and the solution of its equations."""

    def __init__(self, wave: _Wave, x: Floats, with_auditors: bool) -> None:
        y = wave.y
        q1 = len(wave.outlets)
        self.n = y.size
        self.p = x.shape[1]
        self.n_outlet = np.bincount(wave.outlet, minlength=q1).astype(np.float64)
        self.z1y: Floats = np.bincount(wave.outlet, weights=y, minlength=q1).astype(np.float64)
        xtz1 = np.vstack(
            [np.bincount(wave.outlet, weights=col, minlength=q1) for col in x.T]
        ).astype(np.float64)
        dense_rows: list[Floats] = [xtz1]
        xtx = x.T @ x
        dense_rhs: list[Floats] = [x.T @ y]
        self.q2 = 0
        if with_auditors:
            q2 = len(wave.auditors)
            self.q2 = q2
            n_aud = np.bincount(wave.auditor, minlength=q2).astype(np.float64)
            cross = np.bincount(wave.auditor * q1 + wave.outlet, minlength=q1 * q2).reshape(q2, q1)
            xtz2 = np.vstack([np.bincount(wave.auditor, weights=col, minlength=q2) for col in x.T])
            dense_rows.append(cross.astype(np.float64))
            dense_rhs.append(np.bincount(wave.auditor, weights=y, minlength=q2).astype(np.float64))
            top = np.hstack([xtx, xtz2])
            bottom = np.hstack([xtz2.T, np.diag(n_aud)])
            self.d0 = np.vstack([top, bottom])
        else:
            self.d0 = xtx
        self.e0 = np.vstack(dense_rows)  # (p + q2) x q1
        self.r0 = np.concatenate(dense_rhs)
        self.yty = float(y @ y)
        self.identity_tail = np.zeros(self.p + self.q2)
        self.identity_tail[self.p :] = 1.0
        # A's diagonal is 1 + lam1^2 n: outlets with the same number of visits share it, so
        # E0 A^-1 E0' is a sum over the few visit counts of Gram matrices worked out here once,
        # instead of a product over every outlet at each step of the optimiser (ten times
        # fewer operations for the auditor model of 2,000 outlets). Unless the counts are so
        # many that their matrices would take more room than a few copies of E0.
        self.visit_counts, count_of = np.unique(self.n_outlet, return_inverse=True)
        self.grams: Floats | None = None
        if self.visit_counts.size * self.e0.shape[0] <= 4 * q1:
            columns = [self.e0[:, count_of == k] for k in range(self.visit_counts.size)]
            self.grams = np.stack([part @ part.T for part in columns])

    def scale(self, lam: Floats) -> Floats:
        s = np.ones(self.p + self.q2)
        if self.q2:
            s[self.p :] = lam[1]
        return s

    def solve(self, lam: Floats) -> tuple[float, float, Floats, Floats, Floats, Floats]:
        """(criterion, penalised RSS, x1, x2, A, U) at the relative scales `lam`."""
        lam1 = float(lam[0])
        s = self.scale(lam)
        a = 1.0 + lam1 * lam1 * self.n_outlet
        inverse_a = 1.0 / a
        # S = D - E A^-1 E' with E = diag(lam1 s) E0.
        if self.grams is not None:
            gram = np.tensordot(1.0 / (1.0 + lam1 * lam1 * self.visit_counts), self.grams, axes=1)
        else:
            gram = (self.e0 * inverse_a) @ self.e0.T
        schur = np.outer(s, s) * (self.d0 - lam1 * lam1 * gram) + np.diag(self.identity_tail)
        try:
            upper = linalg.cholesky(schur, lower=False, check_finite=False)
        except linalg.LinAlgError:
            return math.inf, math.nan, self.z1y, self.r0, a, schur
        rhs = s * (self.r0 - lam1 * lam1 * (self.e0 @ (self.z1y * inverse_a)))
        x2 = linalg.cho_solve((upper, False), rhs, check_finite=False)
        x1 = lam1 * (self.z1y - self.e0.T @ (s * x2)) * inverse_a
        prss = self.yty - lam1 * float(self.z1y @ x1) - float((s * self.r0) @ x2)
        prss = max(prss, 1e-12 * max(self.yty, 1.0))
        dof = self.n - self.p
        logdet = float(np.sum(np.log(a))) + 2.0 * float(np.sum(np.log(np.diag(upper))))
        criterion = logdet + dof * (1.0 + math.log(2.0 * math.pi * prss / dof))
        return criterion, prss, x1, x2, a, upper

    def __call__(self, lam: Floats) -> float:
        return self.solve(lam)[0]


FTOL = 1e-12
# Bounds of sqrt(variance / visit variance): below 1e-4 an outlet variance is nil for any
# purpose here; above 1e3 visits would not differ at all.
LAMBDA_MIN, LAMBDA_MAX = 1e-4, 1e3


def _fit(wave: _Wave, *, shrink_to_region: bool, with_auditors: bool) -> _Fit:
    if len(wave.outlets) < 2:
        raise TooFewVisits("the model needs at least two outlets")
    counts = np.bincount(wave.outlet)
    if counts.max() < 2:
        raise TooFewVisits("the model needs at least one outlet visited twice")
    x, names, group_of = _design(wave, shrink_to_region, with_auditors)
    if wave.y.size <= x.shape[1]:
        raise TooFewVisits("fewer visits than group means")
    criterion = _Criterion(wave, x, with_auditors)
    if with_auditors:
        best = optimize.minimize(
            criterion,
            np.full(2, _start(wave, counts)),
            method="L-BFGS-B",
            bounds=[(0.0, LAMBDA_MAX)] * 2,
            options={"ftol": FTOL, "gtol": 1e-8, "maxiter": 500},
        )
        lam = np.asarray(best.x, dtype=np.float64)
        success = bool(best.success)
    else:
        # One scale: Brent's method on its logarithm, then the boundary (no outlet variance).
        scalar = optimize.minimize_scalar(
            lambda t: criterion(np.array([math.exp(t)])),
            bounds=(math.log(LAMBDA_MIN), math.log(LAMBDA_MAX)),
            method="bounded",
            options={"xatol": 1e-10},
        )
        lam = np.array([math.exp(float(scalar.x))])
        if criterion(np.zeros(1)) <= float(scalar.fun):
            lam = np.zeros(1)
        success = bool(scalar.success)
    value, prss, x1, x2, a, upper = criterion.solve(lam)
    sigma2 = prss / (criterion.n - criterion.p)
    s = criterion.scale(lam)
    w = ((float(lam[0]) * s)[:, None] * criterion.e0 / a).T  # A^-1 E
    dense = s * x2
    p = x.shape[1]
    xbar = (criterion.e0[:p] / np.maximum(criterion.n_outlet, 1.0)).T
    return _Fit(
        wave=wave,
        x=x,
        fixed_names=names,
        group_of=group_of,
        with_auditors=with_auditors,
        lam=lam,
        sigma2=sigma2,
        beta=dense[:p],
        u_outlet=float(lam[0]) * x1,
        u_auditor=dense[p:],
        a=a,
        w=w,
        chol=upper,
        scale_dense=s,
        xbar=np.ascontiguousarray(xbar),
        criterion=value,
        converged=success or _is_minimum(criterion, lam, value),
    )


def _is_minimum(criterion: _Criterion, lam: Floats, value: float) -> bool:
    """No nearby scale is meaningfully better: L-BFGS-B may stop on a line search that the
    finite-difference gradient's noise fails, at the minimum all the same."""
    for k in range(lam.size):
        step = 1e-4 * max(float(lam[k]), 1e-2)
        for sign in (1.0, -1.0):
            moved = lam.copy()
            moved[k] = max(0.0, moved[k] + sign * step)
            if criterion(moved) < value - 1e-8 * max(1.0, abs(value)):
                return False
    return True


def _start(wave: _Wave, counts: Ints) -> float:
    """sqrt(tau^2 / sigma^2) from one-way ANOVA moments, as the optimiser's first guess."""
    means = np.bincount(wave.outlet, weights=wave.y) / counts
    within = float(np.sum((wave.y - means[wave.outlet]) ** 2)) / max(1, wave.y.size - counts.size)
    between = float(np.var(means, ddof=1)) if counts.size > 1 else 0.0
    n0 = float(np.mean(counts))
    ratio = (between - within / n0) / within if within > 0 else 1.0
    return math.sqrt(min(max(ratio, 0.05), 100.0))


def _model_fit(fit: _Fit) -> ModelFit:
    variances = VarianceComponents(
        visit=fit.sigma2,
        outlet=fit.sigma2 * float(fit.lam[0]) ** 2,
        auditor=fit.sigma2 * float(fit.lam[1]) ** 2 if fit.with_auditors else None,
    )
    dense = fit.dense_pev()
    fixed = tuple(
        FixedEffect(name, float(fit.beta[j]), math.sqrt(max(0.0, float(dense[j]))))
        for j, name in enumerate(fit.fixed_names)
    )
    groups = " + ".join(fit.fixed_names)
    model = f"percent ~ {groups} + (1 | outlet)"
    if fit.with_auditors:
        model += " + (1 | auditor)"
    return ModelFit(
        model=model,
        variances=variances,
        fixed=fixed,
        visits=int(fit.wave.y.size),
        outlets=len(fit.wave.outlets),
        auditors=len(fit.wave.auditors),
        reml_criterion=fit.criterion,
        converged=fit.converged,
    )


# ----------------------------------------------------------------------------------------------
# Ranks, tiers, funnel


def _rank_bounds(levels: Floats, confidence: float) -> tuple[Ints, Ints]:
    """The `confidence` interval of each column's rank (1 = highest) over the rows (draws).

    Columns tied in a draw could hold any of the places they share: a tie counts at its best
    place for the low end and at its worst for the high end. Draws tie where the model finds
    no difference between outlets (a between-outlet variance of 0): every outlet's interval is
    then 1..N, never an order of equal levels taken from their order in the data."""
    draws, columns = levels.shape
    order = np.argsort(levels, axis=1)  # lowest first: the last of a draw ranks 1
    every_draw = np.arange(draws)[:, None]
    # One row per column (outlet) with its rank in every draw; 16-bit ranks sort by radix.
    dtype = np.int16 if columns <= 32767 else np.int32
    worst = np.empty((columns, draws), dtype=dtype)
    worst[order, every_draw] = np.arange(columns, 0, -1, dtype=dtype)
    best = worst
    # Each draw in order: a flat take (a third of take_along_axis's time on 2,000 x 2,000),
    # through `order` made flat in place and back (no second index array of that size).
    offsets = (np.arange(draws) * columns)[:, None]
    order += offsets
    ordered = np.take(levels, order)
    order -= offsets
    tied = ordered[:, 1:] == ordered[:, :-1]
    if tied.any():
        positions = np.arange(columns)
        starts = np.concatenate([np.ones((draws, 1), dtype=bool), ~tied], axis=1)
        ends = np.concatenate([~tied, np.ones((draws, 1), dtype=bool)], axis=1)
        first = np.maximum.accumulate(np.where(starts, positions, 0), axis=1)
        last = np.minimum.accumulate(np.where(ends, positions, columns)[:, ::-1], axis=1)[:, ::-1]
        best = np.empty_like(worst)
        best[order, every_draw] = (columns - last).astype(dtype)
        worst[order, every_draw] = (columns - first).astype(dtype)
        best.sort(axis=1, kind="stable")
    worst.sort(axis=1, kind="stable")
    tail = (1.0 - confidence) / 2.0
    # The empirical quantiles (inverted CDF): whole ranks, never between two.
    k_low = max(0, math.ceil(tail * draws) - 1)
    k_high = min(draws - 1, math.ceil((1.0 - tail) * draws) - 1)
    return best[:, k_low].astype(np.int64), worst[:, k_high].astype(np.int64)


def _tiers(
    order: Sequence[int], low: Sequence[int], high: Sequence[int]
) -> tuple[list[int], list[tuple[int, list[int]]]]:
    """Tiers over outlets in `order` (best estimate first): each tier is led by its first
    outlet and holds the following outlets whose rank interval reaches into the leader's."""
    tier_of = [0] * len(low)
    tiers: list[tuple[int, list[int]]] = []
    leader: int | None = None
    for index in order:
        if leader is None or low[index] > high[leader]:
            leader = index
            tiers.append((index, []))
        tiers[-1][1].append(index)
        tier_of[index] = len(tiers)
    return tier_of, tiers


def _classify(score: float, low: float, high: float) -> str:
    if score > high:
        return ABOVE
    if score < low:
        return BELOW
    return LEVEL


def funnel_plot(
    points: Sequence[tuple[Key, int, float]],
    *,
    within_variance: float,
    target: float | None = None,
    overdispersion: Overdispersion = "additive",
    curve_points: int = 64,
    effective: Sequence[float] | None = None,
) -> FunnelPlot:
    """Funnel plot of outlet results (outlet, visits, score) around `target` (default: the mean
    of the outlets' scores, each outlet weighing the same, as the network's result), with 95% and
    99.8% limits for a result of n visits whose visits spread by `within_variance`.

    Over-dispersion (Spiegelhalter 2005): z-scores Winsorized at 10% each side give
    phi = mean(z^2); "additive" widens the limits to sqrt(sigma^2 / n + tau^2) with
    tau^2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w)), w = n / sigma^2;
    "multiplicative" to sqrt(phi sigma^2 / n) when phi > 1; "none" keeps sigma^2 / n.

    `effective` gives each point's effective number of visits where its visits weigh
    differently (1 / sum(a^2) of its normalised weights): n in every formula above, and where
    the point stands across.
    """
    if not points:
        raise TooFewVisits("a funnel needs at least one outlet")
    if effective is None:
        visits = np.array([p[1] for p in points], dtype=np.float64)
    else:
        visits = np.array([float(n) for n in effective], dtype=np.float64)
    scores = np.array([p[2] for p in points], dtype=np.float64)
    centre = float(np.mean(scores)) if target is None else float(target)
    sigma2 = max(float(within_variance), 1e-12)
    z = (scores - centre) / np.sqrt(sigma2 / visits)
    count = z.size
    if count >= 3:
        low_cut, high_cut = np.quantile(z, [WINSOR, 1.0 - WINSOR])
        winsorized = np.clip(z, low_cut, high_cut)
    else:
        winsorized = z
    phi = float(np.mean(winsorized**2))
    tau2 = 0.0
    factor = 1.0
    if overdispersion == "additive":
        weights = visits / sigma2
        denominator = float(np.sum(weights) - np.sum(weights**2) / np.sum(weights))
        if denominator > 0:
            tau2 = max(0.0, (count * phi - (count - 1)) / denominator)
    elif overdispersion == "multiplicative":
        factor = max(1.0, phi)
    elif overdispersion != "none":
        raise ValueError(f"unknown over-dispersion {overdispersion!r}")

    def spread(n: Floats) -> Floats:
        return np.asarray(np.sqrt(factor * sigma2 / n + tau2), dtype=np.float64)

    z95, z998 = (_z(level) for level in FUNNEL_LEVELS)
    sd = spread(visits)
    funnel_points = []
    for (outlet, n, score), own_sd, across in zip(points, sd, visits, strict=True):
        funnel_points.append(
            FunnelPoint(
                outlet=outlet,
                visits=int(n),
                score=float(score),
                effective_visits=float(across),
                z=float((score - centre) / own_sd),
                funnel=_classify(score, centre - z95 * own_sd, centre + z95 * own_sd),
                funnel_998=_classify(score, centre - z998 * own_sd, centre + z998 * own_sd),
            )
        )
    top = max(2.0, float(visits.max()) * 1.25)
    grid = np.unique(
        np.concatenate(
            [np.geomspace(1.0, top, curve_points), np.arange(1.0, min(top, curve_points) + 1.0)]
        )
    )
    grid_sd = spread(grid)
    curve = tuple(
        FunnelLimits(
            visits=float(n),
            low_95=_cut(centre - z95 * s),
            high_95=_cut(centre + z95 * s),
            low_998=_cut(centre - z998 * s),
            high_998=_cut(centre + z998 * s),
        )
        for n, s in zip(grid, grid_sd, strict=True)
    )
    return FunnelPlot(
        target=centre,
        within_sd=math.sqrt(sigma2),
        overdispersion=overdispersion,
        tau=math.sqrt(tau2),
        phi=phi,
        points=tuple(funnel_points),
        curve=curve,
    )


def _shrink_weighted(
    fit: _Fit, direct: Floats, effective: Floats, draws: int, seed: int
) -> tuple[Floats, Floats, Floats, Floats]:
    """Levels, their prediction error variances, the shrinkage weights and drawn leagues for
    results that are weighted means of their visits.

    With visit weights an outlet's result is no plain mean, so the mixed-model equations of the
    visits do not shrink it. The model's variances still hold (a visit's score does not depend
    on how the client weighs it): the result `direct` of outlet i is its level plus an error of
    variance psi_i = sigma^2 sum(a^2) = sigma^2 / n_i (n_i its effective visits), and levels
    are N(mean of its group, tau^2). Shrinking it is then the Fay-Herriot model with known
    variances (Fay & Herriot, JASA 1979, 74:269; Rao & Molina, "Small Area Estimation", 2015,
    ch. 6): the group mean mu by generalised least squares, gamma_i = tau^2 / (tau^2 + psi_i),
    level mu + gamma_i (direct - mu), error variance gamma_i psi_i + (1 - gamma_i)^2 var(mu),
    draws of mu and then of each level given mu. With equal weights these are exactly the
    mixed model's figures. Under the auditor model psi_i counts the visit noise left after
    the auditors, not the uncertainty of their estimated leniency."""
    sigma2 = fit.sigma2
    tau2 = sigma2 * float(fit.lam[0]) ** 2
    psi = sigma2 / effective
    groups = int(fit.group_of.max()) + 1 if fit.group_of.size else 1
    precision = 1.0 / (tau2 + psi)
    weight_sum = np.bincount(fit.group_of, weights=precision, minlength=groups)
    mean = np.bincount(fit.group_of, weights=precision * direct, minlength=groups) / weight_sum
    mean_variance = 1.0 / weight_sum
    gamma = tau2 * precision
    mu = mean[fit.group_of]
    levels = mu + gamma * (direct - mu)
    pev = gamma * psi + (1.0 - gamma) ** 2 * mean_variance[fit.group_of]
    rng = np.random.default_rng(seed)
    drawn_mean = mean[None, :] + np.sqrt(mean_variance)[None, :] * rng.standard_normal(
        (draws, groups)
    )
    drawn_mu = drawn_mean[:, fit.group_of]
    # drawn_mu + gamma (direct - drawn_mu) + sqrt(gamma psi) z, in place (as in `draw_levels`).
    drawn = direct[None, :] - drawn_mu
    drawn *= gamma[None, :]
    drawn += drawn_mu
    noise = rng.standard_normal((draws, direct.size))
    noise *= np.sqrt(gamma * psi)[None, :]
    drawn += noise
    return (
        np.asarray(levels, dtype=np.float64),
        np.asarray(pev, dtype=np.float64),
        np.asarray(gamma, dtype=np.float64),
        np.ascontiguousarray(drawn, dtype=np.float64),
    )


def _league(
    fit: _Fit,
    *,
    draws: int,
    seed: int,
    target: float | None,
    overdispersion: Overdispersion,
    confidence: float,
) -> LeagueEstimates:
    wave = fit.wave
    q1 = len(wave.outlets)
    counts = np.bincount(wave.outlet, minlength=q1)
    weighted = wave.weighted()
    if weighted:
        # Each visit's share of its outlet's result, as the league's weighted mean has it.
        share = (
            wave.weight / np.bincount(wave.outlet, weights=wave.weight, minlength=q1)[wave.outlet]
        )
        effective = 1.0 / np.bincount(wave.outlet, weights=share * share, minlength=q1)
    else:
        share = 1.0 / counts[wave.outlet]
        effective = counts.astype(np.float64)
    raw: Floats = np.asarray(
        np.bincount(wave.outlet, weights=share * wave.y, minlength=q1), dtype=np.float64
    )
    if fit.with_auditors:
        per_visit = fit.u_auditor[wave.auditor]
        adjusted = raw - np.bincount(wave.outlet, weights=share * per_visit, minlength=q1)
    else:
        adjusted = raw
    if weighted:
        levels, pev, weight, draws_matrix = _shrink_weighted(fit, adjusted, effective, draws, seed)
    else:
        levels = fit.levels()
        pev = fit.level_pev()
        lam1 = float(fit.lam[0])
        weight = lam1 * lam1 * counts / (1.0 + lam1 * lam1 * counts)
        draws_matrix = fit.draw_levels(draws, seed)
    margin = _z(confidence) * np.sqrt(pev)
    low, high = _rank_bounds(draws_matrix, confidence)
    ranks = competition_ranks([float(v) for v in levels])
    region_bounds: dict[int, tuple[int, int, int]] = {}
    if any(region is not None for region in wave.region_of):
        by_region: dict[Key, list[int]] = collections.defaultdict(list)
        for index, region in enumerate(wave.region_of):
            if region is not None:
                by_region[region].append(index)
        for members in by_region.values():
            member_low, member_high = _rank_bounds(draws_matrix[:, members], confidence)
            member_ranks = competition_ranks([float(levels[i]) for i in members])
            for position, index in enumerate(members):
                region_bounds[index] = (
                    member_ranks[position],
                    int(member_low[position]),
                    int(member_high[position]),
                )

    # Equal estimates (the model telling no difference) in the order of the results they
    # rest on, so that the league does not list a lower result above a higher one.
    order = sorted(
        range(len(wave.outlets)),
        key=lambda i: (-float(levels[i]), -float(adjusted[i]), _sort_key(wave.outlets[i])),
    )
    tier_of, tier_members = _tiers(order, [int(v) for v in low], [int(v) for v in high])
    funnel = funnel_plot(
        [(wave.outlets[i], int(counts[i]), float(adjusted[i])) for i in range(len(wave.outlets))],
        within_variance=fit.sigma2,
        target=target,
        overdispersion=overdispersion,
        effective=[float(n) for n in effective] if weighted else None,
    )
    outlets = []
    for i in order:
        region_rank = region_bounds.get(i)
        point = funnel.points[i]
        outlets.append(
            OutletEstimate(
                outlet=wave.outlets[i],
                region=wave.region_of[i],
                visits=int(counts[i]),
                raw=float(raw[i]),
                adjusted=float(adjusted[i]),
                estimate=float(levels[i]),
                interval=Interval(_cut(levels[i] - margin[i]), _cut(levels[i] + margin[i])),
                margin=float(margin[i]),
                weight=float(weight[i]),
                rank=ranks[i],
                rank_low=int(low[i]),
                rank_high=int(high[i]),
                region_rank=None if region_rank is None else region_rank[0],
                region_rank_low=None if region_rank is None else region_rank[1],
                region_rank_high=None if region_rank is None else region_rank[2],
                tier=tier_of[i],
                funnel=point.funnel,
                funnel_998=point.funnel_998,
            )
        )
    tiers = tuple(
        Tier(
            number=number,
            outlets=tuple(wave.outlets[i] for i in members),
            rank_low=min(int(low[i]) for i in members),
            rank_high=max(int(high[i]) for i in members),
        )
        for number, (_, members) in enumerate(tier_members, start=1)
    )
    return LeagueEstimates(
        model=_model_fit(fit),
        adjusted_for_auditors=fit.with_auditors,
        outlets=tuple(outlets),
        tiers=tiers,
        funnel=funnel,
        draws=draws,
        seed=seed,
    )


def league_estimates(
    visits: Sequence[Visit],
    *,
    regions: Mapping[Any, Key] | None = None,
    shrink_to_region: bool = False,
    adjust_for_auditors: bool = False,
    draws: int = DRAWS,
    seed: int = 0,
    target: float | None = None,
    overdispersion: Overdispersion = "additive",
    confidence: float = CONFIDENCE,
) -> LeagueEstimates:
    """Every outlet's wave result beside its estimate, interval, rank interval, tier and funnel
    class, from the visits of one wave of one network.

    `regions` (outlet -> region) adds ranks within each region; with `shrink_to_region` results
    are shrunk toward their region's mean instead of the network's. `adjust_for_auditors` fits
    the auditor model and ranks results with auditor effects removed. Raises `TooFewVisits`
    below two outlets or without an outlet visited twice.
    """
    wave = _wave(visits, regions)
    fit = _fit(wave, shrink_to_region=shrink_to_region, with_auditors=adjust_for_auditors)
    return _league(
        fit,
        draws=draws,
        seed=seed,
        target=target,
        overdispersion=overdispersion,
        confidence=confidence,
    )


# ----------------------------------------------------------------------------------------------
# Auditors


def _names(mapping: Mapping[Any, str] | None) -> Callable[[Key], str]:
    def name(key: Key) -> str:
        return str(key) if mapping is None else mapping.get(key, str(key))

    return name


def _listing(names: Iterable[str], most: int = 3) -> str:
    listed = list(names)
    shown = ", ".join(listed[:most])
    return shown + (", ..." if len(listed) > most else "")


def design_check(
    visits: Sequence[Visit],
    *,
    auditor_names: Mapping[Any, str] | None = None,
    outlet_names: Mapping[Any, str] | None = None,
) -> DesignCheck:
    """Whether the wave's visits link every auditor to every other through shared outlets, per
    auditor how well, and which calibration visits would link those left apart."""
    auditor_name, outlet_name = _names(auditor_names), _names(outlet_names)
    wave = _wave(visits, None)
    q1, q2 = len(wave.outlets), len(wave.auditors)
    met = np.zeros((q2, q1), dtype=bool)  # auditor j visited outlet i
    met[wave.auditor, wave.outlet] = True
    visit_count = np.bincount(wave.auditor, minlength=q2)
    outlet_visits = np.bincount(wave.outlet, minlength=q1)
    auditors_per_outlet = met.sum(axis=0)
    shared = (met & (auditors_per_outlet > 1)[None, :]).sum(axis=1)
    as_int = met.astype(np.int64)
    colleagues = ((as_int @ as_int.T) > 0).sum(axis=1) - 1
    graph = sparse.bmat([[None, sparse.csr_matrix(met)], [sparse.csr_matrix(met.T), None]])
    component = csgraph.connected_components(graph, directed=False)[1]
    members: dict[int, list[int]] = collections.defaultdict(list)
    for j in range(q2):
        members[int(component[j])].append(j)
    ordered_groups = sorted(
        members.values(), key=lambda group: (-int(visit_count[group].sum()), group[0])
    )
    group_of = {j: number for number, group in enumerate(ordered_groups) for j in group}
    groups = [[wave.auditors[j] for j in group] for group in ordered_groups]
    links = [
        AuditorLinks(
            auditor=wave.auditors[j],
            visits=int(visit_count[j]),
            outlets=int(met[j].sum()),
            shared_outlets=int(shared[j]),
            colleagues=int(colleagues[j]),
            group=group_of[j],
        )
        for j in range(q2)
    ]
    main_outlets = (
        sorted(
            np.flatnonzero(met[ordered_groups[0]].any(axis=0)).tolist(),
            key=lambda i: (-int(auditors_per_outlet[i]), -int(outlet_visits[i]), i),
        )
        if ordered_groups
        else []
    )

    def colleagues_at(outlet: int) -> str:
        return _listing(auditor_name(wave.auditors[j]) for j in np.flatnonzero(met[:, outlet]))

    suggestions = []
    for group in ordered_groups[1:]:
        if not main_outlets:
            break
        auditor = min(group, key=lambda j: (-int(visit_count[j]), j))
        outlet = main_outlets[0]
        if len(group) == 1:
            text = _(
                "{auditor} shares no outlet with another auditor, so their leniency cannot be "
                "told apart from the quality of the outlets they visited. Send them on a "
                "calibration visit to {outlet}, which {colleagues} also visited."
            )
        else:
            text = _(
                "{auditors} visit only outlets that no other auditor visits, so their leniency "
                "cannot be compared with the others'. Send {auditor} on a calibration visit "
                "to {outlet}, which {colleagues} also visited."
            )
        suggestions.append(
            CalibrationSuggestion(
                auditor=wave.auditors[auditor],
                outlet=wave.outlets[outlet],
                reason="unlinked",
                text=text.format(
                    auditor=auditor_name(wave.auditors[auditor]),
                    auditors=_listing(auditor_name(wave.auditors[j]) for j in group),
                    outlet=outlet_name(wave.outlets[outlet]),
                    colleagues=colleagues_at(outlet),
                ),
            )
        )
    if ordered_groups and len(ordered_groups[0]) >= 2:
        for j in ordered_groups[0]:
            if shared[j] >= MIN_SHARED_OUTLETS:
                continue
            candidates = [i for i in main_outlets if not met[j, i]]
            if not candidates:
                continue
            outlet = candidates[0]
            suggestions.append(
                CalibrationSuggestion(
                    auditor=wave.auditors[j],
                    outlet=wave.outlets[outlet],
                    reason="weak",
                    text=_(
                        "{auditor} shares just one outlet with colleagues, so their leniency "
                        "rests on few comparisons. One more calibration visit, to {outlet}, "
                        "which {colleagues} also visited, makes it firmer."
                    ).format(
                        auditor=auditor_name(wave.auditors[j]),
                        outlet=outlet_name(wave.outlets[outlet]),
                        colleagues=colleagues_at(outlet),
                    ),
                )
            )
    connected = len(groups) <= 1
    if connected:
        summary = _(
            "Every auditor is linked to every other through outlets they visited, directly or "
            "through colleagues: leniency can be compared across all of them."
        )
    else:
        summary = _(
            "Groups of auditors that share no outlet with one another: {groups}. Leniency can "
            "only be compared within a group until the calibration visits below link them."
        ).format(groups=len(groups))
    return DesignCheck(
        connected=connected,
        groups=tuple(tuple(group) for group in groups),
        auditors=tuple(links),
        suggestions=tuple(suggestions),
        summary=summary,
    )


def _severity(
    fit: _Fit, league: LeagueEstimates, design: DesignCheck, confidence: float
) -> AuditorSeverity:
    wave = fit.wave
    pev = fit.dense_pev()[fit.p :]
    z = _z(confidence)
    counts = np.bincount(wave.auditor, minlength=len(wave.auditors))
    group_of = {link.auditor: link.group for link in design.auditors}
    effects = []
    for j, auditor in enumerate(wave.auditors):
        effect = float(fit.u_auditor[j])
        half = z * math.sqrt(max(0.0, float(pev[j])))
        if group_of.get(auditor, 0) != 0:
            verdict = UNLINKED
        elif effect - half > 0:
            verdict = LENIENT
        elif effect + half < 0:
            verdict = SEVERE
        else:
            verdict = LEVEL
        effects.append(
            AuditorEffect(
                auditor=auditor,
                visits=int(counts[j]),
                effect=effect,
                interval=Interval(effect - half, effect + half),
                verdict=verdict,
            )
        )
    effects.sort(key=lambda e: (-e.effect, _sort_key(e.auditor)))
    return AuditorSeverity(
        model=league.model, auditors=tuple(effects), design=design, outlets=league.outlets
    )


def auditor_severity(
    visits: Sequence[Visit],
    *,
    regions: Mapping[Any, Key] | None = None,
    shrink_to_region: bool = False,
    auditor_names: Mapping[Any, str] | None = None,
    outlet_names: Mapping[Any, str] | None = None,
    draws: int = DRAWS,
    seed: int = 0,
    confidence: float = CONFIDENCE,
) -> AuditorSeverity:
    """Each auditor's leniency (points above colleagues at the same outlets) with its interval,
    the design check, and the outlets' results with auditor effects removed."""
    wave = _wave(visits, regions)
    fit = _fit(wave, shrink_to_region=shrink_to_region, with_auditors=True)
    league = _league(
        fit,
        draws=draws,
        seed=seed,
        target=None,
        overdispersion="additive",
        confidence=confidence,
    )
    design = design_check(visits, auditor_names=auditor_names, outlet_names=outlet_names)
    return _severity(fit, league, design, confidence)


# ----------------------------------------------------------------------------------------------
# Planner


def _two_sided_power(effect: float, df: float, scale: float, alpha: float) -> float:
    """Power of a two-sided t test of a difference `effect` whose standard error is `scale`."""
    critical = float(special.stdtrit(df, 1.0 - alpha / 2.0))
    ncp = effect / scale
    power = (
        1.0 - float(special.nctdtr(df, ncp, critical)) + float(special.nctdtr(df, ncp, -critical))
    )
    # The noncentral t's tails lose precision far out (1 degree of freedom, a large effect),
    # where the power is all or nothing.
    if not math.isfinite(power):
        return 1.0 if ncp > critical else 0.0
    return min(1.0, max(0.0, power))


def _detectable(scale: float, df: float, power: float, alpha: float) -> float:
    """The difference a t test with this standard error finds with probability `power`."""
    high = scale
    while _two_sided_power(high, df, scale, alpha) < power:
        high *= 2.0
    return float(
        optimize.brentq(
            lambda effect: _two_sided_power(effect, df, scale, alpha) - power,
            0.0,
            high,
            xtol=1e-9 * scale,
        )
    )


def plan_visits(
    variances: VarianceComponents,
    *,
    target_width: float | None = None,
    difference: float | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
    reliability: float = 0.8,
    confidence: float = CONFIDENCE,
    max_visits: int = 200,
    table_visits: int = 12,
) -> VisitPlan:
    """Visits per outlet per wave for a `target_width` (full width, points) of a result's 95%
    interval, to detect a `difference` (points) between two outlets or between an outlet and the
    network (two-sided t tests, `power` and `alpha`), and for a result whose variance is at least
    `reliability` the outlet's own; from the wave's within- and between-outlet variances (the
    league model's; an auditor model's visit and auditor variances are added up)."""
    within = max(variances.within, 1e-12)
    sigma = math.sqrt(within)
    tau2 = max(variances.outlet, 0.0)

    def width(n: int) -> float | None:
        if n < 2:
            return None
        t = float(special.stdtrit(n - 1, 0.5 + confidence / 2.0))
        return 2.0 * t * sigma / math.sqrt(n)

    def compare_power(n: int, effect: float) -> float:
        return _two_sided_power(effect, 2 * n - 2, sigma * math.sqrt(2.0 / n), alpha)

    def network_power(n: int, effect: float) -> float:
        return _two_sided_power(effect, n - 1, sigma / math.sqrt(n), alpha)

    def first(condition: Callable[[int], bool], start: int) -> int | None:
        return next((n for n in range(start, max_visits + 1) if condition(n)), None)

    visits_for_width = None
    if target_width is not None:
        visits_for_width = first(lambda n: (width(n) or math.inf) <= target_width, 2)
    to_compare = to_network = None
    if difference is not None:
        to_compare = first(lambda n: compare_power(n, difference) >= power, 2)
        to_network = first(lambda n: network_power(n, difference) >= power, 2)
    for_reliability = None
    if tau2 > 0 and 0 < reliability < 1:
        # A between-outlet variance too small to separate outlets asks for more visits than a
        # float can count: no number of visits reaches the reliability then.
        wanted = reliability / (1.0 - reliability) * within / tau2 - 1e-9
        needed = math.ceil(wanted) if math.isfinite(wanted) else None
        for_reliability = max(1, needed) if needed is not None and needed <= max_visits else None

    table = tuple(
        PlanRow(
            visits=n,
            width=width(n),
            detectable=_detectable(sigma * math.sqrt(2.0 / n), 2 * n - 2, power, alpha)
            if n >= 2
            else None,
            detectable_vs_network=_detectable(sigma / math.sqrt(n), n - 1, power, alpha)
            if n >= 2
            else None,
            reliability=tau2 / (tau2 + within / n) if tau2 > 0 else 0.0,
        )
        for n in range(1, table_visits + 1)
    )
    return VisitPlan(
        within_sd=sigma,
        between_sd=math.sqrt(tau2),
        power=power,
        alpha=alpha,
        reliability_target=reliability,
        target_width=target_width,
        visits_for_width=visits_for_width,
        difference=difference,
        visits_to_compare_outlets=to_compare,
        visits_to_compare_with_network=to_network,
        visits_for_reliability=for_reliability,
        table=table,
    )


# ----------------------------------------------------------------------------------------------
# Everything at once


def analyse_wave(
    visits: Sequence[Visit],
    *,
    regions: Mapping[Any, Key] | None = None,
    shrink_to_region: bool = False,
    auditor_names: Mapping[Any, str] | None = None,
    outlet_names: Mapping[Any, str] | None = None,
    draws: int = DRAWS,
    seed: int = 0,
    target: float | None = None,
    overdispersion: Overdispersion = "additive",
    target_width: float | None = None,
    difference: float | None = None,
    confidence: float = CONFIDENCE,
) -> WaveAnalysis:
    """The league estimates, the same with auditor effects removed, auditor severity with the
    design check, and the visit plan, each model fitted once."""
    wave = _wave(visits, regions)
    plain = _fit(wave, shrink_to_region=shrink_to_region, with_auditors=False)
    league = _league(
        plain,
        draws=draws,
        seed=seed,
        target=target,
        overdispersion=overdispersion,
        confidence=confidence,
    )
    adjusted = severity = None
    if len(wave.auditors) >= 2:
        crossed = _fit(wave, shrink_to_region=shrink_to_region, with_auditors=True)
        adjusted = _league(
            crossed,
            draws=draws,
            seed=seed,
            target=target,
            overdispersion=overdispersion,
            confidence=confidence,
        )
        design = design_check(visits, auditor_names=auditor_names, outlet_names=outlet_names)
        severity = _severity(crossed, adjusted, design, confidence)
    plan = plan_visits(
        league.model.variances,
        target_width=target_width,
        difference=difference,
        confidence=confidence,
    )
    return WaveAnalysis(league=league, adjusted=adjusted, auditors=severity, plan=plan)
