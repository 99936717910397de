"""Tests of `shared.lifecycle`: every (state, action, role) of each table; the dispute window."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.errors import DomainError, TransitionError
from shared.lifecycle import (
    AUDIT_STATES,
    AUDIT_TRANSITIONS,
    CORRECTIVE_ACTION_CREATORS,
    CORRECTIVE_STATES,
    CORRECTIVE_TRANSITIONS,
    DEFAULT_DISPUTE_WINDOW,
    DISPUTE_OUTCOMES,
    DISPUTE_STATES,
    INITIAL_AUDIT_STATE,
    RELEASED_STATES,
    ROLES,
    allowed_actions,
    check_dispute_window,
    corrective_transition,
    dispute_deadline,
    dispute_transition,
    dispute_window_open,
    transition,
)

AUDIT_ACTIONS = ("submit", "approve", "return", "dispute", "resolve", "uphold", "reject", "verify")

# Written out from docs/contract.md#lifecycle, independently of the module's own table.
EXPECTED_AUDIT = {
    ("submitted", "approve", "admin"): "approved",
    ("submitted", "approve", "reviewer"): "approved",
    ("submitted", "return", "admin"): "returned",
    ("submitted", "return", "reviewer"): "returned",
    ("returned", "submit", "auditor"): "submitted",
    ("returned", "submit", "admin"): "submitted",
    ("approved", "dispute", "outlet_manager"): "disputed",
    ("approved", "dispute", "admin"): "disputed",
    ("disputed", "dispute", "outlet_manager"): "disputed",
    ("disputed", "dispute", "admin"): "disputed",
    ("disputed", "uphold", "reviewer"): "approved",
    ("disputed", "uphold", "admin"): "approved",
    ("disputed", "reject", "reviewer"): "approved",
    ("disputed", "reject", "admin"): "approved",
}
EXPECTED_DISPUTE = {
    ("open", "uphold", "reviewer"): "upheld",
    ("open", "uphold", "admin"): "upheld",
    ("open", "reject", "reviewer"): "rejected",
    ("open", "reject", "admin"): "rejected",
}
MANAGERS = ("admin", "head_office", "regional_manager", "outlet_manager")
VERIFIERS = ("admin", "reviewer", "head_office", "regional_manager")
EXPECTED_CORRECTIVE = {
    **{("open", "complete", role): "done" for role in MANAGERS},
    **{("done", "verify", role): "verified" for role in VERIFIERS},
    **{("done", "reopen", role): "open" for role in VERIFIERS},
}


def test_states_and_roles() -> None:
    assert ("submitted", "returned", "approved", "disputed") == AUDIT_STATES
    assert "submitted" == INITIAL_AUDIT_STATE
    assert frozenset({"approved", "disputed"}) == RELEASED_STATES
    assert ("open", "upheld", "rejected") == DISPUTE_STATES
    assert ("upheld", "rejected") == DISPUTE_OUTCOMES
    assert ("open", "done", "verified") == CORRECTIVE_STATES
    expected_roles = {"admin", "reviewer", "auditor", "head_office", "regional_manager"}
    assert expected_roles | {"outlet_manager"} == set(ROLES)
    assert set(MANAGERS) == CORRECTIVE_ACTION_CREATORS


@pytest.mark.parametrize(
    ("name", "apply", "states", "actions", "expected"),
    [
        ("audit", transition, AUDIT_STATES, AUDIT_ACTIONS, EXPECTED_AUDIT),
        ("dispute", dispute_transition, DISPUTE_STATES, ("uphold", "reject"), EXPECTED_DISPUTE),
        (
            "corrective",
            corrective_transition,
            CORRECTIVE_STATES,
            ("complete", "verify", "reopen"),
            EXPECTED_CORRECTIVE,
        ),
    ],
)
def test_every_state_action_and_role(
    name: str,
    apply: object,
    states: tuple[str, ...],
    actions: tuple[str, ...],
    expected: dict[tuple[str, str, str], str],
) -> None:
    assert callable(apply)
    for state, action, role in itertools.product(states, actions, ROLES):
        if (state, action, role) in expected:
            assert expected[state, action, role] == apply(state, action, role), name
        else:
            with pytest.raises(TransitionError):
                apply(state, action, role)


def test_a_wrong_state_is_named() -> None:
    with pytest.raises(TransitionError) as caught:
        transition("returned", "approve", "reviewer")
    assert "approve: cannot approve an audit that is returned" == str(caught.value)
    assert "illegal_transition" == caught.value.code
    assert isinstance(caught.value, DomainError)


def test_a_wrong_role_is_named() -> None:
    with pytest.raises(TransitionError) as caught:
        transition("submitted", "approve", "auditor")
    assert "approve: the role 'auditor' may not approve an audit" == str(caught.value)


def test_unknown_state_or_action_is_refused() -> None:
    with pytest.raises(TransitionError):
        transition("draft", "submit", "auditor")
    with pytest.raises(TransitionError):
        corrective_transition("open", "delete", "admin")


def test_allowed_actions() -> None:
    assert ("approve", "return") == allowed_actions(AUDIT_TRANSITIONS, "submitted", "reviewer")
    assert () == allowed_actions(AUDIT_TRANSITIONS, "submitted", "auditor")
    assert ("verify", "reopen") == allowed_actions(CORRECTIVE_TRANSITIONS, "done", "head_office")


RELEASED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (RELEASED, True),
        (RELEASED + timedelta(days=3), True),
        (RELEASED + timedelta(days=7), True),
        (RELEASED + timedelta(days=7, microseconds=1), False),
        (RELEASED - timedelta(seconds=1), False),
        # 7 days later 11:00 in Warsaw (+01:00) is exactly the deadline 10:00 UTC.
        (datetime(2026, 11, 30, 11, 0, tzinfo=timezone(timedelta(hours=1))), True),
        (datetime(2026, 11, 30, 11, 1, tzinfo=timezone(timedelta(hours=1))), False),
    ],
)
def test_dispute_window(now: datetime, expected: bool) -> None:
    assert expected == dispute_window_open(RELEASED, now)


def test_custom_window_and_deadline() -> None:
    assert timedelta(days=7) == DEFAULT_DISPUTE_WINDOW
    assert datetime(2026, 11, 26, 10, 0, tzinfo=UTC) == dispute_deadline(RELEASED, timedelta(3))
    assert not dispute_window_open(RELEASED, RELEASED + timedelta(days=4), timedelta(days=3))


def test_check_dispute_window() -> None:
    check_dispute_window(RELEASED, RELEASED + timedelta(days=1))
    with pytest.raises(TransitionError, match="dispute window has closed"):
        check_dispute_window(RELEASED, RELEASED + timedelta(days=8))


@pytest.mark.parametrize(
    ("released_at", "now", "name"),
    [
        (datetime(2026, 11, 23, 10, 0), RELEASED, "released_at"),
        (RELEASED, datetime(2026, 11, 24, 10, 0), "now"),
    ],
)
def test_naive_datetimes_are_refused(released_at: datetime, now: datetime, name: str) -> None:
    with pytest.raises(ValueError, match=f"{name} must carry a UTC offset"):
        dispute_window_open(released_at, now)
