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
    apart,
    moved,
    standings,
    visit_weights,
    weighted_estimate,
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


def test_equal_weights_are_the_mean_with_the_textbook_interval() -> None:
    groups = [sums("in_store", 70.0, 80.0), sums("phone", 90.0)]
    estimate = weighted_estimate(groups, visit_weights(groups, {}))
    assert estimate is not None
    assert 80.0 == pytest.approx(estimate.score)
    half = 4.303 * statistics.stdev([70.0, 80.0, 90.0]) / math.sqrt(3)  # t(0.975, 2)
    assert half == pytest.approx(estimate.margin, abs=0.01)
    assert (estimate.score - half, 100.0) == pytest.approx((estimate.low, estimate.high), abs=0.01)


def test_channel_weights_share_a_channels_weight_among_its_visits() -> None:
    groups = [sums("in_store", 70.0, 80.0), sums("phone", 90.0)]
    weights = visit_weights(groups, {"in_store": 3.0, "phone": 1.0})
    assert [1.5, 1.0] == weights
    estimate = weighted_estimate(groups, weights)
    assert estimate is not None
    assert (3 * 75.0 + 90.0) / 4 == pytest.approx(estimate.score)
    # A channel the client did not name weighs 1.
    assert [0.5, 1.0] == visit_weights(groups, {"email": 2.0})
    # The variance of a mean with normalised weights a: s^2 sum(a^2), s^2 the weighted
    # variance over 1 - sum(a^2); n - 1 degrees of freedom.
    shares = [0.375, 0.375, 0.25]
    deviations = [70.0 - 78.75, 80.0 - 78.75, 90.0 - 78.75]
    concentration = sum(a * a for a in shares)
    variance = sum(a * d * d for a, d in zip(shares, deviations, strict=True))
    variance /= 1 - concentration
    assert 4.303 * math.sqrt(variance * concentration) == pytest.approx(estimate.margin, abs=0.01)


def test_one_visit_has_no_interval() -> None:
    groups = [sums("phone", 64.0)]
    assert Estimate(64.0, 1) == weighted_estimate(groups, visit_weights(groups, {}))
    assert weighted_estimate([sums("phone")], [1.0]) is None


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
