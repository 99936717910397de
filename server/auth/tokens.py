"""Signed bearer tokens (JWT, HS256) carrying the user id and token generation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt

from server.errors import Unauthorized
from server.i18n import _


class Tokens:
    def __init__(self, secret_key: str, lifetime_minutes: int) -> None:
        self._key = secret_key
        self._lifetime = dt.timedelta(minutes=lifetime_minutes)

    def issue(self, user_id: int, generation: int) -> str:
        now = dt.datetime.now(dt.UTC)
        claims: dict[str, Any] = {
            "sub": str(user_id),
            "gen": generation,
            "iat": now,
            "exp": now + self._lifetime,
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def read(self, token: str) -> tuple[int, int]:
        """Return (user id, generation) of a valid token, or raise Unauthorized."""
        try:
            claims = jwt.decode(
                token, self._key, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
            return int(claims["sub"]), int(claims.get("gen", 0))
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise Unauthorized(_("The token is invalid or expired; log in again.")) from error
