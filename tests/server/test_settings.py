"""Every setting the README lists is read from the environment and has its effect.

The settings whose effect other suites already show are named where they are tested; the
rest are shown here on a real app.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import os
import re
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from litestar.testing import AsyncTestClient

from reports.signing import new_signing_key, self_signed_certificate
from server.app import create_app
from server.core.settings import Settings, SettingsError
from tests.fixtures import PHOTOS
from tests.reports.pdf import page_texts
from tests.reports.pdfsig import VALID, pdfsig, signature_lines
from tests.server.api import ADMIN_EMAIL, PASSWORD, Api, World, build_world
from tests.server.conftest import create_first_admin

ROOT = Path(__file__).resolve().parents[2]

# A value for each variable that differs from its default, and the field it must set.
CHANGED = {
    "DATABASE_URL": ("postgresql://shop:score@db.example/shopscore", "database_url"),
    "MEDIA_DIR": ("/srv/shopscore/media", "media_dir"),
    "SECRET_KEY": ("another-secret-key-" + "y" * 32, "secret_key"),
    "ACCESS_TOKEN_MINUTES": ("30", "access_token_minutes"),
    "MAX_PHOTO_BYTES": ("40000000", "max_photo_bytes"),
    "MAX_JSON_BYTES": ("100000", "max_json_bytes"),
    "MAX_CSV_BYTES": ("5000000", "max_csv_bytes"),
    "LOGIN_FAILURES_PER_ACCOUNT": ("9", "login_failures_per_account"),
    "LOGIN_FAILURES_PER_ADDRESS": ("99", "login_failures_per_address"),
    "LOGIN_WINDOW_SECONDS": ("60", "login_window_seconds"),
    "LOG_LEVEL": ("WARNING", "log_level"),
    "DATABASE_BUSY_TIMEOUT_MS": ("500", "database_busy_timeout_ms"),
    "MEDIA_STORE": ("s3", "media_store"),
    "S3_BUCKET": ("photos", "s3"),
    "S3_ACCESS_KEY_ID": ("key", "s3"),
    "S3_SECRET_ACCESS_KEY": ("secret", "s3"),
    "S3_ENDPOINT_URL": ("http://127.0.0.1:9000", "s3"),
    "S3_REGION": ("eu-central-1", "s3"),
    "S3_PREFIX": ("shopscore", "s3"),
    "SIGNING_CERT_FILE": ("/etc/shopscore/other-cert.pem", "signing_cert_file"),
    "SIGNING_KEY_FILE": ("/etc/shopscore/other-key.pem", "signing_key_file"),
    "SIGNING_ORGANISATION": ("Acme Audits", "signing_organisation"),
    "PUBLIC_URL": ("https://audits.example.test", "public_url"),
    "LEAGUE_REFRESH_SECONDS": ("0", "league_refresh_seconds"),
}
S3 = {"S3_BUCKET": "b", "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s"}
# The signing files are configured together (each is changed on top of the pair).
SIGNING = {
    "SIGNING_CERT_FILE": "/etc/shopscore/cert.pem",
    "SIGNING_KEY_FILE": "/etc/shopscore/key.pem",
}


def readme_settings() -> set[str]:
    """Every variable named in the first column of the README's settings table."""
    text = (ROOT / "README.md").read_text("utf-8")
    table = text.split("Settings come from the environment only:", 1)[1].split("\n\n", 2)[1]
    names: set[str] = set()
    for line in table.splitlines()[2:]:
        names.update(re.findall(r"`([A-Z0-9_]+)`", line.split("|")[1]))
        if "MEDIA_STORE" in line:  # its row names the S3 variables in the meaning column
            names.update(re.findall(r"`(S3_[A-Z_]+)`", line))
    return names


def test_the_readme_lists_every_setting_and_only_settings() -> None:
    assert set(CHANGED) == readme_settings()


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_each_setting_is_read_from_the_environment(name: str, tmp_path: Path) -> None:
    value, field = CHANGED[name]
    base = {"SECRET_KEY": "a-secret-key-" + "x" * 32}
    if name.startswith("S3_"):
        base |= {"MEDIA_STORE": "s3", **S3}
    elif name == "MEDIA_STORE":
        base |= S3
    elif name in SIGNING:
        base |= SIGNING
    before = Settings.from_env(base, var_dir=tmp_path)
    after = Settings.from_env({**base, name: value}, var_dir=tmp_path)
    assert getattr(before, field) != getattr(after, field)


