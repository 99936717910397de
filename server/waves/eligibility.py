"""Whether an auditor may visit an outlet: exclusions and the revisit lockout.

The lockout stops the same shopper from returning to the same outlet within the client's
lockout period (default 90 days), since staff would recognise them.
"""

from __future__ import annotations

import datetime as dt

from server.users.tables import AuditorExclusion
from server.waves.tables import Assignment
from shared.lifecycle import CANCELLED


async def ineligibility_reason(
    auditor_id: int,
    outlet_id: int,
    client_id: int,
    due_from: dt.date,
    due_to: dt.date,
    lockout_days: int,
    ignore_assignment_id: int | None = None,
) -> str | None:
    """Why the auditor may not take this visit, or None when they may."""
    exclusions = await AuditorExclusion.select().where(AuditorExclusion.user == auditor_id)
    for exclusion in exclusions:
        if exclusion["outlet"] == outlet_id:
            return "the auditor is marked ineligible for this outlet"
        if exclusion["client"] == client_id:
            return "the auditor is marked ineligible for this client"
    lockout = dt.timedelta(days=lockout_days)
    query = Assignment.select(Assignment.id, Assignment.due_from, Assignment.due_to).where(
        Assignment.auditor == auditor_id,
        Assignment.outlet == outlet_id,
        Assignment.status != CANCELLED,
        Assignment.due_from < due_to + lockout,
        Assignment.due_to > due_from - lockout,
    )
    if ignore_assignment_id is not None:
        query = query.where(Assignment.id != ignore_assignment_id)
    clash = await query.first()
    if clash is not None:
        return (
            f"the auditor already visits this outlet {clash['due_from']}..{clash['due_to']}, "
            f"within the {lockout_days}-day lockout"
        )
    return None
