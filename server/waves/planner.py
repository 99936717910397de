"""The assignment planner: who visits which outlet of a wave, on which channel, and when.

Pure and deterministic: `plan(PlanInput) -> Plan`, no database, no clock, and the same plan for
the same data whatever order it comes in. `server.waves.service` reads the inputs and publishes
what an admin keeps of the proposal (docs/contract.md#planning).

Every visit of the wave (an active outlet x each of its channels the wave has a template for)
that has no assignment yet is given to one auditor, and every rule of eligibility.py holds:

- no exclusion of the auditor names the outlet or its client;
- in person, only outlets of the auditor's home regions (when they have any);
- the revisit lockout, against every stored assignment of the auditor at the outlet and every
  visit planned before: a visit's due window is the wave's dates, or, when the lockout forbids
  some of them, the longest part of the wave it allows (at least `min_window_days` days, or
  the whole wave when that is shorter);
- at most `max_per_auditor` visits in the wave, those already assigned included.

Among the auditors a visit may go to, the one with the fewest visits in the wave gets it (then
the lowest id), so work is spread evenly; the visits with the fewest possible auditors are
planned first, so that the flexible ones fill in around them. A visit nobody may take is left
unplanned with the reason, counting the auditors each rule refused.

Calibration (when asked): a second auditor visits some planned outlets on the same channel, so
that every auditor's scores can be compared with every other's through a chain of shared
outlets (auditor severity is estimated from the differences). The pairs form a connected
design: auditors with a visit in the wave are joined, a pair at a time, until they are all in
one group, with at most one pair fewer than there are auditors. When the rules leave no outlet
two groups could share, the plan says which groups stay apart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from server.waves.eligibility import (
    IN_PERSON_CHANNELS,
    Exclusion,
    exclusion_reason,
    in_home_regions,
    lockout_clash,
    lockout_zone,
)
from shared.checklist import CHANNELS

DEFAULT_MIN_WINDOW_DAYS = 7

# Why an auditor may not take a visit, in the order they are checked.
EXCLUDED = "excluded"
OUTSIDE_HOME_REGIONS = "outside_home_regions"
AT_MAXIMUM = "at_maximum"
LOCKOUT = "lockout"
REFUSAL_ORDER = (EXCLUDED, OUTSIDE_HOME_REGIONS, AT_MAXIMUM, LOCKOUT)

# Why a visit is left unplanned.
NO_AUDITORS = "no_auditors"
NO_ELIGIBLE_AUDITOR = "no_eligible_auditor"


@dataclasses.dataclass(frozen=True, slots=True)
class PlanOutlet:
    id: int
    region_id: int | None
    channels: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class PlanAuditor:
    id: int
    home_regions: frozenset[int] = frozenset()


@dataclasses.dataclass(frozen=True, slots=True)
class BookedVisit:
    """A stored, not cancelled assignment: it counts for the lockout whatever its wave; one of
    this wave (`in_wave`) also counts for the auditor's load, and its outlet and channel are
    already planned."""

    auditor_id: int
    outlet_id: int
    due_from: dt.date
    due_to: dt.date
    channel: str = ""
    in_wave: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class PlanInput:
    client_id: int
    starts_on: dt.date
    ends_on: dt.date
    lockout_days: int
    # {channel: template id}: the wave's channels.
    templates: Mapping[str, int]
    outlets: tuple[PlanOutlet, ...]
    auditors: tuple[PlanAuditor, ...]
    exclusions: tuple[Exclusion, ...] = ()
    booked: tuple[BookedVisit, ...] = ()
    max_per_auditor: int | None = None
    calibration: bool = False
    min_window_days: int = DEFAULT_MIN_WINDOW_DAYS


@dataclasses.dataclass(frozen=True, slots=True)
class PlannedVisit:
    outlet_id: int
    channel: str
    auditor_id: int
    template_id: int
    due_from: dt.date
    due_to: dt.date
    # The second visit of a calibration pair (the outlet and channel have another auditor).
    calibration: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Unplanned:
    outlet_id: int
    channel: str
    code: str
    reason: str
    # How many auditors each rule refused ({"lockout": 3, ...}).
    refusals: Mapping[str, int]


@dataclasses.dataclass(frozen=True, slots=True)
class CalibrationResult:
    pairs: int
    linked: bool
    # The auditors with a visit in the wave, in the groups the pairs join (one when linked).
    groups: tuple[tuple[int, ...], ...]
    reason: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    visits: tuple[PlannedVisit, ...]
    unplanned: tuple[Unplanned, ...]
    # {auditor id: (visits already assigned in the wave, visits planned)}.
    loads: Mapping[int, tuple[int, int]]
    calibration: CalibrationResult | None


def free_window(
    starts_on: dt.date,
    ends_on: dt.date,
    others: Iterable[tuple[dt.date, dt.date]],
    lockout_days: int,
    min_days: int,
) -> tuple[dt.date, dt.date] | None:
    """The longest part of `starts_on..ends_on` (the earliest of equals) that keeps the lockout
    with each of `others` (the auditor's other visits to the outlet), if it lasts `min_days`.

    Each other visit forbids windows that reach into its lockout zone; what is left of the wave
    is cut into pieces lying wholly before or after each zone.
    """
    others = list(others)
    pieces = [(starts_on, ends_on)]
    for other_from, other_to in others:
        zone_start, zone_end = lockout_zone(other_from, other_to, lockout_days)
        kept = []
        for low, high in pieces:
            if not lockout_clash(low, high, other_from, other_to, lockout_days):
                kept.append((low, high))
                continue
            if low <= zone_start:
                kept.append((low, zone_start))
            if zone_end <= high:
                kept.append((zone_end, high))
        pieces = kept
    allowed = [
        (low, high)
        for low, high in pieces
        if (high - low).days + 1 >= min_days
        and not any(lockout_clash(low, high, f, t, lockout_days) for f, t in others)
    ]
    if not allowed:
        return None
    return max(allowed, key=lambda piece: ((piece[1] - piece[0]).days, -piece[0].toordinal()))


class _UnionFind:
    def __init__(self, members: Iterable[int]) -> None:
        self.parent = {member: member for member in members}

    def find(self, member: int) -> int:
        root = member
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[member] != root:
            self.parent[member], member = root, self.parent[member]
        return root

    def union(self, one: int, other: int) -> None:
        first, second = self.find(one), self.find(other)
        if first != second:
            self.parent[max(first, second)] = min(first, second)

    def groups(self) -> tuple[tuple[int, ...], ...]:
        by_root: dict[int, list[int]] = defaultdict(list)
        for member in sorted(self.parent):
            by_root[self.find(member)].append(member)
        return tuple(sorted(tuple(group) for group in by_root.values()))


class _Planner:
    """One planning run: the inputs indexed once, then the visits, then calibration."""

    def __init__(self, data: PlanInput) -> None:
        self.data = data
        self.auditors = sorted(data.auditors, key=lambda auditor: auditor.id)
        self.home = {auditor.id: auditor.home_regions for auditor in self.auditors}
        wave_days = (data.ends_on - data.starts_on).days + 1
        self.min_days = max(1, min(data.min_window_days, wave_days))
        self.exclusions: dict[int, list[Exclusion]] = defaultdict(list)
        for exclusion in data.exclusions:
            if exclusion.auditor_id in self.home:
                self.exclusions[exclusion.auditor_id].append(exclusion)
        # The auditor's other visits to each outlet, for the lockout: stored ones, then planned.
        self.visits_at: dict[tuple[int, int], list[tuple[dt.date, dt.date]]] = defaultdict(list)
        self.booked_load: Counter[int] = Counter()
        self.planned_load: Counter[int] = Counter()
        self.taken: set[tuple[int, str]] = set()
        # Who visits each outlet and channel in the wave (stored or planned), for calibration.
        self.visitors: dict[tuple[int, str], list[int]] = defaultdict(list)
        for booked in sorted(
            data.booked,
            key=lambda b: (b.outlet_id, b.auditor_id, b.due_from, b.due_to, b.channel, b.in_wave),
        ):
            self.visits_at[(booked.auditor_id, booked.outlet_id)].append(
                (booked.due_from, booked.due_to)
            )
            if booked.in_wave:
                self.booked_load[booked.auditor_id] += 1
                self.taken.add((booked.outlet_id, booked.channel))
                self.visitors[(booked.outlet_id, booked.channel)].append(booked.auditor_id)
        self.outlets = {outlet.id: outlet for outlet in data.outlets}

    # --- the rules, for one auditor and one visit -----------------------------------------

    def load(self, auditor_id: int) -> int:
        return self.booked_load[auditor_id] + self.planned_load[auditor_id]

    def refusal(
        self, auditor_id: int, outlet: PlanOutlet, channel: str
    ) -> tuple[str | None, tuple[dt.date, dt.date] | None]:
        """(the first rule refusing the auditor, None) or (None, the visit's due window)."""
        exclusions = self.exclusions[auditor_id]
        if exclusion_reason(exclusions, auditor_id, outlet.id, self.data.client_id):
            return EXCLUDED, None
        if not in_home_regions(self.home[auditor_id], outlet.region_id, channel):
            return OUTSIDE_HOME_REGIONS, None
        limit = self.data.max_per_auditor
        if limit is not None and self.load(auditor_id) >= limit:
            return AT_MAXIMUM, None
        others = self.visits_at.get((auditor_id, outlet.id))
        if not others:
            return None, (self.data.starts_on, self.data.ends_on)
        window = free_window(
            self.data.starts_on, self.data.ends_on, others, self.data.lockout_days, self.min_days
        )
        return (LOCKOUT, None) if window is None else (None, window)

    def candidates(self, outlet: PlanOutlet, channel: str) -> list[int]:
        """The auditors whose home regions allow the visit, in id order."""
        return [
            auditor.id
            for auditor in self.auditors
            if in_home_regions(auditor.home_regions, outlet.region_id, channel)
        ]

    def book(self, visit: PlannedVisit) -> None:
        self.planned_load[visit.auditor_id] += 1
        self.visits_at[(visit.auditor_id, visit.outlet_id)].append((visit.due_from, visit.due_to))
        self.visitors[(visit.outlet_id, visit.channel)].append(visit.auditor_id)

    # --- the visits -----------------------------------------------------------------------

    def wave_visits(self) -> list[tuple[PlanOutlet, str]]:
        order = {channel: index for index, channel in enumerate(CHANNELS)}
        visits = []
        for outlet in sorted(self.data.outlets, key=lambda outlet: outlet.id):
            channels = sorted(
                {c for c in outlet.channels if c in self.data.templates},
                key=lambda c: order.get(c, len(order)),
            )
            visits += [(outlet, c) for c in channels if (outlet.id, c) not in self.taken]
        return visits

    def plan_visits(self) -> tuple[list[PlannedVisit], list[Unplanned]]:
        visits = self.wave_visits()
        # Candidate lists are shared by every visit of the same region (or from a distance).
        groups: dict[tuple[int | None, bool], list[int]] = {}
        queues: dict[tuple[int | None, bool], list[tuple[int, int]]] = {}

        def group_of(outlet: PlanOutlet, channel: str) -> tuple[int | None, bool]:
            key = (outlet.region_id, channel in IN_PERSON_CHANNELS)
            if key not in groups:
                groups[key] = self.candidates(outlet, channel)
                queues[key] = [(self.load(a), a) for a in groups[key]]
                heapq.heapify(queues[key])
            return key

        keyed = [(len(groups[group_of(o, c)]), o.id, i, o, c) for i, (o, c) in enumerate(visits)]
        keyed.sort(key=lambda entry: entry[:3])
        planned: list[PlannedVisit] = []
        unplanned: list[Unplanned] = []
        for _size, _outlet_id, _index, outlet, channel in keyed:
            chosen = self.pick(queues[group_of(outlet, channel)], outlet, channel)
            if chosen is None:
                unplanned.append(self.unplanned(outlet, channel))
                continue
            auditor_id, (due_from, due_to) = chosen
            visit = PlannedVisit(
                outlet_id=outlet.id,
                channel=channel,
                auditor_id=auditor_id,
                template_id=self.data.templates[channel],
                due_from=due_from,
                due_to=due_to,
            )
            self.book(visit)
            planned.append(visit)
        return planned, unplanned

    def pick(
        self, queue: list[tuple[int, int]], outlet: PlanOutlet, channel: str
    ) -> tuple[int, tuple[dt.date, dt.date]] | None:
        """The least loaded auditor of `queue` (a heap of (load, id), loads possibly stale:
        they only grow, so a stale entry is found before it could be wrongly passed over)
        that may take the visit, with its window."""
        put_back: list[tuple[int, int]] = []
        chosen = None
        while queue:
            load, auditor_id = heapq.heappop(queue)
            if load != self.load(auditor_id):
                heapq.heappush(queue, (self.load(auditor_id), auditor_id))
                continue
            refusal, window = self.refusal(auditor_id, outlet, channel)
            if refusal == AT_MAXIMUM:
                continue  # loads only grow: never eligible again
            if refusal is None and window is not None:
                chosen = (auditor_id, window)
                put_back.append((load + 1, auditor_id))
                break
            put_back.append((load, auditor_id))
        for entry in put_back:
            heapq.heappush(queue, entry)
        return chosen

    def unplanned(self, outlet: PlanOutlet, channel: str) -> Unplanned:
        if not self.auditors:
            return Unplanned(
                outlet.id, channel, NO_AUDITORS, "there are no active auditors to plan with", {}
            )
        refusals: Counter[str] = Counter()
        for auditor in self.auditors:
            refusal, _window = self.refusal(auditor.id, outlet, channel)
            if refusal is not None:
                refusals[refusal] += 1
        counts = {code: refusals[code] for code in REFUSAL_ORDER if refusals[code]}
        return Unplanned(outlet.id, channel, NO_ELIGIBLE_AUDITOR, self.describe(counts), counts)

    def describe(self, counts: Mapping[str, int]) -> str:
        words = {
            EXCLUDED: "marked ineligible",
            OUTSIDE_HOME_REGIONS: "outside their home regions",
            AT_MAXIMUM: f"at the maximum of {self.data.max_per_auditor} visits",
            LOCKOUT: f"within the {self.data.lockout_days}-day lockout",
        }
        return "no eligible auditor: " + ", ".join(
            f"{count} {words[code]}" for code, count in counts.items()
        )

    # --- calibration ----------------------------------------------------------------------

    def calibrate(self) -> tuple[list[PlannedVisit], CalibrationResult]:
        working = sorted(
            {a for visitors in self.visitors.values() for a in visitors if a in self.home}
        )
        links = _UnionFind(working)
        for visitors in self.visitors.values():
            present = [a for a in visitors if a in self.home]
            for other in present[1:]:
                links.union(present[0], other)
        pairs: list[PlannedVisit] = []
        remaining = len(links.groups())
        for (outlet_id, channel), visitors in sorted(self.visitors.items()):
            if remaining <= 1:
                break
            host = next((a for a in visitors if a in self.home), None)
            outlet = self.outlets.get(outlet_id)
            if host is None or outlet is None or len(visitors) > 1:
                continue
            if channel not in outlet.channels or channel not in self.data.templates:
                continue  # an assignment of the wave the outlet no longer offers
            partner = self.partner(links, host, outlet, channel, working)
            if partner is None:
                continue
            auditor_id, (due_from, due_to) = partner
            visit = PlannedVisit(
                outlet_id=outlet_id,
                channel=channel,
                auditor_id=auditor_id,
                template_id=self.data.templates[channel],
                due_from=due_from,
                due_to=due_to,
                calibration=True,
            )
            self.book(visit)
            pairs.append(visit)
            links.union(host, auditor_id)
            remaining -= 1
        groups = links.groups()
        linked = len(groups) <= 1
        reason = None
        if not linked:
            reason = (
                "no outlet of the wave can be visited by auditors of two of these groups "
                "(home regions, exclusions, the lockout or the maximum stand in the way)"
            )
        return pairs, CalibrationResult(len(pairs), linked, groups, reason)

    def partner(
        self,
        links: _UnionFind,
        host: int,
        outlet: PlanOutlet,
        channel: str,
        working: list[int],
    ) -> tuple[int, tuple[dt.date, dt.date]] | None:
        """The least loaded auditor of another group who may also make this visit."""
        root = links.find(host)
        best: tuple[int, int, tuple[dt.date, dt.date]] | None = None
        for auditor_id in working:
            if links.find(auditor_id) == root:
                continue
            if best is not None and (self.load(auditor_id), auditor_id) >= best[:2]:
                continue
            refusal, window = self.refusal(auditor_id, outlet, channel)
            if refusal is None and window is not None:
                best = (self.load(auditor_id), auditor_id, window)
        return None if best is None else (best[1], best[2])


def plan(data: PlanInput) -> Plan:
    """Propose the wave's visits (see the module's docstring for the rules)."""
    planner = _Planner(data)
    planned, unplanned = planner.plan_visits()
    calibration = None
    if data.calibration:
        pairs, calibration = planner.calibrate()
        planned += pairs
    channel_order = {channel: index for index, channel in enumerate(CHANNELS)}

    def order(visit: PlannedVisit | Unplanned) -> tuple[int, int]:
        return visit.outlet_id, channel_order.get(visit.channel, len(channel_order))

    return Plan(
        visits=tuple(sorted(planned, key=lambda v: (*order(v), v.calibration, v.auditor_id))),
        unplanned=tuple(sorted(unplanned, key=order)),
        loads={
            auditor.id: (planner.booked_load[auditor.id], planner.planned_load[auditor.id])
            for auditor in planner.auditors
        },
        calibration=calibration,
    )
