"""Pure statistics of the analytics figures: t and score intervals, quartiles, NPS.

No database, no I/O: plain numbers in, plain numbers out, so every figure the API shows can be
re-derived in a test from the raw audit percents.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import statistics
from collections.abc import Sequence

CONFIDENCE = 0.95


@dataclasses.dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


def _incomplete_beta_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularized incomplete beta (modified Lentz method)."""
    tiny = 1e-300
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        m2 = 2 * m
        numerator = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2))
        d = 1.0 + numerator * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + numerator / c
        c = c if abs(c) > tiny else tiny
        result *= d * c
        numerator = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0))
        d = 1.0 + numerator * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + numerator / c
        c = c if abs(c) > tiny else tiny
        step = d * c
        result *= step
        if abs(step - 1.0) < 1e-15:
            break
    return result


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # The fraction converges fast only below the mean; use the symmetry relation above it.
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _incomplete_beta_fraction(a, b, x) / a
    return 1.0 - front * _incomplete_beta_fraction(b, a, 1.0 - x) / b


def student_t_cdf(t: float, degrees_of_freedom: int) -> float:
    """P(T <= t) for Student's t distribution."""
    nu = float(degrees_of_freedom)
    tail = 0.5 * regularized_incomplete_beta(nu / 2.0, 0.5, nu / (nu + t * t))
    return 1.0 - tail if t >= 0 else tail


@functools.lru_cache(maxsize=1024)
def student_t_quantile(probability: float, degrees_of_freedom: int) -> float:
    """The t value with P(T <= t) = probability (bisection on the CDF; 0.5 < p < 1)."""
    low, high = 0.0, 1.0
    while student_t_cdf(high, degrees_of_freedom) < probability:
        high *= 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if student_t_cdf(middle, degrees_of_freedom) < probability:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2.0


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def t_interval_from_sums(
    count: int, total: float, total_of_squares: float, confidence: float = CONFIDENCE
) -> Interval | None:
    """Student-t interval of the mean from n, sum(x) and sum(x^2); None below two values.

    The SQL league table only sends these three sums per outlet, not every percent.
    """
    if count < 2:
        return None
    average = total / count
    variance = max(0.0, (total_of_squares - count * average * average) / (count - 1))
    half_width = student_t_quantile(0.5 + confidence / 2.0, count - 1) * math.sqrt(variance / count)
    return Interval(average - half_width, average + half_width)


def within(interval: Interval | None, low: float, high: float) -> Interval | None:
    """The interval cut to the range the measure can take (a score is never above 100%)."""
    if interval is None:
        return None
    return Interval(max(low, interval.low), min(high, interval.high))


def t_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval | None:
    """Student-t interval of the mean of `values` (sample standard deviation, n-1 df)."""
    return t_interval_from_sums(
        len(values), math.fsum(values), math.fsum(value * value for value in values), confidence
    )


def quantile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between order statistics (R type 7, numpy's default)."""
    if not values:
        raise ValueError("quantile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def net_promoter_score(ratings: Sequence[float]) -> float | None:
    """% promoters (9-10) minus % detractors (0-6); None when nobody answered."""
    if not ratings:
        return None
    promoters = sum(1 for rating in ratings if rating >= 9)
    detractors = sum(1 for rating in ratings if rating <= 6)
    return 100.0 * (promoters - detractors) / len(ratings)


def nps_interval(ratings: Sequence[float], confidence: float = CONFIDENCE) -> Interval | None:
    """Student-t interval of the NPS: each answer counts +100 (promoter), 0 or -100
    (detractor), whose mean is the NPS; cut to -100..+100. None below two answers."""
    scores = [100.0 if rating >= 9 else -100.0 if rating <= 6 else 0.0 for rating in ratings]
    return within(t_interval(scores, confidence), -100.0, 100.0)


def proportion_interval(
    successes: int, count: int, confidence: float = CONFIDENCE
) -> Interval | None:
    """Wilson score interval of a proportion (0-1); None of nothing observed.

    Unlike the plain normal interval it stays inside 0..1 and is not empty at 0 or 100%,
    where pass rates of small groups often are.
    """
    if count <= 0:
        return None
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2.0)
    share = successes / count
    denominator = 1.0 + z * z / count
    centre = (share + z * z / (2 * count)) / denominator
    half_width = z * math.sqrt(share * (1 - share) / count + z * z / (4 * count * count))
    half_width /= denominator
    # At 0 and at 100% the bound on that side is the share itself (up to rounding).
    low = 0.0 if successes == 0 else max(0.0, centre - half_width)
    high = 1.0 if successes == count else min(1.0, centre + half_width)
    return Interval(low, high)


def difference_interval(
    successes: int,
    count: int,
    other_successes: int,
    other_count: int,
    confidence: float = CONFIDENCE,
) -> Interval | None:
    """Interval of one proportion minus another (Newcombe's hybrid score method, from the
    two Wilson intervals); None when either group observed nothing."""
    first = proportion_interval(successes, count, confidence)
    second = proportion_interval(other_successes, other_count, confidence)
    if first is None or second is None:
        return None
    share, other_share = successes / count, other_successes / other_count
    difference = share - other_share
    return Interval(
        difference - math.hypot(share - first.low, second.high - other_share),
        difference + math.hypot(first.high - share, other_share - second.low),
    )


def competition_ranks(scores: Sequence[float]) -> list[int]:
    """Rank of each score, highest first, ties sharing the best rank ("1224" ranking)."""
    ordered = sorted(scores, reverse=True)
    first_position: dict[float, int] = {}
    for position, score in enumerate(ordered, start=1):
        first_position.setdefault(score, position)
    return [first_position[score] for score in scores]
