"""HTTP endpoints of authentication: login, me, logout, password change."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from server.auth.schemas import LoginRequest, LoginResponse, Me, PasswordChange
from server.auth.service import TOKEN_TYPE, AuthService, describe
from server.core.dependencies import AuthenticatedCaller, provide_database

Auth = NamedDependency[AuthService]


class AuthController(Controller):
    path = "/api/v1"
    tags = ("auth",)

    @post("/auth/login", status_code=HTTP_200_OK)
    async def login(
        self, data: JSONBody[LoginRequest], request: Request[Any, Any, Any], auth: Auth
    ) -> LoginResponse:
        address = request.client.host if request.client else "unknown"
        return await auth.login(data.email, data.password, address)

    @get("/me")
    async def me(self, caller: AuthenticatedCaller, state: State) -> Me:
        # The database from `state`, not as a second dependency: one dependency is awaited
        # directly, two cost an anyio task group on every call.
        return await describe(provide_database(state), caller)

    @post("/auth/logout", status_code=HTTP_204_NO_CONTENT)
    async def logout(self, caller: AuthenticatedCaller, auth: Auth) -> None:
        await auth.logout(caller)

    @post("/auth/password", status_code=HTTP_200_OK)
    async def change_password(
        self,
        caller: AuthenticatedCaller,
        data: JSONBody[PasswordChange],
        auth: Auth,
    ) -> LoginResponse:
        token = await auth.change_password(caller, data.current_password, data.new_password)
        return LoginResponse(
            token=token, token_type=TOKEN_TYPE, user=await describe(auth.database, caller)
        )
