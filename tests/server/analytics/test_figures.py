"""Analytics figures against values recomputed here from the raw audits, for several scopes.

The programme (`seed.py`) is PUT and approved through the API; each visit keeps the percent
the server returned for it. Expectations below use only those percents, the plan's answers and
the Python standard library, never the analytics code.
"""

from __future__ import annotations

import collections
import math
import statistics
from typing import Any

import pytest

from server.analytics import stats
from tests.server.analytics.seed import Programme, Visit
from tests.server.api import Api

# Student's t 97.5% quantiles (printed tables) for the sample sizes of the programme.
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776}

A_OUTLETS = {"own", "other_outlet", "other_region"}
SCOPE_OUTLETS = {
    "admin": A_OUTLETS | {"other_client"},
    "reviewer": A_OUTLETS,
    "head_office": A_OUTLETS,
    "regional_manager": {"own", "other_outlet"},
    "outlet_manager": {"own"},
}


def visible(programme: Programme, role: str) -> list[Visit]:
    return [visit for visit in programme.visits if visit.outlet in SCOPE_OUTLETS[role]]


# Without a wave filter, every figure shows each client's latest wave with data in scope.
LATEST = {"a2", "b"}


def latest(visits: list[Visit]) -> list[Visit]:
    return [visit for visit in visits if visit.wave in LATEST]


def network_result(visits: list[Visit]) -> float:
    """The mean of the outlets' results (each the mean of its visits' percents)."""
    by_outlet: dict[str, list[float]] = collections.defaultdict(list)
    for visit in visits:
        by_outlet[visit.outlet].append(visit.percent)
    return statistics.mean(statistics.mean(percents) for percents in by_outlet.values())


async def get(reader: Api, programme: Programme, role: str, path: str) -> Any:
    return await reader.ok("GET", "/api/v1/analytics" + path, programme.headers[role])


def change_shown(now: float, before: float) -> float:
    """A change as every view gives it: the difference of the one-decimal figures shown (the
    scores at two decimals, then one), so that 87.8 after 83.8 is +4.0 and never +4.1."""
    return round(float(f"{round(now, 2):.1f}") - float(f"{round(before, 2):.1f}"), 1)


def pooled_margins(visits: list[Visit]) -> dict[tuple[str, str], float]:
    """(outlet, wave) -> the 95% margin of the outlet's mean by one visit's variance pooled
    over every outlet's visits of its wave (each around its own mean), t on the pooled
    degrees of freedom. The programme has one checklist on one channel."""
    by_key: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    for visit in visits:
        by_key[(visit.outlet, visit.wave)].append(visit.percent)
    margins = {}
    for wave in {visit.wave for visit in visits}:
        groups = [percents for (_, of), percents in by_key.items() if of == wave]
        degrees = sum(len(percents) - 1 for percents in groups)
        squares = sum((len(p) - 1) * statistics.variance(p) for p in groups if len(p) > 1)
        for (outlet, of), percents in by_key.items():
            if of == wave and degrees:
                margins[(outlet, wave)] = T975[degrees] * math.sqrt(
                    squares / degrees / len(percents)
                )
    return margins


def expected_league(
    visits: list[Visit], network: list[Visit], min_audits: int = 3
) -> dict[str, dict[str, Any]]:
    """Latest wave per client: a2 for client A, b for client B; previous wave a1 for a2.
    `visits` are those in the caller's scope, `network` every visit of the programme."""
    current = {"a2", "b"}
    by_key: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    for visit in visits:
        by_key[(visit.outlet, visit.wave)].append(visit.percent)
    pooled = pooled_margins(network)
    rows = {}
    for (outlet, wave), percents in by_key.items():
        if wave not in current:
            continue
        n = len(percents)
        mean = statistics.mean(percents)
        # The interval: one visit's variance pooled over the whole network's visits of the
        # wave, whoever asks (an outlet manager's outlet has the interval head office sees).
        half = pooled.get((outlet, wave))
        before = by_key.get((outlet, "a1")) if wave == "a2" else None
        # Moved by more than chance: the difference beyond the two margins combined.
        moved = None
        if before and half is not None and (outlet, "a1") in pooled:
            moved = abs(mean - statistics.mean(before)) > math.hypot(half, pooled[(outlet, "a1")])
        rows[outlet] = {
            "change_beyond_chance": moved,
            "audits": n,
            "score": round(mean, 2),
            # Scores live on 0-100, so the interval is cut there.
            "ci_low": None if half is None else max(0.0, mean - half),
            "ci_high": None if half is None else min(100.0, mean + half),
            "change": None if not before else change_shown(mean, statistics.mean(before)),
            "too_few_to_rank": n < min_audits,
        }
    ranked = sorted(
        (outlet for outlet, row in rows.items() if not row["too_few_to_rank"]),
        key=lambda outlet: -rows[outlet]["score"],
    )
    for row in rows.values():
        row["rank"] = (
            None
            if row["too_few_to_rank"]
            else 1 + sum(rows[o]["score"] > row["score"] for o in ranked)
        )
    return rows


