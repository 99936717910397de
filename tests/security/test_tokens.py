"""Bearer tokens (and the dashboard session cookie, which holds the same JWT): every forged,
expired or revoked token is refused with 401 on the API and sends the browser to /login.
A token forged correctly with the server's own key is accepted, so the refusals are real.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
import warnings
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.warnings import InsecureKeyLengthWarning

from server.core.settings import Settings
from tests.security.dashboard import bearer_token, session
from tests.server.api import PASSWORD, Api

NEW_PASSWORD = "another long passphrase"


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(user_id: int, generation: int, lifetime: dt.timedelta) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {"sub": str(user_id), "gen": generation, "iat": now, "exp": now + lifetime}


def unsigned(payload: dict[str, Any], algorithm: str) -> str:
    body = {key: int(value.timestamp()) if isinstance(value, dt.datetime) else value
            for key, value in payload.items()}  # fmt: skip
    return f"{_segment({'alg': algorithm, 'typ': 'JWT'})}.{_segment(body)}."


def attacker_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def hmac_under_a_lying_header(payload: dict[str, Any], key: str) -> str:
    """Signed with the server's own HMAC key but claiming RS256: the algorithm is the
    server's choice, never the token's."""
    token = jwt.encode(payload, key, algorithm="HS256")
    _header, body, signature = token.split(".")
    return f"{_segment({'alg': 'RS256', 'typ': 'JWT'})}.{body}.{signature}"


def hs512(payload: dict[str, Any], key: str) -> str:
    with warnings.catch_warnings():
        # PyJWT warns that the test key is short for SHA-512; the server refuses it anyway.
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(payload, key, algorithm="HS512")


FORGERIES: dict[str, Callable[[dict[str, Any], str], str]] = {
    "alg none": lambda payload, key: unsigned(payload, "none"),
    "alg None": lambda payload, key: unsigned(payload, "None"),
    "HS256, another key": lambda payload, key: jwt.encode(payload, "x" * 48, algorithm="HS256"),
    "HS512, the server key": lambda payload, key: hs512(payload, key),
    "RS256, attacker key": lambda payload, key: jwt.encode(
        payload, attacker_rsa_key(), algorithm="RS256"
    ),
    "RS256 header, HMAC signature": hmac_under_a_lying_header,
}


async def me_status(api: Api, token: str) -> int:
    response = await api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


async def page_status(api: Api, token: str) -> tuple[int, str]:
    response = await api.client.get("/admin", headers=session(token), follow_redirects=False)
    api.client.cookies.clear()
    return response.status_code, response.headers.get("location", "")


async def assert_refused(api: Api, token: str) -> None:
    assert 401 == await me_status(api, token)
    assert (303, "/login") == await page_status(api, token)


async def admin_generation(settings: Settings) -> tuple[int, int]:
    connection = sqlite3.connect(settings.sqlite_path)
    try:
        row = connection.execute(
            "SELECT id, token_generation FROM app_user WHERE role = 'admin'"
        ).fetchone()
    finally:
        connection.close()
    return int(row[0]), int(row[1])


async def test_a_token_forged_with_the_server_key_is_accepted(api: Api, settings: Settings) -> None:
    """The control: the forging below is right, so only what each forgery changes matters."""
    user_id, generation = await admin_generation(settings)
    payload = claims(user_id, generation, dt.timedelta(hours=1))
    token = jwt.encode(payload, settings.secret_key, algorithm="HS256")
    assert 200 == await me_status(api, token)
    assert (200, "") == await page_status(api, token)


async def test_forged_tokens_are_refused(api: Api, settings: Settings) -> None:
    user_id, generation = await admin_generation(settings)
    payload = claims(user_id, generation, dt.timedelta(hours=1))
    accepted = []
    for name, forge in FORGERIES.items():
        token = forge(payload, settings.secret_key)
        outcome = (await me_status(api, token), await page_status(api, token))
        if (401, (303, "/login")) != outcome:
            accepted.append((name, outcome))
    assert [] == accepted


async def test_expired_and_incomplete_tokens_are_refused(api: Api, settings: Settings) -> None:
    user_id, generation = await admin_generation(settings)
    expired = claims(user_id, generation, -dt.timedelta(seconds=5))
    await assert_refused(api, jwt.encode(expired, settings.secret_key, algorithm="HS256"))
    no_expiry = {"sub": str(user_id), "gen": generation}
    await assert_refused(api, jwt.encode(no_expiry, settings.secret_key, algorithm="HS256"))
    older_generation = claims(user_id, generation - 1, dt.timedelta(hours=1))
    await assert_refused(api, jwt.encode(older_generation, settings.secret_key, algorithm="HS256"))


async def test_tokens_die_at_logout_password_change_and_disabling(api: Api) -> None:
    # Logout kills every token of the user, not only the one used to log out.
    first, second = await api.admin(), await api.admin()
    assert 204 == (await api.client.post("/api/v1/auth/logout", headers=first)).status_code
    await assert_refused(api, bearer_token(second))
    # A password change kills the earlier tokens and hands out a working one.
    before = await api.admin()
    changed = await api.client.post(
        "/api/v1/auth/password",
        headers=before,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert 200 == changed.status_code
    await assert_refused(api, bearer_token(before))
    assert 200 == await me_status(api, changed.json()["token"])
    # A disabled user's tokens die at once.
    admin = {"Authorization": "Bearer " + changed.json()["token"]}
    leaver_id = await api.create_user(admin, "leaver@example.test", "auditor")
    leaver = await api.login("leaver@example.test")
    await api.ok("PATCH", f"/api/v1/users/{leaver_id}", admin, {"active": False})
    await assert_refused(api, bearer_token(leaver))


async def test_passwords_are_stored_as_argon2id(api: Api, settings: Settings) -> None:
    admin = await api.admin()
    for number in range(3):
        await api.create_user(admin, f"auditor{number}@example.test", "auditor")
    connection = sqlite3.connect(settings.sqlite_path)
    try:
        hashes = [row[0] for row in connection.execute("SELECT password_hash FROM app_user")]
    finally:
        connection.close()
    assert 4 == len(hashes)
    assert [] == [value[:12] for value in hashes if not value.startswith("$argon2id$")]
    assert [] == [value for value in hashes if PASSWORD in value]
