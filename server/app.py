"""The app factory: `create_app(settings)` builds the whole Litestar application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
import swagger_ui_bundle
from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from server.analytics.controllers import AnalyticsController
from server.analytics.service import keep_leagues_fresh
from server.auditlog.controllers import AuditLogController
from server.audits.controllers import ROUTES as AUDIT_ROUTES
from server.auth.controllers import AuthController
from server.core.context import AppContext
from server.core.dependencies import DEPENDENCIES
from server.core.logs import access_log_middleware, configure_logging
from server.core.problems import (
    EXCEPTION_HANDLERS,
    JsonCheckingRequest,
    document_problem_responses,
    refuse_impossible_ids,
)
from server.core.security_headers import add_security_headers, inline_script_hashes_middleware
from server.core.settings import Settings
from server.dashboard.controllers import DASHBOARD
from server.organisation.controllers import (
    ClientController,
    OutletController,
    RegionController,
)
from server.photos.upload import apply_photo_limit
from server.reporting.controllers import ReportController
from server.storage import MediaStore
from server.templates.controllers import TemplateController
from server.users.controllers import UserController
from server.waves.controllers import AssignmentController, WaveController
from server.workflow.controllers import ROUTES as WORKFLOW_ROUTES

SWAGGER_ASSETS = "/schema/assets"

logger = logging.getLogger("shopscore.storage")

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    AuthController,
    UserController,
    ClientController,
    RegionController,
    OutletController,
    TemplateController,
    WaveController,
    AssignmentController,
    AuditLogController,
    *AUDIT_ROUTES,
    *WORKFLOW_ROUTES,
    AnalyticsController,
    ReportController,
    DASHBOARD,
]


def openapi_config() -> OpenAPIConfig:
    """API docs at /schema with Swagger UI served from the installed package (no CDN)."""
    swagger = SwaggerRenderPlugin(
        path="/",
        js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
        css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_ASSETS}/favicon-32x32.png'>",
    )
    return OpenAPIConfig(
        title="Shopscore API",
        version="1",
        path="/schema",
        render_plugins=[swagger, JsonRenderPlugin()],
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
        security=[{"BearerToken": []}],
    )


async def remove_crash_leftovers(media_store: MediaStore) -> None:
    """Delete the temporary files of puts a crash (SIGKILL) interrupted.

    Only files older than the store's age limit go: other workers of this server may be
    starting or writing right now, and their puts in progress are younger than that.
    """
    try:
        removed = await anyio.to_thread.run_sync(media_store.remove_temporary_files)
    except OSError:  # best effort: leftovers waste space but never break a start
        logger.exception("could not remove temporary media files left by a crash")
        return
    if removed:
        logger.warning(
            "removed %d temporary media files left by a crash",
            removed,
            extra={"fields": {"removed": removed, "store": repr(media_store)}},
        )


def create_app(settings: Settings) -> Litestar:
    context = AppContext.build(settings)
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await remove_crash_leftovers(context.media_store)
        await context.database.start()
        refresher = None
        if settings.league_refresh_seconds > 0:
            refresher = asyncio.create_task(
                keep_leagues_fresh(context.auth.active_caller, settings.league_refresh_seconds)
            )
        try:
            yield
        finally:
            if refresher is not None:
                refresher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await refresher
            await context.database.close()

    swagger_assets = create_static_files_router(
        path=SWAGGER_ASSETS,
        directories=[swagger_ui_bundle.swagger_ui_path],
        include_in_schema=False,
        name="swagger-assets",
    )
    app = Litestar(
        route_handlers=[*ROUTE_HANDLERS, swagger_assets],
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        middleware=[
            access_log_middleware,
            inline_script_hashes_middleware,
        ],
        before_send=[add_security_headers],
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_json_bytes,
        request_class=JsonCheckingRequest,
        before_request=refuse_impossible_ids,
        state=State({"context": context}),
    )
    document_problem_responses(app)
    apply_photo_limit(app, context.photo_limits)
    return app