@pytest.mark.parametrize("role", sorted(SCOPE_OUTLETS))
async def test_league_table_per_scope(reader: Api, programme: Programme, role: str) -> None:
    table = await get(reader, programme, role, "/league")
    names = {programme.ids["outlet_" + name]: name for name in SCOPE_OUTLETS["admin"]}
    actual = {names[row["outlet"]["id"]]: row for row in table["rows"]}
    expected = expected_league(visible(programme, role), programme.visits)
    assert set(expected) == set(actual)
    for outlet, wanted in expected.items():
        row = actual[outlet]
        for key in ("audits", "score", "change", "change_beyond_chance", "too_few_to_rank", "rank"):
            assert wanted[key] == row[key], (outlet, key)
        for key in ("ci_low", "ci_high"):
            if wanted[key] is None:
                assert None is row[key]
            else:
                assert wanted[key] == pytest.approx(row[key], abs=0.02), (outlet, key)
    assert "auditor" not in str(table)
    if role == "admin":  # changes within and beyond chance, outlets with nothing before
        assert {False, True, None} == {row["change_beyond_chance"] for row in table["rows"]}


async def test_league_filters_and_out_of_scope_filters(reader: Api, programme: Programme) -> None:
    ids = programme.ids
    head = programme.headers["head_office"]
    first = await reader.ok("GET", f"/api/v1/analytics/league?wave={ids['wave_a1']}&min_audits=2",
                         head)  # fmt: skip
    by_wave = collections.defaultdict(list)
    for visit in programme.visits:
        if visit.wave == "a1":
            by_wave[visit.outlet].append(visit.percent)
    assert {ids["outlet_" + o]: round(statistics.mean(p), 2) for o, p in by_wave.items()} == {
        row["outlet"]["id"]: row["score"] for row in first["rows"]
    }
    # Previous wave of the first wave does not exist: no change.
    assert {None} == {row["change"] for row in first["rows"]}
    north = await reader.ok("GET", f"/api/v1/analytics/league?region={ids['region_north']}", head)
    assert {ids["outlet_own"], ids["outlet_other_outlet"]} == {
        row["outlet"]["id"] for row in north["rows"]
    }
    for role, query in (
        ("head_office", f"region={ids['region_b']}"),
        ("head_office", f"client={ids['client_b']}"),
        ("head_office", f"wave={ids['wave_b']}"),
        ("reviewer", f"wave={ids['wave_b']}"),
        ("regional_manager", f"region={ids['region_south']}"),
        ("outlet_manager", f"outlet={ids['outlet_other_outlet']}"),
    ):
        response = await reader.call("GET", f"/api/v1/analytics/league?{query}",
                                  programme.headers[role])  # fmt: skip
        assert 404 == response.status_code, (role, query)
    response = await reader.call("GET", "/api/v1/analytics/league", programme.headers["auditor"])
    assert 403 == response.status_code


