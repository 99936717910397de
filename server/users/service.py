"""Users and their scope: created and changed by admins, every change logged.

A client's head office that may set up its programme (`server.access.scope.may_set_up`,
docs/contract.md#roles) manages the accounts of its own client's people too: head office,
regional and outlet managers of that client, never agency staff; it reads no other account.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import msgspec

from server.access.abilities import ADMINISTER, may, require
from server.access.caller import (
    AUDITOR,
    CLIENT_ROLES,
    OUTLET_MANAGER,
    REGIONAL_MANAGER,
    REVIEWER,
    ROLES,
    Caller,
)
from server.access.scope import managed_roles
from server.auditlog import service as auditlog
from server.auth.passwords import Passwords
from server.auth.service import check_password_strength
from server.core.database import Database
from server.core.errors import Conflict, Invalid, NotFound
from server.core.i18n import _
from server.core.pagination import id_page
from server.organisation.tables import Client, Outlet, Region
from server.users.schemas import (
    Exclusion,
    ExclusionCreate,
    ExclusionList,
    User,
    UserCreate,
    UserPage,
    UserUpdate,
)
from server.users.tables import AuditorExclusion, ReviewerClient, UserOutlet, UserRegion
from server.users.tables import User as UserTable

LANGUAGES = ("en", "ru", "uk", "pl")


@dataclasses.dataclass(frozen=True, slots=True)
class UserService:
    database: Database
    passwords: Passwords

    async def list_users(
        self, caller: Caller, cursor: str | None, limit: int, role: str | None = None
    ) -> UserPage:
        _require_people_role(caller)
        filters = []
        if role:
            filters.append(UserTable.role == role)
        if not may(caller, ADMINISTER):
            filters += [
                UserTable.client == caller.client_id,
                UserTable.role.is_in(list(managed_roles(caller))),
            ]
        rows, next_cursor = await id_page(UserTable.select(), UserTable.id, filters, cursor, limit)
        return UserPage(items=[await _user_from_row(row) for row in rows], next_cursor=next_cursor)

    async def get_user(self, caller: Caller, user_id: int) -> User:
        _require_people_role(caller)
        row = await UserTable.select().where(UserTable.id == user_id).first()
        if row is None or not _manages(caller, row["role"], row["client"]):
            raise NotFound(_("No such user."))
        return await _user_from_row(row)

    async def create_user(self, caller: Caller | None, data: UserCreate) -> User:
        """Create a user; `caller` None is the command line creating the first admin."""
        if caller is not None:
            _require_people_role(caller)
        email = data.email.strip().lower()
        problems = _check_identity(email, data.name, data.role, data.language)
        if caller is not None and not problems:
            problems = _check_managed(caller, data.role, data.client_id)
        if problems:
            raise Invalid(_("Some fields are not valid; see errors."), errors=problems)
        check_password_strength(data.password)
        # In a worker thread: at production cost the hash would stall the loop for ~0.4 s.
        password_hash = await self.passwords.hash_in_worker(data.password)
        async with self.database.transaction():
            await _check_scope(
                data.role, data.client_id, data.region_ids, data.outlet_ids, data.client_ids
            )
            if await UserTable.exists().where(UserTable.email == email):
                raise Conflict(_("A user with this e-mail already exists."))
            rows = await UserTable.insert(
                UserTable(
                    email=email,
                    name=data.name.strip(),
                    password_hash=password_hash,
                    role=data.role,
                    client=data.client_id if data.role in CLIENT_ROLES else None,
                    language=data.language,
                    active=True,
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            user_id = rows[0]["id"]
            await _write_scope(user_id, data.region_ids, data.outlet_ids, data.client_ids)
            user = await self._load(user_id)
            await auditlog.record(caller, "create", "user", user_id, after=user)
        return user

    async def update_user(self, caller: Caller, user_id: int, data: UserUpdate) -> User:
        _require_people_role(caller)
        # Hashed before the transaction (in a worker thread), so no write lock is held meanwhile.
        new_password_hash = (
            await self.passwords.hash_in_worker(data.password)
            if isinstance(data.password, str)
            else None
        )
        async with self.database.transaction():
            before = await self.get_user(caller, user_id)
            if user_id == caller.user_id and data.active is False:
                # Otherwise the last admin can lock the whole agency out through the API.
                raise Conflict(_("You cannot disable your own account; ask another admin."))
            changes = {
                name: value
                for name, value in msgspec.structs.asdict(data).items()
                if value is not msgspec.UNSET and name != "password"
            }
            after = msgspec.structs.replace(before, **changes)
            problems = _check_identity(after.email, after.name, after.role, after.language)
            if problems:
                raise Invalid(_("Some fields are not valid; see errors."), errors=problems)
            await _check_scope(
                after.role, after.client_id, after.region_ids, after.outlet_ids, after.client_ids
            )
            values: dict[str, Any] = {
                "name": after.name,
                "language": after.language,
                "active": after.active,
            }
            revoke = (not after.active and before.active) or data.password is not msgspec.UNSET
            if isinstance(data.password, str) and new_password_hash is not None:
                check_password_strength(data.password)
                values["password_hash"] = new_password_hash
            query = UserTable.update(**values)
            if revoke:
                query = UserTable.update(
                    {UserTable.token_generation: UserTable.token_generation + 1}, **values
                )
            await query.where(UserTable.id == user_id)
            await UserRegion.delete().where(UserRegion.user == user_id)
            await UserOutlet.delete().where(UserOutlet.user == user_id)
            await ReviewerClient.delete().where(ReviewerClient.user == user_id)
            await _write_scope(user_id, after.region_ids, after.outlet_ids, after.client_ids)
            await auditlog.record(caller, "update", "user", user_id, before, after)
        return after

    async def disable_user(self, caller: Caller, user_id: int) -> None:
        """Users are never deleted (the audit log points at them): they are disabled."""
        await self.update_user(caller, user_id, UserUpdate(active=False))

    async def _load(self, user_id: int) -> User:
        row = await UserTable.select().where(UserTable.id == user_id).first()
        assert row is not None
        return await _user_from_row(row)

    # Exclusions ---------------------------------------------------------------------------

    async def list_exclusions(self, caller: Caller, user_id: int) -> ExclusionList:
        require(caller, ADMINISTER)
        await self.get_user(caller, user_id)
        rows = await AuditorExclusion.select().where(AuditorExclusion.user == user_id)
        return ExclusionList(items=[_exclusion_from_row(row) for row in rows])

    async def add_exclusion(self, caller: Caller, user_id: int, data: ExclusionCreate) -> Exclusion:
        require(caller, ADMINISTER)
        async with self.database.transaction():
            user = await self.get_user(caller, user_id)
            if user.role != AUDITOR:
                raise Invalid(_("Only auditors can be excluded from clients or outlets."))
            if (data.client_id is None) == (data.outlet_id is None):
                raise Invalid(_("Give either client_id or outlet_id."))
            if data.client_id is not None and not await Client.exists().where(
                Client.id == data.client_id
            ):
                raise Invalid(_("No such client."))
            if data.outlet_id is not None and not await Outlet.exists().where(
                Outlet.id == data.outlet_id
            ):
                raise Invalid(_("No such outlet."))
            rows = await AuditorExclusion.insert(
                AuditorExclusion(
                    user=user_id, client=data.client_id, outlet=data.outlet_id, reason=data.reason
                )
            )
            exclusion = Exclusion(
                id=rows[0]["id"],
                user_id=user_id,
                client_id=data.client_id,
                outlet_id=data.outlet_id,
                reason=data.reason,
            )
            await auditlog.record(caller, "create", "exclusion", exclusion.id, after=exclusion)
        return exclusion

    async def remove_exclusion(self, caller: Caller, user_id: int, exclusion_id: int) -> None:
        require(caller, ADMINISTER)
        async with self.database.transaction():
            await self.get_user(caller, user_id)
            row = (
                await AuditorExclusion.select()
                .where(AuditorExclusion.id == exclusion_id, AuditorExclusion.user == user_id)
                .first()
            )
            if row is None:
                raise NotFound(_("No such exclusion."))
            await AuditorExclusion.delete().where(AuditorExclusion.id == exclusion_id)
            await auditlog.record(
                caller, "delete", "exclusion", exclusion_id, before=_exclusion_from_row(row)
            )


def _require_people_role(caller: Caller) -> None:
    """Admins, and a head office that may set up its client; 403 for everyone else."""
    if not managed_roles(caller):
        require(caller, ADMINISTER)


def _manages(caller: Caller, role: str, client_id: int | None) -> bool:
    """Whether `caller` may read and change an account of this role and client."""
    if may(caller, ADMINISTER):
        return True
    return role in managed_roles(caller) and client_id == caller.client_id


def _check_managed(caller: Caller, role: str, client_id: int | None) -> list[dict[str, Any]]:
    """What keeps `caller` from creating an account of this role and client, as field errors."""
    if may(caller, ADMINISTER):
        return []
    problems: list[dict[str, Any]] = []
    if role not in managed_roles(caller):
        problems.append(
            {
                "item": "role",
                "code": "role_not_managed",
                "message": "head office may add head office, regional and outlet managers",
            }
        )
    if client_id != caller.client_id:
        problems.append(
            {
                "item": "client_id",
                "code": "other_client",
                "message": "head office adds people of its own client only",
            }
        )
    return problems


def _exclusion_from_row(row: dict[str, Any]) -> Exclusion:
    return Exclusion(
        id=row["id"],
        user_id=row["user"],
        client_id=row["client"],
        outlet_id=row["outlet"],
        reason=row["reason"],
    )


def _check_identity(email: str, name: str, role: str, language: str) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    local, _at, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254:
        problems.append({"item": "email", "code": "invalid_email", "message": "not an e-mail"})
    if not name.strip():
        problems.append({"item": "name", "code": "required", "message": "name is required"})
    if role not in ROLES:
        problems.append(
            {
                "item": "role",
                "code": "unknown_role",
                "message": "role is one of " + ", ".join(ROLES),
            }
        )
    if language not in LANGUAGES:
        problems.append(
            {"item": "language", "code": "unknown_language", "message": "en, ru, uk or pl"}
        )
    return problems


async def _check_scope(
    role: str,
    client_id: int | None,
    region_ids: list[int],
    outlet_ids: list[int],
    client_ids: list[int],
) -> None:
    """A client role needs its client; regions and outlets must belong to it."""
    problems: list[dict[str, Any]] = []

    def refuse(item: str, message: str) -> None:
        problems.append({"item": item, "code": "invalid_scope", "message": message})

    if role in CLIENT_ROLES:
        if client_id is None or not await Client.exists().where(Client.id == client_id):
            refuse("client_id", "client users need an existing client_id")
    elif client_id is not None:
        refuse("client_id", "agency users do not belong to a client")
    if region_ids and role not in (REGIONAL_MANAGER, AUDITOR):
        # An auditor's regions are their home regions (docs/contract.md#planning): where the
        # planner sends them in person. They widen nothing an auditor may see.
        refuse("region_ids", "only regional managers and auditors (home regions) have regions")
    if role == REGIONAL_MANAGER and not region_ids:
        refuse("region_ids", "a regional manager needs at least one region")
    if outlet_ids and role != OUTLET_MANAGER:
        refuse("outlet_ids", "only outlet managers have outlets")
    if role == OUTLET_MANAGER and not outlet_ids:
        refuse("outlet_ids", "an outlet manager needs at least one outlet")
    if client_ids and role != REVIEWER:
        refuse("client_ids", "only reviewers are assigned to clients")
    if region_ids and client_id is not None:
        found = await Region.count().where(Region.id.is_in(region_ids), Region.client == client_id)
        if found != len(set(region_ids)):
            refuse("region_ids", "every region must exist in the user's client")
    elif region_ids:
        # Auditors work for every client: their home regions may be any client's.
        found = await Region.count().where(Region.id.is_in(region_ids))
        if found != len(set(region_ids)):
            refuse("region_ids", "every region must exist")
    if outlet_ids and client_id is not None:
        found = await Outlet.count().where(Outlet.id.is_in(outlet_ids), Outlet.client == client_id)
        if found != len(set(outlet_ids)):
            refuse("outlet_ids", "every outlet must exist in the user's client")
    if client_ids:
        found = await Client.count().where(Client.id.is_in(client_ids))
        if found != len(set(client_ids)):
            refuse("client_ids", "every client must exist")
    if problems:
        raise Invalid(_("The user's scope does not fit the role; see errors."), errors=problems)


async def _write_scope(
    user_id: int, region_ids: list[int], outlet_ids: list[int], client_ids: list[int]
) -> None:
    if region_ids:
        await UserRegion.insert(*[UserRegion(user=user_id, region=r) for r in set(region_ids)])
    if outlet_ids:
        await UserOutlet.insert(*[UserOutlet(user=user_id, outlet=o) for o in set(outlet_ids)])
    if client_ids:
        await ReviewerClient.insert(
            *[ReviewerClient(user=user_id, client=c) for c in set(client_ids)]
        )


async def _user_from_row(row: dict[str, Any]) -> User:
    user_id = row["id"]
    regions = await UserRegion.select(UserRegion.region).where(UserRegion.user == user_id)
    outlets = await UserOutlet.select(UserOutlet.outlet).where(UserOutlet.user == user_id)
    clients = await ReviewerClient.select(ReviewerClient.client).where(
        ReviewerClient.user == user_id
    )
    return User(
        id=user_id,
        email=row["email"],
        name=row["name"],
        role=row["role"],
        language=row["language"],
        active=bool(row["active"]),
        client_id=row["client"],
        region_ids=sorted(r["region"] for r in regions),
        outlet_ids=sorted(o["outlet"] for o in outlets),
        client_ids=sorted(c["client"] for c in clients),
    )
