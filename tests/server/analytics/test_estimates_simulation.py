"""Simulated waves with a known truth: what the estimates promise, checked over many waves.

Each wave is shaped like the demo (27 outlets, 3-4 visits each, 12 auditors, in store, phone
and e-mail) with true outlet levels (SD 8 points), auditor leniency (SD 6) and visit noise
(SD 10), all seeded. Over the waves:

- the league with auditor effects removed ranks outlets closer to their true order than the
  raw results (Spearman's rho against the truth, on average and in most waves);
- at the 95% funnel limits, at most about 5% of average outlets are classed below the
  network: in networks where every outlet is average, and in networks where a third are
  exactly average and the rest spread around them.

The `slow` forms (make soak) run ten times as many waves.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from server.analytics.estimates import BELOW, analyse_wave, league_estimates
from tests.server.analytics.waves import demo_shaped


def ranking_gain(waves: int) -> tuple[float, float, float]:
    raw, adjusted = [], []
    for seed in range(waves):
        truth = demo_shaped(seed, auditor_sd=6.0)
        wave = analyse_wave(truth.visits, draws=100, seed=seed)
        assert wave.adjusted is not None
        true = [truth.levels[o.outlet] for o in wave.adjusted.outlets]
        raw.append(spearmanr([o.raw for o in wave.adjusted.outlets], true)[0])
        adjusted.append(spearmanr([o.estimate for o in wave.adjusted.outlets], true)[0])
    wins = float(np.mean(np.array(adjusted) > np.array(raw)))
    return float(np.mean(raw)), float(np.mean(adjusted)), wins


def below_rate(waves: int, *, all_average: bool) -> float:
    """Share of average outlets classed below the network at the 95% limits."""
    below = count = 0
    for seed in range(waves):
        rng = np.random.default_rng(50_000 + seed)
        levels = 76.0 + rng.normal(0.0, 8.0, 27)
        average = np.ones(27, bool) if all_average else np.arange(27) % 3 == 0
        levels[average] = 76.0
        truth = demo_shaped(60_000 + seed, levels=levels)
        league = league_estimates(truth.visits, draws=20)
        for outlet in league.outlets:
            if average[int(outlet.outlet) - 1000]:
                count += 1
                below += outlet.funnel == BELOW
    return below / count


def check_ranking(waves: int) -> None:
    raw, adjusted, wins = ranking_gain(waves)
    print(f"Spearman vs truth over {waves} waves: raw {raw:.3f}, adjusted {adjusted:.3f}")
    assert adjusted > raw + 0.01
    assert wins > 0.6


def check_funnel(waves: int) -> None:
    for all_average in (True, False):
        rate = below_rate(waves, all_average=all_average)
        print(f"average outlets below the 95% limit ({all_average=}): {rate:.4f}")
        assert rate <= 0.05


def test_removing_auditor_effects_ranks_outlets_closer_to_the_truth() -> None:
    check_ranking(60)


def test_few_average_outlets_fall_below_the_95_percent_limit() -> None:
    check_funnel(100)


@pytest.mark.slow
def test_ranking_over_many_waves() -> None:
    check_ranking(600)


@pytest.mark.slow
def test_funnel_over_many_waves() -> None:
    check_funnel(1000)