@pytest.mark.parametrize("role", ["head_office", "regional_manager", "outlet_manager"])
async def test_trend_regions_and_channels(reader: Api, programme: Programme, role: str) -> None:
    visits = visible(programme, role)
    trend = await get(reader, programme, role, "/trend")
    by_wave: dict[str, list[Visit]] = collections.defaultdict(list)
    for visit in visits:
        by_wave[visit.wave].append(visit)
    assert [(w, round(network_result(by_wave[w]), 2), len(by_wave[w])) for w in ("a1", "a2")] == [
        (p["wave"] and w, p["score"], p["audits"]) for w, p in zip(("a1", "a2"), trend, strict=True)
    ]
    regions = await get(reader, programme, role, "/regions")
    region_of = {"own": "north", "other_outlet": "north", "other_region": "south"}
    by_region: dict[str, dict[str, list[Visit]]] = collections.defaultdict(
        lambda: collections.defaultdict(list)
    )
    for visit in visits:
        by_region[region_of[visit.outlet]][visit.wave].append(visit)
    assert {
        programme.ids["region_" + name]: (
            round(network_result(waves["a2"]), 2),
            change_shown(network_result(waves["a2"]), network_result(waves["a1"])),
        )
        for name, waves in by_region.items()
    } == {row["region_id"]: (row["score"], row["change"]) for row in regions}
    channels = await get(reader, programme, role, "/channels")
    percents = [visit.percent for visit in latest(visits)]
    half = stats.student_t_quantile(0.975, len(percents) - 1) * statistics.stdev(percents)
    half /= math.sqrt(len(percents))
    middle = statistics.mean(percents)
    assert [
        (
            "phone",
            len(percents),
            round(middle, 2),
            round(max(0.0, middle - half), 2),
            round(min(100.0, middle + half), 2),
        )
    ] == [
        (row["channel"], row["audits"], row["score"], row["score_low"], row["score_high"])
        for row in channels
    ]
    own = programme.ids["outlet_own"]
    outlet_trend = await get(reader, programme, role, f"/outlets/{own}/trend")
    own_waves: dict[str, list[float]] = collections.defaultdict(list)
    for visit in visits:
        if visit.outlet == "own":
            own_waves[visit.wave].append(visit.percent)
    assert [round(statistics.mean(own_waves[w]), 2) for w in ("a1", "a2")] == [
        point["score"] for point in outlet_trend
    ]
    other = programme.ids["outlet_other_client"]
    response = await reader.call("GET", f"/api/v1/analytics/outlets/{other}/trend",
                              programme.headers[role])  # fmt: skip
    assert 404 == response.status_code


