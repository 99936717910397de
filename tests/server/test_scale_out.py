"""Two `shopscore serve` processes on one PostgreSQL and one S3 store serve the same data.

Production runs several stateless server processes behind a load balancer. Here server A and
server B are real `shopscore serve` processes on two ports with the same DATABASE_URL (the
test PostgreSQL), MEDIA_STORE=s3 (the test moto server) and SECRET_KEY; phones, reviewers and
head office talk to both over real HTTP, request by request. Whatever one process learns it
must learn from the database or the store, never from its own memory or local disk: stored
once, replays recognised, throttling counted, tokens revoked, templates and assignments seen
and releases shown the same through either process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from mobile.session import AuditSession, start_visit
from mobile.store import QUEUED, SYNCED, Store
from mobile.sync import SyncClient
from server.core.settings import Settings
from tests.fixtures import PHOTOS
from tests.mobile.live_server import RunningServer, free_port
from tests.server.api import ADMIN_EMAIL, PASSWORD, sample_template
from tests.server.audits.helpers import audit_body
from tests.server.conftest import TEMPLATE_DATABASE, create_first_admin
from tests.server.postgres import PostgresServer
from tests.server.storage.conftest import S3Server

pytestmark = pytest.mark.postgres

FAILURES_PER_ACCOUNT = 3
WINDOW_SECONDS = 15 * 60
VISIT_DAY = dt.datetime(2026, 1, 6, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=1)))
_names = itertools.count(1)


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201, 204)), (
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    )
    return response.json() if response.content else None


@dataclass
class Cluster:
    """Servers A and B on one database and one bucket, and the programme seeded through A."""

    a: RunningServer
    b: RunningServer
    database_url: str
    s3: S3Server
    bucket: str
    ids: dict[str, int] = field(default_factory=dict)
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def servers(self) -> tuple[RunningServer, RunningServer]:
        return self.a, self.b

    def http(self, server: RunningServer) -> httpx.Client:
        client = httpx.Client(base_url=f"{server.base_url}/api/v1", timeout=20)
        self.clients.append(client)
        return client

    def login(self, server: RunningServer, email: str, password: str = PASSWORD) -> str:
        response = self.http(server).post(
            "/auth/login", json={"email": email, "password": password}
        )
        token: str = ok(response, 200)["token"]
        return token

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def admin(self, server: RunningServer) -> httpx.Client:
        client = self.http(server)
        client.headers.update(headers(self.login(server, ADMIN_EMAIL)))
        return client

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """One query on the shared database, through a connection of the test's own."""

        async def run() -> list[tuple[Any, ...]]:
            connection = await asyncpg.connect(self.database_url)
            try:
                return [tuple(row) for row in await connection.fetch(sql, *params)]
            finally:
                await connection.close()

        return asyncio.run(run())

    def bucket_keys(self) -> list[str]:
        client: Any = self.s3.client()
        listed = client.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def bucket_object(self, key: str) -> bytes:
        client: Any = self.s3.client()
        body: bytes = client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def new_auditor(self, admin: httpx.Client) -> tuple[int, str]:
        email = f"auditor{next(_names)}@example.test"
        user = ok(
            admin.post(
                "/users",
                json={"email": email, "name": "Auditor", "role": "auditor", "password": PASSWORD},
            )
        )
        return int(user["id"]), email

    def assign(
        self, admin: httpx.Client, auditor_id: int, outlet: str = "outlet", **extra: Any
    ) -> int:
        assignment = ok(
            admin.post(
                "/assignments",
                json={
                    "wave_id": self.ids["wave"],
                    "outlet_id": self.ids[outlet],
                    "auditor_id": auditor_id,
                    "channel": "in_store",
                    "scenario": "Ask for a winter jacket in size M.",
                    **extra,
                },
            )
        )
        return int(assignment["id"])

    def audits_stored(self, audit_uuid: str) -> list[tuple[int, str, int]]:
        """(revision, status, template version) of every audit row under that uuid."""
        return [
            (int(revision), str(status), int(version))
            for revision, status, version in self.rows(
                "SELECT revision, status, template_version FROM audit WHERE uuid = $1",
                uuid.UUID(audit_uuid),
            )
        ]

    def count(self, sql: str, *params: Any) -> int:
        return int(self.rows(sql, *params)[0][0])

    def local_media_files(self) -> list[Path]:
        """Files either server wrote under its MEDIA_DIR (with MEDIA_STORE=s3: none)."""
        return [
            path
            for server in self.servers
            for path in Path(server.env["MEDIA_DIR"]).rglob("*")
            if path.is_file()
        ]


