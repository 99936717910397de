"""First contact: the app starts on both engines, logs in and serves its docs offline."""

from __future__ import annotations

from tests.server.api import Api, build_world


async def test_login_and_me(api: Api) -> None:
    headers = await api.admin()
    response = await api.client.get("/api/v1/me", headers=headers)
    assert 200 == response.status_code
    assert "admin" == response.json()["role"]


async def test_world_builds(api: Api) -> None:
    world = await build_world(api)
    assert 4 == len([key for key in world.ids if key.startswith("outlet_")])
