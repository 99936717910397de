"""Wire shapes of login, the current user and password change."""

from __future__ import annotations

import msgspec

from server.core.ids import Id


class LoginRequest(msgspec.Struct, kw_only=True):
    email: str
    password: str


class Scope(msgspec.Struct, kw_only=True):
    client_id: Id | None
    region_ids: list[Id]
    outlet_ids: list[Id]
    client_ids: list[Id]


class Me(msgspec.Struct, kw_only=True):
    id: int
    email: str
    name: str
    role: str
    language: str
    scope: Scope


class LoginResponse(msgspec.Struct, kw_only=True):
    token: str
    token_type: str
    user: Me


class PasswordChange(msgspec.Struct, kw_only=True):
    current_password: str
    new_password: str
