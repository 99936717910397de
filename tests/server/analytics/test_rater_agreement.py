"""Agreement on calibration visits (server/analytics/agreement.py) against references.

- Krippendorff's alpha against the `krippendorff` package, on Krippendorff's own example
  (12 units, 4 raters, missing values; "Computing Krippendorff's alpha-reliability", 2011) and
  on generated data, within 1e-9.
- Gwet's AC1 against the values Gwet's irrCAC (R) publishes for the same example
  (AC1 0.77544, pa 0.8181818, pe 0.1903212) and for its two-rater table cont3x3abstractors
  (AC1 0.8493305, alpha 0.7972585), within 5e-6.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.analytics.agreement import (
    INTERVAL,
    NOMINAL,
    Level,
    Rating,
    gwet_ac1,
    item_agreement,
    krippendorff_alpha,
)

PROPERTY = settings(max_examples=80, deadline=None, database=None)
NA = None

# Krippendorff (2011), irrCAC's cac.raw4raters: one row per unit, one column per rater.
RAW4RATERS: list[list[int | None]] = [
    [1, 1, NA, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [NA, 5, 5, 5],
    [NA, NA, 1, 1],
    [NA, NA, 3, NA],
]


def reference_alpha(units: Sequence[Sequence[Any]], level: Any) -> float:
    """The krippendorff package's alpha (its data: raters x units, NaN for missing)."""
    raters = max(len(u) for u in units)
    data = np.full((raters, len(units)), np.nan)
    for column, unit in enumerate(units):
        for row, value in enumerate(unit):
            if value is not None:
                data[row, column] = value
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def test_krippendorffs_example() -> None:
    nominal = krippendorff_alpha(RAW4RATERS, NOMINAL)
    interval = krippendorff_alpha(RAW4RATERS, INTERVAL)
    assert nominal is not None
    assert interval is not None
    assert nominal == pytest.approx(reference_alpha(RAW4RATERS, "nominal"), abs=1e-9)
    assert interval == pytest.approx(reference_alpha(RAW4RATERS, "interval"), abs=1e-9)
    assert nominal == pytest.approx(0.74342, abs=5e-6)  # irrCAC's krippen.alpha.raw
    assert interval == pytest.approx(0.849, abs=5e-4)  # Krippendorff (2011)


def test_gwet_ac1_on_gwets_examples() -> None:
    assert gwet_ac1(RAW4RATERS) == pytest.approx(0.77544, abs=5e-6)
    # cont3x3abstractors: two raters' table over Ectopic, AIU, NIU (100 units).
    table = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
    units = [
        [first, second]
        for first in range(3)
        for second in range(3)
        for _ in range(table[first][second])
    ]
    assert gwet_ac1(units) == pytest.approx(0.8493305, abs=5e-7)
    alpha = krippendorff_alpha(units, NOMINAL)
    assert alpha == pytest.approx(0.7972585, abs=5e-7)


unit_values = st.lists(
    st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=2, max_size=4),
    min_size=1,
    max_size=25,
)


@PROPERTY
@given(unit_values, st.sampled_from([NOMINAL, INTERVAL]))
def test_alpha_agrees_with_the_krippendorff_package(
    units: list[list[int | None]], level: str
) -> None:
    ours = krippendorff_alpha(units, level)  # type: ignore[arg-type]
    pairable = [[v for v in u if v is not None] for u in units]
    values = {v for u in pairable if len(u) >= 2 for v in u}
    if len(values) < 2:
        assert ours is None
        return
    assert ours is not None
    assert ours == pytest.approx(reference_alpha(units, level), abs=1e-9)  # type: ignore[arg-type]


@PROPERTY
@given(
    st.lists(st.tuples(st.sampled_from(["yes", "no", "n/a"]), st.integers(2, 4)), min_size=1),
)
def test_perfect_agreement_scores_one(units: list[tuple[str, int]]) -> None:
    data: list[list[str | None]] = [[value for _ in range(raters)] for value, raters in units]
    assert gwet_ac1(data, categories=["yes", "no", "n/a"]) == pytest.approx(1.0)
    alpha = krippendorff_alpha(data, NOMINAL)
    if len({value for value, _ in units}) > 1:
        assert alpha == pytest.approx(1.0)
    else:
        assert alpha is None  # nothing varies: no disagreement to expect