def server_environment(
    workdir: Path, database_url: str, s3: S3Server, bucket: str
) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("S3_", "MEDIA_", "LOGIN_", "DATABASE_URL", "SECRET_KEY"))
    }
    environment.update(
        DATABASE_URL=database_url,
        MEDIA_STORE="s3",
        S3_ENDPOINT_URL=s3.endpoint,
        S3_BUCKET=bucket,
        S3_REGION=s3.region,
        S3_ACCESS_KEY_ID=s3.access_key,
        S3_SECRET_ACCESS_KEY=s3.secret_key,
        MEDIA_DIR=str(workdir / "media"),  # must stay empty: photos go to the bucket
        SECRET_KEY="one secret key shared by every server process, long enough for HS256",
        SHOPSCORE_CHEAP_ARGON2="1",
        LOGIN_FAILURES_PER_ACCOUNT=str(FAILURES_PER_ACCOUNT),
        LOGIN_FAILURES_PER_ADDRESS="10000",  # every caller here is 127.0.0.1
        LOGIN_WINDOW_SECONDS=str(WINDOW_SECONDS),
        LOG_LEVEL="WARNING",
    )
    return environment


@pytest.fixture(scope="module")
def cluster(
    postgres_server: PostgresServer,
    s3_server: S3Server,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cluster]:
    """Servers A and B, each its own process, on a fresh database and bucket."""
    name = f"scale_out_{os.getpid()}"
    postgres_server.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DATABASE}")
    database_url = postgres_server.url(name)
    bucket = f"scale-out-{os.getpid()}"
    s3_client: Any = s3_server.client()
    s3_client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": s3_server.region}
    )
    root = tmp_path_factory.mktemp("scale-out")
    servers = []
    for label in ("a", "b"):
        workdir = root / label
        workdir.mkdir()
        environment = server_environment(workdir, database_url, s3_server, bucket)
        servers.append(RunningServer(workdir, environment, free_port()))
    # The first admin, created before any server runs (as `shopscore user create` would).
    asyncio.run(create_first_admin(Settings.from_env(servers[0].env, var_dir=root)))
    running = Cluster(servers[0], servers[1], database_url, s3_server, bucket)
    try:
        with ThreadPoolExecutor(2) as starting:
            list(starting.map(RunningServer.start, running.servers))
        seed(running)
        yield running
    finally:
        for server in running.servers:
            server.stop()
        running.close()
        postgres_server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(root, ignore_errors=True)


def seed(cluster: Cluster) -> None:
    """A client with outlets, the store-visit template, a wave, a reviewer and head office."""
    ids = cluster.ids
    admin = cluster.admin(cluster.a)
    ids["client"] = ok(admin.post("/clients", json={"name": "Żabka"}))["id"]
    ids["region"] = ok(admin.post(f"/clients/{ids['client']}/regions", json={"name": "North"}))[
        "id"
    ]
    for number, outlet in enumerate(("outlet", "second_outlet")):
        ids[outlet] = ok(
            admin.post(
                "/outlets",
                json={
                    "client_id": ids["client"],
                    "region_id": ids["region"],
                    "code": f"WAW-{number}",
                    "name": f"Żabka {number}",
                    "city": "Warszawa",
                    "lat": 52.23,
                    "lon": 21.01,
                    "timezone": "Europe/Warsaw",
                    "channels": ["in_store"],
                },
            )
        )["id"]
    template = ok(admin.post("/templates", json=sample_template()))
    ids["template"] = ok(admin.post(f"/templates/{template['id']}/publish"))["id"]
    ids["wave"] = ok(
        admin.post(
            "/waves",
            json={
                "client_id": ids["client"],
                "name": "January 2026",
                "starts_on": "2026-01-05",
                "ends_on": "2026-01-31",
                "templates": {"in_store": ids["template"]},
            },
        )
    )["id"]
    for role, scope in (
        ("reviewer", {"client_ids": [ids["client"]]}),
        ("head_office", {"client_id": ids["client"]}),
    ):
        ok(
            admin.post(
                "/users",
                json={
                    "email": f"{role}@example.test",
                    "name": role,
                    "role": role,
                    "password": PASSWORD,
                    **scope,
                },
            )
        )