def test_a_missing_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = Settings.from_env({}, var_dir=tmp_path)
    again = Settings.from_env({}, var_dir=tmp_path)
    assert first.secret_key == again.secret_key
    assert 0o600 == stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)


def test_a_missing_signing_identity_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = Settings.from_env({"SIGNING_ORGANISATION": "Acme Audits"}, var_dir=tmp_path)
    again = Settings.from_env({"SIGNING_ORGANISATION": "Renamed"}, var_dir=tmp_path)
    assert (tmp_path / "signing_cert.pem", tmp_path / "signing_key.pem") == (
        first.signing_cert_file,
        first.signing_key_file,
    )
    assert (first.signing_cert_file, first.signing_key_file) == (
        again.signing_cert_file,
        again.signing_key_file,
    )
    for name in ("signing_cert.pem", "signing_key.pem"):
        assert 0o600 == stat.S_IMODE(os.stat(tmp_path / name).st_mode)
    # Kept as first made, naming the organisation of the first start: reports already issued
    # stay verifiable.
    certificate = x509.load_pem_x509_certificate((tmp_path / "signing_cert.pem").read_bytes())
    assert "CN=Acme Audits reports,O=Acme Audits" == certificate.subject.rfc4514_string()
    assert ["secret_key", "signing_cert.pem", "signing_key.pem"] == sorted(
        path.name for path in tmp_path.iterdir()
    )


def test_signing_files_go_together_and_the_public_url_is_an_address(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"SIGNING_CERT_FILE": "/etc/cert.pem"}, var_dir=tmp_path)
    with pytest.raises(SettingsError):
        Settings.from_env({"PUBLIC_URL": "audits.example.test"}, var_dir=tmp_path)
    trailing = Settings.from_env({"PUBLIC_URL": "https://audits.example.test/"}, var_dir=tmp_path)
    assert "https://audits.example.test" == trailing.public_url


@pytest.mark.parametrize("seconds", ["-1", "nan", "inf"])
def test_the_league_refresh_is_a_number_of_seconds(seconds: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="LEAGUE_REFRESH_SECONDS"):
        Settings.from_env({"LEAGUE_REFRESH_SECONDS": seconds}, var_dir=tmp_path)
    assert 1.0 == Settings.from_env({}, var_dir=tmp_path).league_refresh_seconds


async def test_the_signing_key_and_public_url_sign_and_address_every_report(
    with_admin: Settings, tmp_path: Path
) -> None:
    """The configured certificate signs the PDFs (pdfsig names it) and PUBLIC_URL is the
    address their QR codes and verification lines give."""
    key = new_signing_key()
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(self_signed_certificate(key, "Configured Agency"))
    key_file.write_bytes(key)
    changes = {
        "signing_cert_file": cert_file,
        "signing_key_file": key_file,
        "public_url": "https://audits.example.test",
    }
    async with client_of(with_admin, **changes) as client:
        api = Api(client, client.app)  # type: ignore[arg-type]
        world = await build_world(api)
        pdf = await outlet_report_of(api, world)
    report = pdfsig(pdf)
    assert [VALID] == signature_lines(report)
    assert "CN=Configured Agency reports,O=Configured Agency" in report
    assert "https://audits.example.test/verify" in " ".join(page_texts(pdf))


async def outlet_report_of(api: Api, world: World) -> bytes:
    """An outlet report: the own outlet's audit released first."""
    from tests.server.audits.helpers import audit_body, new_uuid, put_audit

    audit_uuid = new_uuid()
    sent = await put_audit(
        api, world.headers["auditor"], audit_uuid, audit_body(world.ids["assignment_own"])
    )
    assert 201 == sent.status_code, sent.text
    admin = world.headers["admin"]
    await api.ok("POST", f"/api/v1/review/audits/{audit_uuid}/approve", admin, {})
    response = await api.client.get(
        f"/api/v1/outlets/{world.ids['outlet_own']}/report.pdf", headers=admin
    )
    assert 200 == response.status_code, response.text
    return response.content


@pytest.fixture
async def with_admin(settings: Settings) -> Settings:
    """The test's settings, on a database holding the first admin."""
    await create_first_admin(settings)
    return settings


