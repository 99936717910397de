"""Reading an uploaded photo from an HTTP request, within the configured size limit.

Every route whose body is a photo, or a form carrying one (sync, dispute evidence,
corrective-action evidence, the dashboard's forms), is marked with `opt=TAKES_PHOTO`; the app
factory gives each of them a body limit of `MAX_PHOTO_BYTES` (plus room for a form's other
fields), so what the settings say is what every photo route accepts. `read_upload` refuses a
Content-Length over the limit before reading a byte, with a problem detail naming the limit.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Litestar, Request
from litestar.routes import HTTPRoute

from server.photos.pipeline import check_upload_size
from server.photos.service import PhotoLimits

TAKES_PHOTO: Final = {"takes_photo": True}
# A multipart form's boundaries, headers and text fields around the photo.
FORM_OVERHEAD_BYTES: Final = 64 * 1024


def apply_photo_limit(app: Litestar, limits: PhotoLimits) -> None:
    """Give every route marked `TAKES_PHOTO` the body limit of the settings."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.opt.get("takes_photo"):
                    handler.request_max_body_size = limits.max_bytes + FORM_OVERHEAD_BYTES


async def read_upload(request: Request[Any, Any, Any], limits: PhotoLimits) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit():
        check_upload_size(int(length), max_bytes=limits.max_bytes)
    data = await request.body()
    check_upload_size(len(data), max_bytes=limits.max_bytes)
    return data
