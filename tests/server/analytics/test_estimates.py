"""The estimates of server/analytics/estimates.py against statsmodels, and their properties.

statsmodels' MixedLM fits the same models on the same visits: the league model (outlet random
intercept, REML) grouped by outlet, and the auditor model (crossed outlet and auditor
variance components in one group, sparse design, REML). Tolerances, for percentages on a 0-100
scale: variances within 0.2% (relative), fixed effects within 0.01 points, outlet estimates and
auditor effects within 0.02 points, standard errors of fixed effects within 1%. Both optimisers
stop at their own tolerances, so a tighter match would test the optimisers, not the models.
"""

from __future__ import annotations

import itertools
import math
import os
import random
import subprocess
import sys
import warnings
from collections.abc import Sequence

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import special
from statsmodels.regression.mixed_linear_model import MixedLM, VCSpec
from statsmodels.stats.power import TTestIndPower, TTestPower

from server.analytics import estimates
from server.analytics.estimates import (
    ABOVE,
    BELOW,
    LEVEL,
    TooFewVisits,
    VarianceComponents,
    Visit,
    analyse_wave,
    auditor_severity,
    design_check,
    funnel_plot,
    league_estimates,
    plan_visits,
)
from tests.server.analytics.waves import demo_shaped, large

VARIANCE_REL = 2e-3
FIXED_ABS = 0.01
EFFECT_ABS = 0.02
PROPERTY = settings(max_examples=50, deadline=None, database=None)


def _close(ours: float, reference: float, relative: float) -> bool:
    return abs(ours - reference) <= relative * max(abs(reference), 1.0)


# ---------------------------------------------------------------------------------------------
# statsmodels, fitted independently on the same visits


def _codes(values: Sequence[object]) -> tuple[list[object], np.ndarray]:
    levels = sorted(set(values), key=lambda v: (isinstance(v, str), v))  # type: ignore[arg-type]
    index = {level: number for number, level in enumerate(levels)}
    return levels, np.array([index[v] for v in values])


def statsmodels_league(visits: Sequence[Visit]) -> dict[str, object]:
    y = np.array([v.percent for v in visits])
    outlets, outlet = _codes([v.outlet for v in visits])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = MixedLM(y, np.ones((y.size, 1)), groups=outlet).fit(reml=True)
    assert fit.converged
    mean = float(np.asarray(fit.fe_params)[0])
    levels = {
        outlets[g]: mean + float(np.asarray(fit.random_effects[g])[0]) for g in range(len(outlets))
    }
    return {
        "outlet": float(np.asarray(fit.cov_re)[0, 0]),
        "visit": float(fit.scale),
        "mean": mean,
        "mean_se": float(np.asarray(fit.bse_fe)[0]),
        "levels": levels,
    }