def client_of(settings: Settings, **changes: object) -> AsyncTestClient[Any]:
    """A client of the app built from `settings` with `changes` (its lifespan runs in `with`)."""
    return AsyncTestClient(app=create_app(dataclasses.replace(settings, **changes)))  # type: ignore[arg-type]


async def login(client: AsyncTestClient[Any]) -> str:
    response = await client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD}
    )
    assert 200 == response.status_code, response.text
    token: str = response.json()["token"]
    return token


async def put_photo(client: AsyncTestClient[Any], token: str, data: bytes) -> int:
    response = await client.put(
        f"/api/v1/photos/{uuid.uuid4()}",
        content=data,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/octet-stream",
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
        },
    )
    return response.status_code


async def test_max_photo_bytes_is_the_limit_of_photo_uploads_above_25_mb_too(
    with_admin: Settings,
) -> None:
    big = b"\x00" * (26 * 1024 * 1024)  # over the default 25 MB, not an image
    async with client_of(with_admin) as client:
        assert 413 == await put_photo(client, await login(client), big)
    async with client_of(with_admin, max_photo_bytes=30 * 1024 * 1024) as client:
        assert 415 == await put_photo(client, await login(client), big)  # read, then refused
    photo = (PHOTOS / "small_orientation_6.jpg").read_bytes()
    async with client_of(with_admin, max_photo_bytes=len(photo) - 1) as client:
        assert 413 == await put_photo(client, await login(client), photo)


async def test_max_json_bytes_is_the_limit_of_json_bodies(with_admin: Settings) -> None:
    async with client_of(with_admin, max_json_bytes=1000) as client:
        token = await login(client)
        response = await client.post(
            "/api/v1/clients",
            json={"name": "x" * 2000},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert 413 == response.status_code


async def test_max_csv_bytes_is_the_limit_of_outlet_imports(with_admin: Settings) -> None:
    async with client_of(with_admin, max_csv_bytes=100) as client:
        api = Api(client, client.app)  # type: ignore[arg-type]
        headers = {"Authorization": f"Bearer {await login(client)}"}
        created = await api.ok("POST", "/api/v1/clients", headers, {"name": "Client"})
        response = await client.post(
            f"/api/v1/clients/{created['id']}/outlets/import",
            content=b"code,name\n" + b"A1,Shop\n" * 50,
            headers={**headers, "Content-Type": "text/csv"},
        )
        assert 413 == response.status_code


def token_claims(token: str) -> dict[str, int]:
    payload = token.split(".")[1]
    claims: dict[str, int] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


async def test_access_token_minutes_is_the_lifetime_of_a_token(with_admin: Settings) -> None:
    async with client_of(with_admin, access_token_minutes=30) as client:
        claims = token_claims(await login(client))
    assert 30 * 60 == claims["exp"] - claims["iat"]


async def test_a_token_signed_with_another_secret_key_is_refused(with_admin: Settings) -> None:
    async with client_of(with_admin, secret_key="first-secret-key-" + "a" * 32) as client:
        token = await login(client)
    async with client_of(with_admin, secret_key="other-secret-key-" + "b" * 32) as client:
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert 401 == response.status_code


async def test_log_level_sets_what_the_server_logs(with_admin: Settings) -> None:
    async with client_of(with_admin, log_level="WARNING"):
        assert logging.WARNING == logging.getLogger("shopscore").level
    async with client_of(with_admin, log_level="DEBUG"):
        assert logging.DEBUG == logging.getLogger("shopscore").level


async def test_media_dir_is_where_photos_are_stored(with_admin: Settings, tmp_path: Path) -> None:
    media = tmp_path / "elsewhere"
    photo = (PHOTOS / "small_orientation_6.jpg").read_bytes()
    async with client_of(with_admin, media_dir=media) as client:
        assert 201 == await put_photo(client, await login(client), photo)
    assert any(path.read_bytes() == photo for path in media.rglob("*") if path.is_file())


# Shown elsewhere: DATABASE_URL (every server suite runs on SQLite and PostgreSQL);
# MEDIA_STORE and S3_* (tests/server/storage/test_app_on_s3.py); the login limits
# (tests/server/test_auth.py); DATABASE_BUSY_TIMEOUT_MS
# (tests/server/audits/test_races_between_workers.py); LEAGUE_REFRESH_SECONDS
# (tests/server/analytics/test_league_kept.py).
