"""Security headers on every response of the app: API, dashboard, docs, static files, errors.

- `add_security_headers` (a `before_send` hook, so it also sees the 404/405 responses of
  unknown routes, which no middleware does) adds nosniff, frame denial, the referrer policy
  and a Content-Security-Policy to any response that has none yet; HSTS when the request came
  over HTTPS. The dashboard sets its own stricter page headers first (server/dashboard/web.py).
- API responses get a CSP that allows nothing at all: they are data, never documents.
- `inline_script_hashes_middleware`: the one HTML page the app does not write itself, the
  Swagger UI at /schema, starts itself with an inline script. Instead of `'unsafe-inline'`, its
  CSP allows exactly the inline scripts of that response, by their SHA-256 (CSP level 2).

HTTPS is known from the ASGI scope's scheme (uvicorn sets it from X-Forwarded-Proto when the
proxy is trusted, `--forwarded-allow-ips`) or from an X-Forwarded-Proto header, as the dashboard
decides its Secure cookies (`server.dashboard.web.is_https`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCUMENT_POLICY = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"
COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL | re.I)


def scope_is_https(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-proto":
            return value.split(b",")[0].strip() == b"https"
    return False


def _headers(message: Message) -> list[tuple[bytes, bytes]]:
    raw: Any = message.get("headers", ())
    return [(bytes(name), bytes(value)) for name, value in raw]


def _header_names(message: Message) -> set[bytes]:
    return {name.lower() for name, _value in _headers(message)}


def _is_html(message: Message) -> bool:
    return any(
        name.lower() == b"content-type" and value.startswith(b"text/html")
        for name, value in _headers(message)
    )


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Fill in the security headers a response does not set itself."""
    if message["type"] != "http.response.start":
        return
    present = _header_names(message)
    headers = _headers(message)
    headers += [(name, value) for name, value in COMMON_HEADERS if name not in present]
    if b"content-security-policy" not in present:
        policy = DOCUMENT_POLICY.format(hashes="") if _is_html(message) else API_POLICY
        headers.append((b"content-security-policy", policy.encode()))
    if scope_is_https(scope) and b"strict-transport-security" not in present:
        headers.append((b"strict-transport-security", STRICT_TRANSPORT_SECURITY.encode()))
    message["headers"] = headers


def inline_script_hashes_middleware(app: ASGIApp) -> ASGIApp:
    """Give an HTML response without a CSP one that allows its own inline scripts by hash.

    The response is held back until its body is complete (only such pages are: the API docs,
    a few hundred kilobytes at most); every other response passes through untouched.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        held: Any = None  # the start message, while the body is collected
        chunks: list[bytes] = []

        async def send_with_policy(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                if _is_html(message) and b"content-security-policy" not in _header_names(message):
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                hashes = "".join(
                    " 'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
                    for script in _INLINE_SCRIPT.findall(body)
                )
                policy = DOCUMENT_POLICY.format(hashes=hashes).encode()
                headers = [
                    (name, value)
                    for name, value in _headers(held)
                    if name.lower() != b"content-length"
                ]
                headers += [
                    (b"content-security-policy", policy),
                    (b"content-length", str(len(body)).encode()),
                ]
                held["headers"] = headers
                await send(held)
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            await send(message)

        await app(scope, receive, send_with_policy)

    return middleware
