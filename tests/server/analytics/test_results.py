"""The wave result (docs/contract.md#wave-result): its arithmetic, where an outlet stands, and
the client's channel weights and open disputes seen through the league and the outlet PDF."""

# asserts are written as `expected == actual`

from __future__ import annotations

import math
import statistics

import pytest

from server.analytics.results import (
    ABOVE,
    BELOW,
    LEVEL,
    Estimate,
    OutletResult,
    VisitSums,
    VisitVariance,
    apart,
    moved,
    outlet_result,
    standings,
    visit_weights,
)
from tests.reports.pdf import page_texts
from tests.server.analytics.test_agreement import headline_score
from tests.server.api import Api
from tests.server.workflow.helpers import (
    ReviewWorld,
    answers,
    build_review_world,
    sql,
    stored_uuid,
)


def sums(channel: str, *percents: float) -> VisitSums:
    return VisitSums(
        channel, ("t", 1), len(percents), math.fsum(percents), math.fsum(p * p for p in percents)
    )


IDENTITY = {"outlet": 1, "code": "O1", "name": "Outlet 1", "client": 1, "region": None,
            "wave": 1}  # fmt: skip


def test_equal_weights_are_the_mean_with_the_networks_visit_variance() -> None:
    groups = [sums("in_store", 70.0, 80.0), sums("phone", 90.0)]
    pool = VisitVariance.of_groups([*groups, sums("in_store", 60.0, 64.0, 68.0)])
    assert pool is not None
    # Each group around its own mean: (50 + 32) / (1 + 2) per visit, on 3 degrees of freedom.
    assert (82.0 / 3.0, 3) == (pytest.approx(pool.variance), pool.degrees)
    result = outlet_result(IDENTITY, groups, {}, {}, pool)
    assert result is not None
    estimate = result.estimate
    assert (80.0, 3) == (pytest.approx(estimate.score), estimate.count)
    half = 3.182 * math.sqrt(82.0 / 3.0 / 3)  # t(0.975, 3), three visits
    assert half == pytest.approx(estimate.margin, abs=0.01)
    assert (estimate.score - half, estimate.score + half) == pytest.approx(
        (estimate.low, estimate.high), abs=0.01
    )


def test_channel_weights_share_a_channels_weight_among_its_visits() -> None:
    groups = [sums("in_store", 70.0, 80.0), sums("phone", 90.0)]
    weights = visit_weights(groups, {"in_store": 3.0, "phone": 1.0})
    assert [1.5, 1.0] == weights
    pool = VisitVariance(100.0, 30)
    result = outlet_result(IDENTITY, groups, {"in_store": 3.0, "phone": 1.0}, {}, pool)
    assert result is not None
    assert (3 * 75.0 + 90.0) / 4 == pytest.approx(result.score)
    # A channel the client did not name weighs 1.
    assert [0.5, 1.0] == visit_weights(groups, {"email": 2.0})
    # The variance of a mean with normalised weights a: s^2 sum(a^2), s^2 the network's.
    concentration = sum(a * a for a in [0.375, 0.375, 0.25])
    assert concentration == pytest.approx(result.weight_squares)
    assert 2.042 * math.sqrt(100.0 * concentration) == pytest.approx(
        result.estimate.margin, abs=0.01
    )  # t(0.975, 30)


def test_one_visit_has_the_networks_interval_and_none_without_a_network_pool() -> None:
    groups = [sums("phone", 64.0)]
    result = outlet_result(IDENTITY, groups, {}, {}, VisitVariance(144.0, 40))
    assert result is not None
    assert 2.021 * 12.0 == pytest.approx(result.estimate.margin, abs=0.01)  # t(0.975, 40)
    alone = outlet_result(IDENTITY, groups, {}, {}, None)
    assert alone is not None
    assert Estimate(64.0, 1) == alone.estimate
    assert None is outlet_result(IDENTITY, [sums("phone")], {}, {}, VisitVariance(144.0, 40))


def test_three_visits_that_happen_to_agree_get_the_networks_margin_not_their_own() -> None:
    """Three visits at 80, 80 and 81 would put their own 95% interval at 79.0-81.7, and the
    outlet "above" a network at 75 on chance; the network says visits scatter 12 points."""
    agreeing = [sums("in_store", 80.0, 80.0, 81.0)]
    result = outlet_result(IDENTITY, agreeing, {}, {}, VisitVariance(144.0, 60))
    assert result is not None
    assert 2.0 * 12.0 / math.sqrt(3) == pytest.approx(result.estimate.margin, abs=0.1)
    assert LEVEL == standings({1: result}, 75.0)[1].versus_network


def result(outlet: int, score: float, margin: float | None, visits: int = 3) -> OutletResult:
    return OutletResult(
        outlet_id=outlet,
        code=f"O{outlet}",
        name=f"Outlet {outlet}",
        client_id=1,
        region_id=None,
        wave_id=1,
        estimate=Estimate(score, visits, margin=margin),
    )


