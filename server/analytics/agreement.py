"""Agreement between auditors on calibration visits, question by question.

A calibration visit sends a second auditor to an outlet in the same window as the first
(docs/contract.md#planning); where both answered a question, their answers should agree. Per
question this module computes:

- Krippendorff's alpha (Krippendorff, "Content Analysis", 2004, ch. 11; "Computing
  Krippendorff's alpha-reliability", 2011): 1 - observed / expected disagreement over the
  coincidence matrix of pairable values, any number of auditors per visit, missing answers
  allowed. Nominal for yes/no and choice questions, interval for scales and numbers
  (squared differences).
- Gwet's AC1 (Gwet, Br J Math Stat Psychol 2008, 61:29; "Handbook of Inter-Rater
  Reliability", 4th ed. 2014), for nominal questions: (pa - pe) / (1 - pe), pa the share of
  agreeing pairs within visits rated at least twice, pe = sum pi_k (1 - pi_k) / (q - 1) over
  the question's q possible answers. Unlike alpha it stays meaningful where almost every
  answer is the same (the "kappa paradox": a question nearly always answered yes has a tiny
  expected disagreement, so alpha swings on one odd answer).

How a question is judged (`verdict`), with Krippendorff's thresholds (2004, p. 241):
at least 0.800 "good", 0.667 to 0.800 "tentative", below 0.667 "poor", and a poor question is
flagged for rewording. A nominal question where one answer makes up at least 90% of the values
is judged by AC1 with the same thresholds instead (`judged_by`). Fewer than
`MIN_UNITS` calibration visits with two answers are "too_few" and never flagged: alpha from a
handful of pairs is mostly noise.

Pure and standard-library only: calibration samples are small.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Final, Literal, TypeAlias

Value: TypeAlias = str | int | float | bool
Level: TypeAlias = Literal["nominal", "interval"]

NOMINAL: Final = "nominal"
INTERVAL: Final = "interval"
GOOD: Final = 0.800
TENTATIVE: Final = 0.667
MIN_UNITS: Final = 5
PREVALENCE: Final = 0.90


@dataclasses.dataclass(frozen=True, slots=True)
class Rating:
    """One auditor's answer to one question on one calibration visit (`unit`: what the
    auditors rated together, such as the outlet and the window)."""

    unit: Hashable
    auditor: Hashable
    item: str
    value: Value | None


@dataclasses.dataclass(frozen=True, slots=True)
class ItemAgreement:
    item: str
    level: str
    units: int  # calibration visits where at least two auditors answered
    values: int  # answers in those visits
    observed: float | None  # share of agreeing pairs (nominal) or mean |difference| (interval)
    alpha: float | None  # None when every value is the same (no disagreement to expect)
    ac1: float | None  # nominal questions only
    judged_by: str  # "alpha" or "ac1"
    verdict: str  # "good", "tentative", "poor" or "too_few"
    reword: bool


def _pairable(units: Iterable[Sequence[Value | None]]) -> list[list[Value]]:
    """The answers of each unit that has at least two (only those can be paired)."""
    kept = []
    for unit in units:
        values = [value for value in unit if value is not None]
        if len(values) >= 2:
            kept.append(values)
    return kept


def _key(value: Value) -> Hashable:
    # True and 1 are one key to a dict; a yes/no answer is never a number here.
    return ("bool", value) if isinstance(value, bool) else value


def krippendorff_alpha(units: Iterable[Sequence[Value | None]], level: Level) -> float | None:
    """Krippendorff's alpha over `units` (each the answers of the auditors who rated it, None
    for no answer). None when all pairable values are equal (expected disagreement 0)."""
    pairable = _pairable(units)
    n = sum(len(values) for values in pairable)
    if n < 2:
        return None
    if level == INTERVAL:
        numbers = [[float(v) for v in values] for values in pairable]

        def spread(values: Sequence[float]) -> float:
            # sum over ordered pairs i != j of (v_i - v_j)^2 = 2 (m sum v^2 - (sum v)^2)
            total = math.fsum(values)
            return 2.0 * (len(values) * math.fsum(v * v for v in values) - total * total)

        within = math.fsum(spread(values) / (len(values) - 1) for values in numbers)
        everything = spread([v for values in numbers for v in values])
    elif level == NOMINAL:

        def mismatched(values: Sequence[Value]) -> float:
            # ordered pairs i != j with different values: m^2 - sum over values of count^2
            counts = collections.Counter(_key(v) for v in values)
            return float(len(values) ** 2 - sum(c * c for c in counts.values()))

        within = math.fsum(mismatched(values) / (len(values) - 1) for values in pairable)
        everything = mismatched([v for values in pairable for v in values])
    else:
        raise ValueError(f"unknown level {level!r}")
    if everything <= 0.0:
        return None
    return 1.0 - (n - 1) * within / everything


def gwet_ac1(
    units: Iterable[Sequence[Value | None]], categories: Sequence[Value] | None = None
) -> float | None:
    """Gwet's AC1 for nominal answers, any number of auditors per unit, missing allowed.

    `categories`: every answer the question allows (yes and no, a choice's options); by
    default the answers seen. pi_k is averaged over every unit with an answer, pa over the
    units with two or more (Gwet 2014, as in his irrCAC). None without a pairable unit."""
    rated = [[v for v in unit if v is not None] for unit in units]
    rated = [values for values in rated if values]
    pairable = [values for values in rated if len(values) >= 2]
    if not pairable:
        return None
    seen = {_key(v) for values in rated for v in values}
    allowed = {_key(v) for v in categories} if categories is not None else set()
    q = len(seen | allowed)
    agreement = 0.0
    for values in pairable:
        m = len(values)
        counts = collections.Counter(_key(v) for v in values)
        agreement += sum(c * (c - 1) for c in counts.values()) / (m * (m - 1))
    pa = agreement / len(pairable)
    share: dict[Hashable, float] = collections.defaultdict(float)
    for values in rated:
        for value in values:
            share[_key(value)] += 1.0 / len(values)
    pe = 0.0
    if q >= 2:
        pe = math.fsum((s / len(rated)) * (1.0 - s / len(rated)) for s in share.values())
        pe /= q - 1
    return (pa - pe) / (1.0 - pe)


def _observed(pairable: list[list[Value]], level: Level) -> float | None:
    pairs = 0
    total = 0.0
    for values in pairable:
        for i in range(len(values)):
            for j in range(i + 1, len(values)):
                pairs += 1
                if level == NOMINAL:
                    total += float(_key(values[i]) == _key(values[j]))
                else:
                    total += abs(float(values[i]) - float(values[j]))
    return total / pairs if pairs else None


def _verdict(value: float | None) -> str:
    if value is None or value >= GOOD:
        # No expected disagreement means every answer was the same: nothing to reword.
        return "good"
    return "tentative" if value >= TENTATIVE else "poor"


def item_agreement(
    ratings: Iterable[Rating],
    levels: Mapping[str, Level],
    categories: Mapping[str, Sequence[Value]] | None = None,
) -> tuple[ItemAgreement, ...]:
    """Agreement per question (those named in `levels`, nominal or interval), by question key.

    Several answers of one auditor to one question on one unit count once (the last)."""
    by_item: dict[str, dict[Hashable, dict[Hashable, Value | None]]] = collections.defaultdict(
        lambda: collections.defaultdict(dict)
    )
    for rating in ratings:
        if rating.item in levels:
            by_item[rating.item][rating.unit][rating.auditor] = rating.value
    results = []
    for item in sorted(levels):
        level = levels[item]
        units = [list(answers.values()) for answers in by_item.get(item, {}).values()]
        pairable = _pairable(units)
        values = sum(len(v) for v in pairable)
        alpha = krippendorff_alpha(units, level)
        ac1 = None
        if level == NOMINAL:
            ac1 = gwet_ac1(units, None if categories is None else categories.get(item))
        judged_by = "alpha"
        if level == NOMINAL and values:
            counts = collections.Counter(_key(v) for unit in pairable for v in unit)
            if max(counts.values()) / values >= PREVALENCE:
                judged_by = "ac1"
        if len(pairable) < MIN_UNITS:
            verdict = "too_few"
        else:
            verdict = _verdict(ac1 if judged_by == "ac1" else alpha)
        results.append(
            ItemAgreement(
                item=item,
                level=level,
                units=len(pairable),
                values=values,
                observed=_observed(pairable, level),
                alpha=alpha,
                ac1=ac1,
                judged_by=judged_by,
                verdict=verdict,
                reword=verdict == "poor",
            )
        )
    return tuple(results)
