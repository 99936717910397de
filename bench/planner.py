"""Benchmark of the assignment planner (`server.waves.planner.plan`): a wave of 2,000 outlets
and 100 auditors, in CPU seconds, against two floors measured in the same run.

The programme: 2,000 outlets in 16 regions, a third of them also answering the phone (2,667
visits); 100 auditors, 90 with one to three home regions; two earlier waves in which every
outlet was visited (the later one within the 90-day lockout of this wave, so each outlet's last
auditor is barred or has a shorter window); 50 exclusions; at most 40 visits per auditor; and
calibration pairs linking every auditor.

Floors, on the same inputs:

- *read*: indexing the inputs as any planner must (visits by auditor and outlet, exclusions and
  home regions by auditor, the wave's visits), without deciding anything;
- *greedy*: each visit to the least loaded auditor (a heap), no rule at all.

The ratios say what the rules cost on top of these, on any machine. Rounds are interleaved and
the median CPU time is kept. Exits 1 when planning takes a second of CPU or more.

    .venv/bin/python bench/planner.py
"""

from __future__ import annotations

import datetime as dt
import heapq
import os
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._timing import medians
from server.waves.eligibility import Exclusion
from server.waves.planner import BookedVisit, PlanAuditor, PlanInput, PlanOutlet, plan

OUTLETS = 2_000
AUDITORS = 100
REGIONS = 16
GOAL_SECONDS = 1.0


def programme() -> PlanInput:
    randomness = random.Random(7)
    regions = list(range(1, REGIONS + 1))
    outlets = tuple(
        PlanOutlet(
            number,
            randomness.choice(regions),
            ("in_store", "phone") if number % 3 == 0 else ("in_store",),
        )
        for number in range(1, OUTLETS + 1)
    )
    auditors = tuple(
        PlanAuditor(
            10_000 + number,
            frozenset()
            if number < AUDITORS // 10
            else frozenset(randomness.sample(regions, randomness.randint(1, 3))),
        )
        for number in range(AUDITORS)
    )
    auditor_ids = [auditor.id for auditor in auditors]
    booked = tuple(
        BookedVisit(randomness.choice(auditor_ids), outlet.id, starts, starts + dt.timedelta(27))
        for outlet in outlets
        for starts in (dt.date(2025, 10, 6), dt.date(2026, 1, 5))
    )
    exclusions = tuple(
        Exclusion(randomness.choice(auditor_ids), None, randomness.randint(1, OUTLETS))
        for _ in range(50)
    )
    return PlanInput(
        client_id=1,
        starts_on=dt.date(2026, 4, 6),
        ends_on=dt.date(2026, 5, 31),
        lockout_days=90,
        templates={"in_store": 1, "phone": 2},
        outlets=outlets,
        auditors=auditors,
        exclusions=exclusions,
        booked=booked,
        max_per_auditor=40,
        calibration=True,
    )


def read_floor(data: PlanInput) -> object:
    """Index the inputs as a planner must, deciding nothing."""
    visits_at: dict[tuple[int, int], list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for booked in data.booked:
        visits_at[(booked.auditor_id, booked.outlet_id)].append((booked.due_from, booked.due_to))
    exclusions: dict[int, list[Exclusion]] = defaultdict(list)
    for exclusion in data.exclusions:
        exclusions[exclusion.auditor_id].append(exclusion)
    home = {auditor.id: auditor.home_regions for auditor in data.auditors}
    visits = [
        (outlet.id, channel)
        for outlet in sorted(data.outlets, key=lambda outlet: outlet.id)
        for channel in outlet.channels
        if channel in data.templates
    ]
    return visits_at, exclusions, home, visits


def greedy_floor(data: PlanInput) -> object:
    """Each visit to the least loaded auditor, no rule at all."""
    heap = [(0, auditor.id) for auditor in data.auditors]
    heapq.heapify(heap)
    chosen = []
    for outlet in data.outlets:
        for channel in outlet.channels:
            if channel in data.templates:
                load, auditor_id = heapq.heappop(heap)
                chosen.append((outlet.id, channel, auditor_id))
                heapq.heappush(heap, (load + 1, auditor_id))
    return chosen


def main() -> int:
    data = programme()
    result = plan(data)
    visits = sum(1 for v in result.visits if not v.calibration)
    narrowed = sum(
        1 for v in result.visits if (v.due_from, v.due_to) != (data.starts_on, data.ends_on)
    )
    loads = [planned for _assigned, planned in result.loads.values()]
    assert result.calibration is not None
    print(f"wave: {OUTLETS} outlets, {AUDITORS} auditors, {len(data.booked)} earlier visits")
    print(f"plan: {visits} visits, {len(result.unplanned)} unplanned, {narrowed} with a window "
          f"narrowed by the lockout, {result.calibration.pairs} calibration pairs "
          f"({'linked' if result.calibration.linked else 'NOT linked'}), "
          f"load {min(loads)}-{max(loads)} per auditor")  # fmt: skip
    times = medians(
        {
            "read": lambda: read_floor(data),
            "greedy": lambda: greedy_floor(data),
            "plan": lambda: plan(data),
        },
        rounds=7,
        calls_per_round=1,
    )
    seconds = times["plan"]
    print(f"  read the inputs (floor):       {times['read'] * 1e3:8.1f} ms CPU")
    print(f"  greedy, no rules (floor):      {times['greedy'] * 1e3:8.1f} ms CPU")
    print(f"  plan with every rule:          {seconds * 1e3:8.1f} ms CPU")
    print(f"  ratio plan / read:             {seconds / times['read']:8.1f}")
    print(f"  ratio plan / greedy:           {seconds / times['greedy']:8.1f}")
    verdict = "within" if seconds < GOAL_SECONDS else "OVER"
    print(f"planning: {seconds:.3f} s CPU, {verdict} the goal of {GOAL_SECONDS:.0f} s")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} CPUs")
    return 0 if seconds < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