def statsmodels_crossed(visits: Sequence[Visit]) -> dict[str, object]:
    """Outlet and auditor crossed (one group, sparse variance components), an intercept and
    channel contrasts against the most common channel."""
    y = np.array([v.percent for v in visits])
    n = y.size
    outlets, outlet = _codes([v.outlet for v in visits])
    auditors, auditor = _codes([v.auditor for v in visits])
    channels = [v.channel for v in visits]
    counts = {c: channels.count(c) for c in set(channels)}
    reference = max(sorted(counts), key=lambda c: counts[c])
    others = sorted(c for c in counts if c != reference)
    x = np.column_stack(
        [np.ones(n)] + [np.array([c == other for c in channels], float) for other in others]
    )
    z_outlet = sp.csr_matrix((np.ones(n), (np.arange(n), outlet)), shape=(n, len(outlets)))
    z_auditor = sp.csr_matrix((np.ones(n), (np.arange(n), auditor)), shape=(n, len(auditors)))
    spec = VCSpec(
        names=["outlet", "auditor"],
        colnames=[
            [[f"o{i}" for i in range(len(outlets))]],
            [[f"a{j}" for j in range(len(auditors))]],
        ],
        mats=[[z_outlet], [z_auditor]],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = MixedLM(y, x, groups=np.zeros(n), exog_vc=spec).fit(reml=True)
    assert fit.converged
    effects = fit.random_effects[0]
    beta = np.asarray(fit.fe_params)
    # The fixed effects' covariance at these variances, (X' V^-1 X)^-1, written out densely
    # (statsmodels' own bse_fe inverts the Hessian over the variance parameters too, which
    # is a different quantity from the GLS covariance that lme4 reports as vcov).
    v = (
        fit.scale * np.eye(n)
        + fit.vcomp[0] * (z_outlet @ z_outlet.T).toarray()
        + fit.vcomp[1] * (z_auditor @ z_auditor.T).toarray()
    )
    gls = np.linalg.inv(x.T @ np.linalg.solve(v, x))
    mean_row = {o: x[outlet == g].mean(axis=0) for g, o in enumerate(outlets)}
    return {
        "outlet": float(fit.vcomp[0]),
        "auditor": float(fit.vcomp[1]),
        "visit": float(fit.scale),
        "fixed": beta,
        "fixed_se": np.sqrt(np.diag(gls)),
        "auditors": {a: float(effects[f"auditor[a{j}]"]) for j, a in enumerate(auditors)},
        "levels": {
            o: float(mean_row[o] @ beta) + float(effects[f"outlet[o{g}]"])
            for g, o in enumerate(outlets)
        },
    }


def generated(seed: int, outlets: int = 120, auditors: int = 25, visits: int = 8) -> list[Visit]:
    truth = large(seed, outlets=outlets, auditors=auditors, visits_per_outlet=visits)
    rng = random.Random(seed)
    # Unequal visits per outlet, as fieldwork leaves them.
    return [v for v in truth.visits if rng.random() < 0.8]


DATASETS = {
    "demo-shaped": lambda: demo_shaped(3).visits,
    "demo-shaped-2": lambda: demo_shaped(11).visits,
    "generated": lambda: generated(5),
}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_league_model_agrees_with_statsmodels(name: str) -> None:
    visits = DATASETS[name]()
    ours = league_estimates(visits, draws=200)
    reference = statsmodels_league(visits)
    variances = ours.model.variances
    assert _close(variances.outlet, reference["outlet"], VARIANCE_REL)  # type: ignore[arg-type]
    assert _close(variances.visit, reference["visit"], VARIANCE_REL)  # type: ignore[arg-type]
    (mean,) = ours.model.fixed
    assert abs(mean.estimate - reference["mean"]) < FIXED_ABS  # type: ignore[operator]
    assert _close(mean.std_error, reference["mean_se"], 0.01)  # type: ignore[arg-type]
    levels: dict[object, float] = reference["levels"]  # type: ignore[assignment]
    worst = max(abs(o.estimate - levels[o.outlet]) for o in ours.outlets)
    assert worst < EFFECT_ABS


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_auditor_model_agrees_with_statsmodels(name: str) -> None:
    visits = DATASETS[name]()
    ours = auditor_severity(visits, draws=200)
    reference = statsmodels_crossed(visits)
    variances = ours.model.variances
    assert variances.auditor is not None
    for ours_value, key in (
        (variances.outlet, "outlet"),
        (variances.auditor, "auditor"),
        (variances.visit, "visit"),
    ):
        assert _close(ours_value, reference[key], VARIANCE_REL), key  # type: ignore[arg-type]
    fixed = np.array([f.estimate for f in ours.model.fixed])
    assert np.max(np.abs(fixed - reference["fixed"])) < FIXED_ABS  # type: ignore[operator]
    fixed_se = np.array([f.std_error for f in ours.model.fixed])
    assert np.allclose(fixed_se, reference["fixed_se"], rtol=0.01)  # type: ignore[arg-type]
    effects: dict[object, float] = reference["auditors"]  # type: ignore[assignment]
    assert max(abs(a.effect - effects[a.auditor]) for a in ours.auditors) < EFFECT_ABS
    levels: dict[object, float] = reference["levels"]  # type: ignore[assignment]
    assert max(abs(o.estimate - levels[o.outlet]) for o in ours.outlets) < EFFECT_ABS


@pytest.mark.parametrize("with_auditors", [False, True])
def test_the_criterion_summed_by_visit_count_is_the_one_over_every_outlet(
    with_auditors: bool,
) -> None:
    """The REML criterion takes the outlets' part of the equations as a sum over visit counts
    (outlets with as many visits share it); worked out over every outlet, it is the same."""
    wave = estimates._wave(generated(7), None)
    x, _names, _groups = estimates._design(wave, False, with_auditors)
    by_count = estimates._Criterion(wave, x, with_auditors)
    assert by_count.grams is not None
    assert len(by_count.visit_counts) > 2
    every_outlet = estimates._Criterion(wave, x, with_auditors)
    every_outlet.grams = None
    for lam in ([0.3, 0.2], [1.1, 0.05], [4.0, 2.5]):
        scales = np.array(lam[: 1 + with_auditors])
        ours, reference = by_count.solve(scales), every_outlet.solve(scales)
        assert math.isclose(ours[0], reference[0], rel_tol=1e-10)
        for mine, theirs in zip(ours[1:], reference[1:], strict=True):
            assert np.allclose(mine, theirs, rtol=1e-9, atol=1e-9)


OPENBLAS_THREADS = """
import ctypes, sys
import server, numpy, scipy.linalg
libraries = sorted({line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line})
threads = []
for path in libraries:
    library = ctypes.CDLL(path)
    for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads"):
        if hasattr(library, name):
            threads.append(getattr(library, name)())
print(*threads)
"""


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("2", "2")])
def test_the_server_runs_openblas_on_one_thread_unless_told_otherwise(
    given: str | None, expected: str
) -> None:
    """numpy's and scipy's OpenBLAS, as loaded after the server package: one thread each by
    default (small matrices beside the event loop), the operator's number when set."""
    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        environment["OPENBLAS_NUM_THREADS"] = given
    printed = subprocess.run(
        [sys.executable, "-c", OPENBLAS_THREADS],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [expected, expected] == printed


def test_the_demo_shaped_wave_reads_as_the_product_shows_it() -> None:
    truth = demo_shaped(3)
    wave = analyse_wave(truth.visits, regions=truth.regions, seed=1)
    league = wave.league
    assert [o.rank for o in league.outlets] == sorted(o.rank for o in league.outlets)
    assert len(league.outlets) == 27
    assert {o.visits for o in league.outlets} == {3, 4}
    for outlet in league.outlets:
        assert 1 <= outlet.rank_low <= outlet.rank <= outlet.rank_high <= 27 or (
            # the point rank of the estimate may sit just outside a simulated interval
            1 <= outlet.rank_low <= outlet.rank_high <= 27
        )
        assert outlet.region_rank_low is not None
        assert outlet.region_rank_high is not None
        assert outlet.region_rank_high <= 14
        assert 0.0 <= outlet.interval.low <= outlet.estimate <= outlet.interval.high <= 100.0
        assert 0.0 < outlet.weight < 1.0
        assert outlet.funnel in (ABOVE, LEVEL, BELOW)
    # With 3-4 visits the data cannot tell 27 outlets apart: a handful of tiers, not 27 ranks.
    assert 1 <= len(league.tiers) <= 6
    assert sum(len(t.outlets) for t in league.tiers) == 27
    assert [t.number for t in league.tiers] == list(range(1, len(league.tiers) + 1))
    assert wave.auditors is not None
    assert wave.adjusted is not None
    assert len(wave.auditors.auditors) == 12
    assert wave.auditors.design.connected
    assert wave.plan.within_sd > 0


# ---------------------------------------------------------------------------------------------
# Funnel


def test_funnel_limits_follow_spiegelhalter() -> None:
    points = [(i, n, score) for i, (n, score) in enumerate([(4, 70.0), (9, 84.0), (16, 20.0)])]
    plot = funnel_plot(points, within_variance=100.0, target=75.0, overdispersion="none")
    limit = {round(c.visits, 6): c for c in plot.curve}[4.0]
    assert math.isclose(limit.low_95, 75.0 - 1.959964 * 5.0, abs_tol=1e-4)
    assert math.isclose(limit.high_998, 75.0 + 3.090232 * 5.0, abs_tol=1e-4)
    assert [p.funnel for p in plot.points] == [LEVEL, ABOVE, BELOW]
    assert [p.funnel_998 for p in plot.points] == [LEVEL, LEVEL, BELOW]
    assert plot.tau == 0.0


def test_funnel_overdispersion_estimates() -> None:
    rng = np.random.default_rng(2)
    n = rng.integers(3, 40, 400)
    # True between-outlet SD 6 on top of visit noise SD 12.
    scores = 70 + rng.normal(0, 6, n.size) + rng.normal(0, 12, n.size) / np.sqrt(n)
    points = [(i, int(k), float(s)) for i, (k, s) in enumerate(zip(n, scores, strict=True))]
    additive = funnel_plot(points, within_variance=144.0, target=70.0)
    assert 4.5 < additive.tau < 7.5  # Winsorizing trims the spread a little
    multiplicative = funnel_plot(
        points, within_variance=144.0, target=70.0, overdispersion="multiplicative"
    )
    assert multiplicative.phi > 1.5
    assert multiplicative.tau == 0.0
    # Additive limits keep a floor that more visits never narrow; multiplicative ones shrink.
    assert additive.curve[-1].high_95 - additive.curve[-1].low_95 > 2 * 1.9 * 4.5
    with pytest.raises(ValueError, match="over-dispersion"):
        funnel_plot(points, within_variance=144.0, overdispersion="quadratic")  # type: ignore[arg-type]


@PROPERTY
@given(
    st.lists(
        st.tuples(st.integers(1, 60), st.floats(0, 100, allow_nan=False)), min_size=1, max_size=40
    ),
    st.floats(1.0, 900.0),
    st.sampled_from(["additive", "multiplicative", "none"]),
)
def test_funnel_limits_nest_and_narrow_with_visits(
    points: list[tuple[int, float]], variance: float, kind: estimates.Overdispersion
) -> None:
    plot = funnel_plot(
        [(i, n, s) for i, (n, s) in enumerate(points)],
        within_variance=variance,
        overdispersion=kind,
    )
    widths = []
    for limit in plot.curve:
        assert limit.low_998 <= limit.low_95 <= plot.target <= limit.high_95 <= limit.high_998
        widths.append(limit.high_95 - limit.low_95)
    assert all(a >= b - 1e-9 for a, b in itertools.pairwise(widths))
    visits = [c.visits for c in plot.curve]
    assert visits == sorted(visits)
    assert visits[0] == 1.0


# ---------------------------------------------------------------------------------------------
# Properties of the estimates


outlet_visits = st.lists(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=6),
    min_size=2,
    max_size=10,
)