def photo_upload(client: httpx.Client, token: str, photo_uuid: str, data: bytes) -> httpx.Response:
    return client.put(
        f"/photos/{photo_uuid}",
        content=data,
        headers={
            **headers(token),
            "Content-Type": "image/jpeg",
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
        },
    )


def audit_upload(
    client: httpx.Client, token: str, audit_uuid: str, body: dict[str, Any]
) -> httpx.Response:
    return client.put(f"/audits/{audit_uuid}", json=body, headers=headers(token))


# --------------------------------------------------------------------------------------------
# phones


@dataclass
class PlainPhone:
    """A phone speaking plain HTTP, switching server with every request."""

    number: int
    auditor_id: int
    email: str
    assignment_id: int
    photo: Path
    audit_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    photo_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))


def plain_phone_visit(cluster: Cluster, phone: PlainPhone) -> dict[str, Any]:
    """Log in on one server, then alternate: every request goes to the other one."""
    first, second = cluster.servers if phone.number % 2 == 0 else cluster.servers[::-1]
    on_first, on_second = cluster.http(first), cluster.http(second)
    token = cluster.login(first, phone.email)

    sync = ok(on_second.get("/sync", headers=headers(token)), 200)
    assert [phone.assignment_id] == [item["id"] for item in sync["assignments"]]
    assert ["store-visit"] == [template["key"] for template in sync["templates"]]

    body = audit_body(phone.assignment_id, photos=[phone.photo_uuid])
    new = on_first.put(f"/audits/{phone.audit_uuid}", json=body, headers=headers(token))
    assert ([phone.photo_uuid], 201) == (ok(new, 201)["missing_photos"], new.status_code)

    data = phone.photo.read_bytes()
    assert 201 == photo_upload(on_second, token, phone.photo_uuid, data).status_code
    complete = ok(on_second.put(f"/audits/{phone.audit_uuid}", json=body, headers=headers(token)))
    replay = on_first.put(f"/audits/{phone.audit_uuid}", json=body, headers=headers(token))
    assert (200, []) == (replay.status_code, ok(replay)["missing_photos"])
    assert complete == replay.json()
    assert 200 == photo_upload(on_first, token, phone.photo_uuid, data).status_code

    # Stored through the second server, the photo's display image comes from the first.
    display = on_first.get(f"/photos/{phone.photo_uuid}/display", headers=headers(token))
    assert (200, b"\xff\xd8") == (display.status_code, display.content[:2])
    receipt: dict[str, Any] = complete
    receipt["display"] = display.content
    return receipt


def fill_store_visit(session: AuditSession, photo: Path) -> None:
    session.answer("greeted", True)
    session.answer("wait", 45)
    session.attach_photo("wait", photo)
    assert [] == session.problems()


def sync_phone(tmp_path: Path, cluster: Cluster, email: str) -> tuple[Store, SyncClient]:
    """The field app's own store and sync client, logged in through server A."""
    store = Store(tmp_path / email.split("@")[0])
    client = SyncClient(store, timeout=20)
    client.login(cluster.a.base_url, email, PASSWORD)
    return store, client


def on_server(client: SyncClient, server: RunningServer) -> SyncClient:
    """The phone's next requests go to that server (as a load balancer would send them)."""
    client.store.set_settings(server=server.base_url)
    return client


def hold_back(store: Store, kind: str) -> None:
    for entry in store.outbox():
        if entry.kind == kind:
            store.mark_outbox(kind, entry.uuid, QUEUED, next_retry_at=4e9)


def release(store: Store, kind: str) -> None:
    for entry in store.outbox():
        if entry.kind == kind:
            store.mark_outbox(kind, entry.uuid, QUEUED, next_retry_at=0)


def field_app_visit(cluster: Cluster, store: Store, client: SyncClient) -> str:
    """A visit on the field app: pulled through B, photos pushed to A, the audit to B."""
    on_server(client, cluster.b).pull()
    [assignment] = store.assignments()
    session = start_visit(store, assignment["id"], clock=lambda: VISIT_DAY)
    fill_store_visit(session, PHOTOS / "orientation_6.jpg")
    session.submit()

    hold_back(store, "audit")
    report = on_server(client, cluster.a).push()
    assert [photo.uuid for photo in store.photos(session.audit_uuid)] == report.synced
    release(store, "audit")
    report = on_server(client, cluster.b).push()
    assert [session.audit_uuid] == report.synced
    entry = store.outbox_entry("audit", session.audit_uuid)
    assert entry is not None
    assert entry.server_response is not None
    receipt = entry.server_response
    assert (SYNCED, []) == (entry.state, receipt["missing_photos"])
    assert session.live_score().to_dict()["percent"] == receipt["score"]["percent"]
    return session.audit_uuid