@pytest.mark.parametrize("role", ["admin", "head_office", "regional_manager"])
async def test_pareto_heatmap_and_best_vs_rest(
    reader: Api, programme: Programme, role: str
) -> None:
    visits = latest(visible(programme, role))
    # Points lost per item, from the plan's answers (template: 10 points each item).
    lost = collections.Counter()
    for visit in visits:
        lost["greeted"] += 0 if visit.greeted else 10
        lost["wait"] += 10 * min(1.0, max(0.0, (visit.wait - 60) / 240))
        lost["exit_clear"] += 0 if visit.exit_clear else 10
    pareto = await get(reader, programme, role, "/pareto")
    assert {item: round(points, 2) for item, points in lost.items() if points} == {
        row["item"]: row["points_lost"] for row in pareto if row["points_lost"]
    }
    assert sorted(lost.values(), reverse=True)[: len(pareto)] == pytest.approx(
        [row["points_lost"] for row in pareto]
    )
    # Best vs rest: for each item, the outlets at or above the type-7 third quartile of their
    # results on the other items (points earned over points possible, mean of the visits).
    by_outlet: dict[str, list[Visit]] = collections.defaultdict(list)
    for visit in visits:
        by_outlet[visit.outlet].append(visit)

    def earned(visit: Visit) -> dict[str, float]:  # each item is worth 10 points
        return {
            "greeted": 10.0 if visit.greeted else 0.0,
            "wait": 10 * min(1.0, max(0.0, (300 - visit.wait) / 240)),
            "exit_clear": 10.0 if visit.exit_clear else 0.0,
        }

    def third_quartile(values: list[float]) -> float:
        ordered = sorted(values)
        position = (len(ordered) - 1) * 0.75
        low = math.floor(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    expected = {}
    for item in ("greeted", "wait", "exit_clear"):
        without = {
            outlet: statistics.mean(
                sum(points for key, points in earned(v).items() if key != item) / 20
                for v in outlet_visits
            )
            for outlet, outlet_visits in by_outlet.items()
        }
        threshold = third_quartile(list(without.values()))
        best = {outlet for outlet, result in without.items() if result >= threshold - 1e-12}
        tallies = []
        for group in (best, set(without) - best):
            group_visits = [v for o in group for v in by_outlet[o]]
            passed = [item not in v.failed_items for v in group_visits]
            tallies.append((sum(passed), len(passed)))
        (best_passed, best_n), (rest_passed, rest_n) = tallies
        gap = None
        if best_n and rest_n:
            gap = round(best_passed / best_n - rest_passed / rest_n, 4)
        interval = stats.difference_interval(best_passed, best_n, rest_passed, rest_n)
        low, high = (None, None) if interval is None else (interval.low, interval.high)
        expected[item] = (
            gap,
            None if low is None else round(low, 4),
            None if high is None else round(high, 4),
            low is not None and high is not None and (low > 0 or high < 0),
        )
    actual = await get(reader, programme, role, "/best-vs-rest")
    assert expected == {
        row["item"]: (row["gap"], row["gap_low"], row["gap_high"], row["beyond_chance"])
        for row in actual
    }
    # Gaps beyond chance first, then the rest; each group by gap, largest first.
    order = [(not row["beyond_chance"], -row["gap"]) for row in actual if row["gap"] is not None]
    assert sorted(order) == order
    # Heatmap: mean section ratio per outlet, the welcome section from the answers.
    heatmap = await get(reader, programme, role, "/heatmap")
    welcome = {
        (programme.ids["outlet_" + o], "welcome"): round(
            statistics.mean(
                100 * ((10 if v.greeted else 0) + 10 * min(1, max(0, (300 - v.wait) / 240))) / 20
                for v in vs
            ),
            2,
        )
        for o, vs in by_outlet.items()
    }
    assert welcome == {
        (cell["outlet_id"], cell["section"]): cell["percent"]
        for cell in heatmap["cells"]
        if cell["section"] == "welcome"
    }


async def test_calibration_is_agency_only(reader: Api, programme: Programme) -> None:
    for role in ("head_office", "regional_manager", "outlet_manager", "auditor"):
        response = await reader.call("GET", "/api/v1/analytics/calibration",
                                  programme.headers[role])  # fmt: skip
        assert 403 == response.status_code, role
    rows = await get(reader, programme, "reviewer", "/calibration")
    visits = latest(visible(programme, "reviewer"))
    groups: dict[str, list[Visit]] = collections.defaultdict(list)
    for visit in visits:
        groups[visit.outlet].append(visit)  # one template, so outlet is the group
    deviations: dict[str, list[float]] = collections.defaultdict(list)
    for group in groups.values():
        for visit in group:
            others = [v.percent for v in group if v.auditor != visit.auditor]
            if others:
                deviations[visit.auditor].append(visit.percent - statistics.mean(others))
    expected = {
        programme.ids["shopper_" + name]: round(statistics.mean(values), 2)
        for name, values in deviations.items()
    }
    assert expected == {row["auditor_id"]: row["mean_deviation"] for row in rows}
    counts = collections.Counter(visit.auditor for visit in visits)
    assert {programme.ids["shopper_" + a]: n for a, n in counts.items()} == {
        row["auditor_id"]: row["audits"] for row in rows
    }


async def test_period_channel_and_template_filters(reader: Api, programme: Programme) -> None:
    head = programme.headers["head_office"]
    by_wave: dict[str, list[Visit]] = collections.defaultdict(list)
    for visit in visible(programme, "head_office"):
        by_wave[visit.wave].append(visit)
    for query, waves in (
        ("visited_from=2026-02-01", ["a2"]),
        ("visited_to=2026-01-31", ["a1"]),
        ("visited_from=2026-01-05&visited_to=2026-02-09", ["a1", "a2"]),
        ("visited_from=2026-03-01", []),
    ):
        trend = await reader.ok("GET", f"/api/v1/analytics/trend?{query}", head)
        assert [round(network_result(by_wave[w]), 2) for w in waves] == [
            point["score"] for point in trend
        ], query
    for query in ("channel=in_store", "template=store-visit"):
        league = await reader.ok("GET", f"/api/v1/analytics/league?{query}", head)
        assert [] == league["rows"], query
    league = await reader.ok("GET", "/api/v1/analytics/league?template=critical-visit", head)
    assert 3 == len(league["rows"])