def test_standing_says_which_third_and_what_the_intervals_can_tell_apart() -> None:
    results = {
        1: result(1, 95.0, 2.0),
        2: result(2, 76.0, 15.0),
        3: result(3, 74.0, 15.0),
        4: result(4, 72.0, 15.0),
        5: result(5, 70.0, 15.0),
        6: result(6, 50.0, 3.0),
        7: result(7, 99.0, None, visits=1),
    }
    network = 74.0
    standing = standings(results, network)
    assert [1, 2, 3, 4, 5, 6] == [standing[outlet].rank for outlet in range(1, 7)]
    assert None is standing[7].rank  # one visit: too few to rank
    assert ["top", "top", "middle", "middle", "bottom", "bottom"] == [
        standing[outlet].third for outlet in range(1, 7)
    ]
    assert (ABOVE, LEVEL, BELOW) == (
        standing[1].versus_network,
        standing[4].versus_network,
        standing[6].versus_network,
    )
    # Outlet 1 (95 +-2) is told apart from the others; 2-5 (+-15) not from each other.
    assert 0 == standing[1].alike
    assert 3 == standing[3].alike
    assert not apart(results[2].estimate, results[5].estimate)
    assert apart(results[1].estimate, results[2].estimate)


def test_a_change_is_more_than_chance_when_the_two_waves_are_told_apart() -> None:
    # 80 +-6 after 70 +-6: 10 points apart, more than hypot(6, 6) = 8.5.
    assert True is moved(result(1, 80.0, 6.0).estimate, result(1, 70.0, 6.0).estimate)
    # 77 after 70: 7 points, within chance.
    assert False is moved(result(1, 77.0, 6.0).estimate, result(1, 70.0, 6.0).estimate)
    assert False is moved(result(1, 63.0, 6.0).estimate, result(1, 70.0, 6.0).estimate)
    assert True is moved(result(1, 61.0, 6.0).estimate, result(1, 70.0, 6.0).estimate)
    # Nothing before, or a result of one visit (no interval): cannot say.
    assert None is moved(result(1, 80.0, 6.0).estimate, None)
    assert None is moved(result(1, 80.0, None, visits=1).estimate, result(1, 70.0, 6.0).estimate)
    assert None is moved(result(1, 80.0, 6.0).estimate, result(1, 70.0, None, visits=1).estimate)


async def test_channel_weights_and_disputes_reach_the_league_and_the_outlet_pdf(
    api: Api,
) -> None:
    review: ReviewWorld = await build_review_world(api)
    url = str(api.context.settings.database_url)
    visits = [
        await review.approved(audit_answers=answers(greeted=False)),
        await review.approved(audit_answers=answers(wait=180)),
        await review.approved(audit_answers=answers()),
    ]
    # The first visit was, for the rollup, made in the store: what the weights act on.
    await sql(url, "UPDATE score_rollup SET channel = 'in_store' WHERE audit_uuid = ?",
              stored_uuid(url, visits[0].uuid))  # fmt: skip
    rows = await sql(url, "SELECT audit_uuid, CAST(percent AS TEXT) AS percent FROM score_rollup")
    percent = {str(row["audit_uuid"]): float(row["percent"]) for row in rows}
    store, calls = percent[visits[0].uuid], [percent[visit.uuid] for visit in visits[1:]]
    head_office = review.headers["head_office"]
    outlet = review.ids["outlet_own"]

    league = await api.ok("GET", f"/api/v1/analytics/league?outlet={outlet}", head_office)
    assert round(statistics.mean([store, *calls]), 2) == league["rows"][0]["score"]

    client = review.ids["client_a"]
    for wrong, code in (({"teleport": 1}, "unknown_channel"), ({"phone": 0}, "out_of_range")):
        response = await api.call(
            "PUT",
            f"/api/v1/clients/{client}/workflow-settings",
            review.headers["admin"],
            {"channel_weights": wrong},
        )
        assert 422 == response.status_code
        assert [code] == [error["code"] for error in response.json()["errors"]]
    settings = await api.ok(
        "PUT",
        f"/api/v1/clients/{client}/workflow-settings",
        review.headers["admin"],
        {"channel_weights": {"in_store": 3, "phone": 1}},
    )
    assert {"in_store": 3.0, "phone": 1.0} == settings["channel_weights"]
    await review.dispute(visits[1].uuid, "wait")

    league = await api.ok("GET", f"/api/v1/analytics/league?outlet={outlet}", head_office)
    (row,) = league["rows"]
    weighted = (3 * store + statistics.mean(calls)) / 4
    assert round(weighted, 2) == row["score"]
    assert (3, 1) == (row["audits"], row["under_dispute"])

    pdf = await api.call("GET", f"/api/v1/outlets/{outlet}/report.pdf?lang=en", head_office)
    assert 200 == pdf.status_code, pdf.text[:300]
    assert f"{round(round(weighted, 2), 1):.1f}%" == headline_score(pdf.content)
    first = page_texts(pdf.content)[0]
    assert "Provisional: 1 visit under dispute" in first
    assert "75% of the result" in first  # the store visit's share, beside its channel
    assert "Under dispute" in first