def test_phones_alternating_between_servers_store_every_audit_and_photo_once(
    cluster: Cluster, tmp_path: Path
) -> None:
    admin = cluster.admin(cluster.b)
    plain = []
    for number, photo in enumerate(("gps_nikon.jpg", "cmyk.jpg", "small_orientation_6.jpg")):
        auditor_id, email = cluster.new_auditor(admin)
        assignment_id = cluster.assign(admin, auditor_id)
        plain.append(PlainPhone(number, auditor_id, email, assignment_id, PHOTOS / photo))
    auditor_id, email = cluster.new_auditor(admin)
    cluster.assign(admin, auditor_id)
    store, field_app = sync_phone(tmp_path, cluster, email)
    keys_before = set(cluster.bucket_keys())

    with ThreadPoolExecutor(len(plain) + 1) as phones:
        visits = [phones.submit(plain_phone_visit, cluster, phone) for phone in plain]
        field_visit = phones.submit(field_app_visit, cluster, store, field_app)
        receipts = [visit.result() for visit in visits]
        field_audit = field_visit.result()
    try:
        # The field app's replay through the other server: the same audit, 200.
        body = store.audit(field_audit)
        assert body is not None
        replay = cluster.http(cluster.a).put(
            f"/audits/{field_audit}",
            json=body.body,
            headers=headers(store.get_setting("token")),
        )
        assert (200, []) == (replay.status_code, ok(replay)["missing_photos"])
    finally:
        field_app.close()
        store.close()

    audit_uuids = [phone.audit_uuid for phone in plain] + [field_audit]
    assert [[(1, "submitted", 1)]] * 4 == [cluster.audits_stored(u) for u in audit_uuids]
    assert [1] * 4 == [
        cluster.count(
            "SELECT count(*) FROM audit_revision r JOIN audit a ON a.id = r.audit"
            " WHERE a.uuid = $1",
            uuid.UUID(u),
        )
        for u in audit_uuids
    ]
    photo_uuids = [uuid.UUID(phone.photo_uuid) for phone in plain]
    assert [1] * 3 == [
        cluster.count("SELECT count(*) FROM photo WHERE uuid = $1", u) for u in photo_uuids
    ]
    # Each photo's original, display image and thumbnail, once each, in the bucket only.
    new_keys = sorted(set(cluster.bucket_keys()) - keys_before)
    assert 4 * 3 == len(new_keys)
    for phone, receipt in zip(plain, receipts, strict=True):
        original = hashlib.sha256(phone.photo.read_bytes()).hexdigest()
        assert any(key.endswith(original) for key in new_keys)
        [display_key] = cluster.rows(
            "SELECT display_key FROM photo WHERE uuid = $1", uuid.UUID(phone.photo_uuid)
        )[0]
        assert cluster.bucket_object(display_key) == receipt["display"]
    assert [] == cluster.local_media_files()


def test_a_retry_through_the_other_server_while_the_first_still_works_is_a_replay(
    cluster: Cluster,
) -> None:
    """A phone gave up waiting for A and sent the same photo and audit again, through B, while
    A was still storing them: one of each is stored, one answer is 201 and the other 200."""
    admin = cluster.admin(cluster.a)
    photo = PHOTOS / "small_orientation_6.jpg"  # the same bytes every visit: one set of objects
    data = photo.read_bytes()
    on_both = [cluster.http(server) for server in cluster.servers]
    for _visit in range(3):
        auditor_id, email = cluster.new_auditor(admin)
        phone = PlainPhone(0, auditor_id, email, cluster.assign(admin, auditor_id), photo)
        token = cluster.login(cluster.a, email)
        body = audit_body(phone.assignment_id, photos=[phone.photo_uuid])
        with ThreadPoolExecutor(2) as both:
            photos = list(
                both.map(photo_upload, on_both, [token] * 2, [phone.photo_uuid] * 2, [data] * 2)
            )
            audits = list(
                both.map(audit_upload, on_both, [token] * 2, [phone.audit_uuid] * 2, [body] * 2)
            )

        assert [200, 201] == sorted(r.status_code for r in photos), [r.text for r in photos]
        assert [200, 201] == sorted(r.status_code for r in audits), [r.text for r in audits]
        assert audits[0].json() == audits[1].json()
        assert [(1, "submitted", 1)] == cluster.audits_stored(phone.audit_uuid)
        assert 1 == cluster.count(
            "SELECT count(*) FROM photo WHERE uuid = $1", uuid.UUID(phone.photo_uuid)
        )


