"""Whether an auditor may visit an outlet: exclusions, the revisit lockout and home regions.

The lockout stops the same shopper from returning to the same outlet within the client's
lockout period (default 90 days), since staff would recognise them. Each rule is written once
here, as a pure function, and used both by the checks of single assignments (which read the
stored assignments) and by the planner (server/waves/planner.py, which works on data in
memory); docs/contract.md#planning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from server.users.tables import AuditorExclusion
from server.waves.tables import Assignment
from shared.lifecycle import CANCELLED

# Channels an auditor must travel for; the others (phone, e-mail, chat, web, social) are done
# from anywhere, so home regions do not limit them.
IN_PERSON_CHANNELS = frozenset({"in_store"})


@dataclasses.dataclass(frozen=True, slots=True)
class Exclusion:
    """An auditor barred from one outlet or from every outlet of one client."""

    auditor_id: int
    client_id: int | None = None
    outlet_id: int | None = None


def lockout_zone(
    other_from: dt.date, other_to: dt.date, lockout_days: int
) -> tuple[dt.date, dt.date]:
    """The zone (start, end) around another visit of the same auditor to the same outlet.

    A visit due `due_from..due_to` clashes with that visit when it ends after `start` and begins
    before `end`; so a window that lies wholly at or before `start`, or wholly at or after
    `end`, keeps the lockout.
    """
    lockout = dt.timedelta(days=lockout_days)
    return other_from - lockout, other_to + lockout


def lockout_clash(
    due_from: dt.date,
    due_to: dt.date,
    other_from: dt.date,
    other_to: dt.date,
    lockout_days: int,
) -> bool:
    """Whether a visit due `due_from..due_to` comes within the lockout of another visit of the
    same auditor to the same outlet, due `other_from..other_to` (docs/contract.md#planning)."""
    start, end = lockout_zone(other_from, other_to, lockout_days)
    return due_to > start and due_from < end


def lockout_horizon(
    starts_on: dt.date, ends_on: dt.date, lockout_days: int
) -> tuple[dt.date, dt.date]:
    """(after, before): a visit that can clash with any window inside `starts_on..ends_on`
    ends after `after` and starts before `before`; a cheap filter for reading history."""
    return lockout_zone(starts_on, ends_on, lockout_days)


def exclusion_reason(
    exclusions: Iterable[Exclusion], auditor_id: int, outlet_id: int, client_id: int
) -> str | None:
    """Why one of the auditor's exclusions bars them from this outlet, or None."""
    for exclusion in exclusions:
        if exclusion.auditor_id != auditor_id:
            continue
        if exclusion.outlet_id == outlet_id:
            return "the auditor is marked ineligible for this outlet"
        if exclusion.client_id == client_id:
            return "the auditor is marked ineligible for this client"
    return None


def in_home_regions(home_regions: frozenset[int], outlet_region: int | None, channel: str) -> bool:
    """Whether the auditor's home regions allow this visit: an auditor without home regions
    goes anywhere; with some, they visit in person only outlets in them (an outlet without a
    region is anyone's). Visits from a distance are never limited."""
    if channel not in IN_PERSON_CHANNELS or not home_regions or outlet_region is None:
        return True
    return outlet_region in home_regions


async def ineligibility_reason(
    auditor_id: int,
    outlet_id: int,
    client_id: int,
    due_from: dt.date,
    due_to: dt.date,
    lockout_days: int,
    ignore_assignment_id: int | None = None,
) -> str | None:
    """Why the auditor may not take this visit, or None when they may (stored assignments)."""
    rows = await AuditorExclusion.select().where(AuditorExclusion.user == auditor_id)
    reason = exclusion_reason(
        (Exclusion(auditor_id, row["client"], row["outlet"]) for row in rows),
        auditor_id,
        outlet_id,
        client_id,
    )
    if reason is not None:
        return reason
    query = Assignment.select(Assignment.id, Assignment.due_from, Assignment.due_to).where(
        Assignment.auditor == auditor_id,
        Assignment.outlet == outlet_id,
        Assignment.status != CANCELLED,
    )
    if ignore_assignment_id is not None:
        query = query.where(Assignment.id != ignore_assignment_id)
    for other in await query.order_by(Assignment.due_from):
        if lockout_clash(due_from, due_to, other["due_from"], other["due_to"], lockout_days):
            return (
                f"the auditor already visits this outlet {other['due_from']}..{other['due_to']}, "
                f"within the {lockout_days}-day lockout"
            )
    return None
