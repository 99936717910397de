"""A region's or the network's change against the previous wave, judged against chance on
simulated networks (docs/contract.md#figures): about as rarely beyond chance as promised (5%)
where nothing changed, and found where every outlet moved.

The interval of a network's result is the spread of its outlets, which stays when the same
outlets are visited again: as the yardstick of a change it would call almost every real change
chance. What moves a network's mean by chance is which visits its outlets happened to get
(`visit_margin`).
"""

from __future__ import annotations

import datetime as dt
import html
import math
import random

import pytest

from server.analytics import stats
from server.analytics.results import (
    GroupResult,
    OutletResult,
    Results,
    VisitSums,
    VisitVariance,
    WaveRef,
    group_moved,
    moved,
    outlet_result,
    visit_margin,
)
from tests.reports.pdf import page_texts, squeeze
from tests.server.analytics.test_agreement import (
    CHANGE_WORDS,
    region_change_cell,
)
from tests.server.analytics.test_dashboard_http import log_in
from tests.server.api import Api
from tests.server.workflow.helpers import ReviewWorld, build_review_world, sql, stored_uuid

OUTLETS, VISITS = 28, 3
SPREAD, NOISE = 10.0, 12.0  # points: between outlets, and between visits of one outlet


def visits(channel: str, *percents: float) -> VisitSums:
    return VisitSums(
        channel, ("t", 1), len(percents), math.fsum(percents), math.fsum(p * p for p in percents)
    )


def outlet(
    number: int,
    wave: int,
    groups: list[VisitSums],
    shares: dict[str, float],
    pool: VisitVariance | None = None,
) -> OutletResult:
    identity = {"outlet": number, "code": f"O{number}", "name": f"Outlet {number}",
                "client": 1, "region": None, "wave": wave}  # fmt: skip
    result = outlet_result(identity, groups, shares, {}, pool)
    assert result is not None
    return result


def network(
    rng: random.Random,
    quality: list[float],
    shift: float,
    wave: int,
    visited: list[int] | None = None,
) -> GroupResult:
    """One wave: the visits of each outlet (of those `visited`, else every one) scatter around
    its quality (plus `shift`), cut to 0-100."""
    members = {}
    for number in range(len(quality)) if visited is None else visited:
        level = quality[number]
        percents = [min(100.0, max(0.0, rng.gauss(level + shift, NOISE))) for _ in range(VISITS)]
        members[number] = outlet(number, wave, [visits("in_store", *percents)], {})
    waves = {wave: WaveRef(id=wave, client_id=1, name=f"W{wave}", starts_on=dt.date(2026, wave, 1))}
    group = Results(waves, {wave: members}).network(wave)
    assert group is not None
    return group


def changes_beyond_chance(shift: float, runs: int, seed: int) -> tuple[float, float]:
    """How often the network's change is more than chance: by its visits, and by the spread of
    its outlets (the interval of its result)."""
    rng = random.Random(seed)
    by_visits = by_spread = 0
    for _run in range(runs):
        quality = [rng.gauss(75.0, SPREAD) for _ in range(OUTLETS)]
        before, now = network(rng, quality, 0.0, 1), network(rng, quality, shift, 2)
        assert group_moved(now, before) is moved(now.from_visits, before.from_visits)
        by_visits += bool(moved(now.from_visits, before.from_visits))
        by_spread += bool(moved(now.estimate, before.estimate))
    return by_visits / runs, by_spread / runs


def test_a_network_visiting_other_outlets_each_wave_is_judged_by_their_spread() -> None:
    # 20 of 100 outlets a wave, drawn again each wave, nothing changed: the visits alone would
    # call 23% of the changes real; which outlets were drawn moves the mean too.
    rng = random.Random(11)
    judged, by_visits_alone = [], []
    for _run in range(300):
        quality = [rng.gauss(75.0, SPREAD) for _ in range(100)]
        before = network(rng, quality, 0.0, 1, rng.sample(range(100), 20))
        now = network(rng, quality, 0.0, 2, rng.sample(range(100), 20))
        judged.append(bool(group_moved(now, before)))
        by_visits_alone.append(bool(moved(now.from_visits, before.from_visits)))
    assert sum(judged) / len(judged) <= 0.08  # 0.017 here
    assert sum(by_visits_alone) / len(by_visits_alone) >= 0.15  # 0.23 here
    assert None is group_moved(now, None)


def test_where_nothing_changed_about_one_change_in_twenty_is_beyond_chance() -> None:
    by_visits, by_spread = changes_beyond_chance(0.0, 400, 20261207)
    assert 0.02 <= by_visits <= 0.09  # 0.0325 here
    assert by_spread < 0.01


def test_where_every_outlet_moved_five_points_the_change_is_found() -> None:
    # 84 visits: the margin of one wave's mean is about 2.6 points, of a change about 3.7.
    by_visits, by_spread = changes_beyond_chance(5.0, 200, 7)
    assert by_visits >= 0.7  # 0.755 here
    # The outlets' spread would have hidden most of them.
    assert by_spread <= 0.3  # 0.235 here


