"""Schemathesis over the whole OpenAPI document, as every role, in-process and over HTTP.

Each test id is one transport x role x operation. Hypothesis draws positive and negative cases
(valid and schema-violating data) from the document the app itself serves, and every response
must: not be a 5xx, have a documented status code, content type, headers and body, and, for
every 4xx, be an RFC 9457 problem detail. The default run draws a few derandomized examples
per test; the same tests with many random examples are marked slow (`make soak`).

Choice: SQLite only. The fuzz is about request handling, which is the same code on both
engines; the PostgreSQL differences are covered by tests/server.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, strategies
from litestar import Litestar
from requests.structures import CaseInsensitiveDict
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.app import create_app
from server.core.problems import PROBLEM_MEDIA_TYPE
from server.core.settings import Settings
from tests.hardening.conftest import Seeded, clone_seeded, running_server
from tests.server.api import ADMIN_EMAIL, PASSWORD

SCHEMA_PATH = "/schema/openapi.json"
# Admin runs last: its fuzz may delete or deactivate the other roles' users and records.
ROLES = (
    "anonymous",
    "auditor",
    "outlet_manager",
    "regional_manager",
    "head_office",
    "reviewer",
    "admin",
)
# Logging out revokes every token of the user: the role logs in again afterwards.
LOGOUT = "POST /api/v1/auth/logout"

# Both depths share these; the bounded run is derandomized (the same cases in every run) and
# skips shrinking, the soak run draws new cases each time and shrinks what fails.
BASE_SETTINGS = hypothesis.settings(
    deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
DEPTHS = {
    "bounded": hypothesis.settings(
        BASE_SETTINGS,
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3")),
        derandomize=True,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    ),
    "soak": hypothesis.settings(
        BASE_SETTINGS, max_examples=int(os.environ.get("FUZZ_SOAK_EXAMPLES", "50"))
    ),
}


def operation_labels() -> list[str]:
    """Every documented operation, read from the document of an app that is never started."""
    unused = Path("/nonexistent-shopscore")
    app = create_app(
        Settings(
            database_url=f"sqlite:///{unused / 'db'}",
            media_dir=unused,
            secret_key="x" * 48,
            log_level="CRITICAL",
        )
    )
    document = app.openapi_schema.to_schema()
    labels = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    ]
    # Deletions last: the admin's may disable the users and remove the records the other
    # operations are fuzzed with.
    return sorted(labels, key=lambda label: label.startswith("DELETE "))


OPERATIONS = operation_labels()
CASES = [
    pytest.param(depth, label, id=f"{depth}-{label}", marks=marks)
    for depth, marks in (("bounded", ()), ("soak", (pytest.mark.slow,)))
    for label in OPERATIONS
]


def problem_details_on_client_errors(_: Any, response: schemathesis.Response, __: Any) -> None:
    """Every 4xx is `application/problem+json` with type, title, status and a detail."""
    if not 400 <= response.status_code < 500:
        return
    media_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    assert PROBLEM_MEDIA_TYPE == media_type, f"{response.status_code} as {media_type!r}"
    body = response.json()
    assert response.status_code == body["status"]
    assert body["type"].startswith("https://")
    assert body["title"].strip()
    assert body["detail"].strip()


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    problem_details_on_client_errors,
]


@dataclasses.dataclass
class FuzzTarget:
    """One loaded schema, how to reach the app behind it, and the statuses it answered."""

    schema: Any
    headers: dict[str, dict[str, str]]
    login: Callable[[str], dict[str, str]]
    call_kwargs: dict[str, Any]
    statuses: dict[str, Counter[int]] = dataclasses.field(
        default_factory=lambda: {role: Counter() for role in ROLES}
    )

    def report(self, request: pytest.FixtureRequest, name: str) -> None:
        """Print, per role, how many responses of each status the fuzz saw."""
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        if capture is None or not any(self.statuses.values()):
            return
        lines = [f"fuzz {name}: responses per role and status"]
        for role, counts in self.statuses.items():
            figures = ", ".join(f"{status}: {count}" for status, count in sorted(counts.items()))
            lines.append(f"  {role:<17} {sum(counts.values()):>6}  ({figures})")
        with capture.global_and_fixture_disabled():
            print("\n" + "\n".join(lines))


def login_through(post: Callable[..., Any]) -> Callable[[str], dict[str, str]]:
    def login(role: str) -> dict[str, str]:
        email = ADMIN_EMAIL if role == "admin" else f"{role}@example.test"
        response = post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert 200 == response.status_code, response.text
        return {"Authorization": "Bearer " + response.json()["token"]}

    return login


@pytest.fixture(scope="module")
def in_process(
    seeded: Seeded, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[FuzzTarget]:
    own = clone_seeded(seeded, tmp_path_factory.mktemp("fuzz-in-process"))
    app: Litestar = create_app(own.settings)
    schema = schemathesis.openapi.from_asgi(SCHEMA_PATH, app)

    def post(path: str, **kwargs: Any) -> Any:
        with asgi.get_client(app) as client:  # type: ignore[arg-type]
            return client.post(f"http://{asgi.HOST}{path}", **kwargs)

    target = FuzzTarget(schema, dict(own.world.headers), login_through(post), {})
    try:
        yield target
    finally:
        shutdown_lifespans()
        target.report(request, "in-process")


@pytest.fixture(scope="module")
def over_http(
    seeded: Seeded, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[FuzzTarget]:
    own = clone_seeded(seeded, tmp_path_factory.mktemp("fuzz-over-http"))
    with (
        running_server(own.settings, own.settings.media_dir.parent / "server.log") as base_url,
        requests.Session() as session,
    ):
        schema = schemathesis.openapi.from_url(base_url + SCHEMA_PATH)

        def post(path: str, **kwargs: Any) -> Any:
            return session.post(base_url + path, **kwargs)

        call_kwargs = {"base_url": base_url, "session": session}
        target = FuzzTarget(schema, dict(own.world.headers), login_through(post), call_kwargs)
        yield target
        target.report(request, "over HTTP")


def fuzz(target: FuzzTarget, depth: str, label: str) -> None:
    """Each drawn case is sent once as every role; generating it costs far more than a call."""
    method, path = label.split(" ", 1)
    operation = target.schema[path][method]
    # The Authorization header is fixed here (and replaced per role below) so that negative
    # cases never count a mutated header the test then overwrites.
    placeholder = {"Authorization": "Bearer placeholder"}
    cases = strategies.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE, headers=placeholder),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE, headers=placeholder),
    )

    @DEPTHS[depth]
    @hypothesis.given(case=cases)
    def run(case: schemathesis.Case[Any]) -> None:
        generated_headers = dict(case.headers or {})
        for role in ROLES:
            headers = target.headers[role]
            case.headers = CaseInsensitiveDict({**generated_headers, **headers})
            response = case.call(**target.call_kwargs)
            if label == LOGOUT and role != "anonymous":
                target.headers[role] = target.login(role)
            target.statuses[role][response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as failure:
                failure.add_note(f"as {role}")
                raise

    run()


@pytest.mark.parametrize(("depth", "label"), CASES)
def test_fuzz_in_process(in_process: FuzzTarget, depth: str, label: str) -> None:
    fuzz(in_process, depth, label)


@pytest.mark.parametrize(("depth", "label"), CASES)
def test_fuzz_over_http(over_http: FuzzTarget, depth: str, label: str) -> None:
    fuzz(over_http, depth, label)