def _visits(scores: list[list[float]], auditors: int = 4) -> list[Visit]:
    return [
        Visit(outlet=o, auditor=(o + k) % auditors, percent=p)
        for o, visits in enumerate(scores)
        for k, p in enumerate(visits)
    ]


def _usable(scores: list[list[float]]) -> bool:
    within = [p for visits in scores if len(visits) > 1 for p in visits]
    return len(within) > 1 and np.ptp([p for visits in scores for p in visits]) > 1.0


@PROPERTY
@given(outlet_visits)
def test_estimates_lie_between_the_raw_result_and_the_network(scores: list[list[float]]) -> None:
    assume(_usable(scores))
    league = league_estimates(_visits(scores), draws=50)
    (network,) = league.model.fixed
    for outlet in league.outlets:
        low, high = sorted((outlet.raw, network.estimate))
        assert low - 1e-6 <= outlet.estimate <= high + 1e-6
        assert 0.0 <= outlet.weight <= 1.0


@PROPERTY
@given(outlet_visits)
def test_more_visits_give_narrower_intervals(scores: list[list[float]]) -> None:
    assume(_usable(scores))
    outlets = league_estimates(_visits(scores), draws=50).outlets
    for a in outlets:
        for b in outlets:
            if a.visits > b.visits:
                assert a.margin <= b.margin + 1e-9
            if a.visits == b.visits:
                assert math.isclose(a.margin, b.margin, rel_tol=1e-9, abs_tol=1e-12)


