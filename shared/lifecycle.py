"""Audit, dispute and corrective-action lifecycles (docs/contract.md#lifecycle) as tables.

Each table maps (state, action) to the new state and the roles allowed to take that step. The
server asks `transition` (or `dispute_transition`, `corrective_transition`) before it changes
anything and writes the audit log itself; nothing here reads a clock, so the dispute window
is checked against a `now` the caller passes in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from shared.errors import TransitionError

__all__ = [
    "ASSIGNED",
    "ASSIGNMENT_STATES",
    "AUDIT_STATES",
    "AUDIT_TRANSITIONS",
    "CANCELLED",
    "CORRECTIVE_ACTION_CREATORS",
    "CORRECTIVE_STATES",
    "CORRECTIVE_TRANSITIONS",
    "DEFAULT_DISPUTE_WINDOW",
    "DISPUTE_OUTCOMES",
    "DISPUTE_STATES",
    "DISPUTE_TRANSITIONS",
    "INITIAL_AUDIT_STATE",
    "RELEASED_STATES",
    "ROLES",
    "Step",
    "allowed_actions",
    "check_dispute_window",
    "corrective_transition",
    "dispute_deadline",
    "dispute_transition",
    "dispute_window_open",
    "transition",
]

ADMIN: Final = "admin"
REVIEWER: Final = "reviewer"
AUDITOR: Final = "auditor"
HEAD_OFFICE: Final = "head_office"
REGIONAL_MANAGER: Final = "regional_manager"
OUTLET_MANAGER: Final = "outlet_manager"
ROLES: Final = (ADMIN, REVIEWER, AUDITOR, HEAD_OFFICE, REGIONAL_MANAGER, OUTLET_MANAGER)

SUBMITTED: Final = "submitted"
RETURNED: Final = "returned"
APPROVED: Final = "approved"  # released to the client
DISPUTED: Final = "disputed"
AUDIT_STATES: Final = (SUBMITTED, RETURNED, APPROVED, DISPUTED)
INITIAL_AUDIT_STATE: Final = SUBMITTED  # the state of an audit the phone has just sent
RELEASED_STATES: Final = frozenset({APPROVED, DISPUTED})  # what client users may see

OPEN: Final = "open"
UPHELD: Final = "upheld"
REJECTED: Final = "rejected"
DISPUTE_STATES: Final = (OPEN, UPHELD, REJECTED)
DISPUTE_OUTCOMES: Final = (UPHELD, REJECTED)

DONE: Final = "done"
# An assignment withdrawn before its visit, or a corrective action an upheld dispute removed.
CANCELLED: Final = "cancelled"
ASSIGNED: Final = "assigned"
ASSIGNMENT_STATES: Final = (ASSIGNED, SUBMITTED, CANCELLED)
VERIFIED: Final = "verified"
CORRECTIVE_STATES: Final = (OPEN, DONE, VERIFIED)

DEFAULT_DISPUTE_WINDOW: Final = timedelta(days=7)

_REVIEWERS: Final = frozenset({ADMIN, REVIEWER})
_MANAGERS: Final = frozenset({ADMIN, HEAD_OFFICE, REGIONAL_MANAGER, OUTLET_MANAGER})
_VERIFIERS: Final = frozenset({ADMIN, REVIEWER, HEAD_OFFICE, REGIONAL_MANAGER})
# Managers create corrective actions for any failed item (critical ones are created by the
# server on release, as the system, not by a role).
CORRECTIVE_ACTION_CREATORS: Final = _MANAGERS


@dataclass(frozen=True)
class Step:
    """Where an action leads and who may take it."""

    to: str
    roles: frozenset[str]


AUDIT_TRANSITIONS: Final[Mapping[tuple[str, str], Step]] = {
    (SUBMITTED, "approve"): Step(APPROVED, _REVIEWERS),
    (SUBMITTED, "return"): Step(RETURNED, _REVIEWERS),
    (RETURNED, "submit"): Step(SUBMITTED, frozenset({ADMIN, AUDITOR})),
    (APPROVED, "dispute"): Step(DISPUTED, frozenset({ADMIN, OUTLET_MANAGER})),
    # Disputes are per item: another item may be disputed while one is open.
    (DISPUTED, "dispute"): Step(DISPUTED, frozenset({ADMIN, OUTLET_MANAGER})),
    # Disputes are resolved one by one with DISPUTE_TRANSITIONS; the audit itself takes the
    # same action (back to approved) only when its last open dispute is resolved.
    (DISPUTED, "uphold"): Step(APPROVED, _REVIEWERS),
    (DISPUTED, "reject"): Step(APPROVED, _REVIEWERS),
}

DISPUTE_TRANSITIONS: Final[Mapping[tuple[str, str], Step]] = {
    (OPEN, "uphold"): Step(UPHELD, _REVIEWERS),
    (OPEN, "reject"): Step(REJECTED, _REVIEWERS),
}

CORRECTIVE_TRANSITIONS: Final[Mapping[tuple[str, str], Step]] = {
    (OPEN, "complete"): Step(DONE, _MANAGERS),
    (DONE, "verify"): Step(VERIFIED, _VERIFIERS),
    (DONE, "reopen"): Step(OPEN, _VERIFIERS),  # the evidence did not convince
}


def _apply(
    table: Mapping[tuple[str, str], Step], what: str, state: str, action: str, role: str
) -> str:
    step = table.get((state, action))
    if step is None:
        raise TransitionError(f"cannot {action} {what} that is {state}", action)
    if role not in step.roles:
        raise TransitionError(f"the role {role!r} may not {action} {what}", action)
    return step.to


def transition(state: str, action: str, role: str) -> str:
    """The audit's state after `role` takes `action`; `TransitionError` when not allowed."""
    return _apply(AUDIT_TRANSITIONS, "an audit", state, action, role)


def dispute_transition(state: str, action: str, role: str) -> str:
    """A dispute's state after `role` takes `action` (`uphold` or `reject`)."""
    return _apply(DISPUTE_TRANSITIONS, "a dispute", state, action, role)


def corrective_transition(state: str, action: str, role: str) -> str:
    """A corrective action's state after `role` takes `action`."""
    return _apply(CORRECTIVE_TRANSITIONS, "a corrective action", state, action, role)


def allowed_actions(
    table: Mapping[tuple[str, str], Step], state: str, role: str
) -> tuple[str, ...]:
    """The actions `role` may take from `state` in `table`, e.g. to show the right buttons."""
    return tuple(
        action
        for (from_state, action), step in table.items()
        if from_state == state and role in step.roles
    )


def _require_aware(moment: datetime, name: str) -> None:
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must carry a UTC offset")


def dispute_deadline(released_at: datetime, window: timedelta = DEFAULT_DISPUTE_WINDOW) -> datetime:
    """The last moment a dispute may be raised on an audit released at `released_at`."""
    _require_aware(released_at, "released_at")
    return released_at + window


def dispute_window_open(
    released_at: datetime, now: datetime, window: timedelta = DEFAULT_DISPUTE_WINDOW
) -> bool:
    """Whether a dispute raised at `now` is within `window` of the release (both inclusive)."""
    deadline = dispute_deadline(released_at, window)
    _require_aware(now, "now")
    return released_at <= now <= deadline


def check_dispute_window(
    released_at: datetime, now: datetime, window: timedelta = DEFAULT_DISPUTE_WINDOW
) -> None:
    """Raise `TransitionError` when a dispute raised at `now` would be outside the window."""
    if not dispute_window_open(released_at, now, window):
        raise TransitionError("the dispute window has closed", "dispute")
