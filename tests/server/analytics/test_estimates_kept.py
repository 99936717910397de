"""The estimates are kept between requests only while the data they rest on is unchanged: a
visit released after the league was read changes the next league's estimates, on a league of
adjusted results too (a programme of its own: this module changes data).
"""

from __future__ import annotations

from typing import Any

import pytest

from server.analytics import estimates
from tests.server.analytics.seed import Programme
from tests.server.api import Api


async def own_row(reader: Api, programme: Programme) -> dict[str, Any]:
    table = await reader.ok("GET", "/api/v1/analytics/league", programme.headers["head_office"])
    (row,) = [r for r in table["rows"] if r["outlet"]["id"] == programme.ids["outlet_own"]]
    return row


def expected(
    programme: Programme, extra: list[tuple[int, float]], adjust: bool
) -> estimates.OutletEstimate:
    """Own's estimate from the seeded visits of wave a2 plus `extra` (auditor, percent) at
    the own outlet; the network's result as the funnel's centre on a raw league."""
    ids = programme.ids
    visits = [
        estimates.Visit(
            outlet=ids["outlet_" + visit.outlet],
            auditor=ids["shopper_" + visit.auditor],
            percent=visit.percent,
        )
        for visit in programme.visits
        if visit.wave == "a2"
    ] + [estimates.Visit(ids["outlet_own"], auditor, percent) for auditor, percent in extra]
    by_outlet: dict[int, list[float]] = {}
    for visit in visits:
        by_outlet.setdefault(int(visit.outlet), []).append(visit.percent)
    ranked = [v for v in visits if len(by_outlet[int(v.outlet)]) >= 3]
    network = sum(sum(p) / len(p) for p in by_outlet.values()) / len(by_outlet)
    league = estimates.league_estimates(
        ranked, adjust_for_auditors=adjust, seed=ids["wave_a2"], target=None if adjust else network
    )
    (found,) = [e for e in league.outlets if e.outlet == ids["outlet_own"]]
    return found


@pytest.mark.parametrize("basis", ["adjusted"])
async def test_a_released_visit_changes_the_next_leagues_estimates(
    reader: Api, programme: Programme, basis: str
) -> None:
    admin = programme.headers["admin"]
    settings = f"/api/v1/clients/{programme.ids['client_a']}/workflow-settings"
    before = await own_row(reader, programme)
    assert expected(programme, [], adjust=False).estimate == pytest.approx(
        before["estimate"], abs=0.01
    )
    await reader.ok("PUT", settings, admin, {"league_basis": basis})
    adjusted_before = await own_row(reader, programme)
    assert expected(programme, [], adjust=True).estimate == pytest.approx(
        adjusted_before["estimate"], abs=0.01
    )
    (pending,) = programme.pending
    await reader.ok("POST", f"/api/v1/review/audits/{pending}/approve", admin, {"note": ""})
    audit = await reader.ok("GET", f"/api/v1/audits/{pending}", admin)
    added = [(programme.ids["shopper_p0"], float(audit["score"]["percent"]))]
    after = await own_row(reader, programme)
    assert before["audits"] + 1 == after["audits"]
    assert expected(programme, added, adjust=True).estimate == pytest.approx(
        after["estimate"], abs=0.01
    )
    assert after["estimate"] != adjusted_before["estimate"]
    await reader.ok("PUT", settings, admin, {"league_basis": "raw"})
    raw = await own_row(reader, programme)
    assert expected(programme, added, adjust=False).estimate == pytest.approx(
        raw["estimate"], abs=0.01
    )
