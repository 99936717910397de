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

from server.access.caller import HEAD_OFFICE, Caller
from server.access.scope import Columns, Record, can_see, scope_of
from server.core.errors import NotFound
from server.core.i18n import _
from server.organisation.tables import Outlet, Region
from server.waves.tables import Wave


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


@dataclasses.dataclass
class Where:
    """A growing list of SQL conditions with their arguments."""

    conditions: list[str] = dataclasses.field(default_factory=list)
    args: list[Any] = dataclasses.field(default_factory=list)

    def add(self, condition: str, *args: Any) -> None:
        self.conditions.append(condition)
        self.args.extend(args)

    def add_in(self, column: str, values: frozenset[int]) -> None:
        ordered = sorted(values)
        if not ordered:
            self.conditions.append("1 = 0")
            return
        self.conditions.append(f"{column} IN ({', '.join('{}' for _value in ordered)})")
        self.args.extend(ordered)

    @property
    def uses_outlet(self) -> bool:
        """Whether a condition names the outlet table `o` (so the query must join it)."""
        return any("o." in condition for condition in self.conditions)

    def sql(self) -> str:
        return " AND ".join(self.conditions) if self.conditions else "1 = 1"


async def check_filters_in_scope(caller: Caller, filters: Filters) -> None:
    """A filter naming a record outside the caller's scope is reported as not found."""
    if filters.client is not None and not can_see(caller, Record(client_id=filters.client)):
        raise NotFound(_("There is no such client."))
    if filters.wave is not None:
        wave = await Wave.select(Wave.client).where(Wave.id == filters.wave).first()
        if wave is None or not can_see(caller, Record(client_id=wave["client"])):
            raise NotFound(_("There is no such wave."))
    if filters.region is not None:
        region = await Region.select(Region.client).where(Region.id == filters.region).first()
        inside = await Outlet.select(Outlet.id).where(Outlet.region == filters.region)
        if region is None or not can_see(
            caller,
            Record(
                client_id=region["client"],
                region_id=filters.region,
                outlet_ids=frozenset(row["id"] for row in inside),
            ),
        ):
            raise NotFound(_("There is no such region."))
    if filters.outlet is not None:
        outlet = (
            await Outlet.select(Outlet.client, Outlet.region)
            .where(Outlet.id == filters.outlet)
            .first()
        )
        if outlet is None or not can_see(
            caller,
            Record(
                client_id=outlet["client"], region_id=outlet["region"], outlet_id=filters.outlet
            ),
        ):
            raise NotFound(_("There is no such outlet."))


# The rollup rows `r` and their outlets `o`: released data only, by construction.
ROLLUP_COLUMNS = Columns(client="r.client", region="o.region", outlet="r.outlet")


def scope_where(caller: Caller, filters: Filters, *, with_wave: bool = True) -> Where:
    """Conditions on `r` (score_rollup) and `o` (outlet) for the caller and the filters."""
    where = Where()
    scope_sql, scope_args = scope_of(caller).sql(ROLLUP_COLUMNS, placeholder="{}")
    where.add(scope_sql, *scope_args)
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


def data_filters(filters: Filters) -> Filters:
    """The filters that change the data a network is judged on (not who sees which part)."""
    return Filters(
        channel=filters.channel,
        template=filters.template,
        visited_from=filters.visited_from,
        visited_to=filters.visited_to,
    )


def network_where(client_id: int, filters: Filters | None = None) -> Where:
    """The rollup rows of a client's whole network that the data filters keep: what an outlet
    is compared with, whoever reads it (docs/contract.md#reports)."""
    whole = Caller(user_id=0, role=HEAD_OFFICE, client_id=client_id)
    narrowed = data_filters(filters or Filters())
    return scope_where(whole, dataclasses.replace(narrowed, client=client_id), with_wave=False)
