"""Who may see which record: the one rule (docs/contract.md#roles), and its two uses.

`scope_of(caller)` says what part of the data a caller may see:

| role | sees |
|---|---|
| admin | everything |
| reviewer | every record of the clients they review |
| auditor | their own assignments and audits, and the outlets of their assignments |
| head_office | released data of their client |
| regional_manager | released data of their client's outlets in their regions |
| outlet_manager | released data of their outlets |

The rule is asked in two ways, and nowhere else:

- `can_see(caller, record)`: one record (an audit, an outlet, a region, a wave...), described
  by where it sits (`Record`). A record the caller may not see is reported as not found
  (404), so its existence does not leak.
- `Scope.sql(columns)` / `Scope.piccolo(columns)`: the same rule as a condition on a list
  query, raw SQL or Piccolo, given which columns hold the client, region, outlet, auditor
  and status of the rows.

Who may change a client's set-up (its regions, outlets and managers) is `may_set_up`: admins
for every client, and a client's head office for its own client when the client lets it
(`head_office_setup`, which only admins change). Services ask it through `require_set_up`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.custom_types import Combinable

from server.access.caller import (
    ADMIN,
    AUDITOR,
    CLIENT_ROLES,
    HEAD_OFFICE,
    OUTLET_MANAGER,
    REGIONAL_MANAGER,
    REVIEWER,
    ROLES,
    Caller,
)
from server.core.errors import Forbidden
from server.core.i18n import _
from shared.lifecycle import RELEASED_STATES

# A condition no row meets.
NOTHING = WhereRaw("1 = 0")
# Released states in a fixed order, so that the SQL text of a scope never changes.
_RELEASED: tuple[str, ...] = tuple(sorted(RELEASED_STATES))


@dataclasses.dataclass(frozen=True, slots=True)
class Record:
    """Where a record sits, as far as the rule needs to know.

    `outlet_id` None: a record above outlet level (a region, a client, a wave); a region names
    the outlets in it (`outlet_ids`) so that an outlet manager may see the regions of their
    outlets. `auditor_id`: who made the audit or is assigned the visit. `released`: whether an
    audit, or what belongs to one, is released to the client (None: not an audit's).
    """

    client_id: int | None
    region_id: int | None = None
    outlet_id: int | None = None
    outlet_ids: frozenset[int] = frozenset()
    auditor_id: int | None = None
    released: bool | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Columns:
    """Which column of a list query's rows holds each fact (raw SQL text, or Piccolo columns)."""

    client: Any = None
    region: Any = None
    outlet: Any = None
    auditor: Any = None
    status: Any = None


@dataclasses.dataclass(frozen=True, slots=True)
class Scope:
    """The part of the data a caller may see; None in a field means no limit on that fact."""

    clients: frozenset[int] | None = None
    regions: frozenset[int] | None = None
    outlets: frozenset[int] | None = None
    auditor: int | None = None
    released_only: bool = False

    @property
    def everything(self) -> bool:
        return self == Scope()

    def admits(self, record: Record) -> bool:
        """Whether a record sitting where `record` says is within this scope.

        A record's level decides which limits apply: a client-level record (a client, a wave)
        is within a regional or outlet manager's scope when its client is theirs; a region
        when it is one of theirs, or holds one of their outlets; an outlet-level record (an
        outlet, an audit, a dispute) when its region or outlet is theirs.
        """
        if self.clients is not None and record.client_id not in self.clients:
            return False
        at_outlet = record.outlet_id is not None
        at_region = not at_outlet and record.region_id is not None
        below_client = at_outlet or at_region
        if self.regions is not None and below_client and record.region_id not in self.regions:
            return False
        if self.outlets is not None:
            if at_outlet and record.outlet_id not in self.outlets:
                return False
            if at_region and not record.outlet_ids & self.outlets:
                return False
        if self.auditor is not None and record.auditor_id != self.auditor:
            return False
        return not (self.released_only and record.released is False)

    def sql(self, columns: Columns, placeholder: str = "?") -> tuple[str, list[Any]]:
        """The scope as one SQL condition on rows with `columns` (text), with its arguments."""
        conditions: list[str] = []
        args: list[Any] = []

        def listed(values: frozenset[int] | tuple[str, ...]) -> str:
            """Placeholders for `values`, which go to the arguments: only column names, the
            server's own, are ever part of the text."""
            ordered = sorted(values)
            args.extend(ordered)
            return "(" + ", ".join([placeholder] * len(ordered)) + ")"

        if self.clients is not None:
            if not self.clients:
                return "1 = 0", []
            conditions.append(f"{_required(columns.client, 'client')} IN {listed(self.clients)}")
        below_client = columns.region is not None or columns.outlet is not None
        if self.regions is not None and below_client:
            if not self.regions:
                return "1 = 0", []
            if columns.region is not None:
                conditions.append(f"{columns.region} IN {listed(self.regions)}")
            else:
                conditions.append(
                    f"{columns.outlet} IN (SELECT id FROM outlet "  # noqa: S608 - see `listed`
                    f"WHERE region IN {listed(self.regions)})"
                )
        if self.outlets is not None and below_client:
            if not self.outlets:
                return "1 = 0", []
            if columns.outlet is not None:
                conditions.append(f"{columns.outlet} IN {listed(self.outlets)}")
            else:
                conditions.append(
                    f"{columns.region} IN (SELECT region FROM outlet "  # noqa: S608 - see `listed`
                    f"WHERE id IN {listed(self.outlets)})"
                )
        if self.auditor is not None:
            if columns.auditor is not None:
                conditions.append(f"{columns.auditor} = {placeholder}")
            elif columns.outlet is not None:
                conditions.append(
                    f"{columns.outlet} IN (SELECT outlet FROM assignment "  # noqa: S608 - see `listed`
                    f"WHERE auditor = {placeholder})"
                )
            else:  # records above the outlets of their assignments
                return "1 = 0", []
            args.append(self.auditor)
        if self.released_only and columns.status is not None:
            conditions.append(f"{columns.status} IN {listed(_RELEASED)}")
        return (" AND ".join(conditions) or "1 = 1"), args

    def piccolo(self, columns: Columns) -> list[Combinable]:
        """The scope as Piccolo conditions on `columns` (Piccolo columns)."""
        from server.organisation.tables import Outlet
        from server.waves.tables import Assignment

        conditions: list[Combinable] = []
        if self.clients is not None:
            if not self.clients:
                return [NOTHING]
            conditions.append(_column(columns.client, "client").is_in(sorted(self.clients)))
        below_client = columns.region is not None or columns.outlet is not None
        if self.regions is not None and below_client:
            if not self.regions:
                return [NOTHING]
            if columns.region is not None:
                conditions.append(columns.region.is_in(sorted(self.regions)))
            else:
                in_regions = Outlet.select(Outlet.id).where(
                    Outlet.region.is_in(sorted(self.regions))
                )
                conditions.append(columns.outlet.is_in(in_regions))
        if self.outlets is not None and below_client:
            if not self.outlets:
                return [NOTHING]
            if columns.outlet is not None:
                conditions.append(columns.outlet.is_in(sorted(self.outlets)))
            else:
                of_outlets = Outlet.select(Outlet.region).where(
                    Outlet.id.is_in(sorted(self.outlets))
                )
                conditions.append(columns.region.is_in(of_outlets))
        if self.auditor is not None:
            if columns.auditor is not None:
                conditions.append(columns.auditor == self.auditor)
            elif columns.outlet is not None:
                assigned = Assignment.select(Assignment.outlet).where(
                    Assignment.auditor == self.auditor
                )
                conditions.append(columns.outlet.is_in(assigned))
            else:  # records above the outlets of their assignments
                return [NOTHING]
        if self.released_only and columns.status is not None:
            conditions.append(columns.status.is_in(list(_RELEASED)))
        return conditions


def _required(column: Any, fact: str) -> str:
    if column is None:
        raise ValueError(f"this scope needs the {fact} column of the rows")
    text: str = column
    return text


def _column(column: Any, fact: str) -> Column:
    if column is None:
        raise ValueError(f"this scope needs the {fact} column of the rows")
    piccolo_column: Column = column
    return piccolo_column


def scope_of(caller: Caller) -> Scope:
    """What part of the data `caller` may see (the table in this module's docstring)."""
    if caller.role == ADMIN:
        return Scope()
    if caller.role == REVIEWER:
        return Scope(clients=caller.reviewer_client_ids)
    if caller.role == AUDITOR:
        return Scope(auditor=caller.user_id)
    own_client = frozenset() if caller.client_id is None else frozenset({caller.client_id})
    if caller.role == HEAD_OFFICE:
        return Scope(clients=own_client, released_only=True)
    if caller.role == REGIONAL_MANAGER:
        return Scope(clients=own_client, regions=caller.region_ids, released_only=True)
    if caller.role == OUTLET_MANAGER:
        return Scope(clients=own_client, outlets=caller.outlet_ids, released_only=True)
    return Scope(clients=frozenset())


def can_see(caller: Caller, record: Record) -> bool:
    """Whether `caller` may see a record sitting where `record` says."""
    return scope_of(caller).admits(record)


def may_set_up(caller: Caller, client_id: int | None) -> bool:
    """Whether `caller` may change the set-up of the client `client_id`: its regions, outlets
    (one by one or imported) and the managers of its head office, regions and outlets
    (docs/contract.md#roles). Admins may for every client; a head office for its own client
    when that client lets its head office set up its programme; nobody else."""
    if caller.role == ADMIN:
        return True
    return (
        caller.role == HEAD_OFFICE
        and caller.head_office_setup
        and client_id is not None
        and client_id == caller.client_id
    )


def require_set_up(caller: Caller, client_id: int | None = None) -> None:
    """Refuse (403) a caller who may not change this client's set-up (`may_set_up`).

    Without `client_id`: whether the caller may set up a client at all, asked before a record
    is looked up (a role that never may gets 403 whatever the record); then, once the record
    was found in the caller's scope (another client's stays a 404), ask with its client."""
    if client_id is None:
        allowed = may_set_up(caller, caller.client_id if caller.role == HEAD_OFFICE else None)
    else:
        allowed = may_set_up(caller, client_id)
    if not allowed:
        if caller.role == HEAD_OFFICE:
            raise Forbidden(
                _("The agency manages this programme's set-up; ask it to let head office do it.")
            )
        raise Forbidden(_("Your role may not do this."))


def managed_roles(caller: Caller) -> tuple[str, ...]:
    """The roles of the people whose accounts `caller` may create and change: every role for
    an admin, the client roles of their own client for a head office that may set it up."""
    if caller.role == ADMIN:
        return tuple(ROLES)
    if may_set_up(caller, caller.client_id):
        return CLIENT_ROLES
    return ()