@PROPERTY
@given(outlet_visits, st.randoms(use_true_random=False))
def test_the_same_visits_in_any_order_give_the_same_figures(
    scores: list[list[float]], shuffler: random.Random
) -> None:
    assume(_usable(scores))
    visits = _visits(scores)
    shuffled = list(visits)
    shuffler.shuffle(shuffled)
    assert league_estimates(visits, draws=50, seed=4) == league_estimates(
        shuffled, draws=50, seed=4
    )


@PROPERTY
@given(outlet_visits)
def test_rank_intervals_and_tiers_are_consistent(scores: list[list[float]]) -> None:
    assume(_usable(scores))
    league = league_estimates(_visits(scores), draws=100)
    count = len(league.outlets)
    for outlet in league.outlets:
        assert 1 <= outlet.rank_low <= outlet.rank_high <= count
    members = [o for tier in league.tiers for o in tier.outlets]
    assert members == [o.outlet for o in league.outlets]  # tiers run down the league
    for tier in league.tiers:
        leader = next(o for o in league.outlets if o.outlet == tier.outlets[0])
        for key in tier.outlets:
            outlet = next(o for o in league.outlets if o.outlet == key)
            assert outlet.rank_low <= leader.rank_high


def test_too_few_visits_are_refused() -> None:
    with pytest.raises(TooFewVisits):
        league_estimates([Visit(1, 1, 80.0), Visit(1, 2, 70.0)])
    with pytest.raises(TooFewVisits):
        league_estimates([Visit(1, 1, 80.0), Visit(2, 2, 70.0)])
    with pytest.raises(ValueError, match="finite"):
        league_estimates([Visit(1, 1, math.nan), Visit(1, 1, 1.0), Visit(2, 1, 3.0)])


