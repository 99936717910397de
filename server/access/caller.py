"""Who is calling: the `Caller` every service receives, with the role and its scope.

What a caller may see is decided in one place, `server.access.scope`, from this object; a
record outside the scope is reported as not found (404), so its existence does not leak. A
role that may not use a kind of operation at all gets 403 (`server.access.abilities`).
"""

from __future__ import annotations

import dataclasses
from typing import Final

from shared.lifecycle import (
    ADMIN,
    AUDITOR,
    HEAD_OFFICE,
    OUTLET_MANAGER,
    REGIONAL_MANAGER,
    REVIEWER,
    ROLES,
)

AGENCY_ROLES: Final = (ADMIN, REVIEWER, AUDITOR)
CLIENT_ROLES: Final = (HEAD_OFFICE, REGIONAL_MANAGER, OUTLET_MANAGER)

__all__ = [
    "ADMIN",
    "AGENCY_ROLES",
    "AUDITOR",
    "CLIENT_ROLES",
    "HEAD_OFFICE",
    "OUTLET_MANAGER",
    "REGIONAL_MANAGER",
    "REVIEWER",
    "ROLES",
    "Caller",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Caller:
    user_id: int
    role: str
    client_id: int | None = None
    region_ids: frozenset[int] = frozenset()
    outlet_ids: frozenset[int] = frozenset()
    # Clients a reviewer is assigned to (empty for every other role).
    reviewer_client_ids: frozenset[int] = frozenset()
    language: str = "en"
    # Whether the caller's client lets its head office set up its own programme: its regions,
    # outlets and managers (docs/contract.md#roles; the rule is in server.access.scope).
    head_office_setup: bool = False

    @property
    def is_client_user(self) -> bool:
        return self.role in CLIENT_ROLES
