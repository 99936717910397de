"""Test helpers: an API wrapper around Litestar's AsyncTestClient and a small world of data.

Everything is created through the real services or the HTTP API (no mocks of our own parts).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.core.context import AppContext

PASSWORD = "correct horse battery"
ADMIN_EMAIL = "admin@agency.test"


def sample_template(key: str = "store-visit", channel: str = "in_store") -> dict[str, Any]:
    return {
        "key": key,
        "version": 1,
        "channel": channel,
        "title": {"en": "Store visit", "ru": "Визит в магазин"},
        "pass_mark": 80,
        "critical_policy": "zero_total",
        "bands": [{"min": 90, "key": "excellent"}, {"min": 0, "key": "poor"}],
        "sections": [
            {
                "key": "welcome",
                "title": {"en": "Welcome"},
                "weight": 20,
                "items": [
                    {
                        "key": "greeted",
                        "kind": "yes_no",
                        "text": {"en": "Greeted within 30 s?"},
                        "points": 5,
                    },
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
            }
        ],
    }


class Api:
    def __init__(self, client: AsyncTestClient[Litestar], app: Litestar) -> None:
        self.client = client
        self.app = app

    @property
    def context(self) -> AppContext:
        context: AppContext = self.app.state.context
        return context

    async def create_user(self, admin: dict[str, str], email: str, role: str, **scope: Any) -> int:
        body = {"email": email, "name": email.split("@")[0], "role": role, "password": PASSWORD}
        user = await self.ok("POST", "/api/v1/users", admin, {**body, **scope})
        user_id: int = user["id"]
        return user_id

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        response = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert 200 == response.status_code, response.text
        return {"Authorization": "Bearer " + response.json()["token"]}

    async def admin(self) -> dict[str, str]:
        """Headers of the admin every test database starts with."""
        return await self.login(ADMIN_EMAIL)

    async def call(self, method: str, path: str, headers: dict[str, str], json: Any = None) -> Any:
        return await self.client.request(method, path, headers=headers, json=json)

    async def ok(self, method: str, path: str, headers: dict[str, str], json: Any = None) -> Any:
        response = await self.call(method, path, headers, json)
        assert response.status_code in (200, 201, 204), (method, path, response.text)
        return response.json() if response.content else None


@dataclasses.dataclass
class World:
    """Two clients with regions, outlets, people of every role, a template, a wave, visits.

    "own" records are the ones the scoped users of client A are given; "other" records are
    outside their scope at each level (other outlet, other region, other client).
    """

    headers: dict[str, dict[str, str]]
    ids: dict[str, int]


async def build_world(api: Api) -> World:
    admin = await api.admin()
    ids: dict[str, int] = {}
    for name in ("a", "b"):
        client = await api.ok("POST", "/api/v1/clients", admin, {"name": f"Client {name}"})
        ids[f"client_{name}"] = client["id"]
    for name, client in (("north", "a"), ("south", "a"), ("b", "b")):
        region = await api.ok(
            "POST", f"/api/v1/clients/{ids['client_' + client]}/regions", admin, {"name": name}
        )
        ids[f"region_{name}"] = region["id"]
    outlets = (
        ("own", "a", "north", 52.23, 21.01),
        ("other_outlet", "a", "north", 52.24, 21.02),
        ("other_region", "a", "south", 50.45, 30.52),
        ("other_client", "b", "b", 55.75, 37.62),
    )
    for name, client, region, lat, lon in outlets:
        outlet = await api.ok(
            "POST",
            "/api/v1/outlets",
            admin,
            {
                "client_id": ids["client_" + client],
                "region_id": ids["region_" + region],
                "code": name.upper(),
                "name": f"Outlet {name}",
                "city": "Warsaw",
                "lat": lat,
                "lon": lon,
                "timezone": "Europe/Warsaw",
                "channels": ["in_store", "phone"],
            },
        )
        ids["outlet_" + name] = outlet["id"]
    template = await api.ok("POST", "/api/v1/templates", admin, sample_template())
    await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    ids["template"] = template["id"]
    spare = await api.ok("POST", "/api/v1/templates", admin, sample_template("spare"))
    ids["template_other"] = spare["id"]
    await api.ok("POST", f"/api/v1/templates/{spare['id']}/publish", admin)
    today = dt.date(2026, 1, 5)
    for name in ("a", "b"):
        wave = await api.ok(
            "POST",
            "/api/v1/waves",
            admin,
            {
                "client_id": ids["client_" + name],
                "name": f"Q1 {name}",
                "starts_on": today.isoformat(),
                "ends_on": (today + dt.timedelta(days=27)).isoformat(),
                "templates": {"in_store": ids["template"]},
            },
        )
        ids["wave_" + name] = wave["id"]
    users: dict[str, tuple[str, dict[str, Any]]] = {
        "reviewer": ("reviewer", {"client_ids": [ids["client_a"]]}),
        "auditor": ("auditor", {}),
        "other_auditor": ("auditor", {}),
        "head_office": ("head_office", {"client_id": ids["client_a"]}),
        "regional_manager": (
            "regional_manager",
            {"client_id": ids["client_a"], "region_ids": [ids["region_north"]]},
        ),
        "outlet_manager": (
            "outlet_manager",
            {"client_id": ids["client_a"], "outlet_ids": [ids["outlet_own"]]},
        ),
    }
    headers = {"admin": admin, "anonymous": {}}
    for name, (role, scope) in users.items():
        ids["user_" + name] = await api.create_user(admin, f"{name}@example.test", role, **scope)
        headers[name] = await api.login(f"{name}@example.test")
    for name, outlet, auditor, wave in (
        ("own", "own", "auditor", "a"),
        ("other", "other_outlet", "other_auditor", "a"),
        ("other_client", "other_client", "other_auditor", "b"),
    ):
        assignment = await api.ok(
            "POST",
            "/api/v1/assignments",
            admin,
            {
                "wave_id": ids["wave_" + wave],
                "outlet_id": ids["outlet_" + outlet],
                "auditor_id": ids["user_" + auditor],
                "channel": "in_store",
                "scenario": "Ask for a winter jacket in size M.",
            },
        )
        ids["assignment_" + name] = assignment["id"]
    return World(headers=headers, ids=ids)