# --------------------------------------------------------------------------------------------
# accounts


def login_attempt(cluster: Cluster, server: RunningServer, email: str, password: str) -> Any:
    return cluster.http(server).post("/auth/login", json={"email": email, "password": password})


def test_failed_logins_on_both_servers_add_up_to_one_limit(cluster: Cluster) -> None:
    admin = cluster.admin(cluster.a)
    _, email = cluster.new_auditor(admin)
    servers = itertools.cycle(cluster.servers)
    for _attempt in range(FAILURES_PER_ACCOUNT):
        assert 401 == login_attempt(cluster, next(servers), email, "a wrong guess").status_code

    # Neither server has seen the limit on its own; together they have.
    for server in cluster.servers:
        throttled = login_attempt(cluster, server, email, PASSWORD)
        assert 429 == throttled.status_code, (server.base_url, throttled.text)
        assert 1 <= int(throttled.headers["retry-after"]) <= WINDOW_SECONDS
    assert (
        cluster.count("SELECT count(*) FROM login_failure WHERE subject = $1", f"account:{email}")
        == FAILURES_PER_ACCOUNT
    )


def test_logout_and_password_change_on_one_server_revoke_tokens_on_the_other(
    cluster: Cluster,
) -> None:
    admin = cluster.admin(cluster.a)
    _, email = cluster.new_auditor(admin)
    on_a, on_b = cluster.http(cluster.a), cluster.http(cluster.b)

    token = cluster.login(cluster.a, email)
    assert 200 == on_b.get("/me", headers=headers(token)).status_code  # B knows the token
    assert 204 == on_a.post("/auth/logout", headers=headers(token)).status_code
    assert 401 == on_b.get("/me", headers=headers(token)).status_code
    assert 401 == on_b.get("/sync", headers=headers(token)).status_code

    on_phone = cluster.login(cluster.b, email)
    on_laptop = cluster.login(cluster.a, email)
    assert 200 == on_b.get("/sync", headers=headers(on_phone)).status_code
    changed = on_a.post(
        "/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
        headers=headers(on_laptop),
    )
    fresh = ok(changed, 200)["token"]
    for old in (on_phone, on_laptop):
        assert 401 == on_b.get("/sync", headers=headers(old)).status_code
    assert 200 == on_b.get("/sync", headers=headers(fresh)).status_code
    assert 401 == login_attempt(cluster, cluster.b, email, PASSWORD).status_code
    assert 200 == login_attempt(cluster, cluster.b, email, "a brand new passphrase").status_code


# --------------------------------------------------------------------------------------------
# templates, assignments and review


def shelf_template(version_note: str, extra_item: bool) -> dict[str, Any]:
    template = sample_template("shelf-check")
    template["title"] = {"en": f"Shelf check ({version_note})"}
    if extra_item:
        template["sections"][0]["items"].append(
            {"key": "tidy", "kind": "yes_no", "text": {"en": "Shelves tidy?"}, "points": 5}
        )
    return template


