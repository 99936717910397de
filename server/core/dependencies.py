"""Litestar dependencies: the app context's shared objects and the authenticated `Caller`.

Handlers name what they need (`caller`, `database`, `media_store`, `photo_limits`, `context`
for all of it, ...) and
Litestar hands them the objects of this app's `AppContext`; no feature reaches into another
feature's module for them.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from server.access.caller import Caller
from server.auth.passwords import Passwords
from server.auth.service import AuthService
from server.core.context import AppContext
from server.core.database import Database
from server.core.errors import Unauthorized
from server.core.i18n import _
from server.core.settings import Settings
from server.photos import PhotoLimits
from server.storage import MediaStore
from server.templates.published import PublishedTemplates


def context_of(state: State) -> AppContext:
    context: AppContext = state.context
    return context


def provide_context(state: State) -> AppContext:
    return context_of(state)


async def provide_caller(
    request: Request[Any, Any, Any], context: NamedDependency[AppContext]
) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(_("Log in and send the token as 'Authorization: Bearer <token>'."))
    return await context.auth.caller_from_token(token.strip())


def provide_auth(state: State) -> AuthService:
    return context_of(state).auth


def provide_database(state: State) -> Database:
    return context_of(state).database


def provide_settings(state: State) -> Settings:
    return context_of(state).settings


def provide_passwords(state: State) -> Passwords:
    return context_of(state).passwords


def provide_media_store(state: State) -> MediaStore:
    return context_of(state).media_store


def provide_photo_limits(state: State) -> PhotoLimits:
    return context_of(state).photo_limits


def provide_templates(state: State) -> PublishedTemplates:
    return context_of(state).templates


DEPENDENCIES = {
    "context": Provide(provide_context, sync_to_thread=False),
    "caller": Provide(provide_caller),
    "auth": Provide(provide_auth, sync_to_thread=False),
    "database": Provide(provide_database, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "passwords": Provide(provide_passwords, sync_to_thread=False),
    "media_store": Provide(provide_media_store, sync_to_thread=False),
    "photo_limits": Provide(provide_photo_limits, sync_to_thread=False),
    "published_templates": Provide(provide_templates, sync_to_thread=False),
}

AuthenticatedCaller = NamedDependency[Caller]
# The whole app context: what the sync routes take, since a handler whose dependencies are
# only the caller and the context resolves them one after the other, without the task group
# Litestar starts for several dependencies at once (~0.1 ms a request).
AppContextDep = NamedDependency[AppContext]
DatabaseDep = NamedDependency[Database]
PasswordsDep = NamedDependency[Passwords]
SettingsDep = NamedDependency[Settings]
MediaStoreDep = NamedDependency[MediaStore]
PhotoLimitsDep = NamedDependency[PhotoLimits]
PublishedTemplatesDep = NamedDependency[PublishedTemplates]
