"""Dashboard helpers of the security checks: session cookies and the CSRF double submit."""

from __future__ import annotations

import re

from server.dashboard.web import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE

CSRF_REFUSAL = "The form expired or came from another site"


def bearer_token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def cookie_header(**cookies: str) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}


def session(token: str, csrf: str | None = None) -> dict[str, str]:
    """Headers of a browser holding this session (and this CSRF cookie)."""
    cookies = {SESSION_COOKIE: token}
    if csrf is not None:
        cookies[CSRF_COOKIE] = csrf
    return cookie_header(**cookies)


def filled(route: str) -> str:
    """A route's path with a plausible value for each parameter."""
    values = {"int": "1", "uuid": "6f1c2b9e-4d55-4c1e-9a7e-1f0f9e4b7a11", "str": "approve"}
    return re.sub(r"\{\w+:(\w+)\}", lambda match: values.get(match.group(1), "x"), route)


__all__ = ["CSRF_FIELD", "CSRF_REFUSAL", "bearer_token", "filled", "session"]