def test_identical_scores_give_no_spread() -> None:
    visits = [Visit(o, a, 100.0) for o in range(5) for a in range(3)]
    league = league_estimates(visits, draws=50)
    assert league.model.variances.outlet < 1e-6
    assert all(o.estimate == pytest.approx(100.0) for o in league.outlets)
    assert all(o.funnel == LEVEL for o in league.outlets)


def test_region_means_as_targets() -> None:
    truth = demo_shaped(8)
    league = league_estimates(truth.visits, regions=truth.regions, shrink_to_region=True)
    assert [f.name for f in league.model.fixed] == ["region 1", "region 2"]
    means = {f.name: f.estimate for f in league.model.fixed}
    for outlet in league.outlets:
        mean = means[f"region {outlet.region}"]
        assert min(outlet.raw, mean) - 1e-6 <= outlet.estimate <= max(outlet.raw, mean) + 1e-6


# ---------------------------------------------------------------------------------------------
# Auditors and the design


def test_auditor_effects_track_the_true_biases() -> None:
    truth = large(4, outlets=200, auditors=20, visits_per_outlet=10)
    severity = auditor_severity(truth.visits, draws=100)
    found = {a.auditor: a.effect for a in severity.auditors}
    true = np.array([truth.biases[a] for a in sorted(found)])
    estimated = np.array([found[a] for a in sorted(found)])
    assert np.corrcoef(true - true.mean(), estimated)[0, 1] > 0.95
    channel = next(f for f in severity.model.fixed if f.name.startswith("channel"))
    assert channel.name == "channel phone vs in_store"
    assert abs(channel.estimate - -5.0) < 3 * channel.std_error + 0.2
    verdicts = {a.verdict for a in severity.auditors}
    assert verdicts <= {"lenient", "severe", "level"}


