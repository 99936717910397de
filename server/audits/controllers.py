"""HTTP endpoints of sync: assignments down, audits and photos up, an audit and its images.

The database, the media store, the photo limits and the parsed templates are the app's
(`server.core.context.AppContext`), handed in as dependencies.
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Any, Final

from litestar import Controller, Request, Response, get, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery

from server.access.abilities import SEND_AUDITS, require
from server.audits.ingest import AuditIngest, decode_body
from server.audits.openapi import AuditUploadOperation, PhotoUploadOperation
from server.audits.photo_intake import PhotoIntake
from server.audits.queries import AuditQueries
from server.audits.schemas import AuditOut, AuditReceipt, PhotoReceipt, SyncPayload
from server.audits.sync import SyncService
from server.core.dependencies import AppContextDep, AuthenticatedCaller
from server.core.errors import Invalid
from server.core.i18n import _
from server.photos.upload import TAKES_PHOTO, read_upload


class SyncController(Controller):
    path = "/api/v1/sync"
    tags = ("sync",)

    @get("/")
    async def sync(
        self,
        caller: AuthenticatedCaller,
        context: AppContextDep,
        since: FromQuery[str | None] = None,
    ) -> SyncPayload:
        """The caller's assignments, templates and outlets changed since the cursor."""
        return await SyncService(context.database).sync(caller, since)


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
        context: AppContextDep,
        audit_uuid: FromPath[uuid_module.UUID],
    ) -> Response[AuditReceipt]:
        """Store an audit: 201 new, 200 identical replay, 409 other content, 422 invalid."""
        body = decode_body(await request.body())
        ingest = AuditIngest(context.database, context.templates)
        result = await ingest.put_audit(caller, audit_uuid, body)
        return Response(result.receipt, status_code=201 if result.created else 200)

    @get("/{audit_uuid:uuid}")
    async def get_audit(
        self,
        caller: AuthenticatedCaller,
        context: AppContextDep,
        audit_uuid: FromPath[uuid_module.UUID],
    ) -> AuditOut:
        """One audit with answers, score, flags and photo links (agency staff only)."""
        return await AuditQueries(context.database).get_audit(caller, audit_uuid)


class PhotoController(Controller):
    path = "/api/v1/photos"
    tags = ("sync",)

    @put(
        "/{photo_uuid:uuid}",
        status_code=200,
        opt=TAKES_PHOTO,
        responses={201: ResponseSpec(PhotoReceipt, description="A new photo was stored")},
        operation_class=PhotoUploadOperation,
    )
    async def put_photo(
        self,
        request: Request[Any, Any, Any],
        caller: AuthenticatedCaller,
        context: AppContextDep,
        photo_uuid: FromPath[uuid_module.UUID],
    ) -> Response[PhotoReceipt]:
        """Store a photo: 201 new, 200 same bytes, 409 other bytes, 413/415/422 refused."""
        require(caller, SEND_AUDITS)
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
        data = await read_upload(request, context.photo_limits)
        intake = PhotoIntake.of(context)
        created, receipt = await intake.put_photo(caller, photo_uuid, data, declared)
        return Response(receipt, status_code=201 if created else 200)

    @get("/{photo_uuid:uuid}/display", media_type="image/jpeg")
    async def display(
        self,
        caller: AuthenticatedCaller,
        context: AppContextDep,
        photo_uuid: FromPath[uuid_module.UUID],
    ) -> Response[bytes]:
        """The upright display JPEG (longest side 1600 px, no GPS) of a photo one may see."""
        intake = PhotoIntake.of(context)
        data = await intake.image(caller, photo_uuid, "display")
        return Response(data, media_type="image/jpeg")

    @get("/{photo_uuid:uuid}/thumbnail", media_type="image/jpeg")
    async def thumbnail(
        self,
        caller: AuthenticatedCaller,
        context: AppContextDep,
        photo_uuid: FromPath[uuid_module.UUID],
    ) -> Response[bytes]:
        """The thumbnail JPEG (400 px) of a photo one may see."""
        intake = PhotoIntake.of(context)
        data = await intake.image(caller, photo_uuid, "thumbnail")
        return Response(data, media_type="image/jpeg")


ROUTES: Final = [SyncController, AuditController, PhotoController]