def test_a_template_version_and_an_assignment_changed_on_a_reach_a_phone_through_b(
    cluster: Cluster, tmp_path: Path
) -> None:
    admin = cluster.admin(cluster.a)
    first = ok(admin.post("/templates", json=shelf_template("first", extra_item=False)))
    first = ok(admin.post(f"/templates/{first['id']}/publish"))
    auditor_id, email = cluster.new_auditor(admin)
    cluster.assign(admin, auditor_id, template_id=first["id"])
    store, client = sync_phone(tmp_path, cluster, email)
    try:
        # Version 1 goes through B (and is parsed and kept there), the replay through A.
        on_server(client, cluster.b).pull()
        [assignment] = store.assignments()
        session = start_visit(store, assignment["id"], clock=lambda: VISIT_DAY)
        fill_store_visit(session, PHOTOS / "small_orientation_6.jpg")
        session.submit()
        assert [session.audit_uuid] == on_server(client, cluster.b).push().synced[-1:]
        record = store.audit(session.audit_uuid)
        assert record is not None
        replay = cluster.http(cluster.a).put(
            f"/audits/{session.audit_uuid}",
            json=record.body,
            headers=headers(store.get_setting("token")),
        )
        assert 200 == replay.status_code

        # Version 2 is published through A and the phone's next visit uses it.
        second = ok(admin.post("/templates", json=shelf_template("second", extra_item=True)))
        assert (2, "draft") == (second["version"], second["status"])
        second = ok(admin.post(f"/templates/{second['id']}/publish"))
        next_visit = cluster.assign(
            admin, auditor_id, outlet="second_outlet", template_id=second["id"]
        )
        on_server(client, cluster.b).pull()
        pulled = store.assignment(next_visit)
        assert pulled is not None
        assert {"key": "shelf-check", "version": 2} == pulled["template"]
        assert store.template("shelf-check", 2) is not None

        # The visit is changed through A; B's sync (from the phone's cursor) shows it.
        ok(admin.patch(f"/assignments/{next_visit}", json={"scenario": "Ask for gloves."}))
        payload = on_server(client, cluster.b).pull()
        assert [next_visit] == [item["id"] for item in payload["assignments"]]
        assert "Ask for gloves." == (store.assignment(next_visit) or {})["scenario"]

        session = start_visit(store, next_visit, clock=lambda: VISIT_DAY)
        assert "tidy" in [entry.key for entry in session.visible_items()]
        session.answer("tidy", False)
        fill_store_visit(session, PHOTOS / "cmyk.jpg")
        session.submit()
        report = on_server(client, cluster.b).push()
        assert session.audit_uuid in report.synced
        entry = store.outbox_entry("audit", session.audit_uuid)
        assert entry is not None
        assert entry.server_response is not None
        assert (
            session.live_score().to_dict()["percent"] == entry.server_response["score"]["percent"]
        )
        assert [(1, "submitted", 2)] == cluster.audits_stored(session.audit_uuid)
    finally:
        client.close()
        store.close()


def test_a_reviewer_on_b_releases_what_a_phone_sent_to_a_and_head_office_sees_it_on_a(
    cluster: Cluster,
) -> None:
    admin = cluster.admin(cluster.a)
    auditor_id, email = cluster.new_auditor(admin)
    phone = PlainPhone(
        0, auditor_id, email, cluster.assign(admin, auditor_id), PHOTOS / "gps_nikon.jpg"
    )
    on_a, on_b = cluster.http(cluster.a), cluster.http(cluster.b)
    token = cluster.login(cluster.a, email)
    body = audit_body(phone.assignment_id, photos=[phone.photo_uuid])
    assert 201 == photo_upload(on_a, token, phone.photo_uuid, phone.photo.read_bytes()).status_code
    sent = ok(on_a.put(f"/audits/{phone.audit_uuid}", json=body, headers=headers(token)), 201)
    assert [] == sent["missing_photos"]

    reviewer = headers(cluster.login(cluster.b, "reviewer@example.test"))
    queue = ok(on_b.get("/review/queue", headers=reviewer), 200)
    assert phone.audit_uuid in [item["uuid"] for item in queue["items"]]
    approved = ok(
        on_b.post(
            f"/review/audits/{phone.audit_uuid}/approve", json={"note": "Fine."}, headers=reviewer
        ),
        200,
    )
    assert "approved" == approved["status"]

    head_office = headers(cluster.login(cluster.a, "head_office@example.test"))
    released = ok(on_a.get("/audits/released", headers=head_office), 200)
    assert phone.audit_uuid in [item["uuid"] for item in released["items"]]
    seen = ok(on_a.get(f"/audits/released/{phone.audit_uuid}", headers=head_office), 200)
    assert (sent["score"]["percent"], "approved") == (seen["percent"], seen["status"])
    thumbnail = on_a.get(f"/photos/{phone.photo_uuid}/thumbnail", headers=head_office)
    assert (200, b"\xff\xd8") == (thumbnail.status_code, thumbnail.content[:2])
    # The auditor's own sync, through B, shows the visit done.
    sync = ok(on_b.get("/sync", headers=headers(token)), 200)
    assert ["approved"] == [item["status"] for item in sync["assignments"]]
