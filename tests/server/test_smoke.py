"""First contact: the app starts on both engines, logs in and serves its docs offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.server.api import Api, build_world


async def test_login_and_me(api: Api) -> None:
    headers = await api.admin()
    response = await api.client.get("/api/v1/me", headers=headers)
    assert 200 == response.status_code
    assert "admin" == response.json()["role"]


async def test_world_builds(api: Api) -> None:
    world = await build_world(api)
    assert 4 == len([key for key in world.ids if key.startswith("outlet_")])


FROZEN_AT_START = """
import gc
import server.asgi
print(gc.get_freeze_count(), len(gc.get_objects(generation=2)))
"""


def test_the_production_entry_point_keeps_its_start_up_out_of_the_collector(
    tmp_path: Path,
) -> None:
    """`server.asgi` (what `shopscore serve` and uvicorn load) freezes what start-up made: a
    full collection then walks only what requests made, instead of pausing every request."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shopscore.db'}",
        "SECRET_KEY": "smoke-secret-key-" + "x" * 32,
    }
    frozen, left = map(
        int,
        subprocess.run(
            [sys.executable, "-c", FROZEN_AT_START],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split(),
    )
    assert frozen > 100_000  # the modules, the app and its routes
    assert left < frozen / 100
