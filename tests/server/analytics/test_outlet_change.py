"""An outlet's result and change against the previous wave, judged against chance on
simulated networks (docs/contract.md#wave-result): its interval covers what it measures about
as often as promised (95%), its change is about as rarely beyond chance as promised (5%) where
nothing changed, and found far more often than by the outlet's own few visits where it did.

With three visits a wave, an outlet's own visits say little of how far its visits scatter
(the t quantile on 2 degrees of freedom is 4.3): judged by its own intervals, an outlet whose
three visits all fell 25 points below its three visits before read "within chance", and
three visits that happened to agree told an outlet apart from the network on chance. One
visit's variance pooled over its network's visits (`VisitVariance`) says it well, and every
outlet interval rests on it.
"""

from __future__ import annotations

import math
import random

import pytest

from server.analytics import stats
from server.analytics.results import (
    Estimate,
    OutletResult,
    VisitVariance,
    moved,
    outlet_moved,
)
from tests.server.analytics.test_group_change import NOISE, OUTLETS, SPREAD, VISITS, outlet, visits


def wave(
    rng: random.Random, quality: list[float], shift: float, number: int
) -> tuple[list[OutletResult], list[list[float]]]:
    """Each outlet's visits scatter around its quality (plus `shift`), cut to 0-100: the
    outlets' results, their intervals from the network's pooled visit variance, and the
    visits' percents."""
    percents = [
        [min(100.0, max(0.0, rng.gauss(level + shift, NOISE))) for _ in range(VISITS)]
        for level in quality
    ]
    groups = [visits("in_store", *scores) for scores in percents]
    pool = VisitVariance.of_groups(groups)
    return [
        outlet(index, number, [group], {}, pool) for index, group in enumerate(groups)
    ], percents


def own_interval(percents: list[float]) -> Estimate:
    """An outlet's result with the t interval of its own visits alone (n - 1 degrees of
    freedom): what the pooled interval replaced."""
    score = stats.mean(percents)
    interval = stats.t_interval(percents)
    assert interval is not None
    return Estimate(score, len(percents), interval.low, interval.high, score - interval.low)


def changes_beyond_chance(shift: float, runs: int, seed: int) -> tuple[float, float]:
    """How often an outlet's change is more than chance: by its pooled intervals, and by its
    own visits' intervals."""
    rng = random.Random(seed)
    pooled = own = total = 0
    for _run in range(runs):
        quality = [rng.gauss(75.0, SPREAD) for _ in range(OUTLETS)]
        (before, before_visits), (now, now_visits) = (
            wave(rng, quality, 0.0, 1),
            wave(rng, quality, shift, 2),
        )
        for index, (earlier, later) in enumerate(zip(before, now, strict=True)):
            pooled += bool(outlet_moved(later, earlier))
            own += bool(moved(own_interval(now_visits[index]), own_interval(before_visits[index])))
            total += 1
    return pooled / total, own / total


def test_where_nothing_changed_about_one_outlet_in_twenty_moves_beyond_chance() -> None:
    pooled, own = changes_beyond_chance(0.0, 100, 20261208)
    print(f"nothing changed: pooled {pooled:.3f}, own intervals {own:.3f}")
    assert 0.035 <= pooled <= 0.07  # 0.048 here, of 2,800 outlets
    # The own intervals promise 5% and give far fewer: they hide real changes too (below).
    assert own < 0.025  # 0.015 here


def test_where_every_outlet_moved_25_points_most_changes_are_found() -> None:
    pooled, own = changes_beyond_chance(25.0, 50, 8)
    print(f"every outlet 25 points better: pooled {pooled:.3f}, own intervals {own:.3f}")
    # A change's margin is about 19 points (12 per visit, three visits a wave); scores cut
    # at 100 take some of it.
    assert pooled >= 0.55  # 0.644 here
    assert own <= 0.35  # 0.225 here


def test_an_outlets_interval_covers_what_its_visits_measure_as_often_as_it_promises() -> None:
    """The mean an outlet's visits scatter around lies in its 95% interval about 95 times in
    100 (visits cut to 0-100 near the top move it a little): 95.3% here, with a mean margin
    of 13.6 points. An interval of its own three visits covers it as often at about twice the
    width (26.0), and is two points or less for a few outlets in a thousand (7 of 1,680):
    outlets told apart from the network on chance."""
    rng = random.Random(42)
    covered = own_covered = narrow = total = 0
    pooled_width = own_width = 0.0
    for _run in range(60):
        quality = [rng.gauss(70.0, SPREAD) for _ in range(OUTLETS)]
        results, percents = wave(rng, quality, 0.0, 1)
        for level, result, scores in zip(quality, results, percents, strict=True):
            estimate, own = result.estimate, own_interval(scores)
            assert estimate.margin is not None
            assert own.margin is not None
            covered += abs(estimate.score - level) <= estimate.margin
            own_covered += abs(own.score - level) <= own.margin
            narrow += own.margin <= 2.0
            pooled_width += estimate.margin
            own_width += own.margin
            total += 1
    print(
        f"covered: pooled {covered / total:.3f} (mean margin {pooled_width / total:.1f}), "
        f"own {own_covered / total:.3f} (mean margin {own_width / total:.1f}), "
        f"own margin <= 2: {narrow}"
    )
    assert 0.93 <= covered / total <= 0.97
    assert own_width / total > 1.5 * pooled_width / total
    assert narrow > 0


def test_the_pooled_variance_gives_an_outlet_its_margin() -> None:
    first = outlet(1, 1, [visits("in_store", 70.0, 80.0)], {})
    second = outlet(2, 1, [visits("in_store", 50.0, 60.0, 70.0), visits("phone", 40.0)], {})
    pool = VisitVariance.pooled([first, second])
    assert pool is not None
    # (50 + 200) / (1 + 2) per visit, on 3 degrees of freedom (t = 3.182).
    assert (250.0 / 3.0, 3) == (pytest.approx(pool.variance), pool.degrees)
    assert 3.182 * math.sqrt(250.0 / 3.0 / 2) == pytest.approx(pool.margin(0.5), abs=0.01)
    lonely = outlet(3, 1, [visits("in_store", 90.0)], {})
    assert None is VisitVariance.pooled([lonely])
    # A change is told from chance by the two results' pooled intervals; without them, never.
    now = outlet(1, 2, [visits("in_store", 20.0, 30.0)], {}, pool)
    before = outlet(1, 1, [visits("in_store", 70.0, 80.0)], {}, pool)
    assert outlet_moved(now, before) is True
    assert None is outlet_moved(now, None)
    assert None is outlet_moved(first, outlet(1, 0, [visits("in_store", 20.0, 30.0)], {}))
