"""Photos sent with dashboard forms (a dispute's photo, a corrective action's evidence): the
API's evidence-photo service with the app's media store, limits and errors."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile

from server.dashboard.web import context_of
from server.photos import PhotoLimits, check_upload_size
from server.workflow.evidence import Body, EvidencePhotos


def evidence_photos(request: Request[Any, Any, Any]) -> EvidencePhotos:
    """The API's evidence-photo service: the same media store, limits and errors."""
    context = context_of(request)
    return EvidencePhotos(context.database, context.media_store, context.photo_limits)


def upload_body(upload: UploadFile, limits: PhotoLimits) -> Body:
    """An uploaded form file as the evidence service's body: over the size limit is 413."""

    async def read() -> bytes:
        data = await upload.read()
        check_upload_size(len(data), max_bytes=limits.max_bytes)
        return data

    return read
