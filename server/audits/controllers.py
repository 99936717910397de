"""HTTP endpoints of sync: assignments down, audits and photos up, an audit and its images.

The feature's long-lived objects (the raw SQL runner, the template cache, the media store)
are built once per app on first use and kept in the app state; `close_audit_resources` runs
at shutdown. The handlers take them from `state` rather than as a dependency: with the caller
as their only dependency Litestar awaits it directly, where two dependencies would cost an
anyio task group (~140 us) on every sync request.
"""

from __future__ import annotations

import dataclasses
import uuid as uuid_module
from typing import Any, Final

from litestar import Controller, Litestar, Request, Response, get, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery

from server.access.caller import ADMIN, AUDITOR
from server.audits.ingest import AuditIngest, TemplateCache, decode_body
from server.audits.openapi import AuditUploadOperation, PhotoUploadOperation
from server.audits.photo_intake import PhotoIntake
from server.audits.queries import AuditQueries
from server.audits.schemas import AuditOut, AuditReceipt, PhotoReceipt, SyncPayload
from server.audits.sql import SqlRunner
from server.audits.sync import SyncService
from server.core.context import AppContext
from server.core.dependencies import AuthenticatedCaller
from server.core.errors import Invalid
from server.core.i18n import _
from server.photos import PhotoLimits, check_upload_size
from server.storage import MediaStore, media_store_from_settings

# The route's own body limit: Litestar's default (10 MB) is below the photo limit of DESIGN
# §7. Bigger bodies are refused with 413 from Content-Length, or while streaming.
PHOTO_ROUTE_MAX_BYTES: Final = 25 * 1024 * 1024
STATE_KEY: Final = "audits_resources"
# Where the app factory puts the media store built from the settings (local disk or S3).
MEDIA_STORE_STATE_KEY: Final = "media_store"


@dataclasses.dataclass(slots=True)
class AuditResources:
    sql: SqlRunner
    templates: TemplateCache
    store: MediaStore
    limits: PhotoLimits

    @classmethod
    def build(cls, context: AppContext, store: MediaStore | None = None) -> AuditResources:
        settings = context.settings
        return cls(
            sql=SqlRunner(context.database, loop_is_free=context.requests.alone),
            templates=TemplateCache(),
            store=store if store is not None else media_store_from_settings(settings),
            limits=PhotoLimits(max_bytes=settings.max_photo_bytes),
        )


def audit_resources(state: State) -> AuditResources:
    """The app's audit resources; the media store is the one the app factory built."""
    resources: AuditResources | None = state.get(STATE_KEY)
    if resources is None:
        resources = AuditResources.build(state.context, state.get(MEDIA_STORE_STATE_KEY))
        state[STATE_KEY] = resources
    return resources


async def close_audit_resources(app: Litestar) -> None:
    resources: AuditResources | None = app.state.get(STATE_KEY)
    if resources is not None:
        await resources.sql.close()


# For other features' routes that need the media store (dispute photos, action evidence).
Resources = NamedDependency[AuditResources]
DEPENDENCIES = {"resources": Provide(audit_resources, sync_to_thread=False)}


class SyncController(Controller):
    path = "/api/v1/sync"
    tags = ("sync",)

    @get("/")
    async def sync(
        self, caller: AuthenticatedCaller, state: State, since: FromQuery[str | None] = None
    ) -> SyncPayload:
        """The caller's assignments, templates and outlets changed since the cursor."""
        return await SyncService(audit_resources(state).sql).sync(caller, since)


class AuditController(Controller):
    path = "/api/v1/audits"
    tags = ("sync",)

    @put(
        "/{audit_uuid:uuid}",
        status_code=200,
        responses={201: ResponseSpec(AuditReceipt, description="A new audit was stored")},
        operation_class=AuditUploadOperation,
    )
    async def put_audit(
        self,
        request: Request[Any, Any, Any],
        caller: AuthenticatedCaller,
        state: State,
        audit_uuid: FromPath[uuid_module.UUID],
    ) -> Response[AuditReceipt]:
        """Store an audit: 201 new, 200 identical replay, 409 other content, 422 invalid."""
        resources = audit_resources(state)
        body = decode_body(await request.body())
        ingest = AuditIngest(resources.sql, resources.templates)
        result = await ingest.put_audit(caller, audit_uuid, body)
        return Response(result.receipt, status_code=201 if result.created else 200)

    @get("/{audit_uuid:uuid}")
    async def get_audit(
        self,
        caller: AuthenticatedCaller,
        state: State,
        audit_uuid: FromPath[uuid_module.UUID],
    ) -> AuditOut:
        """One audit with answers, score, flags and photo links (agency staff only)."""
        resources = audit_resources(state)
        return await AuditQueries(resources.sql).get_audit(caller, audit_uuid)


class PhotoController(Controller):
    path = "/api/v1/photos"
    tags = ("sync",)

    @put(
        "/{photo_uuid:uuid}",
        status_code=200,
        request_max_body_size=PHOTO_ROUTE_MAX_BYTES,
        responses={201: ResponseSpec(PhotoReceipt, description="A new photo was stored")},
        operation_class=PhotoUploadOperation,
    )
    async def put_photo(
        self,
        request: Request[Any, Any, Any],
        caller: AuthenticatedCaller,
        state: State,
        photo_uuid: FromPath[uuid_module.UUID],
    ) -> Response[PhotoReceipt]:
        """Store a photo: 201 new, 200 same bytes, 409 other bytes, 413/415/422 refused."""
        resources = audit_resources(state)
        caller.require_role(AUDITOR, ADMIN)
        declared = request.headers.get("x-content-sha256")
        if not declared:
            raise Invalid(
                _("Send the photo's SHA-256 in the X-Content-SHA256 header."),
                [
                    {
                        "item": "X-Content-SHA256",
                        "code": "missing_hash",
                        "message": _("The header is required."),
                    }
                ],
            )
        length = request.headers.get("content-length")
        if length is not None and length.isdigit():
            check_upload_size(int(length), max_bytes=resources.limits.max_bytes)
        chunks = [chunk async for chunk in request.stream()]
        data = b"".join(chunks)
        intake = PhotoIntake(resources.sql, resources.store, resources.limits)
        created, receipt = await intake.put_photo(caller, photo_uuid, data, declared)
        return Response(receipt, status_code=201 if created else 200)

    @get("/{photo_uuid:uuid}/display", media_type="image/jpeg")
    async def display(
        self,
        caller: AuthenticatedCaller,
        state: State,
        photo_uuid: FromPath[uuid_module.UUID],
    ) -> Response[bytes]:
        """The upright display JPEG (longest side 1600 px, no GPS) of a photo one may see."""
        resources = audit_resources(state)
        intake = PhotoIntake(resources.sql, resources.store, resources.limits)
        data = await intake.image(caller, photo_uuid, "display")
        return Response(data, media_type="image/jpeg")

    @get("/{photo_uuid:uuid}/thumbnail", media_type="image/jpeg")
    async def thumbnail(
        self,
        caller: AuthenticatedCaller,
        state: State,
        photo_uuid: FromPath[uuid_module.UUID],
    ) -> Response[bytes]:
        """The thumbnail JPEG (400 px) of a photo one may see."""
        resources = audit_resources(state)
        intake = PhotoIntake(resources.sql, resources.store, resources.limits)
        data = await intake.image(caller, photo_uuid, "thumbnail")
        return Response(data, media_type="image/jpeg")


ROUTES: Final = [SyncController, AuditController, PhotoController]
