"""Who is calling: the `Caller` every service receives, with the role's scope.

Scope filtering happens in the queries, from this object; a record outside the scope is
reported as not found (404), so its existence does not leak. A role that may not use an
endpoint at all gets 403.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from server.core.errors import Forbidden
from server.core.i18n import _

ADMIN: Final = "admin"
REVIEWER: Final = "reviewer"
AUDITOR: Final = "auditor"
HEAD_OFFICE: Final = "head_office"
REGIONAL_MANAGER: Final = "regional_manager"
OUTLET_MANAGER: Final = "outlet_manager"

AGENCY_ROLES: Final = (ADMIN, REVIEWER, AUDITOR)
CLIENT_ROLES: Final = (HEAD_OFFICE, REGIONAL_MANAGER, OUTLET_MANAGER)
ROLES: Final = AGENCY_ROLES + CLIENT_ROLES


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

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_client_user(self) -> bool:
        return self.role in CLIENT_ROLES

    def require_role(self, *roles: str) -> None:
        """Refuse (403) a caller whose role may not use this operation at all."""
        if self.role not in roles:
            raise Forbidden(_("Your role may not do this."))

    def client_ids_in_scope(self) -> frozenset[int] | None:
        """The clients whose data the caller may see at all; None means every client."""
        if self.role == ADMIN:
            return None
        if self.role == REVIEWER:
            return self.reviewer_client_ids
        if self.client_id is not None and self.role in CLIENT_ROLES:
            return frozenset({self.client_id})
        return frozenset()
