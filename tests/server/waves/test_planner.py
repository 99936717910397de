"""The planner's rules hold on generated programmes (docs/contract.md#planning).

Every plan of every generated input is checked against the rules of server/waves/eligibility.py
(the same functions the server's single assignments use): no exclusion or lockout broken, home
regions kept, no auditor over the maximum, every window inside the wave and long enough, every
visit of the wave planned once or left unplanned with a reason, and calibration pairs joining
the auditors into one group whenever the plan says so. The same input in another order gives
the same plan.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.waves.eligibility import Exclusion, exclusion_reason, in_home_regions, lockout_clash
from server.waves.planner import (
    AT_MAXIMUM,
    LOCKOUT,
    NO_ELIGIBLE_AUDITOR,
    BookedVisit,
    Plan,
    PlanAuditor,
    PlanInput,
    PlanOutlet,
    free_window,
    plan,
)

CLIENT = 1
REGIONS = (1, 2, 3)
TEMPLATES = {"in_store": 11, "phone": 12}
DAY = dt.date(2026, 3, 1)


def day(offset: int) -> dt.date:
    return DAY + dt.timedelta(days=offset)


@st.composite
def inputs(draw: st.DrawFn, restricted: bool = True) -> PlanInput:
    """A wave of up to 14 outlets and 7 auditors; `restricted` False: no home regions,
    exclusions, history, maximum or second channel, so that every auditor may make every
    visit."""
    length = draw(st.integers(0, 60))
    starts_on = day(draw(st.integers(0, 30)))
    ends_on = starts_on + dt.timedelta(days=length)
    outlet_ids = draw(st.lists(st.integers(1, 40), unique=True, max_size=14))
    channel_sets = [("in_store",), ("phone",), ("in_store", "phone"), ("in_store", "web")]
    outlets = tuple(
        PlanOutlet(
            outlet_id,
            draw(st.sampled_from((None, *REGIONS))),
            draw(st.sampled_from(channel_sets)) if restricted else ("in_store",),
        )
        for outlet_id in outlet_ids
    )
    auditor_ids = draw(st.lists(st.integers(100, 130), unique=True, max_size=7))
    auditors = tuple(
        PlanAuditor(
            auditor_id,
            frozenset(draw(st.lists(st.sampled_from(REGIONS), max_size=2)))
            if restricted
            else frozenset(),
        )
        for auditor_id in auditor_ids
    )
    exclusions: tuple[Exclusion, ...] = ()
    booked: list[BookedVisit] = []
    max_per_auditor = None
    if restricted and auditor_ids and outlet_ids:
        exclusions = tuple(
            Exclusion(
                draw(st.sampled_from(auditor_ids)),
                *draw(
                    st.sampled_from([(CLIENT, None), (2, None)])
                    | st.sampled_from(outlet_ids).map(lambda o: (None, o))
                ),
            )
            for _ in range(draw(st.integers(0, 3)))
        )
        for _ in range(draw(st.integers(0, 10))):
            due_from = day(draw(st.integers(-120, 100)))
            in_wave = draw(st.booleans())
            if in_wave:
                due_from = starts_on + dt.timedelta(days=draw(st.integers(0, length)))
            due_to = due_from + dt.timedelta(days=draw(st.integers(0, 20)))
            if in_wave:
                due_to = min(due_to, ends_on)
            booked.append(
                BookedVisit(
                    draw(st.sampled_from([*auditor_ids, 999])),  # 999: not planned with
                    draw(st.sampled_from(outlet_ids)),
                    due_from,
                    due_to,
                    draw(st.sampled_from(list(TEMPLATES))),
                    in_wave,
                )
            )
        max_per_auditor = draw(st.none() | st.integers(1, 5))
    return PlanInput(
        client_id=CLIENT,
        starts_on=starts_on,
        ends_on=ends_on,
        lockout_days=draw(st.integers(0, 60)),
        templates=TEMPLATES,
        outlets=outlets,
        auditors=auditors,
        exclusions=exclusions,
        booked=tuple(booked),
        max_per_auditor=max_per_auditor,
        calibration=draw(st.booleans()),
        min_window_days=draw(st.integers(1, 14)),
    )


def wave_visits(data: PlanInput) -> set[tuple[int, str]]:
    taken = {(b.outlet_id, b.channel) for b in data.booked if b.in_wave}
    return {
        (outlet.id, channel)
        for outlet in data.outlets
        for channel in outlet.channels
        if channel in data.templates and (outlet.id, channel) not in taken
    }


def check_rules(data: PlanInput, result: Plan) -> None:
    outlets = {outlet.id: outlet for outlet in data.outlets}
    home = {auditor.id: auditor.home_regions for auditor in data.auditors}
    wave_days = (data.ends_on - data.starts_on).days + 1
    min_days = min(data.min_window_days, wave_days)
    others: dict[tuple[int, int], list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for booked in data.booked:
        others[(booked.auditor_id, booked.outlet_id)].append((booked.due_from, booked.due_to))
    for visit in result.visits:
        outlet = outlets[visit.outlet_id]
        # Inside the wave, long enough, with the wave's template for the channel.
        assert data.starts_on <= visit.due_from <= visit.due_to <= data.ends_on
        assert min_days <= (visit.due_to - visit.due_from).days + 1
        assert data.templates[visit.channel] == visit.template_id
        assert visit.channel in outlet.channels
        # Exclusions and home regions.
        assert exclusion_reason(data.exclusions, visit.auditor_id, outlet.id, CLIENT) is None
        assert in_home_regions(home[visit.auditor_id], outlet.region_id, visit.channel)
        # The lockout, against stored visits and the other planned ones.
        for other_from, other_to in others[(visit.auditor_id, visit.outlet_id)]:
            assert not lockout_clash(
                visit.due_from, visit.due_to, other_from, other_to, data.lockout_days
            ), (visit, other_from, other_to)
        others[(visit.auditor_id, visit.outlet_id)].append((visit.due_from, visit.due_to))
    # The maximum, those already assigned in the wave included.
    booked_load = Counter(b.auditor_id for b in data.booked if b.in_wave)
    planned_load = Counter(visit.auditor_id for visit in result.visits)
    for auditor in data.auditors:
        assert (booked_load[auditor.id], planned_load[auditor.id]) == result.loads[auditor.id]
        if data.max_per_auditor is not None and planned_load[auditor.id]:
            assert booked_load[auditor.id] + planned_load[auditor.id] <= data.max_per_auditor
    # Every visit of the wave planned once or left unplanned with its reason; calibration
    # visits only where another auditor visits too.
    primary = [(v.outlet_id, v.channel) for v in result.visits if not v.calibration]
    left = [(u.outlet_id, u.channel) for u in result.unplanned]
    assert len(primary) == len(set(primary))
    assert wave_visits(data) == set(primary) | set(left)
    assert set() == set(primary) & set(left)
    for unplanned in result.unplanned:
        assert unplanned.reason
        if unplanned.code == NO_ELIGIBLE_AUDITOR:
            assert len(data.auditors) == sum(unplanned.refusals.values())
    visitors: dict[tuple[int, str], set[int]] = defaultdict(set)
    for booked in data.booked:
        if booked.in_wave:
            visitors[(booked.outlet_id, booked.channel)].add(booked.auditor_id)
    for visit in result.visits:
        if not visit.calibration:
            visitors[(visit.outlet_id, visit.channel)].add(visit.auditor_id)
    for visit in result.visits:
        if visit.calibration:
            assert visitors[(visit.outlet_id, visit.channel)] - {visit.auditor_id}
    assert (result.calibration is not None) == data.calibration


def groups_of(data: PlanInput, result: Plan) -> list[set[int]]:
    """The auditors with a visit in the wave, joined when they visit the same outlet on the
    same channel (found here independently of the planner)."""
    listed = {auditor.id for auditor in data.auditors}
    visits = [(b.outlet_id, b.channel, b.auditor_id) for b in data.booked if b.in_wave]
    visits += [(v.outlet_id, v.channel, v.auditor_id) for v in result.visits]
    neighbours: dict[int, set[int]] = defaultdict(set)
    by_visit: dict[tuple[int, str], set[int]] = defaultdict(set)
    for outlet_id, channel, auditor_id in visits:
        if auditor_id in listed:
            by_visit[(outlet_id, channel)].add(auditor_id)
            neighbours[auditor_id]
    for together in by_visit.values():
        for auditor_id in together:
            neighbours[auditor_id] |= together - {auditor_id}
    groups, seen = [], set()
    for start in sorted(neighbours):
        if start in seen:
            continue
        group, frontier = {start}, [start]
        while frontier:
            for neighbour in neighbours[frontier.pop()] - group:
                group.add(neighbour)
                frontier.append(neighbour)
        seen |= group
        groups.append(group)
    return groups


@settings(max_examples=300, deadline=None)
@given(inputs())
def test_every_rule_holds_on_every_plan(data: PlanInput) -> None:
    result = plan(data)
    check_rules(data, result)
    if result.calibration is not None:
        groups = groups_of(data, result)
        assert sorted(tuple(sorted(g)) for g in groups) == list(result.calibration.groups)
        assert (len(groups) <= 1) == result.calibration.linked
        # Each pair joins two groups: never more pairs than a connected design needs.
        assert result.calibration.pairs <= sum(len(g) for g in groups) - len(groups)
        if not result.calibration.linked:
            assert result.calibration.reason


@settings(max_examples=150, deadline=None)
@given(inputs(restricted=False))
def test_without_restrictions_every_visit_is_planned_evenly_and_calibration_links_everyone(
    data: PlanInput,
) -> None:
    result = plan(data)
    check_rules(data, result)
    if data.auditors:
        assert () == result.unplanned
        primary = Counter(v.auditor_id for v in result.visits if not v.calibration)
        loads = [primary[auditor.id] for auditor in data.auditors]
        assert max(loads) - min(loads) <= 1
    if result.calibration is not None:
        assert result.calibration.linked
        assert 1 >= len(groups_of(data, result))
        working = {v.auditor_id for v in result.visits if not v.calibration}
        assert max(0, len(working) - 1) == result.calibration.pairs


@settings(max_examples=100, deadline=None)
@given(inputs(), st.randoms(use_true_random=False))
def test_the_same_input_in_any_order_gives_the_same_plan(data: PlanInput, random: Any) -> None:
    def shuffled(values: tuple[Any, ...]) -> tuple[Any, ...]:
        items = list(values)
        random.shuffle(items)
        return tuple(items)

    reordered = dataclasses.replace(
        data,
        outlets=shuffled(data.outlets),
        auditors=shuffled(data.auditors),
        exclusions=shuffled(data.exclusions),
        booked=shuffled(data.booked),
        templates=dict(reversed(list(data.templates.items()))),
    )
    assert plan(data) == plan(reordered)


def test_a_visit_waits_for_the_end_of_the_lockout_within_the_wave() -> None:
    """The only auditor visited the outlet until 31 January; with a 60-day lockout the visit
    is due from 1 April, the first day the lockout allows, to the end of the wave."""
    data = PlanInput(
        client_id=CLIENT,
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 4, 30),
        lockout_days=60,
        templates={"in_store": 11},
        outlets=(PlanOutlet(1, None, ("in_store",)),),
        auditors=(PlanAuditor(100),),
        booked=(BookedVisit(100, 1, dt.date(2026, 1, 5), dt.date(2026, 1, 31)),),
    )
    result = plan(data)
    assert [(dt.date(2026, 4, 1), dt.date(2026, 4, 30))] == [
        (v.due_from, v.due_to) for v in result.visits
    ]
    # Four weeks asked for: the 30 days left are enough; 31 are not.
    assert plan(dataclasses.replace(data, min_window_days=31)).visits == ()
    refused = plan(dataclasses.replace(data, min_window_days=31)).unplanned[0]
    assert {LOCKOUT: 1} == refused.refusals
    assert "within the 60-day lockout" in refused.reason


def test_unplanned_visits_say_which_rule_refused_each_auditor() -> None:
    data = PlanInput(
        client_id=CLIENT,
        starts_on=DAY,
        ends_on=day(27),
        lockout_days=90,
        templates={"in_store": 11},
        outlets=(PlanOutlet(1, 1, ("in_store",)), PlanOutlet(2, 1, ("in_store",))),
        auditors=(PlanAuditor(100, frozenset({2})), PlanAuditor(101), PlanAuditor(102)),
        exclusions=(Exclusion(102, CLIENT, None),),
        max_per_auditor=1,
    )
    result = plan(data)
    assert [(1, 101)] == [(v.outlet_id, v.auditor_id) for v in result.visits]
    (unplanned,) = result.unplanned
    assert {"excluded": 1, "outside_home_regions": 1, AT_MAXIMUM: 1} == unplanned.refusals
    assert (
        "no eligible auditor: 1 marked ineligible, 1 outside their home regions, "
        "1 at the maximum of 1 visits" == unplanned.reason
    )


def test_home_regions_limit_only_visits_in_person() -> None:
    data = PlanInput(
        client_id=CLIENT,
        starts_on=DAY,
        ends_on=day(27),
        lockout_days=90,
        templates=TEMPLATES,
        outlets=(PlanOutlet(1, 2, ("in_store", "phone")),),
        auditors=(PlanAuditor(100, frozenset({1})),),
    )
    result = plan(data)
    assert [(1, "phone", 100)] == [(v.outlet_id, v.channel, v.auditor_id) for v in result.visits]
    assert [(1, "in_store")] == [(u.outlet_id, u.channel) for u in result.unplanned]


def test_calibration_pairs_join_every_auditor_with_one_pair_fewer_than_auditors() -> None:
    outlets = tuple(PlanOutlet(n, None, ("in_store",)) for n in range(1, 21))
    auditors = tuple(PlanAuditor(100 + n) for n in range(5))
    data = PlanInput(
        client_id=CLIENT,
        starts_on=DAY,
        ends_on=day(27),
        lockout_days=90,
        templates={"in_store": 11},
        outlets=outlets,
        auditors=auditors,
        calibration=True,
    )
    result = plan(data)
    assert result.calibration is not None
    assert (4, True) == (result.calibration.pairs, result.calibration.linked)
    assert ((100, 101, 102, 103, 104),) == result.calibration.groups
    assert 24 == len(result.visits)


def test_auditors_whose_regions_never_meet_stay_in_groups_the_plan_names() -> None:
    data = PlanInput(
        client_id=CLIENT,
        starts_on=DAY,
        ends_on=day(27),
        lockout_days=90,
        templates={"in_store": 11},
        outlets=(PlanOutlet(1, 1, ("in_store",)), PlanOutlet(2, 2, ("in_store",))),
        auditors=(PlanAuditor(100, frozenset({1})), PlanAuditor(101, frozenset({2}))),
        calibration=True,
    )
    result = plan(data)
    assert result.calibration is not None
    assert (0, False) == (result.calibration.pairs, result.calibration.linked)
    assert ((100,), (101,)) == result.calibration.groups


def test_free_window_is_the_longest_part_of_the_wave_the_lockout_allows() -> None:
    starts_on, ends_on = day(0), day(59)
    # Another visit in the middle of the wave with a 10-day lockout: days 0..10 and 40..59.
    other = (day(20), day(30))
    assert (day(40), day(59)) == free_window(starts_on, ends_on, [other], 10, 7)
    assert (day(40), day(59)) == free_window(starts_on, ends_on, [other], 10, 20)
    assert free_window(starts_on, ends_on, [other], 10, 21) is None
    # Equal parts: the earlier one.
    assert (day(0), day(10)) == free_window(starts_on, day(50), [other], 10, 7)
    assert not lockout_clash(day(40), day(59), *other, 10)
    assert lockout_clash(day(39), day(59), *other, 10)
