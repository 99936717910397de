"""What a wave's visits can tell, through the API of a real app on SQLite and PostgreSQL.

The statistics themselves are checked against statsmodels and the krippendorff package in
test_estimates.py and test_rater_agreement.py; here the league's estimate fields, the funnel,
auditor severity, agreement on calibration visits, the planner and the client's league basis
are checked against `server.analytics.estimates` fed with the seeded visits' own percents (as
the server returned them when each audit was PUT), for several roles, and shopper anonymity
is checked for every client role.
"""

from __future__ import annotations

import csv
import io
import statistics
from typing import Any

import pytest

from reports.standing import funnel_sentence
from server.analytics import estimates
from shared.i18n import translation
from tests.reports.pdf import page_texts, squeeze
from tests.server.analytics.seed import Programme, Visit
from tests.server.api import Api

CLIENT_ROLES = ("head_office", "regional_manager", "outlet_manager")
AGENCY_ROLES = ("admin", "reviewer")


async def get(reader: Api, programme: Programme, role: str, path: str) -> Any:
    return await reader.ok("GET", "/api/v1/analytics" + path, programme.headers[role])


def wave_a2(programme: Programme) -> list[Visit]:
    return [visit for visit in programme.visits if visit.wave == "a2"]


def reference(programme: Programme, adjust: bool = False) -> estimates.LeagueEstimates:
    """The estimates of client A's latest wave computed here from the seeded visits."""
    ids = programme.ids
    visits = wave_a2(programme)
    counts: dict[str, int] = {}
    for visit in visits:
        counts[visit.outlet] = counts.get(visit.outlet, 0) + 1
    by_outlet: dict[str, list[float]] = {}
    for visit in visits:
        by_outlet.setdefault(visit.outlet, []).append(visit.percent)
    network = statistics.mean(statistics.mean(values) for values in by_outlet.values())
    return estimates.league_estimates(
        [
            estimates.Visit(
                outlet=ids["outlet_" + visit.outlet],
                auditor=ids["shopper_" + visit.auditor],
                percent=visit.percent,
                channel="phone",
                template="critical-visit",
            )
            for visit in visits
            if counts[visit.outlet] >= 3
        ],
        adjust_for_auditors=adjust,
        seed=ids["wave_a2"],
        target=None if adjust else network,
    )


def client_a_rows(table: dict[str, Any], programme: Programme) -> list[dict[str, Any]]:
    return [row for row in table["rows"] if row["wave_id"] == programme.ids["wave_a2"]]


@pytest.mark.parametrize("role", ["admin", "head_office", "regional_manager", "outlet_manager"])
async def test_the_league_carries_estimates_from_the_whole_network(
    reader: Api, programme: Programme, role: str
) -> None:
    expected = {int(found.outlet): found for found in reference(programme).outlets}
    table = await get(reader, programme, role, "/league")
    rows = client_a_rows(table, programme)
    assert rows
    for row in rows:
        found = expected.get(row["outlet"]["id"])
        if found is None:  # too few visits to rank: no estimate
            assert row["too_few_to_rank"]
            assert row["estimate"] is None
            assert row["tier"] is None
            continue
        # The same figures whoever asks: the network is judged whole, never the caller's part.
        assert found.estimate == pytest.approx(row["estimate"], abs=0.01)
        assert found.interval.low == pytest.approx(row["estimate_low"], abs=0.01)
        assert found.interval.high == pytest.approx(row["estimate_high"], abs=0.01)
        assert (found.rank, found.rank_low, found.rank_high, found.tier) == (
            row["estimate_rank"], row["rank_low"], row["rank_high"], row["tier"],
        )  # fmt: skip
        assert (found.funnel, found.funnel_998) == (row["funnel"], row["funnel_998"])
        assert found.raw == pytest.approx(row["score"], abs=0.01)  # beside the raw result
        assert row["adjusted"] is None  # a raw league: no adjusted figure claimed
    # Ordered by tier and estimate, outlets with too few visits last.
    ranked = [row for row in rows if not row["too_few_to_rank"]]
    assert ranked == sorted(ranked, key=lambda row: (row["tier"], -row["estimate"]))
    assert rows[: len(ranked)] == ranked
    (figure,) = [f for f in table["estimates"] if f["wave_id"] == programme.ids["wave_a2"]]
    assert "raw" == figure["basis"]
    assert 2 == figure["ranked"]
    assert sum(tier["outlets"] for tier in figure["tiers"]) == 2
    assert {"estimates", "ranks", "tiers", "funnel"} <= set(table["how_to_read"])
    assert "auditor" not in str(table).lower() or role == "admin"


