"""Planning a wave's visits: a proposal from the planner, and publishing an edited one.

`plan` reads what the planner needs in one snapshot (the client's active outlets, the auditors
with their home regions and exclusions, the assignments that count for the lockout and the
load) and returns `server.waves.planner`'s proposal without storing anything. `publish` stores
a proposal, as proposed or as an admin changed it, in one transaction: every visit is checked
with the same rules as a single assignment (server/waves/eligibility.py) against the stored
assignments and the other visits of the proposal, and either all are stored or none, with
every problem named (docs/contract.md#planning). Phones get the new visits at their next sync.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

import msgspec
from piccolo.custom_types import Combinable

from server.access.abilities import ADMINISTER, require
from server.access.caller import AUDITOR, Caller
from server.auditlog import service as auditlog
from server.core.clock import utc_now
from server.core.database import Database
from server.core.errors import Invalid
from server.core.i18n import _
from server.organisation.tables import Client, Outlet
from server.templates.tables import ChecklistTemplate
from server.users.tables import AuditorExclusion, User, UserRegion
from server.waves.eligibility import (
    Exclusion,
    exclusion_reason,
    lockout_clash,
    lockout_horizon,
)
from server.waves.planner import (
    BookedVisit,
    Plan,
    PlanAuditor,
    PlanInput,
    PlanOutlet,
    plan,
)
from server.waves.schemas import (
    Assignment,
    AuditorLoad,
    CalibrationReport,
    PlanRequest,
    ProposedVisit,
    PublishedVisits,
    TemplateRef,
    UnplannedVisit,
    VisitsPublish,
    Wave,
    WavePlan,
)
from server.waves.service import WaveService
from server.waves.tables import Assignment as AssignmentTable
from shared.checklist import CHANNELS
from shared.lifecycle import ASSIGNED, CANCELLED

Problem = dict[str, Any]
DEFAULT_LOCKOUT_DAYS = 90


@dataclasses.dataclass(frozen=True, slots=True)
class PlanningService:
    database: Database

    async def plan(self, caller: Caller, wave_id: int, request: PlanRequest) -> WavePlan:
        """The planner's proposal for the wave's visits not assigned yet; nothing is stored."""
        require(caller, ADMINISTER)
        async with self.database.snapshot():
            wave = await WaveService(self.database).get_wave(caller, wave_id)
            lockout_days = await _lockout_days(wave.client_id)
            auditors = await _auditors(request.auditor_ids)
            auditor_ids = [auditor.id for auditor in auditors]
            outlets = await (
                Outlet.select(Outlet.id, Outlet.region, Outlet.channels)
                .where(Outlet.client == wave.client_id, Outlet.active == True)  # noqa: E712
                .order_by(Outlet.id)
            )
            exclusions = await _exclusions(auditor_ids)
            booked = await _booked(wave, lockout_days, auditor_ids)
        data = PlanInput(
            client_id=wave.client_id,
            starts_on=wave.starts_on,
            ends_on=wave.ends_on,
            lockout_days=lockout_days,
            templates=wave.templates,
            outlets=tuple(
                PlanOutlet(row["id"], row["region"], tuple(row["channels"].split("|")))
                for row in outlets
            ),
            auditors=tuple(auditors),
            exclusions=tuple(exclusions),
            booked=tuple(booked),
            max_per_auditor=request.max_per_auditor,
            calibration=request.calibration,
            min_window_days=request.min_window_days,
        )
        return _proposal(wave.id, plan(data), request.scenario)

    async def publish(self, caller: Caller, wave_id: int, data: VisitsPublish) -> PublishedVisits:
        """Store every visit of an (edited) proposal as an assignment, or none of them."""
        require(caller, ADMINISTER)
        async with self.database.transaction() as connection:
            wave = await WaveService(self.database).get_wave(caller, wave_id)
            lockout_days = await _lockout_days(wave.client_id)
            checked = await _check_visits(wave, lockout_days, data.visits)
            now = utc_now()
            created: list[Assignment] = []
            for visit, template in checked:
                row = {
                    "wave": wave.id,
                    "outlet": visit.outlet_id,
                    "auditor": visit.auditor_id,
                    "template": template.id,
                    "channel": visit.channel,
                    "due_from": visit.due_from,
                    "due_to": visit.due_to,
                    "scenario": visit.scenario,
                    "status": ASSIGNED,
                    "updated_at": now,
                }
                assignment_id = await connection.insert("assignment", row, returning="id")
                due_from, due_to = _window(visit)
                created.append(
                    Assignment(
                        id=assignment_id,
                        wave_id=wave.id,
                        outlet_id=visit.outlet_id,
                        auditor_id=visit.auditor_id,
                        template=template,
                        channel=visit.channel,
                        due_from=due_from,
                        due_to=due_to,
                        scenario=visit.scenario,
                        status=ASSIGNED,
                    )
                )
            await auditlog.record(
                caller,
                "publish_plan",
                "wave",
                wave.id,
                after={
                    "assignments": [
                        {"id": a.id, "outlet": a.outlet_id, "channel": a.channel,
                         "auditor": a.auditor_id, "due_from": a.due_from, "due_to": a.due_to}
                        for a in created
                    ]
                },
            )  # fmt: skip
        return PublishedVisits(created=len(created), assignments=created)


# --- reading the planner's inputs -------------------------------------------------------------


async def _lockout_days(client_id: int) -> int:
    row = await Client.select(Client.lockout_days).where(Client.id == client_id).first()
    return int(row["lockout_days"]) if row else DEFAULT_LOCKOUT_DAYS


async def _auditors(requested: list[int] | None) -> list[PlanAuditor]:
    """The active auditors asked for (every one by default), with their home regions."""
    query = User.select(User.id).where(User.role == AUDITOR, User.active == True)  # noqa: E712
    if requested is not None:
        query = query.where(User.id.is_in(sorted(set(requested)) or [0]))
    ids = [row["id"] for row in await query.order_by(User.id)]
    if requested is not None:
        found = set(ids)
        problems = [
            {
                "item": f"auditor_ids[{index}]",
                "code": "not_an_auditor",
                "message": f"{auditor_id} is not an active auditor",
            }
            for index, auditor_id in enumerate(requested)
            if auditor_id not in found
        ]
        if problems:
            raise Invalid(_("auditor_ids must name active auditors."), errors=problems)
    home: dict[int, set[int]] = defaultdict(set)
    if ids:
        rows = await UserRegion.select(UserRegion.user, UserRegion.region).where(
            UserRegion.user.is_in(ids)
        )
        for row in rows:
            home[row["user"]].add(row["region"])
    return [PlanAuditor(auditor_id, frozenset(home[auditor_id])) for auditor_id in ids]


async def _exclusions(auditor_ids: list[int]) -> list[Exclusion]:
    if not auditor_ids:
        return []
    rows = await AuditorExclusion.select(
        AuditorExclusion.user, AuditorExclusion.client, AuditorExclusion.outlet
    ).where(AuditorExclusion.user.is_in(auditor_ids))
    return [Exclusion(row["user"], row["client"], row["outlet"]) for row in rows]


async def _booked(wave: Wave, lockout_days: int, auditor_ids: list[int]) -> list[BookedVisit]:
    """Assignments that count: every one of this wave, and the auditors' others at the
    client's outlets that could fall within the lockout of a visit in the wave."""
    after, before = lockout_horizon(wave.starts_on, wave.ends_on, lockout_days)
    near: Combinable = AssignmentTable.wave == wave.id
    if auditor_ids:
        near = near | (
            AssignmentTable.auditor.is_in(auditor_ids)
            & (AssignmentTable.due_to > after)
            & (AssignmentTable.due_from < before)
        )
    rows = await AssignmentTable.select(
        AssignmentTable.auditor,
        AssignmentTable.outlet,
        AssignmentTable.due_from,
        AssignmentTable.due_to,
        AssignmentTable.channel,
        AssignmentTable.wave,
    ).where(
        AssignmentTable.outlet.client == wave.client_id,
        AssignmentTable.status != CANCELLED,
        near,
    )
    return [
        BookedVisit(
            row["auditor"],
            row["outlet"],
            row["due_from"],
            row["due_to"],
            row["channel"],
            row["wave"] == wave.id,
        )
        for row in rows
    ]


