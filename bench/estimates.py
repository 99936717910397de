"""Benchmark of the wave estimates (`server.analytics.estimates.analyse_wave`) against fitting
the same auditor model with statsmodels on the same visits, in one run.

The whole computation on our side: both models (the league model and the crossed outlet and
auditor model with a channel contrast), 2,000 simulated leagues for the rank intervals (in the
network and in each of 16 regions), tiers, both funnels, the design check, auditor severity
and the visit plan. statsmodels' side: only `MixedLM` fitting the crossed model (REML, outlet
and auditor as variance components of one group, sparse design: the one form of the model it
can fit at this size), nothing else.

Two sizes: 200 outlets and 10,000 visits, where statsmodels finishes in seconds; and 2,000
outlets and 100,000 visits, where it is given `BUDGET_FACTOR` times our time (at least
`MIN_BUDGET` seconds) in a process of its own and stopped if still fitting (it then needs more
than ten minutes and several GB): its time is then printed as "more than" the budget, and the
ratio as at least budget / ours. Wall-clock seconds, our side the median of three runs.
Exits 1 when a ratio is below 10.

    .venv/bin/python bench/estimates.py
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The server package first, as in the server: it sets OpenBLAS's threads before numpy loads.
import server  # noqa: F401

# isort: split
import numpy as np

from server.analytics.estimates import Visit, analyse_wave

GOAL_RATIO = 10.0
BUDGET_FACTOR = 30.0
MIN_BUDGET = 120.0
SIZES = ((200, 20, 50), (2_000, 100, 50))  # outlets, auditors, visits per outlet
REGIONS = 16


def wave(outlets: int, auditors: int, per_outlet: int, seed: int = 7) -> list[Visit]:
    """Outlet levels SD 8, auditor leniency SD 4, a third of visits by phone (5 points lower),
    visit noise SD 10, cut to 0-100; each visit by a random auditor."""
    rng = np.random.default_rng(seed)
    levels = 75.0 + rng.normal(0.0, 8.0, outlets)
    biases = rng.normal(0.0, 4.0, auditors)
    outlet = np.repeat(np.arange(outlets), per_outlet)
    auditor = rng.integers(0, auditors, outlet.size)
    phone = rng.random(outlet.size) < 1 / 3
    noise = rng.normal(0.0, 10.0, outlet.size)
    percent = np.clip(levels[outlet] + biases[auditor] - 5.0 * phone + noise, 0.0, 100.0)
    return [
        Visit(int(o), int(a), float(p), "phone" if f else "in_store", "call" if f else "store")
        for o, a, p, f in zip(outlet, auditor, percent, phone, strict=True)
    ]


def statsmodels_fit(visits: list[Visit]) -> tuple[float, list[float]]:
    """Seconds to fit the crossed model with statsmodels, and its variance components."""
    import scipy.sparse as sp
    from statsmodels.regression.mixed_linear_model import MixedLM, VCSpec

    y = np.array([v.percent for v in visits])
    n = y.size
    outlet = np.array([v.outlet for v in visits])
    auditor = np.array([v.auditor for v in visits])
    q1, q2 = int(outlet.max()) + 1, int(auditor.max()) + 1
    x = np.column_stack([np.ones(n), np.array([v.channel == "phone" for v in visits], float)])
    spec = VCSpec(
        names=["outlet", "auditor"],
        colnames=[[[f"o{i}" for i in range(q1)]], [[f"a{j}" for j in range(q2)]]],
        mats=[
            [sp.csr_matrix((np.ones(n), (np.arange(n), outlet)), shape=(n, q1))],
            [sp.csr_matrix((np.ones(n), (np.arange(n), auditor)), shape=(n, q2))],
        ],
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = MixedLM(y, x, groups=np.zeros(n), exog_vc=spec).fit(reml=True)
    seconds = time.perf_counter() - started
    return seconds, [float(fit.vcomp[0]), float(fit.vcomp[1]), float(fit.scale)]


def _child(visits: list[Visit], queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(statsmodels_fit(visits))


def statsmodels_within(visits: list[Visit], budget: float) -> tuple[float, list[float]] | None:
    """statsmodels' fit in a process of its own, stopped after `budget` seconds (None)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(visits, queue))
    process.start()
    try:
        return queue.get(timeout=budget)  # type: ignore[no-any-return]
    except Exception:  # the queue's Empty: still fitting
        return None
    finally:
        process.kill()
        process.join()


def ours(visits: list[Visit], regions: dict[int, int]) -> tuple[float, list[float]]:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        result = analyse_wave(visits, regions=regions)
        times.append(time.perf_counter() - started)
    assert result.auditors is not None
    v = result.auditors.model.variances
    return statistics.median(times), [v.outlet, v.auditor or 0.0, v.visit]


def main() -> int:
    failed = False
    for outlets, auditors, per_outlet in SIZES:
        visits = wave(outlets, auditors, per_outlet)
        regions = {o: o % REGIONS for o in range(outlets)}
        print(f"== {outlets:,} outlets, {auditors} auditors, {len(visits):,} visits")
        our_seconds, our_variances = ours(visits, regions)
        budget = max(MIN_BUDGET, BUDGET_FACTOR * our_seconds)
        reference = statsmodels_within(visits, budget)
        print(f"  analyse_wave, everything:        {our_seconds:8.2f} s")
        if reference is None:
            ratio = budget / our_seconds
            print(f"  statsmodels MixedLM, one model:  > {budget:.0f} s (stopped, still fitting)")
            print(f"  ratio statsmodels / ours:        > {ratio:.1f}")
        else:
            seconds, variances = reference
            ratio = seconds / our_seconds
            print(f"  statsmodels MixedLM, one model:  {seconds:8.2f} s")
            print(f"  ratio statsmodels / ours:        {ratio:8.1f}")
            print(
                "  variances (outlet, auditor, visit): ours "
                + ", ".join(f"{v:.3f}" for v in our_variances)
                + "; statsmodels "
                + ", ".join(f"{v:.3f}" for v in variances)
            )
        if ratio < GOAL_RATIO:
            print(f"  BELOW the goal of {GOAL_RATIO:.0f}x")
            failed = True
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} CPUs")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