def test_a_disconnected_design_is_named_with_the_visits_that_link_it() -> None:
    visits = [
        # Main group: auditors 1, 2, 3 share outlets 10 and 11.
        Visit(10, 1, 80.0),
        Visit(10, 2, 70.0),
        Visit(11, 2, 75.0),
        Visit(11, 3, 65.0),
        Visit(12, 1, 90.0),
        Visit(12, 3, 85.0),
        Visit(13, 1, 60.0),
        # Auditor 4 alone at outlets 20 and 21.
        Visit(20, 4, 95.0),
        Visit(21, 4, 92.0),
        # Auditors 5 and 6 only between themselves.
        Visit(30, 5, 50.0),
        Visit(30, 6, 55.0),
    ]
    names = {1: "Anna", 2: "Ben", 3: "Cleo", 4: "Dmytro", 5: "Ewa", 6: "Fedir"}
    check = design_check(visits, auditor_names=names, outlet_names={10: "PM-010"})
    assert not check.connected
    assert check.groups == ((1, 2, 3), (4,), (5, 6))
    links = {link.auditor: link for link in check.auditors}
    assert (links[1].shared_outlets, links[1].colleagues, links[1].outlets) == (2, 2, 3)
    assert links[4].shared_outlets == 0
    assert links[4].group == 1
    unlinked = [s for s in check.suggestions if s.reason == "unlinked"]
    assert [(s.auditor, s.outlet) for s in unlinked] == [(4, 10), (5, 10)]
    assert "Dmytro shares no outlet" in unlinked[0].text
    assert "PM-010" in unlinked[0].text
    assert "Anna, Ben" in unlinked[0].text
    assert "Ewa, Fedir visit only outlets" in unlinked[1].text
    assert "share no outlet with one another: 3." in check.summary
    severity = auditor_severity(visits, draws=50)
    verdicts = {a.auditor: a.verdict for a in severity.auditors}
    assert verdicts[4] == verdicts[5] == verdicts[6] == "unlinked"


def test_a_weakly_linked_auditor_gets_one_more_calibration_visit() -> None:
    visits = [Visit(o, a, 70.0 + o) for o in range(6) for a in (1, 2)]
    visits += [Visit(0, 3, 60.0), Visit(7, 3, 65.0)]
    check = design_check(visits)
    assert check.connected
    (weak,) = check.suggestions
    assert (weak.auditor, weak.reason) == (3, "weak")
    assert weak.outlet != 0
    assert "just one outlet" in weak.text


# ---------------------------------------------------------------------------------------------
# Planner


@pytest.mark.parametrize(("difference", "sd"), [(5.0, 10.0), (10.0, 12.0), (3.0, 8.0)])
def test_the_planner_agrees_with_statsmodels_power(difference: float, sd: float) -> None:
    plan = plan_visits(VarianceComponents(visit=sd * sd, outlet=25.0), difference=difference)
    two = TTestIndPower().solve_power(effect_size=difference / sd, alpha=0.05, power=0.8)
    one = TTestPower().solve_power(effect_size=difference / sd, alpha=0.05, power=0.8)
    assert plan.visits_to_compare_outlets == math.ceil(two)
    assert plan.visits_to_compare_with_network == math.ceil(one)
    row = plan.table[7]  # 8 visits
    assert row.detectable is not None
    power = TTestIndPower().power(effect_size=row.detectable / sd, nobs1=8, alpha=0.05)
    assert power == pytest.approx(0.8, abs=1e-6)


@PROPERTY
@given(st.floats(1.0, 40.0), st.floats(0.0, 30.0), st.floats(2.0, 40.0))
def test_the_planner_asks_for_the_fewest_visits(sd: float, between: float, width: float) -> None:
    plan = plan_visits(
        VarianceComponents(visit=sd * sd, outlet=between * between),
        target_width=width,
        table_visits=30,
    )
    widths = [row.width for row in plan.table if row.width is not None]
    assert widths == sorted(widths, reverse=True)
    reliabilities = [row.reliability for row in plan.table]
    assert reliabilities == sorted(reliabilities)
    n = plan.visits_for_width
    if n is not None:

        def full_width(k: int) -> float:
            return 2 * float(special.stdtrit(k - 1, 0.975)) * sd / math.sqrt(k)

        assert full_width(n) <= width
        assert n == 2 or full_width(n - 1) > width
    if plan.visits_for_reliability is not None and between > 0:
        k = plan.visits_for_reliability
        assert between**2 / (between**2 + sd * sd / k) >= 0.8 - 1e-9


