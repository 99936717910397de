"""CPU time per call of competing functions, measured in interleaved rounds (median).

Used by the micro-benchmarks (bench/codec.py, bench/scoring.py): rounds alternate between
the candidates and the median is kept, so other programs on a shared machine skew the
figures less than one long run of each would.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def cpu_seconds_per_call(function: Callable[[], object], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        function()
    return (time.process_time() - started) / calls


def medians(
    candidates: dict[str, Callable[[], object]], *, rounds: int, calls_per_round: int
) -> dict[str, float]:
    """The median CPU seconds per call of each candidate, measured in interleaved rounds."""
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, function in candidates.items():
            samples[name].append(cpu_seconds_per_call(function, calls_per_round))
    return {name: statistics.median(times) for name, times in samples.items()}
