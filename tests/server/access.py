"""The access-table vocabulary: a `Case` is one route called on one record with the status
every role must get. Feature folders add their own rows in an `access_table.py` module
(`CASES`, optional `PUBLIC_ROUTES`); `test_access.py` collects them all.

The scope matrix adds a second, smaller vocabulary: a `Scoped` row names a route, the kind of
record it is called on and a `Rule`; it expands into one `Case` per scope (own, another outlet
of the same region, another region of the same client, another client), each status derived
from the rule and `VISIBLE` (which scopes each role reaches) instead of written per row.
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import re
import subprocess
import zipfile
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
    # A dashboard route: authenticated by the session cookie, not by a bearer token.
    session: bool = False
    query: str = ""
    # A dashboard form's fields (the runner adds the CSRF pair).
    form: dict[str, str] | None = None

    def url(self, world: World) -> str:
        """The route with each parameter replaced by its world record (or, for a word that
        names no record, such as an export's kind, by the word itself)."""

        def value(match: re.Match[str]) -> str:
            key = self.args[match.group(1)]
            return str(world.ids.get(key, key))

        return re.sub(r"\{(\w+):\w+\}", value, self.route) + self.query


# --- the scope matrix ----------------------------------------------------------------------

SCOPES = ("own", "other_outlet", "other_region", "other_client")
# The scopes of the matrix world each role reaches. The auditor made the own outlet's visit
# (and uploaded its photo); the other visits are another auditor's.
VISIBLE: dict[str, frozenset[str]] = {
    "admin": frozenset(SCOPES),
    "reviewer": frozenset({"own", "other_outlet", "other_region"}),
    "auditor": frozenset({"own"}),
    "head_office": frozenset({"own", "other_outlet", "other_region"}),
    "regional_manager": frozenset({"own", "other_outlet"}),
    "outlet_manager": frozenset({"own"}),
}
CLIENT_ROLES = ("head_office", "regional_manager", "outlet_manager")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One expected outcome, written once: roles outside `allowed` get 403 whatever the
    record; an allowed role gets `ok` on a record in its scope and 404 on any other."""

    allowed: frozenset[str]
    ok: int = 200

    def status(self, role: str, scope: str) -> int:
        if role not in self.allowed:
            return 403
        return self.ok if scope in VISIBLE[role] else 404


EVERYONE_IN_SCOPE = Rule(frozenset(ROLES))
# Released client data (figures, reports, released audits): never the auditors'.
CLIENT_DATA = Rule(frozenset(ROLES) - {"auditor"})
AGENCY_ONLY = Rule(frozenset({"admin", "reviewer", "auditor"}))
# Review decisions on an audit already released: in scope, the transition is refused (409).
REVIEW_OF_RELEASED = Rule(frozenset({"admin", "reviewer"}), ok=409)


@dataclasses.dataclass(frozen=True)
class Scoped:
    """A route called on the record of each scope: `kind` names the records (world ids
    `<kind>_<scope>`) for every path parameter; `scopes` limits the scopes a record kind has
    (a wave belongs to a client, so it has only own and other-client ones)."""

    method: str
    route: str
    rule: Rule
    kind: str
    scopes: tuple[str, ...] = SCOPES
    session: bool = False
    query: str = ""
    form: dict[str, str] | None = None

    def cases(self) -> list[Case]:
        parameters = re.findall(r"\{(\w+):\w+\}", self.route)
        return [
            Case(
                self.method,
                self.route,
                {role: self.rule.status(role, scope) for role in ROLES},
                dict.fromkeys(parameters, f"{self.kind}_{scope}"),
                session=self.session,
                query=self.query,
                form=self.form,
            )
            for scope in self.scopes
        ]


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


# --- what a response reveals ---------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# JSON keys that would carry a person's id; an auditor's id under one of them is a leak.
PERSON_KEYS = ("auditor", "shopper", "user", "author", "actor", "by")


def readable_texts(content_type: str, body: bytes) -> list[str]:
    """Everything a reader of the response could see: the bytes themselves, plus the text of
    a PDF (its strings are compressed) and every member of an XLSX (a zip)."""
    texts = [body.decode("utf-8", "replace")]
    if content_type.startswith("application/pdf"):
        extracted = subprocess.run(
            ["pdftotext", "-q", "-", "-"], input=body, capture_output=True, check=True, timeout=60
        )
        texts.append(extracted.stdout.decode("utf-8", "replace"))
    elif content_type.startswith(XLSX):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            texts.extend(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return texts


def person_ids_in_json(value: Any, person_ids: set[int], key: str = "") -> list[str]:
    """Paths of JSON members that name a person by id: any key about an auditor or shopper,
    or a person-like key holding one of `person_ids`."""
    found: list[str] = []
    lowered = key.lower()
    if lowered and any(word in lowered for word in ("auditor", "shopper")):
        found.append(key)
    elif isinstance(value, dict):
        for child_key, child in value.items():
            found.extend(person_ids_in_json(child, person_ids, str(child_key)))
    elif isinstance(value, list):
        for child in value:
            found.extend(person_ids_in_json(child, person_ids, key))
    elif (
        isinstance(value, int)
        and value in person_ids
        and any(word in lowered for word in PERSON_KEYS)
    ):
        found.append(key)
    return found