def test_the_margin_pools_each_outlets_visits_around_their_own_mean() -> None:
    first = outlet(1, 1, [visits("in_store", 70.0, 80.0)], {})
    second = outlet(2, 1, [visits("in_store", 50.0, 60.0, 70.0)], {})
    lonely = outlet(3, 1, [visits("in_store", 90.0)], {})
    # Pooled: (50 + 200) / (1 + 2) = 83.3 per visit, 3 degrees of freedom (t = 3.182); the
    # mean of 3 results of 2, 3 and 1 visits: 83.3 * (1/2 + 1/3 + 1) / 9.
    variance = 250.0 / 3.0 * (1 / 2 + 1 / 3 + 1) / 9.0
    expected = 3.182 * math.sqrt(variance)
    assert expected == pytest.approx(visit_margin([first, second, lonely]), abs=0.01)
    # Without two visits of one outlet on one channel there is nothing to tell chance by.
    assert None is visit_margin([lonely, outlet(4, 1, [visits("in_store", 60.0)], {})])
    # The interval every view shows is that margin around the mean of the results, cut to 0-100.
    waves = {1: WaveRef(id=1, client_id=1, name="W1", starts_on=dt.date(2026, 1, 1))}
    group = Results(waves, {1: {1: first, 2: second, 3: lonely}}).network(1)
    assert group is not None
    shown = group.from_visits
    assert (group.score - expected, min(100.0, group.score + expected)) == pytest.approx(
        (shown.low, shown.high), abs=0.01
    )
    mixed = outlet(5, 1, [visits("in_store", 70.0), visits("phone", 40.0)], {})
    assert None is visit_margin([mixed])


def test_weighted_visits_count_with_their_weights() -> None:
    # Two store visits and one call, the call weighing as much as both visits: normalised
    # weights 1/4, 1/4, 1/2, so the result's variance is one visit's times 3/8, not 1/3.
    mixed = outlet(1, 1, [visits("in_store", 60.0, 80.0), visits("phone", 50.0)], {"phone": 1.0})
    assert 3 / 8 == pytest.approx(mixed.weight_squares)
    expected = 12.706 * math.sqrt(200.0 * 3 / 8)  # t(0.975, 1)
    assert expected == pytest.approx(visit_margin([mixed]), abs=0.01)


def test_a_result_made_elsewhere_without_its_weights_has_no_margin() -> None:
    plain = outlet(1, 1, [visits("in_store", 60.0, 80.0)], {})
    unknown = OutletResult(outlet_id=2, code="O2", name="Outlet 2", client_id=1, region_id=None,
                           wave_id=1, estimate=plain.estimate, sums=plain.sums)  # fmt: skip
    assert None is visit_margin([plain, unknown])


async def test_a_network_that_moved_says_so_on_every_page_and_in_the_pdf(api: Api) -> None:
    """Four visits of one outlet and one of another in each of two waves, far apart: the
    network's and the region's change are more than chance in the API, on the overview, on an
    outlet's page, on its manager's overview and in the comparison PDF."""
    review: ReviewWorld = await build_review_world(api)
    url = str(api.context.settings.database_url)
    admin, ids = review.headers["admin"], review.ids
    earlier = await api.ok(
        "POST",
        "/api/v1/waves",
        admin,
        {"client_id": ids["client_a"], "name": "Q4 a", "starts_on": "2025-10-06",
         "ends_on": "2025-11-02", "templates": {"phone": ids["template_critical"]}},
    )  # fmt: skip
    own = [await review.approved() for _visit in range(8)]
    other = [await review.approved("other_outlet") for _visit in range(2)]
    # The rollup is all the results are read from: half of the visits move to the wave
    # before, with low percents, and the others get high ones.
    placed = [*zip(own[:4], (20, 25, 30, 25), strict=True), (other[0], 30)]
    placed += [*zip(own[4:], (90, 95, 92, 93), strict=True), (other[1], 88)]
    for number, (visit, percent) in enumerate(placed):
        wave = earlier["id"] if number < 5 else ids["wave_a"]
        await sql(url, "UPDATE score_rollup SET wave = ?, percent = ? WHERE audit_uuid = ?",
                  wave, percent, stored_uuid(url, visit.uuid))  # fmt: skip

    head_office = review.headers["head_office"]
    (network,) = (await api.ok("GET", "/api/v1/analytics/league", head_office))["networks"]
    assert (90.25, 27.5, 62.7, True) == (
        network["score"], network["previous_score"], network["change"],
        network["change_beyond_chance"],
    )  # fmt: skip
    regions = await api.ok("GET", "/api/v1/analytics/regions", head_office)
    assert [("north", True)] == [(r["name"], r["change_beyond_chance"]) for r in regions]
    # Its interval is what its visits alone could move it: 90, 95, 92 and 93 pooled around
    # their mean (13 on 3 degrees of freedom), a mean of two outlets of 4 and 1 visits.
    margin = stats.student_t_quantile(0.975, 3) * math.sqrt(13 / 3 * (1 / 4 + 1)) / 2
    assert (round(90.25 - margin, 2), round(90.25 + margin, 2)) == (
        network["ci_low"], network["ci_high"]
    )  # fmt: skip
    assert (network["ci_low"], network["ci_high"]) == (regions[0]["ci_low"], regions[0]["ci_high"])

    await log_in(api, "head_office@example.test")
    overview = (await api.client.get("/")).text
    assert '(<strong title="More than chance: more than what' in overview
    assert "+62.7</strong>, more than chance)" in overview
    assert region_change_cell(overview, "north").startswith("<strong")
    page = (await api.client.get(f"/outlets/{ids['outlet_own']}")).text
    network_figure = page[page.index('<div id="wave-network">') :]
    assert network_figure.index("+62.7</strong>") < network_figure.index("</div>")
    await log_in(api, "outlet_manager@example.test")
    cards = (await api.client.get("/")).text
    assert "+62.7</strong>" in cards  # the network's change
    assert "+67.5</strong>" in cards  # the outlet's own, 92.5 after 25.0
    assert CHANGE_WORDS[True] in html.unescape(cards)  # said in words under it

    pdf = await api.call(
        "GET", f"/api/v1/waves/{ids['wave_a']}/comparison.pdf?lang=en", head_office
    )
    assert 200 == pdf.status_code, pdf.text[:300]
    first = page_texts(pdf.content)[0]
    assert squeeze(CHANGE_WORDS[True]) in squeeze(first)
