"""The dashboard's web plumbing: cookie sessions, CSRF tokens, security headers, page rendering.

- Session: the cookie holds the same signed access token the API hands out, so logging in, the
  token lifetime and logout (token generation bump) behave exactly as for the API. The cookie
  is HttpOnly, SameSite=Lax, and Secure when the request came over HTTPS.
- CSRF: double-submit token. A random token lives in its own HttpOnly cookie and in a hidden
  field of every form; an unsafe request whose field does not match the cookie is refused.
  SameSite=Lax on the session already stops cross-site POSTs in current browsers; the token
  covers older ones and login CSRF.
- Headers: a CSP without inline scripts (htmx is a same-origin file), frame denial, nosniff,
  no referrer across origins. Inline styles are allowed because the SVG charts made by
  ReportLab carry style attributes; no inline script ever is.
- Rendering: one Jinja environment with autoescaping; `_`/`ngettext` in templates come from
  `shared.i18n.translation(lang)` of the request's language; `channel_name(key)` and a page's
  `vocabulary` (template, section and item texts) turn stored keys into words.
"""

from __future__ import annotations

import hmac
import html
import re
import secrets
from pathlib import Path
from typing import Any

import jinja2
from litestar import Request, Response
from litestar.datastructures import Cookie, State, UploadFile

from reports.labels import ACTION_STATUSES, CHANNELS, label
from server.access import abilities
from server.access.caller import Caller
from server.access.scope import may_set_up
from server.audits.trust import flags_unsaid
from server.core.context import AppContext
from server.core.errors import Forbidden, Unauthorized
from server.core.i18n import _
from server.dashboard.formatting import NATIVE_NAMES, Figures
from server.reporting.service import Vocabulary
from shared.i18n import LANGUAGES, negotiate, translation
from shared.lifecycle import CORRECTIVE_TRANSITIONS

SESSION_COOKIE = "shopscore_session"
CSRF_COOKIE = "shopscore_csrf"
LANGUAGE_COOKIE = "shopscore_lang"
CSRF_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

TEMPLATES = Path(__file__).parent / "templates"
_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class LoginRequired(Exception):
    """Raised when a page needs a session and there is none; the handler redirects."""


def is_https(request: Request[Any, Any, Any]) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def context_of(request: Request[Any, Any, Any]) -> AppContext:
    state: State = request.app.state
    context: AppContext = state.context
    return context


async def session_caller(request: Request[Any, Any, Any]) -> Caller:
    """The logged-in caller of a page, or LoginRequired."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    try:
        return await context_of(request).auth.caller_from_token(token)
    except Unauthorized as error:
        raise LoginRequired from error


def session_cookie(request: Request[Any, Any, Any], token: str, max_age: int | None) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        max_age=max_age,
    )


def csrf_token(request: Request[Any, Any, Any]) -> tuple[str, Cookie | None]:
    """The request's CSRF token, and the cookie to set when it had none yet."""
    token = request.cookies.get(CSRF_COOKIE)
    if token and re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token):
        return token, None
    token = secrets.token_urlsafe(32)
    cookie = Cookie(
        key=CSRF_COOKIE,
        value=token,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    return token, cookie


async def checked_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The submitted form, after checking its CSRF field against the cookie (else 403)."""
    fields, _files = await checked_form_with_files(request)
    return fields


async def checked_form_with_files(
    request: Request[Any, Any, Any],
) -> tuple[dict[str, str], dict[str, UploadFile]]:
    """A multipart form's text fields and its non-empty files, after the CSRF check (else 403).

    A file input left empty arrives as a part without a file name: it is not in the files."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD, ""))
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(_("The form expired or came from another site; reload the page."))
    fields: dict[str, str] = {}
    files: dict[str, UploadFile] = {}
    for key, value in form.items():
        if isinstance(value, UploadFile):
            if value.filename:
                files[key] = value
        else:
            fields[key] = str(value)
    return fields, files


def language_of(request: Request[Any, Any, Any], caller: Caller | None = None) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    if caller is not None and caller.language in LANGUAGES:
        return caller.language
    return negotiate(request.headers.get("accept-language"))


def render(
    request: Request[Any, Any, Any],
    template: str,
    *,
    caller: Caller | None = None,
    status_code: int = 200,
    **values: Any,
) -> Response[str]:
    """A page or an htmx fragment in the request's language, with the CSRF token in place."""
    language = language_of(request, caller)
    messages = translation(language)
    token, cookie = csrf_token(request)
    values.setdefault("vocabulary", Vocabulary((), language))
    query = request.url.query
    html = _environment.get_template(template).render(
        _=messages.gettext,
        channel_name=lambda key: label(CHANNELS, key, messages),
        status_name=lambda key: label(ACTION_STATUSES, key, messages),
        ngettext=messages.ngettext,
        language=language,
        languages=LANGUAGES,
        caller=caller,
        # The menu and the buttons show what the caller's role may do: the API's own rules.
        may=lambda ability: caller is not None and abilities.may(caller, ability),
        corrective_steps=lambda status: (
            () if caller is None else abilities.steps(caller, CORRECTIVE_TRANSITIONS, status)
        ),
        sets_up=caller is not None and may_set_up(caller, caller.client_id),
        csrf_field=CSRF_FIELD,
        csrf_token=token,
        path=request.url.path,
        here=request.url.path + (f"?{query}" if query else ""),
        fmt=Figures(language),
        flags_unsaid=flags_unsaid,
        native_names=NATIVE_NAMES,
        **values,
    )
    response = Response(html, status_code=status_code, media_type="text/html; charset=utf-8")
    if cookie is not None:
        response.set_cookie(cookie)
    return response


def add_security_headers(response: Response[Any]) -> Response[Any]:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


_SVG_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def inline_svg(svg: str, name: str, label: str = "") -> str:
    """A ReportLab SVG document made fit to inline: no prolog, ids unique on the page, and an
    accessible name (`label`, escaped) for screen readers."""
    body = _SVG_PROLOG.sub("", svg, count=1)
    body = body.replace('id="clip"', f'id="clip-{name}"').replace("#clip)", f"#clip-{name})")
    body = body.replace('id="group"', f'id="group-{name}"')
    accessible = html.escape(label, quote=True)
    return body.replace("<svg ", f'<svg role="img" aria-label="{accessible}" class="chart" ', 1)
