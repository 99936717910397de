"""Released audits over two waves, three auditors and four outlets, all through the HTTP API.

`seed_programme` works with anything that has `ok`/`login`/`create_user`/`admin` like
`tests.server.api.Api` (the dashboard tests pass an httpx client of a real server). Each
`Visit` keeps the percent the server returned when the audit was PUT: the raw figure the
analytics tests recompute their expectations from.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from tests.server.api import World, build_world
from tests.server.workflow.helpers import answers, critical_template

AUDITORS = ("x", "y", "z")

# (outlet, wave, auditor, greeted, wait seconds, exit clear)
PLAN: tuple[tuple[str, str, str, bool, float, bool], ...] = (
    ("own", "a1", "x", True, 60, True),
    ("own", "a1", "y", False, 60, True),
    ("own", "a1", "z", True, 180, True),
    ("other_outlet", "a1", "x", True, 300, True),
    ("other_outlet", "a1", "y", True, 60, True),
    ("other_region", "a1", "z", False, 300, True),
    ("other_region", "a1", "x", True, 60, False),
    ("own", "a2", "x", True, 60, True),
    ("own", "a2", "y", True, 120, True),
    ("own", "a2", "z", False, 60, True),
    ("other_outlet", "a2", "y", False, 300, True),
    ("other_outlet", "a2", "z", True, 60, True),
    ("other_outlet", "a2", "x", True, 240, True),
    ("other_region", "a2", "x", True, 60, True),
    ("other_client", "b", "x", True, 60, True),
    ("other_client", "b", "y", False, 60, False),
)

WAVE_STARTS = {"a1": "2026-01-05", "a2": "2026-02-09", "b": "2026-01-05"}


@dataclasses.dataclass(frozen=True)
class Visit:
    uuid: str
    outlet: str
    wave: str
    auditor: str
    percent: float
    greeted: bool
    wait: float
    exit_clear: bool

    @property
    def failed_items(self) -> set[str]:
        failed = set()
        if not self.greeted:
            failed.add("greeted")
        if self.wait > 60:
            failed.add("wait")
        if not self.exit_clear:
            failed.add("exit_clear")
        return failed


@dataclasses.dataclass
class Programme:
    world: World
    visits: list[Visit]
    # Submitted, not yet approved (for the review queue).
    pending: list[str] = dataclasses.field(default_factory=list)

    @property
    def ids(self) -> dict[str, int]:
        return self.world.ids

    @property
    def headers(self) -> dict[str, dict[str, str]]:
        return self.world.headers


async def seed_programme(api: Any, pending: int = 0) -> Programme:
    """The plan, all approved, plus `pending` submitted audits of the own outlet in wave a2."""
    world = await build_world(api)
    admin = world.headers["admin"]
    ids = world.ids
    template = await api.ok("POST", "/api/v1/templates", admin, critical_template())
    await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    ids["template_critical"] = template["id"]
    for client in ("a", "b"):
        await api.ok("PATCH", f"/api/v1/clients/{ids['client_' + client]}", admin,
                     {"lockout_days": 0})  # fmt: skip
    second = await api.ok(
        "POST",
        "/api/v1/waves",
        admin,
        {
            "client_id": ids["client_a"],
            "name": "Q1 a, second",
            "starts_on": WAVE_STARTS["a2"],
            "ends_on": "2026-03-08",
            "templates": {"phone": template["id"]},
        },
    )
    ids["wave_a1"] = ids["wave_a"]
    ids["wave_a2"] = second["id"]
    auditor_headers = {}
    pending_names = [f"p{number}" for number in range(pending)]
    for name in (*AUDITORS, *pending_names):
        email = f"shopper-{name}@agency.test"
        ids["shopper_" + name] = await api.create_user(
            admin, email, "auditor", name=f"Shopper {name.upper()}"
        )
        auditor_headers[name] = await api.login(email)

    async def put_audit(
        outlet: str, wave: str, auditor: str, audit_answers: Any
    ) -> tuple[str, float]:
        assignment = await api.ok(
            "POST",
            "/api/v1/assignments",
            admin,
            {
                "wave_id": ids["wave_" + wave],
                "outlet_id": ids["outlet_" + outlet],
                "auditor_id": ids["shopper_" + auditor],
                "channel": "phone",
                "template_id": ids["template_critical"],
            },
        )
        audit_uuid = str(uuid.uuid4())
        day = WAVE_STARTS[wave]
        receipt = await api.ok(
            "PUT",
            f"/api/v1/audits/{audit_uuid}",
            auditor_headers[auditor],
            {
                "assignment_id": assignment["id"],
                "template": {"key": "critical-visit", "version": 1},
                "started_at": f"{day}T10:15:00+00:00",
                "finished_at": f"{day}T10:41:30+00:00",
                "location": None,
                "answers": audit_answers,
                "sent_at": f"{day}T10:42:00+00:00",
            },
        )
        return audit_uuid, float(receipt["score"]["percent"])

    visits = []
    for outlet, wave, auditor, greeted, wait, exit_clear in PLAN:
        audit_uuid, percent = await put_audit(outlet, wave, auditor,
                                              answers(greeted, wait, exit_clear))  # fmt: skip
        await api.ok("POST", f"/api/v1/review/audits/{audit_uuid}/approve", admin, {"note": ""})
        visits.append(Visit(audit_uuid, outlet, wave, auditor, percent, greeted, wait, exit_clear))
    programme = Programme(world, visits)
    for name in pending_names:
        audit_uuid, _percent = await put_audit("own", "a2", name, answers(False, 90, True))
        programme.pending.append(audit_uuid)
    return programme
