"""Litestar dependencies: the shared context objects and the authenticated `Caller`."""

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


def _context(state: State) -> AppContext:
    context: AppContext = state.context
    return context


async def provide_caller(request: Request[Any, Any, Any], state: State) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(_("Log in and send the token as 'Authorization: Bearer <token>'."))
    return await _context(state).auth.caller_from_token(token.strip())


def provide_auth(state: State) -> AuthService:
    return _context(state).auth


def provide_database(state: State) -> Database:
    return _context(state).database


def provide_settings(state: State) -> Settings:
    return _context(state).settings


def provide_passwords(state: State) -> Passwords:
    return _context(state).passwords


DEPENDENCIES = {
    "caller": Provide(provide_caller),
    "auth": Provide(provide_auth, sync_to_thread=False),
    "database": Provide(provide_database, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "passwords": Provide(provide_passwords, sync_to_thread=False),
}

AuthenticatedCaller = NamedDependency[Caller]
