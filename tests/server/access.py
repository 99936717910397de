"""The access-table vocabulary: a `Case` is one route called on one record with the status
every role must get. Feature folders add their own rows in an `access_table.py` module
(`CASES`, optional `PUBLIC_ROUTES`); `test_access.py` collects them all.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.server.api import World

ROLES = ("admin", "reviewer", "auditor", "head_office", "regional_manager", "outlet_manager")

# Routes anyone may call without a token.
CORE_PUBLIC_ROUTES = {
    ("POST", "/api/v1/auth/login"),
    ("GET", "/schema"),
    ("GET", "/schema/openapi.json"),
    ("GET", "/schema/{path:str}"),
    ("GET", "/schema/oauth2-redirect.html"),
    ("GET", "/schema/assets/{file_path:path}"),
    ("HEAD", "/schema/assets/{file_path:path}"),
}


def statuses(default: int, **by_role: int) -> dict[str, int]:
    return {role: by_role.get(role, default) for role in ROLES}


def admin_only(admin_status: int) -> dict[str, int]:
    return statuses(403, admin=admin_status)


@dataclasses.dataclass(frozen=True)
class Case:
    method: str
    route: str
    expected: dict[str, int]
    args: dict[str, str] = dataclasses.field(default_factory=dict)
    body: Callable[[World], Any] | None = None
    content: bytes | None = None
    # For lists: the world records (keys of World.ids) each role must see, exactly.
    sees: dict[str, set[str]] | None = None
    # Log in again before the call (the call revokes the tokens it is made with).
    fresh_login: bool = False

    def url(self, world: World) -> str:
        return re.sub(
            r"\{(\w+):\w+\}", lambda match: str(world.ids[self.args[match.group(1)]]), self.route
        )


def contributed_tables() -> tuple[list[Case], set[tuple[str, str]]]:
    """Rows from every `tests/server/**/access_table.py` module."""
    cases: list[Case] = []
    public: set[tuple[str, str]] = set()
    here = Path(__file__).parent
    for path in sorted(here.rglob("access_table.py")):
        dotted = ".".join(("tests", "server", *path.relative_to(here).with_suffix("").parts))
        module = importlib.import_module(dotted)
        cases.extend(module.CASES)
        public |= set(getattr(module, "PUBLIC_ROUTES", set()))
    return cases, public


def contributed_preparations() -> list[Callable[[Any, World], Any]]:
    """Optional `PREPARE(api, world)` coroutines of the `access_table.py` modules: they add
    the records their rows need (e.g. audits, keyed by UUID text in `world.ids`)."""
    here = Path(__file__).parent
    preparations = []
    for path in sorted(here.rglob("access_table.py")):
        dotted = ".".join(("tests", "server", *path.relative_to(here).with_suffix("").parts))
        prepare = getattr(importlib.import_module(dotted), "PREPARE", None)
        if prepare is not None:
            preparations.append(prepare)
    return preparations
