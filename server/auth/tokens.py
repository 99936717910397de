"""Signed bearer tokens (JWT, HS256) carrying the user id and token generation.

A phone sends the same token with every request of a sync, so `Tokens.read` remembers the
claims of the tokens it has verified (a bounded map, checked against the expiry on every
use): the HMAC check and JSON decoding of PyJWT cost ~0.2 ms, a look-up microseconds. A
verified token string always verifies again; revocation is not decided here but by the
token generation the caller's row is compared with on every request.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Final

import jwt

from server.core.errors import Unauthorized
from server.core.i18n import _

# Tokens remembered at once; beyond that the oldest is forgotten (and verified again if used).
VERIFIED_TOKENS_KEPT: Final = 4096


class Tokens:
    def __init__(self, secret_key: str, lifetime_minutes: int) -> None:
        self._key = secret_key
        self._lifetime = dt.timedelta(minutes=lifetime_minutes)
        # token -> (user id, generation, expiry as a POSIX timestamp)
        self._verified: dict[str, tuple[int, int, float]] = {}

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
        known = self._verified.get(token)
        if known is not None:
            user_id, generation, expires = known
            # PyJWT refuses a token once `now >= exp` (no leeway): the same rule.
            if time.time() < expires:
                return user_id, generation
            del self._verified[token]
        try:
            claims = jwt.decode(
                token, self._key, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
            user_id, generation = int(claims["sub"]), int(claims.get("gen", 0))
            expires = float(int(claims["exp"]))
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise Unauthorized(_("The token is invalid or expired; log in again.")) from error
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (user_id, generation, expires)
        return user_id, generation