@pytest.mark.parametrize("role", ["head_office", "regional_manager", "outlet_manager"])
async def test_the_funnel_shows_the_networks_limits_and_the_callers_outlets(
    reader: Api, programme: Programme, role: str
) -> None:
    expected = reference(programme).funnel
    figures = await get(reader, programme, role, "/funnel")
    (figure,) = [f for f in figures if f["wave_id"] == programme.ids["wave_a2"]]
    assert expected.target == pytest.approx(figure["target"], abs=0.01)
    assert len(expected.curve) == len(figure["curve"])
    for limit, shown in zip(expected.curve, figure["curve"], strict=True):
        assert limit.low_95 == pytest.approx(shown["low_95"], abs=0.01)
        assert limit.high_998 == pytest.approx(shown["high_998"], abs=0.01)
        assert shown["low_998"] <= shown["low_95"] <= shown["high_95"] <= shown["high_998"]
    points = {point["outlet"]["id"]: point for point in figure["points"]}
    own, other = programme.ids["outlet_own"], programme.ids["outlet_other_outlet"]
    assert own in points
    # An outlet manager sees the limits of the whole network but only their own outlet's dot.
    assert (other in points) == (role != "outlet_manager")
    for point in expected.points:
        if int(point.outlet) in points:
            assert point.funnel == points[int(point.outlet)]["funnel"]
            assert point.score == pytest.approx(points[int(point.outlet)]["score"], abs=0.01)
    assert figure["how_to_read"].startswith("Each dot is an outlet")


@pytest.mark.parametrize("figure", ["auditors", "agreement", "calibration"])
async def test_figures_that_name_auditors_are_agency_only(
    reader: Api, programme: Programme, figure: str
) -> None:
    for role in (*CLIENT_ROLES, "auditor"):
        response = await reader.call("GET", f"/api/v1/analytics/{figure}", programme.headers[role])
        assert 403 == response.status_code, (figure, role)
        assert "Shopper" not in response.text
    for role in AGENCY_ROLES:
        await get(reader, programme, role, f"/{figure}")


async def test_auditor_leniency_with_its_interval_and_the_design_check(
    reader: Api, programme: Programme
) -> None:
    ids = programme.ids
    figures = await get(reader, programme, "reviewer", "/auditors")
    (figure,) = [f for f in figures if f["wave_id"] == ids["wave_a2"]]
    visits = wave_a2(programme)
    names = {ids["shopper_" + name]: f"Shopper {name.upper()}" for name in ("x", "y", "z")}
    expected = estimates.auditor_severity(
        [
            estimates.Visit(
                outlet=ids["outlet_" + visit.outlet],
                auditor=ids["shopper_" + visit.auditor],
                percent=visit.percent,
                channel="phone",
                template="critical-visit",
            )
            for visit in visits
        ],
        seed=ids["wave_a2"],
    )
    by_auditor = {row["auditor_id"]: row for row in figure["auditors"]}
    assert set(names) == set(by_auditor)
    for effect in expected.auditors:
        row = by_auditor[int(effect.auditor)]
        assert names[int(effect.auditor)] == row["name"]
        assert effect.effect == pytest.approx(row["effect"], abs=0.01)
        assert row["low"] <= row["effect"] <= row["high"]
        assert effect.verdict == row["verdict"]
    assert figure["design"]["connected"] is True  # the three shoppers share outlets
    assert figure["design"]["summary"].startswith("Every auditor is linked")
    # Adjusted results beside the raw ones, never in their place.
    for outlet in figure["outlets"]:
        assert {"raw", "adjusted", "estimate"} <= set(outlet)
    assert {"auditors", "design", "adjusted"} == set(figure["how_to_read"])


async def test_agreement_per_question_on_calibration_visits(
    reader: Api, programme: Programme
) -> None:
    figures = await get(reader, programme, "admin", "/agreement")
    (figure,) = [f for f in figures if f["wave_id"] == programme.ids["wave_a2"]]
    # own and other_outlet were each visited by the three shoppers in wave a2.
    assert 2 == figure["calibration_visits"]
    items = {item["item"]: item for item in figure["items"]}
    assert {"greeted", "exit_clear"} <= set(items)
    greeted = items["greeted"]
    assert 2 == greeted["units"]
    assert "nominal" == greeted["level"]
    # Fewer than 5 paired visits: too few to judge, never flagged for rewording.
    assert "too_few" == greeted["verdict"]
    assert greeted["reword"] is False
    assert figure["how_to_read"].startswith("When two auditors visit")


