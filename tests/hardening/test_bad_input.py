"""Bad input on every upload path: a clear 4xx problem detail and nothing stored, every time.

Upload paths: the auditors' photo sync (`PUT /api/v1/photos/{uuid}`), the client users' dispute
photo and corrective-action evidence, the audit sync (`PUT /api/v1/audits/{uuid}`), template
upload (`POST /api/v1/templates`), the checklist workbook import, the CSV outlet import, and
planning a wave and publishing its visits. Each is sent every file of the shared test photos
and generated attacks; each input is its own test id. Before and after
each request the row count of every table and a digest of the media directory are taken and
must be equal.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import uuid
import zipfile
from collections.abc import Callable, Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient, TestClient
from PIL import Image

from server.app import create_app
from server.core.problems import PROBLEM_MEDIA_TYPE
from server.core.settings import Settings
from tests.fixtures import PHOTOS
from tests.hardening.conftest import hardening_settings, stored_state
from tests.server.api import Api, World
from tests.server.conftest import create_first_admin
from tests.server.photos.images import (
    encode,
    heic_claiming_size,
    jpeg_claiming_size,
    png_header_only,
)
from tests.server.templates.workbooks import odk_workbook, shopscore_workbook, workbook
from tests.server.workflow.helpers import answers, build_review_world

SHARED_PHOTOS = sorted(PHOTOS.iterdir())
# The shared files the pipeline refuses even with their true hash (docs/contract.md#photos).
REFUSED_SHARED_FILES = {"SOURCES.md": 415, "bomb.gif": 415, "empty.jpg": 422, "truncated.png": 422}
MAX_PHOTO_BYTES = 3 * 1024 * 1024
MAX_JSON_BYTES = 256 * 1024
MAX_CSV_BYTES = 256 * 1024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def small_jpeg() -> bytes:
    return encode(Image.new("RGB", (64, 48), (200, 30, 30)), "JPEG")


def zip_archive() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return output.getvalue()


def jpeg_with_huge_exif() -> bytes:
    image = Image.new("RGB", (64, 48), (30, 200, 30))
    exif = image.getexif()
    exif[0x9286] = b"ASCII\0\0\0" + b"A" * 60_000  # UserComment: nearly a whole APP1 segment
    exif[0x010E] = "x" * 2_000  # ImageDescription
    return encode(image, "JPEG", exif=exif.tobytes())


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@dataclasses.dataclass(frozen=True)
class BadInput:
    """One request body and its headers; `body` is built lazily (some are megabytes)."""

    name: str
    body: Callable[[], bytes]
    content_type: str = "application/octet-stream"
    # "true": the body's own SHA-256; "wrong": another's; None: no header; else sent as is.
    sha: str | None = "true"
    path: str | None = None  # replaces the target's path (path-like ids)
    expected: int | None = None  # a specific 4xx where one is promised


def file_body(path: Path) -> Callable[[], bytes]:
    return path.read_bytes


PHOTO_INPUTS = [
    *(
        BadInput(f"shared-{path.name}-wrong-sha", file_body(path), "image/jpeg", "wrong", None, 422)
        for path in SHARED_PHOTOS
    ),
    *(
        BadInput(f"shared-{path.name}", file_body(path), "image/jpeg", "true", None, status)
        for path in SHARED_PHOTOS
        if (status := REFUSED_SHARED_FILES.get(path.name)) is not None
    ),
    BadInput("png-claiming-100000x100000", lambda: png_header_only(100_000, 100_000), expected=413),
    BadInput("jpeg-claiming-60000x60000", lambda: jpeg_claiming_size(60_000, 60_000), expected=413),
    BadInput("heic-claiming-20000x20000", lambda: heic_claiming_size(20_000, 20_000), expected=413),
    BadInput(
        "gif-js-polyglot",
        lambda: b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(document.domain);//;",
        "image/gif",
        expected=415,
    ),
    BadInput("zip-behind-jpeg-magic", lambda: b"\xff\xd8\xff\xe0" + zip_archive(), expected=422),
    BadInput(
        "jpeg-zip-polyglot-wrong-sha",
        lambda: small_jpeg() + zip_archive(),
        sha="wrong",
        expected=422,
    ),
    BadInput("huge-exif-wrong-sha", jpeg_with_huge_exif, sha="wrong", expected=422),
    BadInput("malformed-sha", small_jpeg, sha="../../etc/passwd", expected=422),
    BadInput("empty-body", lambda: b"", expected=422),
    BadInput("over-the-size-limit", lambda: b"\xff\xd8" + bytes(MAX_PHOTO_BYTES), expected=413),
    BadInput("json-as-jpeg", lambda: b'{"photo": true}', "image/jpeg", expected=415),
    BadInput("invalid-utf8-text", lambda: b"caf\xc3\x28 \xff\xfe", "text/plain", expected=415),
]
SYNC_PHOTO_ONLY = [
    BadInput("missing-sha", small_jpeg, sha=None, expected=422),
    BadInput("path-dotdot-encoded", small_jpeg, path="/api/v1/photos/%2e%2e", expected=404),
    BadInput(
        "path-traversal-encoded",
        small_jpeg,
        path="/api/v1/photos/..%2f..%2fetc%2fpasswd",
        expected=404,
    ),
    BadInput("path-not-a-uuid", small_jpeg, path="/api/v1/photos/photo.jpg", expected=404),
]
JSON_INPUTS = [
    *(
        BadInput(f"shared-{path.name}", file_body(path), "application/json")
        for path in SHARED_PHOTOS
    ),
    BadInput("nested-objects-100000", lambda: nested(100_000), "application/json"),
    BadInput("nested-arrays-100000", lambda: b"[" * 100_000 + b"]" * 100_000, "application/json"),
    BadInput("invalid-utf8", lambda: b'{"key": "caf\xc3\x28\xff"}', "application/json"),
    BadInput("empty-body", lambda: b"", "application/json"),
    BadInput(
        "over-the-size-limit",
        lambda: b'{"key": "' + b"x" * MAX_JSON_BYTES + b'"}',
        "application/json",
        expected=413,
    ),
    BadInput(
        "form-instead-of-json", lambda: b"key=a&version=1", "application/x-www-form-urlencoded"
    ),
    BadInput(
        "huge-integers", lambda: b'{"assignment_id": 1' + b"0" * 400 + b"}", "application/json"
    ),
    BadInput("json-null", lambda: b"null", "application/json"),
]
AUDIT_ONLY = [
    BadInput(
        "path-traversal-encoded",
        lambda: b"{}",
        "application/json",
        path="/api/v1/audits/..%2f..%2fetc%2fpasswd",
        expected=404,
    ),
]
CSV_INPUTS = [
    *(BadInput(f"shared-{path.name}", file_body(path), "text/csv") for path in SHARED_PHOTOS),
    BadInput("invalid-utf8", lambda: b"code,name,region\nA1,caf\xc3\x28\xff,North\n", "text/csv"),
    BadInput("empty-body", lambda: b"", "text/csv"),
    BadInput("json-as-csv", lambda: b"[" * 100_000 + b"]" * 100_000, "text/csv"),
    BadInput(
        "cell-over-128k",
        lambda: b'code,name,region\nA1,"' + b"x" * 200_000 + b'",North\n',
        "text/csv",
    ),
    BadInput(
        "over-the-size-limit",
        lambda: b"code,name,region\n" + b"A1,Shop,North\n" * (MAX_CSV_BYTES // 14 + 1),
        "text/csv",
        expected=413,
    ),
    BadInput("json-content-type", lambda: b"code,name,region\n", "application/json", expected=415),
    BadInput(
        "path-dotdot-client",
        lambda: b"",
        "text/csv",
        path="/api/v1/clients/%2e%2e/outlets/import",
        expected=404,
    ),
]


def xlsx_members(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return output.getvalue()


def truncated_sheets() -> bytes:
    """A real workbook whose sheets' XML is cut in half."""
    with zipfile.ZipFile(io.BytesIO(shopscore_workbook())) as source:
        return xlsx_members(
            {
                member: data[: len(data) // 2] if member.startswith("xl/worksheets/") else data
                for member in source.namelist()
                if (data := source.read(member)) is not None
            }
        )


def entity_expansion() -> bytes:
    """A workbook whose survey sheet defines nested entities ("billion laughs")."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    with zipfile.ZipFile(io.BytesIO(shopscore_workbook())) as source:
        members = {name: source.read(name) for name in source.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
        + sheet.replace("<t>type</t>", "<t>&lol9;</t>", 1)
    ).encode()
    return xlsx_members(members)


def many_rows() -> bytes:
    return workbook({"survey": [["type", "name", "label::en"]] + [["text", f"q{n}", "Q"]
                                                                    for n in range(5_001)],
                     "settings": [["form_id"], ["many"]]})  # fmt: skip


def multipart(parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    boundary = "shopscore-bad-input-boundary"
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data
        body += b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


FORM_WITHOUT_FILE, FORM_TYPE = multipart([("note", None, b"a checklist")])
OVERSIZED_FORM, _FORM_TYPE = multipart([("file", "big.xlsx", b"PK" + bytes(MAX_CSV_BYTES))])
assert FORM_TYPE == _FORM_TYPE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_INPUTS = [
    *(BadInput(f"shared-{path.name}", file_body(path), XLSX,
               expected=415 if path.stat().st_size <= MAX_CSV_BYTES else 413)
      for path in SHARED_PHOTOS),
    BadInput("empty-body", lambda: b"", XLSX, expected=415),
    BadInput("csv-as-xlsx", lambda: b"type,name,label\ntext,a,A\n", XLSX, expected=415),
    BadInput("xls-97-2003", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), XLSX,
             expected=415),
    BadInput("zip-not-a-workbook", zip_archive, XLSX, expected=415),
    BadInput("zip-behind-jpeg-magic", lambda: b"\xff\xd8\xff\xe0" + zip_archive(), XLSX,
             expected=415),
    BadInput("zip-bomb", lambda: xlsx_members({"[Content_Types].xml": b"<Types/>",
                                                "xl/worksheets/sheet1.xml": bytes(70 << 20)}),
             XLSX, expected=413),
    BadInput("truncated-sheets", truncated_sheets, XLSX, expected=422),
    BadInput("entity-expansion", entity_expansion, XLSX, expected=422),
    BadInput("over-5000-rows", many_rows, XLSX, expected=422),
    BadInput("odk-workbook-without-partial", odk_workbook, XLSX, expected=422),
    BadInput("formula-and-unknown-list", lambda: workbook({
        "survey": [["type", "name", "label::en", "points"], ["select_one nowhere", "a", "A"],
                   ["yes_no", "b", "B", "=SUM(1,2)"]],
        "settings": [["form_id"], ["f"]]}), XLSX, expected=422),
    BadInput("over-the-size-limit", lambda: b"PK" + bytes(MAX_CSV_BYTES), XLSX, expected=413),
    BadInput("form-without-file", lambda: FORM_WITHOUT_FILE, FORM_TYPE, expected=415),
    BadInput("form-over-the-size-limit", lambda: OVERSIZED_FORM, FORM_TYPE, expected=413),
    BadInput("form-without-boundary", lambda: b"--x\r\n", "multipart/form-data", expected=415),
]  # fmt: skip
# Outlets sent as a workbook: anything that is no .xlsx is 415, a bomb 413, a workbook
# whose sheet cannot be read or whose rows are wrong 422 (docs/contract.md#outlet-import).
OUTLET_XLSX_INPUTS = [
    *(i for i in XLSX_INPUTS if i.name in ("empty-body", "csv-as-xlsx", "xls-97-2003",
      "zip-not-a-workbook", "zip-behind-jpeg-magic", "zip-bomb", "truncated-sheets",
      "entity-expansion", "over-the-size-limit")),
    BadInput("checklist-not-outlets", shopscore_workbook, XLSX, expected=422),
    BadInput("bad-outlet-rows", lambda: workbook({"outlets": [
        ["code", "name", "lat", "lon", "channels", "active"],
        ["A1", "", 95, "east", "teleport", "maybe"], ["A1", "Twice", None, None, None, None]]}),
        XLSX, expected=422),
]  # fmt: skip
PLAN_INPUTS = [
    # Every field of a plan request is optional and unknown ones are ignored, as on every JSON
    # route: `{"assignment_id": 10...0}` asks for the default plan, which is no bad input.
    *(i for i in JSON_INPUTS if i.name not in ("huge-integers",)),
    BadInput("unknown-auditor", lambda: b'{"auditor_ids": [2147483647]}', "application/json",
             expected=422),
    BadInput("max-zero", lambda: b'{"max_per_auditor": 0}', "application/json", expected=400),
]  # fmt: skip
PUBLISH_INPUTS = [
    *JSON_INPUTS,
    BadInput("no-visits", lambda: b'{"visits": []}', "application/json", expected=400),
    BadInput("a-visit-of-nowhere", lambda: b'{"visits": [{"outlet_id": 2147483647, '
             b'"channel": "in_store", "auditor_id": 2147483647}]}', "application/json",
             expected=422),
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Target:
    method: str
    path: Callable[[dict[str, Any]], str]
    role: str


TARGETS = {
    "photo-sync": Target("PUT", lambda ids: f"/api/v1/photos/{uuid.uuid4()}", "auditor"),
    "dispute-photo": Target(
        "PUT", lambda ids: f"/api/v1/disputes/{ids['dispute']}/photo", "outlet_manager"
    ),
    "action-evidence": Target(
        "PUT",
        lambda ids: f"/api/v1/corrective-actions/{ids['corrective_action']}/evidence",
        "outlet_manager",
    ),
    "audit-sync": Target("PUT", lambda ids: f"/api/v1/audits/{uuid.uuid4()}", "auditor"),
    "template-upload": Target("POST", lambda ids: "/api/v1/templates", "admin"),
    "csv-import": Target(
        "POST", lambda ids: f"/api/v1/clients/{ids['client_a']}/outlets/import", "admin"
    ),
    "xlsx-import": Target("POST", lambda ids: "/api/v1/templates/import", "admin"),
    "outlets-xlsx-import": Target(
        "POST", lambda ids: f"/api/v1/clients/{ids['client_a']}/outlets/import", "admin"
    ),
    "wave-plan": Target("POST", lambda ids: f"/api/v1/waves/{ids['wave_a']}/plan", "admin"),
    "visits-publish": Target(
        "POST", lambda ids: f"/api/v1/waves/{ids['wave_a']}/assignments/bulk", "admin"
    ),
}
INPUTS = {
    "photo-sync": PHOTO_INPUTS + SYNC_PHOTO_ONLY,
    "dispute-photo": PHOTO_INPUTS,
    "action-evidence": PHOTO_INPUTS,
    "audit-sync": JSON_INPUTS + AUDIT_ONLY,
    "template-upload": JSON_INPUTS,
    "csv-import": CSV_INPUTS,
    "xlsx-import": XLSX_INPUTS,
    "outlets-xlsx-import": OUTLET_XLSX_INPUTS,
    "wave-plan": PLAN_INPUTS,
    "visits-publish": PUBLISH_INPUTS,
}
CASES = [
    pytest.param(target, bad_input, id=f"{target}-{bad_input.name}")
    for target, inputs in INPUTS.items()
    for bad_input in inputs
]


@dataclasses.dataclass
class Uploads:
    client: TestClient[Any]
    settings: Settings
    world: World


def seed_review_world(settings: Settings) -> World:
    """The review world plus one released audit with a critical failure: its corrective action
    and an open dispute are where client users upload photos."""

    async def seed() -> World:
        await create_first_admin(settings)
        app = create_app(settings)
        async with AsyncTestClient(app=app) as client:
            api = Api(client, app)
            review = await build_review_world(api)
            released = await review.approved(audit_answers=answers(exit_clear=False))
            admin = review.headers["admin"]
            actions = await api.ok(
                "GET", f"/api/v1/corrective-actions?audit_uuid={released.uuid}", admin
            )
            review.ids["corrective_action"] = actions["items"][0]["id"]
            review.ids["dispute"] = (await review.dispute(released.uuid, "greeted"))["id"]
            return review.world

    return asyncio.run(seed())


@pytest.fixture(scope="module")
def uploads(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[Uploads]:
    settings = dataclasses.replace(
        hardening_settings(tmp_path_factory.mktemp("bad-input"), migrated_sqlite),
        max_photo_bytes=MAX_PHOTO_BYTES,
        max_json_bytes=MAX_JSON_BYTES,
        max_csv_bytes=MAX_CSV_BYTES,
    )
    world = seed_review_world(settings)
    with TestClient(app=create_app(settings)) as client:
        yield Uploads(client, settings, world)


def send(uploads: Uploads, target: Target, bad_input: BadInput) -> Any:
    body = bad_input.body()
    headers = {**uploads.world.headers[target.role], "Content-Type": bad_input.content_type}
    if bad_input.sha == "true":
        headers["X-Content-SHA256"] = sha256(body)
    elif bad_input.sha == "wrong":
        headers["X-Content-SHA256"] = sha256(body + b"changed in transit")
    elif bad_input.sha is not None:
        headers["X-Content-SHA256"] = bad_input.sha
    path = bad_input.path or target.path(uploads.world.ids)
    return uploads.client.request(target.method, path, content=body, headers=headers)


def assert_actionable_problem(response: Any) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert PROBLEM_MEDIA_TYPE == response.headers["content-type"].split(";")[0]
    problem = response.json()
    assert response.status_code == problem["status"]
    phrase = HTTPStatus(response.status_code).phrase
    assert problem["title"].strip()
    # A person must learn what to change, not only the status phrase.
    assert len(problem["detail"]) > len(phrase), problem
    assert phrase.lower() != problem["detail"].strip(" .").lower(), problem


@pytest.mark.parametrize(("target_name", "bad_input"), CASES)
def test_bad_input_is_refused_and_changes_nothing(
    uploads: Uploads, target_name: str, bad_input: BadInput
) -> None:
    before = stored_state(uploads.settings)
    response = send(uploads, TARGETS[target_name], bad_input)
    after = stored_state(uploads.settings)
    assert_actionable_problem(response)
    if bad_input.expected is not None:
        assert bad_input.expected == response.status_code, response.text
    assert before == after


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(lambda: small_jpeg() + zip_archive(), id="jpeg-zip-polyglot"),
        pytest.param(jpeg_with_huge_exif, id="huge-exif"),
    ],
)
def test_valid_images_carrying_a_payload_are_served_without_it(
    uploads: Uploads, image: Callable[[], bytes]
) -> None:
    """These are real JPEGs, so the sync accepts them (phones append data after the image
    too); what anyone can fetch is the re-encoded display JPEG, without the payload."""
    body = image()
    photo_uuid = uuid.uuid4()
    headers = {**uploads.world.headers["auditor"], "X-Content-SHA256": sha256(body)}
    stored = uploads.client.put(f"/api/v1/photos/{photo_uuid}", content=body, headers=headers)
    assert 201 == stored.status_code, stored.text
    for variant in ("display", "thumbnail"):
        served = uploads.client.get(
            f"/api/v1/photos/{photo_uuid}/{variant}", headers=uploads.world.headers["admin"]
        )
        assert 200 == served.status_code, served.text
        assert b"PK\x03\x04" not in served.content
        assert b"AAAAAAAAAAAAAAAA" not in served.content
        assert len(served.content) < 20_000