def _proposal(wave_id: int, result: Plan, scenario: str) -> WavePlan:
    calibration = None
    if result.calibration is not None:
        calibration = CalibrationReport(
            pairs=result.calibration.pairs,
            linked=result.calibration.linked,
            groups=[list(group) for group in result.calibration.groups],
            reason=result.calibration.reason,
        )
    return WavePlan(
        wave_id=wave_id,
        visits=[
            ProposedVisit(
                outlet_id=visit.outlet_id,
                channel=visit.channel,
                auditor_id=visit.auditor_id,
                template_id=visit.template_id,
                due_from=visit.due_from,
                due_to=visit.due_to,
                calibration=visit.calibration,
                scenario=scenario,
            )
            for visit in result.visits
        ],
        unplanned=[
            UnplannedVisit(
                outlet_id=entry.outlet_id,
                channel=entry.channel,
                code=entry.code,
                reason=entry.reason,
                refusals=dict(entry.refusals),
            )
            for entry in result.unplanned
        ],
        loads=[
            AuditorLoad(auditor_id=auditor_id, assigned=assigned, planned=planned)
            for auditor_id, (assigned, planned) in sorted(result.loads.items())
        ],
        calibration=calibration,
    )


# --- checking a proposal before it is published -----------------------------------------------


async def _check_visits(
    wave: Wave, lockout_days: int, visits: list[ProposedVisit]
) -> list[tuple[ProposedVisit, TemplateRef]]:
    """Each visit with its defaults filled in and its template, or Invalid naming every problem
    (`visits[i].field`) of every visit."""
    problems: list[Problem] = []

    def refuse(index: int, field: str, code: str, message: str) -> None:
        problems.append({"item": f"visits[{index}].{field}", "code": code, "message": message})

    outlets = {
        row["id"]: row
        for row in await Outlet.select(Outlet.id, Outlet.active, Outlet.channels).where(
            Outlet.client == wave.client_id
        )
    }
    auditor_ids = sorted({visit.auditor_id for visit in visits})
    auditors = {
        row["id"]
        for row in await User.select(User.id).where(
            User.id.is_in(auditor_ids),
            User.role == AUDITOR,
            User.active == True,  # noqa: E712
        )
    }
    template_ids = sorted(
        {t for v in visits if (t := v.template_id or wave.templates.get(v.channel)) is not None}
    )
    templates = {
        row["id"]: row
        for row in await ChecklistTemplate.select(
            ChecklistTemplate.id,
            ChecklistTemplate.key,
            ChecklistTemplate.version,
            ChecklistTemplate.status,
            ChecklistTemplate.channel,
        ).where(ChecklistTemplate.id.is_in(template_ids or [0]))
    }
    exclusions = await _exclusions(auditor_ids)
    after, before = lockout_horizon(wave.starts_on, wave.ends_on, lockout_days)
    stored: dict[tuple[int, int], list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for row in await AssignmentTable.select(
        AssignmentTable.auditor,
        AssignmentTable.outlet,
        AssignmentTable.due_from,
        AssignmentTable.due_to,
    ).where(
        AssignmentTable.auditor.is_in(auditor_ids),
        AssignmentTable.outlet.client == wave.client_id,
        AssignmentTable.status != CANCELLED,
        AssignmentTable.due_to > after,
        AssignmentTable.due_from < before,
    ):
        stored[(row["auditor"], row["outlet"])].append((row["due_from"], row["due_to"]))

    checked: list[tuple[ProposedVisit, TemplateRef]] = []
    earlier: dict[tuple[int, int], list[tuple[int, dt.date, dt.date]]] = defaultdict(list)
    for index, proposed in enumerate(visits):
        visit = msgspec.structs.replace(
            proposed,
            due_from=proposed.due_from or wave.starts_on,
            due_to=proposed.due_to or wave.ends_on,
        )
        outlet = outlets.get(visit.outlet_id)
        for field, code, message in _place_problems(wave, visit, outlet):
            refuse(index, field, code, message)
        template_id = visit.template_id or wave.templates.get(visit.channel)
        template = templates.get(template_id) if template_id is not None else None
        if template_id is None:
            refuse(index, "template_id", "no_template",
                   "the wave has no template for this channel; give template_id")  # fmt: skip
        elif (
            template is None
            or template["status"] != "published"
            or template["channel"] != visit.channel
        ):
            refuse(index, "template_id", "unusable_template",
                   "use a published template of this channel")  # fmt: skip
        if visit.auditor_id not in auditors:
            refuse(index, "auditor_id", "not_an_auditor",
                   f"{visit.auditor_id} is not an active auditor")  # fmt: skip
        elif outlet is not None:
            reason = exclusion_reason(exclusions, visit.auditor_id, visit.outlet_id, wave.client_id)
            if reason is not None:
                refuse(index, "auditor_id", "excluded", reason)
            pair = (visit.auditor_id, visit.outlet_id)
            clash = _lockout_problem(visit, stored[pair], earlier[pair], lockout_days)
            if clash is not None:
                refuse(index, "auditor_id", "lockout", clash)
            earlier[pair].append((index, *_window(visit)))
        if template is not None:
            ref = TemplateRef(id=template["id"], key=template["key"], version=template["version"])
            checked.append((visit, ref))
    if problems:
        raise Invalid(_("The visits cannot be published; see errors."), errors=problems)
    return checked


def _window(visit: ProposedVisit) -> tuple[dt.date, dt.date]:
    # Filled in from the wave's dates before any check.
    assert visit.due_from is not None
    assert visit.due_to is not None
    return visit.due_from, visit.due_to


def _place_problems(
    wave: Wave, visit: ProposedVisit, outlet: dict[str, Any] | None
) -> list[tuple[str, str, str]]:
    """What is wrong with where and when the visit is: its outlet, channel and window."""
    problems = []
    if outlet is None:
        problems.append(("outlet_id", "unknown_outlet",
                         "the outlet does not belong to the wave's client"))  # fmt: skip
    elif not outlet["active"]:
        problems.append(("outlet_id", "inactive_outlet", "the outlet is not active"))
    elif visit.channel not in outlet["channels"].split("|"):
        problems.append(("channel", "channel_not_offered",
                         f"the outlet does not offer {visit.channel}"))  # fmt: skip
    if visit.channel not in CHANNELS:
        problems.append(("channel", "unknown_channel", "channels are " + ", ".join(CHANNELS)))
    due_from, due_to = _window(visit)
    if due_from > due_to:
        problems.append(("due_to", "bad_window", "due_from must not be after due_to"))
    elif due_from < wave.starts_on or due_to > wave.ends_on:
        problems.append(("due_from", "outside_wave",
                         f"the visit must be due within the wave, "
                         f"{wave.starts_on}..{wave.ends_on}"))  # fmt: skip
    return problems


def _lockout_problem(
    visit: ProposedVisit,
    stored: list[tuple[dt.date, dt.date]],
    earlier: list[tuple[int, dt.date, dt.date]],
    lockout_days: int,
) -> str | None:
    """Why the visit breaks the lockout with a stored assignment or an earlier visit of the
    proposal (same auditor, same outlet), or None."""
    due_from, due_to = _window(visit)
    if due_from > due_to:
        return None  # reported as a bad window
    for other_from, other_to in stored:
        if lockout_clash(due_from, due_to, other_from, other_to, lockout_days):
            return (
                f"the auditor already visits this outlet {other_from}..{other_to}, "
                f"within the {lockout_days}-day lockout"
            )
    for other_index, other_from, other_to in earlier:
        if lockout_clash(due_from, due_to, other_from, other_to, lockout_days):
            return (
                f"visits[{other_index}] sends the auditor to this outlet "
                f"{other_from}..{other_to}, within the {lockout_days}-day lockout"
            )
    return None