@PROPERTY
@given(unit_values, st.randoms(use_true_random=False))
def test_order_of_units_and_auditors_does_not_matter(
    units: list[list[int | None]], shuffler: object
) -> None:
    shuffled = [list(unit) for unit in units]
    for unit in shuffled:
        shuffler.shuffle(unit)  # type: ignore[attr-defined]
    shuffler.shuffle(shuffled)  # type: ignore[attr-defined]
    for function in (gwet_ac1, lambda u: krippendorff_alpha(u, NOMINAL)):
        a, b = function(units), function(shuffled)
        assert (a is None and b is None) or math.isclose(a, b, abs_tol=1e-12)  # type: ignore[arg-type]


def test_ac1_stays_high_where_almost_every_answer_is_yes() -> None:
    # 40 paired visits: 38 both yes, 2 split. Alpha collapses (few "no" to agree on); AC1 not.
    units: list[list[str | None]] = [["yes", "yes"]] * 38 + [["yes", "no"], ["no", "yes"]]
    alpha = krippendorff_alpha(units, NOMINAL)
    ac1 = gwet_ac1(units, categories=["yes", "no"])
    assert alpha is not None
    assert alpha < 0.0
    assert ac1 is not None
    assert ac1 > 0.9


def ratings(item: str, pairs: Sequence[tuple[Any, Any]]) -> list[Rating]:
    return [
        Rating(unit=(f"PM-{unit:03d}", "W1"), auditor=auditor, item=item, value=value)
        for unit, values in enumerate(pairs)
        for auditor, value in zip((11, 12), values, strict=True)
    ]


def test_items_are_judged_and_poor_ones_flagged_for_rewording() -> None:
    rng = np.random.default_rng(1)
    data = (
        ratings("greeted", [(True, True)] * 28 + [(True, False), (False, False)])
        + ratings("queue_minutes", [(m, m + rng.normal(0, 0.5)) for m in rng.uniform(0, 15, 20)])
        + ratings("offer", [(choice, choice) for choice in ("card", "app", "none")])
        + ratings(
            "advice",
            list(zip(rng.choice(list("abc"), 20), rng.choice(list("abc"), 20), strict=False)),
        )
        # A visit where only one auditor answered, and one answer missing: neither pairs.
        + [
            Rating(("PM-099", "W1"), 11, "advice", "a"),
            Rating(("PM-099", "W1"), 12, "advice", None),
        ]
    )
    levels: dict[str, Level] = {
        "greeted": NOMINAL,
        "queue_minutes": INTERVAL,
        "offer": NOMINAL,
        "advice": NOMINAL,
    }
    found = {a.item: a for a in item_agreement(data, levels, {"greeted": [True, False]})}
    assert list(found) == sorted(levels)
    greeted = found["greeted"]
    assert greeted.judged_by == "ac1"
    assert greeted.verdict == "good"
    assert not greeted.reword
    assert greeted.observed == pytest.approx(29 / 30)
    queue = found["queue_minutes"]
    assert queue.ac1 is None
    assert queue.judged_by == "alpha"
    assert queue.verdict == "good"
    assert found["offer"].verdict == "too_few"
    assert not found["offer"].reword
    advice = found["advice"]
    assert advice.verdict == "poor"
    assert advice.reword
    assert advice.units == 20
    assert advice.alpha == pytest.approx(
        reference_alpha([[ord(a), ord(b)] for a, b in _pairs(data, "advice")], "nominal"),
        abs=1e-9,
    )


def _pairs(data: list[Rating], item: str) -> list[tuple[str, str]]:
    by_unit: dict[object, dict[object, object]] = {}
    for rating in data:
        if rating.item == item and rating.value is not None:
            by_unit.setdefault(rating.unit, {})[rating.auditor] = rating.value
    return [(str(v[11]), str(v[12])) for v in by_unit.values() if len(v) == 2]
