"""Access-table rows of the sync routes (collected by tests/server/test_access.py).

The rows use the audit the workflow's `PREPARE` files for the other client's assignment
(`audit_other_client`, by the other auditor, still submitted): every assignment of the world
is taken by a core or workflow row, and one audit per assignment is allowed. `PREPARE` here
uploads one photo by the other auditor (`sync_photo`), referenced by no audit.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from tests.fixtures import PHOTOS
from tests.server.access import Case, statuses
from tests.server.api import Api, World
from tests.server.workflow.access_table import _store_visit

PHOTO = PHOTOS / "small_orientation_6.jpg"


def _audit(world: World) -> dict[str, Any]:
    """The very body the workflow's preparation sent: the admin's PUT is a replay."""
    return _store_visit(world.ids["assignment_other_client"])


async def PREPARE(api: Api, world: World) -> None:
    photo_uuid = str(uuid.uuid4())
    world.ids["sync_photo"] = photo_uuid  # type: ignore[assignment]  # UUID routes take text
    data = PHOTO.read_bytes()
    photo = await api.client.put(
        f"/api/v1/photos/{photo_uuid}",
        headers={
            **world.headers["other_auditor"],
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
        },
        content=data,
    )
    assert 201 == photo.status_code, photo.text


AUDIT = {"audit_uuid": "audit_other_client"}
PHOTO_ARGS = {"photo_uuid": "sync_photo"}

CASES = [
    Case("GET", "/api/v1/sync", statuses(403, auditor=200)),
    # The admin's PUT is an identical replay; the auditor is not the one assigned.
    Case(
        "PUT",
        "/api/v1/audits/{audit_uuid:uuid}",
        statuses(403, admin=200, auditor=404),
        AUDIT,
        body=_audit,
    ),
    Case(
        "GET",
        "/api/v1/audits/{audit_uuid:uuid}",
        statuses(403, admin=200, reviewer=404, auditor=404),
        AUDIT,
    ),
    # Without X-Content-SHA256 the roles that may upload get 422.
    Case(
        "PUT",
        "/api/v1/photos/{photo_uuid:uuid}",
        statuses(403, admin=422, auditor=422),
        PHOTO_ARGS,
        content=b"not an image",
    ),
    # Only its uploader and the admin see a photo no audit references yet.
    Case(
        "GET",
        "/api/v1/photos/{photo_uuid:uuid}/display",
        statuses(404, admin=200),
        PHOTO_ARGS,
    ),
    Case(
        "GET",
        "/api/v1/photos/{photo_uuid:uuid}/thumbnail",
        statuses(404, admin=200),
        PHOTO_ARGS,
    ),
]