def test_a_vanishing_spread_between_outlets_asks_for_no_number_of_visits() -> None:
    plan = plan_visits(VarianceComponents(visit=1.0, outlet=4e-310), target_width=2.0)
    assert plan.visits_for_reliability is None
    assert plan.table[0].reliability < 1e-300


def test_how_to_read_covers_every_figure() -> None:
    assert set(estimates.HOW_TO_READ) == {
        "estimates",
        "ranks",
        "tiers",
        "funnel",
        "auditors",
        "design",
        "adjusted",
        "planner",
        "agreement",
    }


def _rank_bounds_by_definition(
    levels: np.ndarray, confidence: float
) -> tuple[list[int], list[int]]:
    """Each column's places in each draw, from 1 + the columns above it to the columns at or
    above it (a tie holds any of the places it shares), then the empirical quantiles (inverted
    CDF) of the best places for the low end and of the worst for the high end: the rank
    interval as the contract defines it."""
    draws, columns = levels.shape
    best = [[1 + int(np.sum(row > row[j])) for row in levels] for j in range(columns)]
    worst = [[int(np.sum(row >= row[j])) for row in levels] for j in range(columns)]
    tail = (1.0 - confidence) / 2.0
    k_low = max(0, math.ceil(tail * draws) - 1)
    k_high = min(draws - 1, math.ceil((1.0 - tail) * draws) - 1)
    return [sorted(r)[k_low] for r in best], [sorted(r)[k_high] for r in worst]


@settings(max_examples=40, deadline=None)
@given(
    draws=st.integers(1, 40),
    columns=st.integers(1, 12),
    confidence=st.sampled_from([0.5, 0.95, 0.998]),
    seed=st.integers(0, 2**32 - 1),
    tied=st.booleans(),
)
def test_rank_intervals_are_the_quantiles_of_each_draws_ranks(
    draws: int, columns: int, confidence: float, seed: int, tied: bool
) -> None:
    rng = np.random.default_rng(seed)
    levels = rng.normal(70.0, 10.0, (draws, columns)) + rng.normal(0.0, 5.0, columns)
    if tied:  # whole points: draws with ties
        levels = np.round(levels / 10.0)
    low, high = estimates._rank_bounds(levels, confidence)
    assert (list(low), list(high)) == _rank_bounds_by_definition(levels, confidence)


def test_outlets_the_model_tells_no_difference_between_could_hold_every_place() -> None:
    """Visits of three outlets that differ no more than visits of one outlet do: the
    between-outlet variance is estimated at 0, every estimate is the network's, and no outlet
    is ranked above another (every interval 1-3, one tier); the league lists equal estimates
    in the order of their results."""
    scores = {"A": [70.0, 90.0, 80.0], "B": [95.0, 65.0, 82.0], "C": [60.0, 100.0, 78.0]}
    visits = [
        Visit(outlet=outlet, auditor=f"{outlet}{number}", percent=y)
        for outlet, ys in scores.items()
        for number, y in enumerate(ys)
    ]
    league = analyse_wave(visits, seed=1).league
    assert 1 == len({round(outlet.estimate, 9) for outlet in league.outlets})
    assert [(1, 3)] * 3 == [(outlet.rank_low, outlet.rank_high) for outlet in league.outlets]
    assert {1} == {outlet.tier for outlet in league.outlets}
    assert ["B", "A", "C"] == [outlet.outlet for outlet in league.outlets]  # 80.7, 80.0, 79.3


def test_rank_intervals_of_more_outlets_than_16_bits_count() -> None:
    rng = np.random.default_rng(5)
    levels = rng.normal(0.0, 1.0, (3, 33_000)) + np.linspace(0.0, 1.0, 33_000)
    low, high = estimates._rank_bounds(levels, 0.95)
    ranks = 33_000 - np.argsort(np.argsort(levels, axis=1), axis=1)  # 1 = highest
    assert (list(low), list(high)) == (list(ranks.min(axis=0)), list(ranks.max(axis=0)))
