"""HTTP endpoints of users and auditor exclusions (admins only)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.core.dependencies import AuthenticatedCaller, DatabaseDep, PasswordsDep
from server.users.schemas import (
    Exclusion,
    ExclusionCreate,
    ExclusionList,
    User,
    UserCreate,
    UserPage,
    UserUpdate,
)
from server.users.service import UserService

Users = NamedDependency[UserService]


def provide_users(database: DatabaseDep, passwords: PasswordsDep) -> UserService:
    return UserService(database, passwords)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ("users",)
    dependencies = {"users": Provide(provide_users, sync_to_thread=False)}  # noqa: RUF012 -- read once by Litestar

    @get("/")
    async def list_users(
        self,
        caller: AuthenticatedCaller,
        users: Users,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
        role: FromQuery[str | None] = None,
    ) -> UserPage:
        return await users.list_users(caller, cursor, limit, role)

    @post("/")
    async def create_user(
        self, caller: AuthenticatedCaller, users: Users, data: JSONBody[UserCreate]
    ) -> User:
        return await users.create_user(caller, data)

    @get("/{user_id:int}")
    async def get_user(
        self, caller: AuthenticatedCaller, users: Users, user_id: FromPath[int]
    ) -> User:
        return await users.get_user(caller, user_id)

    @patch("/{user_id:int}")
    async def update_user(
        self,
        caller: AuthenticatedCaller,
        users: Users,
        user_id: FromPath[int],
        data: JSONBody[UserUpdate],
    ) -> User:
        return await users.update_user(caller, user_id, data)

    @delete("/{user_id:int}")
    async def disable_user(
        self, caller: AuthenticatedCaller, users: Users, user_id: FromPath[int]
    ) -> None:
        await users.disable_user(caller, user_id)

    @get("/{user_id:int}/exclusions")
    async def list_exclusions(
        self, caller: AuthenticatedCaller, users: Users, user_id: FromPath[int]
    ) -> ExclusionList:
        return await users.list_exclusions(caller, user_id)

    @post("/{user_id:int}/exclusions")
    async def add_exclusion(
        self,
        caller: AuthenticatedCaller,
        users: Users,
        user_id: FromPath[int],
        data: JSONBody[ExclusionCreate],
    ) -> Exclusion:
        return await users.add_exclusion(caller, user_id, data)

    @delete("/{user_id:int}/exclusions/{exclusion_id:int}")
    async def remove_exclusion(
        self,
        caller: AuthenticatedCaller,
        users: Users,
        user_id: FromPath[int],
        exclusion_id: FromPath[int],
    ) -> None:
        await users.remove_exclusion(caller, user_id, exclusion_id)
