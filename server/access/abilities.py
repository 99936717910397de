"""What each role may do: the one table that the API's services, the dashboard's pages, its
menu and its buttons all ask (docs/contract.md#roles).

An ability is the right to use a kind of operation at all; a caller without it gets 403
whatever the record. Which records a caller with the ability may then reach is
`server.access.scope`; which steps an audit, a dispute or a corrective action may take from its
state, and by whom, is `shared.lifecycle` (`may_take` asks it for the dashboard's buttons).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from server.access.caller import (
    ADMIN,
    AUDITOR,
    REVIEWER,
    ROLES,
    Caller,
)
from server.core.errors import Forbidden
from server.core.i18n import _
from shared.lifecycle import CORRECTIVE_ACTION_CREATORS, Step, allowed_actions

# Clients, waves and their visit plans, client rules, auditors' exclusions, the checklists,
# every account and the audit log.
ADMINISTER: Final = "administer"
# Send an audit and its photos from the phone (an admin may send one on an auditor's behalf).
SEND_AUDITS: Final = "send_audits"
# Download one's assigned visits and their checklists to the phone.
SYNC_VISITS: Final = "sync_visits"
# The agency's side of the field work: audits before their release (with their revisions),
# assignments and the checklists they use.
FIELD_WORK: Final = "field_work"
# The review desk: approve or return submitted audits, decide disputes.
REVIEW: Final = "review"
# Results and their figures: the overview, the network, the heatmap, the channels, the
# estimates, the exports and the reports.
SEE_RESULTS: Final = "see_results"
# Figures that name auditors: their leniency, their agreement on calibration visits, who
# visited.
NAME_AUDITORS: Final = "name_auditors"
# Released audits with their disputes and corrective actions, and an audit's trust score.
FOLLOW_UP: Final = "follow_up"
# Open a corrective action for a failed item, or change one.
PLAN_CORRECTIVE_ACTIONS: Final = "plan_corrective_actions"

_AGENCY_STAFF: Final = frozenset({ADMIN, REVIEWER})
_EVERYONE_BUT_AUDITORS: Final = frozenset(ROLES) - {AUDITOR}

ABILITIES: Final[Mapping[str, frozenset[str]]] = {
    ADMINISTER: frozenset({ADMIN}),
    SEND_AUDITS: frozenset({AUDITOR, ADMIN}),
    SYNC_VISITS: frozenset({AUDITOR}),
    FIELD_WORK: frozenset({ADMIN, REVIEWER, AUDITOR}),
    REVIEW: _AGENCY_STAFF,
    SEE_RESULTS: _EVERYONE_BUT_AUDITORS,
    NAME_AUDITORS: _AGENCY_STAFF,
    FOLLOW_UP: _EVERYONE_BUT_AUDITORS,
    PLAN_CORRECTIVE_ACTIONS: CORRECTIVE_ACTION_CREATORS,
}

__all__ = [
    "ABILITIES",
    "ADMINISTER",
    "FIELD_WORK",
    "FOLLOW_UP",
    "NAME_AUDITORS",
    "PLAN_CORRECTIVE_ACTIONS",
    "REVIEW",
    "SEE_RESULTS",
    "SEND_AUDITS",
    "SYNC_VISITS",
    "may",
    "may_take",
    "require",
    "require_step",
    "steps",
]


def may(caller: Caller, ability: str) -> bool:
    """Whether `caller`'s role has `ability` (a name from `ABILITIES`)."""
    return caller.role in ABILITIES[ability]


def require(caller: Caller, ability: str) -> None:
    """Refuse (403) a caller whose role may not use this kind of operation at all."""
    if not may(caller, ability):
        raise Forbidden(_("Your role may not do this."))


def steps(
    caller: Caller, transitions: Mapping[tuple[str, str], Step], state: str
) -> tuple[str, ...]:
    """The steps `caller` may take on a record in `state` (`shared.lifecycle`'s rule), for
    showing only the buttons that work."""
    return allowed_actions(transitions, state, caller.role)


def may_take(
    caller: Caller, transitions: Mapping[tuple[str, str], Step], state: str, action: str
) -> bool:
    """Whether `caller` may take `action` on a record in `state`."""
    return action in steps(caller, transitions, state)


def require_step(caller: Caller, transitions: Mapping[tuple[str, str], Step], action: str) -> None:
    """Refuse (403) a caller whose role may take `action` from no state at all; whether it may
    from the record's state is asked when the step is taken (409 when not)."""
    if not any(
        taken == action and caller.role in step.roles
        for (_state, taken), step in transitions.items()
    ):
        raise Forbidden(_("Your role may not do this."))
