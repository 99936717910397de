"""Which rollup rows a figure may use: the caller's scope plus the request's filters, as SQL.

Every analytics query starts from `score_rollup AS r JOIN outlet AS o ON o.id = r.outlet` and
appends the WHERE clause built here, so no figure can be computed from rows out of scope. A
filter that names a client, region or outlet outside the scope is 404, like a single record.
Placeholders are Piccolo's `{}` so one text runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from server.access.caller import (
    ADMIN,
    AUDITOR,
    HEAD_OFFICE,
    OUTLET_MANAGER,
    REGIONAL_MANAGER,
    REVIEWER,
    Caller,
)
from server.core.errors import Forbidden, NotFound
from server.core.i18n import _
from server.organisation.tables import Outlet, Region
from server.waves.tables import Wave

ANALYTICS_ROLES = (ADMIN, REVIEWER, HEAD_OFFICE, REGIONAL_MANAGER, OUTLET_MANAGER)
AGENCY_ANALYTICS_ROLES = (ADMIN, REVIEWER)


@dataclasses.dataclass(frozen=True, slots=True)
class Filters:
    """The request's narrowing of the data; None means "any"."""

    client: int | None = None
    wave: int | None = None
    region: int | None = None
    outlet: int | None = None
    channel: str | None = None
    template: str | None = None
    visited_from: dt.date | None = None
    visited_to: dt.date | None = None


def _placeholders(values: frozenset[int] | list[int]) -> str:
    return ", ".join("{}" for _value in values)


@dataclasses.dataclass
class Where:
    """A growing list of SQL conditions with their arguments."""

    conditions: list[str] = dataclasses.field(default_factory=list)
    args: list[Any] = dataclasses.field(default_factory=list)

    def add(self, condition: str, *args: Any) -> None:
        self.conditions.append(condition)
        self.args.extend(args)

    def add_in(self, column: str, values: frozenset[int]) -> None:
        if not values:
            self.conditions.append("1 = 0")
            return
        ordered = sorted(values)
        self.conditions.append(f"{column} IN ({_placeholders(ordered)})")
        self.args.extend(ordered)

    @property
    def uses_outlet(self) -> bool:
        """Whether a condition names the outlet table `o` (so the query must join it)."""
        return any(condition.startswith("o.") for condition in self.conditions)

    def sql(self) -> str:
        return " AND ".join(self.conditions) if self.conditions else "1 = 1"


def require_analytics_role(caller: Caller) -> None:
    if caller.role == AUDITOR or caller.role not in ANALYTICS_ROLES:
        raise Forbidden(_("Your role may not do this."))


async def check_filters_in_scope(caller: Caller, filters: Filters) -> None:
    """A filter naming a record outside the caller's scope is reported as not found."""
    clients = caller.client_ids_in_scope()
    if filters.client is not None and clients is not None and filters.client not in clients:
        raise NotFound(_("There is no such client."))
    if filters.wave is not None:
        wave = await Wave.select(Wave.client).where(Wave.id == filters.wave).first()
        if wave is None or (clients is not None and wave["client"] not in clients):
            raise NotFound(_("There is no such wave."))
    if filters.region is not None:
        region = await Region.select(Region.client).where(Region.id == filters.region).first()
        if (
            region is None
            or (clients is not None and region["client"] not in clients)
            or (caller.role == REGIONAL_MANAGER and filters.region not in caller.region_ids)
            or (
                caller.role == OUTLET_MANAGER
                and not await _region_has_own_outlet(caller, filters.region)
            )
        ):
            raise NotFound(_("There is no such region."))
    if filters.outlet is not None:
        outlet = (
            await Outlet.select(Outlet.client, Outlet.region)
            .where(Outlet.id == filters.outlet)
            .first()
        )
        if outlet is None or not outlet_in_scope(
            caller, outlet["client"], outlet["region"], filters.outlet
        ):
            raise NotFound(_("There is no such outlet."))


async def _region_has_own_outlet(caller: Caller, region_id: int) -> bool:
    if not caller.outlet_ids:
        return False
    count = await Outlet.count().where(
        Outlet.region == region_id, Outlet.id.is_in(sorted(caller.outlet_ids))
    )
    return bool(count)


def outlet_in_scope(caller: Caller, client_id: int, region_id: int | None, outlet_id: int) -> bool:
    if caller.role == ADMIN:
        return True
    if caller.role == REVIEWER:
        return client_id in caller.reviewer_client_ids
    if caller.client_id != client_id:
        return False
    if caller.role == HEAD_OFFICE:
        return True
    if caller.role == REGIONAL_MANAGER:
        return region_id is not None and region_id in caller.region_ids
    if caller.role == OUTLET_MANAGER:
        return outlet_id in caller.outlet_ids
    return False


def scope_where(caller: Caller, filters: Filters, *, with_wave: bool = True) -> Where:
    """Conditions on `r` (score_rollup) and `o` (outlet) for the caller and the filters."""
    where = Where()
    clients = caller.client_ids_in_scope()
    if clients is not None:
        where.add_in("r.client", clients)
    if caller.role == REGIONAL_MANAGER:
        where.add_in("o.region", caller.region_ids)
    elif caller.role == OUTLET_MANAGER:
        where.add_in("r.outlet", caller.outlet_ids)
    if filters.client is not None:
        where.add("r.client = {}", filters.client)
    if with_wave and filters.wave is not None:
        where.add("r.wave = {}", filters.wave)
    if filters.region is not None:
        where.add("o.region = {}", filters.region)
    if filters.outlet is not None:
        where.add("r.outlet = {}", filters.outlet)
    if filters.channel is not None:
        where.add("r.channel = {}", filters.channel)
    if filters.template is not None:
        where.add("r.template_key = {}", filters.template)
    if filters.visited_from is not None:
        where.add("r.visited_at >= {}", _start_of(filters.visited_from))
    if filters.visited_to is not None:
        where.add("r.visited_at < {}", _start_of(filters.visited_to + dt.timedelta(days=1)))
    return where


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
