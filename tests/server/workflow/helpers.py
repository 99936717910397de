"""A world for workflow tests: audits submitted through the real PUT, one fresh auditor each.

Everything goes through the HTTP API (or the real services for users), on both engines. A
template with a critical item (`exit_clear`) drives the corrective-action and dispute tests;
its score is easy to compute by hand:

- welcome (weight 50): `greeted` yes/no 10 points, `wait` timer 10 points (60 s full, 300 s none)
- safety (weight 50): `exit_clear` yes/no 10 points, critical; `remarks` text, unscored
- critical policy `zero_total`: any critical failure makes the total 0.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from tests.server.api import Api, World, build_world

SENTINEL_NAME = "Zebediah Quillfeather"
SENTINEL_EMAIL = "zebediah.quillfeather@shoppers.test"


def critical_template() -> dict[str, Any]:
    return {
        "key": "critical-visit",
        "version": 1,
        "channel": "phone",
        "title": {"en": "Visit with a critical item"},
        "pass_mark": 80,
        "critical_policy": "zero_total",
        "bands": [{"min": 90, "key": "excellent"}, {"min": 0, "key": "poor"}],
        "sections": [
            {
                "key": "welcome",
                "title": {"en": "Welcome"},
                "weight": 50,
                "items": [
                    {"key": "greeted", "kind": "yes_no", "text": {"en": "Greeted?"}, "points": 10},
                    {
                        "key": "wait",
                        "kind": "timer",
                        "text": {"en": "Waiting time"},
                        "unit": "s",
                        "target": 60,
                        "limit": 300,
                        "points": 10,
                    },
                ],
            },
            {
                "key": "safety",
                "title": {"en": "Safety"},
                "weight": 50,
                "items": [
                    {
                        "key": "exit_clear",
                        "kind": "yes_no",
                        "text": {"en": "Emergency exit clear?"},
                        "points": 10,
                        "critical": True,
                    },
                    {
                        "key": "remarks",
                        "kind": "text",
                        "text": {"en": "Remarks"},
                        "required": False,
                    },
                ],
            },
        ],
    }


def answers(
    greeted: bool = True, wait: float = 60, exit_clear: bool = True, photos: list[str] | None = None
) -> list[dict[str, Any]]:
    return [
        {"item": "greeted", "value": greeted, "na": False, "comment": "", "photos": []},
        {"item": "wait", "value": wait, "na": False, "comment": "", "photos": []},
        {
            "item": "exit_clear",
            "value": exit_clear,
            "na": False,
            "comment": "",
            "photos": photos or [],
        },
        {"item": "remarks", "value": "Friendly staff.", "na": False, "comment": "", "photos": []},
    ]


def audit_body(assignment_id: int, audit_answers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "assignment_id": assignment_id,
        "template": {"key": "critical-visit", "version": 1},
        "started_at": "2026-01-06T10:15:00+01:00",
        "finished_at": "2026-01-06T10:41:30+01:00",
        "location": None,
        "answers": audit_answers,
        "sent_at": "2026-01-06T10:42:00+01:00",
    }


@dataclasses.dataclass
class Submitted:
    uuid: str
    assignment_id: int
    auditor_headers: dict[str, str]
    auditor_id: int


# How many ready assignments (each with its own auditor, so no revisit lockout) the world
# holds per outlet; a test takes them in order from its own copy of the database.
POOL = {"own": 8, "other_outlet": 2, "other_region": 2, "other_client": 2}


@dataclasses.dataclass
class ReviewWorld:
    api: Api
    world: World
    used: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def headers(self) -> dict[str, dict[str, str]]:
        return self.world.headers

    @property
    def ids(self) -> dict[str, int]:
        return self.world.ids

    async def submit(
        self, outlet: str = "own", audit_answers: list[dict[str, Any]] | None = None
    ) -> Submitted:
        """The next pooled auditor of `outlet` PUTs one audit of `critical_template`."""
        number = self.used.get(outlet, 0)
        assert number < POOL[outlet], f"the world holds only {POOL[outlet]} visits of {outlet}"
        self.used[outlet] = number + 1
        key = f"pool_{outlet}_{number}"
        audit_uuid = str(uuid.uuid4())
        response = await self.api.client.put(
            f"/api/v1/audits/{audit_uuid}",
            headers=self.headers[key],
            json=audit_body(self.ids[key + "_assignment"], audit_answers or answers()),
        )
        assert 201 == response.status_code, response.text
        return Submitted(
            audit_uuid, self.ids[key + "_assignment"], self.headers[key], self.ids[key + "_auditor"]
        )

    async def approved(self, outlet: str = "own", **kwargs: Any) -> Submitted:
        submitted = await self.submit(outlet, **kwargs)
        await self.api.ok(
            "POST",
            f"/api/v1/review/audits/{submitted.uuid}/approve",
            self.headers["admin"],
            {"note": ""},
        )
        return submitted

    async def dispute(self, audit_uuid: str, item: str = "exit_clear") -> dict[str, Any]:
        dispute: dict[str, Any] = await self.api.ok(
            "POST",
            "/api/v1/disputes",
            self.headers["outlet_manager"],
            {"audit_uuid": audit_uuid, "item": item, "reason": "The exit was clear; see CCTV."},
        )
        return dispute


async def build_review_world(api: Api) -> ReviewWorld:
    """The core world, the critical template and a pool of ready assignments per outlet.

    Every pooled auditor carries the sentinel name and e-mail, so anonymity tests can look
    for them in whatever a client user receives.
    """
    world = await build_world(api)
    admin = world.headers["admin"]
    template = await api.ok("POST", "/api/v1/templates", admin, critical_template())
    await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    world.ids["template_critical"] = template["id"]
    for outlet, count in POOL.items():
        for number in range(count):
            key = f"pool_{outlet}_{number}"
            email = f"{SENTINEL_EMAIL.split('@')[0]}.{key}@{SENTINEL_EMAIL.split('@')[1]}"
            auditor_id = await api.create_user(
                admin, email, "auditor", name=f"{SENTINEL_NAME} {number}"
            )
            world.headers[key] = await api.login(email)
            assignment = await api.ok(
                "POST",
                "/api/v1/assignments",
                admin,
                {
                    "wave_id": world.ids["wave_b" if outlet == "other_client" else "wave_a"],
                    "outlet_id": world.ids["outlet_" + outlet],
                    "auditor_id": auditor_id,
                    "channel": "phone",
                    "template_id": template["id"],
                },
            )
            world.ids[key + "_auditor"] = auditor_id
            world.ids[key + "_assignment"] = assignment["id"]
    return ReviewWorld(api, world)


async def sql(database_url: str, statement: str, *params: Any) -> list[dict[str, Any]]:
    """Run one statement on its own connection, as a person with psql or sqlite3 would.

    The app's engine belongs to the app's event loop, so tests read and adjust the database
    through a connection of their own (`?` placeholders on both engines).
    """
    if database_url.startswith("sqlite:"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        connection.row_factory = sqlite3.Row
        try:
            rows = [dict(row) for row in connection.execute(statement, params).fetchall()]
            connection.commit()
            return rows
        finally:
            connection.close()
    parts = statement.split("?")
    numbered = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))
    postgres = await asyncpg.connect(database_url)
    try:
        return [dict(record) for record in await postgres.fetch(numbered, *params)]
    finally:
        await postgres.close()


def stored_uuid(database_url: str, value: str) -> Any:
    """A UUID as the engine stores it: text on SQLite, a uuid on PostgreSQL."""
    return value if database_url.startswith("sqlite:") else uuid.UUID(value)


async def set_released_at(database_url: str, audit_uuid: str, released_at: dt.datetime) -> None:
    """Move a release into the past: the dispute window is measured from it."""
    await sql(
        database_url,
        "UPDATE audit SET released_at = ? WHERE uuid = ?",
        released_at,
        stored_uuid(database_url, audit_uuid),
    )


async def upload(
    api: Api, path: str, headers: dict[str, str], photo: Path, declare_hash: bool = True
) -> Any:
    """PUT a photo file's bytes to `path`, as the phone or a browser would, with its SHA-256."""
    data = photo.read_bytes()
    sent = {**headers, "Content-Type": "application/octet-stream"}
    if declare_hash:
        sent["X-Content-SHA256"] = hashlib.sha256(data).hexdigest()
    return await api.client.put(path, headers=sent, content=data)