async def test_the_planner_answers_for_a_width_and_a_difference(
    reader: Api, programme: Programme
) -> None:
    variances = reference(programme).model.variances
    expected = estimates.plan_visits(variances, target_width=20.0, difference=15.0)
    figures = await get(reader, programme, "head_office", "/planner?target_width=20&difference=15")
    (figure,) = [f for f in figures if f["wave_id"] == programme.ids["wave_a2"]]
    assert expected.visits_for_width == figure["visits_for_width"]
    assert expected.visits_to_compare_outlets == figure["visits_to_compare_outlets"]
    assert expected.visits_to_compare_with_network == figure["visits_to_compare_with_network"]
    assert len(expected.table) == len(figure["table"])
    widths = [row["width"] for row in figure["table"] if row["width"] is not None]
    assert widths == sorted(widths, reverse=True)  # more visits, narrower intervals
    for bad in ("target_width=0", "target_width=500", "difference=-1"):
        response = await reader.call(
            "GET", f"/api/v1/analytics/planner?{bad}", programme.headers["head_office"]
        )
        assert 400 == response.status_code, bad


async def test_a_client_chooses_adjusted_results_for_its_league(
    reader: Api, programme: Programme
) -> None:
    admin = programme.headers["admin"]
    path = f"/api/v1/clients/{programme.ids['client_a']}/workflow-settings"
    before = await reader.ok("GET", path, admin)
    assert "raw" == before["league_basis"]
    refused = await reader.call("PUT", path, admin, {"league_basis": "best"})
    assert 422 == refused.status_code
    assert "league_basis" in refused.text
    await reader.ok("PUT", path, admin, {"league_basis": "adjusted"})
    try:
        table = await get(reader, programme, "head_office", "/league")
        expected = {int(found.outlet): found for found in reference(programme, True).outlets}
        (figure,) = [f for f in table["estimates"] if f["wave_id"] == programme.ids["wave_a2"]]
        assert "adjusted" == figure["basis"]
        assert "adjusted" in table["how_to_read"]
        for row in client_a_rows(table, programme):
            found = expected.get(row["outlet"]["id"])
            if found is None:
                continue
            # The headline stays the raw result; the adjusted one stands beside it.
            assert found.raw == pytest.approx(row["score"], abs=0.01)
            assert found.adjusted == pytest.approx(row["adjusted"], abs=0.01)
            assert found.estimate == pytest.approx(row["estimate"], abs=0.01)
            assert found.tier == row["tier"]
        assert "Shopper" not in str(table)
    finally:
        await reader.ok("PUT", path, admin, {"league_basis": "raw"})


async def test_the_league_exports_carry_the_estimates(reader: Api, programme: Programme) -> None:
    table = await get(reader, programme, "head_office", "/league")
    response = await reader.call(
        "GET", "/api/v1/analytics/exports/league?format=csv", programme.headers["head_office"]
    )
    assert 200 == response.status_code
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    by_code = {row["outlet_code"]: row for row in rows}
    for row in table["rows"]:
        exported = by_code[row["outlet"]["code"]]
        for column in ("estimate", "estimate_low", "estimate_high", "rank_low", "rank_high"):
            if row[column] is None:
                assert "" == exported[column]
            else:
                assert row[column] == pytest.approx(float(exported[column]))
        assert str(row["tier"] or "") == exported["tier"]
        assert (row["funnel"] or "") == exported["funnel"]


@pytest.mark.parametrize("lang", ["en", "uk"])
async def test_the_pdfs_carry_the_estimates(reader: Api, programme: Programme, lang: str) -> None:
    """The comparison PDF groups the league in tiers and draws the funnel; the outlet PDF says
    the outlet's class in words; both from the same estimates as the league."""
    words = translation(lang)
    ids = programme.ids
    found = {int(e.outlet): e for e in reference(programme).outlets}[ids["outlet_own"]]
    head = programme.headers["head_office"]
    response = await reader.call(
        "GET", f"/api/v1/waves/{ids['wave_a2']}/comparison.pdf?lang={lang}", head
    )
    assert 200 == response.status_code, response.text[:300]
    text = " ".join(page_texts(response.content))
    assert squeeze(words.gettext("Funnel plot")) in squeeze(text)
    assert squeeze(words.gettext("Limits (99.8%)")) in squeeze(text)
    tier = words.gettext("Tier %(tier)s: ranks %(low)s–%(high)s (%(count)s)").split("%")[0]
    assert squeeze(tier) in squeeze(text)
    assert squeeze(words.gettext("Auditors' severity")) in squeeze(text)
    assert "Shopper" not in text
    response = await reader.call(
        "GET", f"/api/v1/outlets/{ids['outlet_own']}/report.pdf?lang={lang}", head
    )
    assert 200 == response.status_code, response.text[:300]
    first = page_texts(response.content)[0]
    sentence = funnel_sentence(found.funnel, found.funnel_998, words)  # type: ignore[arg-type]
    assert squeeze(sentence) in squeeze(first)
