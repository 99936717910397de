"""Every workflow transition by every role, allowed and refused (docs/contract.md#lifecycle).

One row per (action, state the record is in): the status each role gets and, when allowed,
the state the record is in afterwards. A refused call must leave the record unchanged, so
refused roles share one record; every allowed role gets a fresh one. 403: the role may never
do this; 404: the record is outside what the role may see (unreleased, for client users);
409: not from this state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.server.workflow.helpers import ReviewWorld, answers

ROLES = ("admin", "reviewer", "auditor", "head_office", "regional_manager", "outlet_manager")


def expect(default: int, **by_role: int) -> dict[str, int]:
    return {role: by_role.get(role, default) for role in ROLES}


# --- making a record in a given state ---------------------------------------------------------


async def audit_in(world: ReviewWorld, state: str) -> str:
    if state == "submitted":
        return (await world.submit()).uuid
    if state == "approved":
        return (await world.approved()).uuid
    assert "returned" == state
    audit = await world.submit()
    await world.api.ok(
        "POST",
        f"/api/v1/review/audits/{audit.uuid}/return",
        world.headers["admin"],
        {"notes": [{"item": None, "note": "Please check."}]},
    )
    return audit.uuid


async def dispute_in(world: ReviewWorld, state: str) -> str:
    audit = await world.approved()
    dispute = await world.dispute(audit.uuid, "greeted")
    if state == "upheld":
        await world.api.ok(
            "POST",
            f"/api/v1/disputes/{dispute['id']}/uphold",
            world.headers["admin"],
            {"reply": "Yes.", "answer": {"value": True}},
        )
    elif state == "rejected":
        await world.api.ok(
            "POST",
            f"/api/v1/disputes/{dispute['id']}/reject",
            world.headers["admin"],
            {"reply": "No."},
        )
    return str(dispute["id"])


async def action_in(world: ReviewWorld, state: str) -> str:
    audit = await world.approved(audit_answers=answers(exit_clear=False))
    page = await world.api.ok(
        "GET", f"/api/v1/corrective-actions?audit_uuid={audit.uuid}", world.headers["admin"]
    )
    [action] = page["items"]
    for step in {"open": [], "done": ["complete"], "verified": ["complete", "verify"]}[state]:
        await world.api.ok(
            "POST",
            f"/api/v1/corrective-actions/{action['id']}/{step}",
            world.headers["admin"],
            {},
        )
    return str(action["id"])


# --- taking an action and reading the state back -----------------------------------------------

Maker = Callable[[ReviewWorld, str], Awaitable[str]]


ROWS: list[tuple[str, str, dict[str, int], str | None]] = [
    # action, state before, status by role, state after when allowed
    ("approve", "submitted", expect(403, admin=200, reviewer=200), "approved"),
    ("approve", "returned", expect(403, admin=409, reviewer=409, auditor=403), None),
    ("approve", "approved", expect(403, admin=409, reviewer=409), None),
    ("return", "submitted", expect(403, admin=200, reviewer=200), "returned"),
    ("return", "approved", expect(403, admin=409, reviewer=409), None),
    ("dispute", "approved", expect(403, admin=201, outlet_manager=201), "disputed"),
    ("dispute", "submitted", expect(403, admin=409, outlet_manager=404), None),
    ("dispute", "returned", expect(403, admin=409, outlet_manager=404), None),
    ("uphold", "open", expect(403, admin=200, reviewer=200), "upheld"),
    ("uphold", "rejected", expect(403, admin=409, reviewer=409), None),
    ("reject", "open", expect(403, admin=200, reviewer=200), "rejected"),
    ("reject", "upheld", expect(403, admin=409, reviewer=409), None),
    ("complete", "open", expect(200, reviewer=403, auditor=403), "done"),
    ("complete", "done", expect(409, reviewer=403, auditor=403), None),
    ("verify", "done", expect(200, outlet_manager=403, auditor=403), "verified"),
    ("verify", "open", expect(409, outlet_manager=403, auditor=403), None),
    ("reopen", "done", expect(200, outlet_manager=403, auditor=403), "open"),
    ("reopen", "verified", expect(409, outlet_manager=403, auditor=403), None),
]


def kind_of(action: str) -> str:
    if action in ("approve", "return", "dispute"):
        return "audit"
    return "dispute" if action in ("uphold", "reject") else "action"


async def make(world: ReviewWorld, action: str, state: str) -> str:
    makers: dict[str, Maker] = {"audit": audit_in, "dispute": dispute_in, "action": action_in}
    return await makers[kind_of(action)](world, state)


async def take(world: ReviewWorld, action: str, target: str, role: str) -> Any:
    headers = world.headers[role]
    kind = kind_of(action)
    if kind == "audit" and action == "dispute":
        body = {"audit_uuid": target, "item": "greeted", "reason": "We did greet."}
        return await world.api.call("POST", "/api/v1/disputes", headers, body)
    if kind == "audit":
        body = {"notes": [{"item": "wait", "note": "Time it."}]} if action == "return" else {}
        path = f"/api/v1/review/audits/{target}/{action}"
        return await world.api.call("POST", path, headers, body)
    if kind == "dispute":
        body = {"reply": "Checked.", "answer": {"value": True}} if action == "uphold" else {}
        body["reply"] = "Checked."
        return await world.api.call("POST", f"/api/v1/disputes/{target}/{action}", headers, body)
    path = f"/api/v1/corrective-actions/{target}/{action}"
    return await world.api.call("POST", path, headers, {"comment": ""})


async def state_of(world: ReviewWorld, action: str, target: str) -> str:
    admin = world.headers["admin"]
    kind = kind_of(action)
    if kind == "audit":
        audit = await world.api.ok("GET", f"/api/v1/audits/{target}", admin)
        return str(audit["status"])
    if kind == "dispute":
        return str((await world.api.ok("GET", f"/api/v1/disputes/{target}", admin))["status"])
    action_row = await world.api.ok("GET", f"/api/v1/corrective-actions/{target}", admin)
    return str(action_row["status"])


@pytest.mark.parametrize(("action", "before", "expected", "after"), ROWS)
async def test_transition_by_every_role(
    review: ReviewWorld, action: str, before: str, expected: dict[str, int], after: str | None
) -> None:
    refused_target = await make(review, action, before)
    actual: dict[str, int] = {}
    for role in ROLES:
        allowed = expected[role] < 300
        target = await make(review, action, before) if allowed else refused_target
        response = await take(review, action, target, role)
        actual[role] = response.status_code
        if allowed and response.status_code == expected[role]:
            assert after == await state_of(review, action, target), role
    assert expected == actual
    assert before == await state_of(review, action, refused_target)
