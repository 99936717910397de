"""Media only through the authorised routes: no static mount serves MEDIA_DIR (every
`{file_path:path}` route of the route table is tried with every stored file's relative path),
path traversal through the static mounts and the media routes is 404, and the photo routes
refuse anonymous callers.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import uuid
from pathlib import Path

from server.core.settings import Settings
from tests.fixtures import PHOTOS
from tests.server.api import Api
from tests.server.audits.helpers import put_photo

SERVER_FILE = Path(__file__).parents[2] / "server" / "core" / "settings.py"


def file_routes(api: Api) -> list[str]:
    """Prefixes of every route that maps a path onto files (static mounts)."""
    return sorted(
        {
            route.path.removesuffix("/{file_path:path}")
            for route in api.app.routes
            if route.path.endswith("{file_path:path}")
        }
    )


async def uploaded_photo(api: Api) -> str:
    admin = await api.admin()
    await api.create_user(admin, "shopper@example.test", "auditor")
    shopper = await api.login("shopper@example.test")
    photo_uuid = str(uuid.uuid4())
    data = (PHOTOS / "small_orientation_6.jpg").read_bytes()
    assert 201 == (await put_photo(api, shopper, photo_uuid, data)).status_code
    return photo_uuid


async def test_no_route_serves_the_media_directory(api: Api, settings: Settings) -> None:
    await uploaded_photo(api)
    stored = [path for path in settings.media_dir.rglob("*") if path.is_file()]
    assert 3 <= len(stored)  # the original and its two derived images
    prefixes = file_routes(api)
    assert {"/static", "/schema/assets"} <= set(prefixes)
    admin = await api.admin()
    served = []
    for path in stored:
        relative = path.relative_to(settings.media_dir).as_posix()
        for prefix in [*prefixes, "", "/media", "/var/media", "/files"]:
            for candidate in (f"{prefix}/{relative}", f"{prefix}/{path.name}"):
                response = await api.client.get(candidate, headers=admin, follow_redirects=False)
                if response.status_code == 200 or path.read_bytes()[:64] in response.content:
                    served.append(candidate)
    assert [] == served


async def test_path_traversal_is_404(api: Api, settings: Settings) -> None:
    photo_uuid = await uploaded_photo(api)
    admin = await api.admin()
    secret = SERVER_FILE.read_bytes()[:80]
    media_file = next(path for path in settings.media_dir.rglob("*") if path.is_file())
    climbs = ["..%2f" * depth for depth in (1, 3, 6, 10)] + ["%2e%2e/" * 3, "..%5c" * 3]
    targets = ["server/core/settings.py", "server/dashboard/web.py", "etc/passwd",
               str(media_file).lstrip("/")]  # fmt: skip
    attempts = [
        f"{prefix}/{climb}{target}"
        for prefix in [*file_routes(api), "/api/v1/photos", "/photos"]
        for climb in climbs
        for target in targets
    ]
    attempts += [
        f"/api/v1/photos/{photo_uuid}/..%2f..%2f..%2fserver%2fsettings.py",
        f"/api/v1/photos/{photo_uuid}/original",
        f"/api/v1/photos/{photo_uuid}%2f..%2f..%2fsettings.py/display",
        f"/photos/{photo_uuid}/..%2foriginal",
    ]
    wrong = []
    for attempt in attempts:
        response = await api.client.get(attempt, headers=admin, follow_redirects=False)
        leaked = secret in response.content or media_file.read_bytes()[:64] in response.content
        if response.status_code != 404 or leaked:
            wrong.append((attempt, response.status_code, leaked))
    assert [] == wrong


async def test_photo_routes_refuse_anonymous_callers(api: Api) -> None:
    photo_uuid = await uploaded_photo(api)
    for variant in ("display", "thumbnail"):
        api_response = await api.client.get(f"/api/v1/photos/{photo_uuid}/{variant}")
        assert 401 == api_response.status_code
    page = await api.client.get(f"/photos/{photo_uuid}/thumbnail", follow_redirects=False)
    assert (303, "/login") == (page.status_code, page.headers["location"])
