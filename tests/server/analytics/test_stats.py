"""The pure statistics behind the analytics figures, against textbook values."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.analytics import stats

# Student's t 97.5% quantiles from printed tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
T_TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 10: 2.228, 30: 2.042, 120: 1.980}


@pytest.mark.parametrize(("degrees", "expected"), sorted(T_TABLE.items()))
def test_t_quantile_matches_printed_tables(degrees: int, expected: float) -> None:
    assert expected == round(stats.student_t_quantile(0.975, degrees), 3)


def test_t_cdf_is_symmetric_and_centred() -> None:
    assert 0.5 == pytest.approx(stats.student_t_cdf(0.0, 7))
    assert 1.0 == pytest.approx(stats.student_t_cdf(2.0, 7) + stats.student_t_cdf(-2.0, 7))


def test_t_interval_of_a_small_sample() -> None:
    values = [75.0, 100.0, 87.5]
    half = 4.303 * statistics.stdev(values) / math.sqrt(3)
    interval = stats.t_interval(values)
    assert interval is not None
    assert statistics.mean(values) - half == pytest.approx(interval.low, abs=0.01)
    assert statistics.mean(values) + half == pytest.approx(interval.high, abs=0.01)


def test_no_interval_below_two_values() -> None:
    assert None is stats.t_interval([80.0])
    assert None is stats.t_interval([])


@given(st.lists(st.floats(min_value=0, max_value=100), min_size=2, max_size=40))
def test_interval_from_sums_equals_interval_from_values(values: list[float]) -> None:
    interval = stats.t_interval(values)
    assert interval is not None
    assert interval.low <= statistics.fmean(values) + 1e-9
    assert interval.high >= statistics.fmean(values) - 1e-9


def test_quantile_is_type_seven() -> None:
    # numpy.quantile([1, 2, 3, 4], 0.75) == 3.25
    assert 3.25 == stats.quantile([4.0, 1.0, 3.0, 2.0], 0.75)
    assert 7.0 == stats.quantile([7.0], 0.75)
    with pytest.raises(ValueError):
        stats.quantile([], 0.5)


def test_net_promoter_score() -> None:
    # 3 promoters, 2 passives, 5 detractors out of 10 -> 30% - 50% = -20
    ratings = [10, 9, 9, 8, 7, 6, 5, 0, 3, 6]
    assert -20.0 == stats.net_promoter_score(ratings)
    assert None is stats.net_promoter_score([])


def test_competition_ranks_share_ties() -> None:
    assert [1, 2, 2, 4] == stats.competition_ranks([90.0, 80.0, 80.0, 70.0])
    assert [3, 1, 2] == stats.competition_ranks([10.0, 30.0, 20.0])


def test_an_interval_is_cut_to_the_scale_of_the_score() -> None:
    wide = stats.t_interval([100.0, 60.0, 100.0])
    assert wide is not None
    assert wide.high > 100.0
    assert stats.Interval(wide.low, 100.0) == stats.within(wide, 0.0, 100.0)
    assert None is stats.within(None, 0.0, 100.0)


def test_wilson_interval_matches_published_values() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I: 81/263, 15/148, 0/20.
    for successes, count, low, high in ((81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                                        (0, 20, 0.0, 0.1611)):  # fmt: skip
        interval = stats.proportion_interval(successes, count)
        assert interval is not None
        assert (low, high) == (round(interval.low, 4), round(interval.high, 4))
    assert None is stats.proportion_interval(0, 0)


def test_difference_interval_matches_published_values() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10:
    # 56/70 - 48/80 = 0.2000, interval 0.0524 to 0.3339; 9/10 - 3/10: 0.1705 to 0.8090.
    for counts, low, high in (((56, 70, 48, 80), 0.0524, 0.3339),
                              ((9, 10, 3, 10), 0.1705, 0.8090)):  # fmt: skip
        interval = stats.difference_interval(*counts)
        assert interval is not None
        assert (low, high) == (round(interval.low, 4), round(interval.high, 4))
    assert None is stats.difference_interval(3, 4, 0, 0)
    assert None is stats.difference_interval(0, 0, 3, 4)


@given(
    st.integers(min_value=1, max_value=200).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    ),
    st.integers(min_value=1, max_value=200).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    ),
)
def test_intervals_hold_their_estimate_and_stay_on_the_scale(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    share, other = first[0] / first[1], second[0] / second[1]
    single = stats.proportion_interval(*first)
    assert single is not None
    assert 0.0 <= single.low <= share <= single.high <= 1.0
    both = stats.difference_interval(*first, *second)
    assert both is not None
    assert -1.0 <= both.low <= share - other <= both.high <= 1.0


def test_nps_interval_is_the_t_interval_of_the_answers_scored() -> None:
    ratings = [10, 9, 9, 8, 7, 6, 5, 0, 3, 6]
    interval = stats.nps_interval(ratings)
    expected = stats.t_interval([100, 100, 100, 0, 0, -100, -100, -100, -100, -100])
    assert interval is not None
    assert expected is not None
    assert (expected.low, expected.high) == (interval.low, interval.high)
    assert interval.low < -20.0 < interval.high
    assert stats.Interval(100.0, 100.0) == stats.nps_interval([10, 9, 10])
    assert None is stats.nps_interval([9])
