"""Console sessions over HTTP: an API key exchanged once for a cookie.

``POST /v1/session`` takes ``{"key": ...}`` and answers with two cookies: the
session's (HttpOnly, the browser never shows it to scripts) and the CSRF
token's (readable: the console sends it back as ``X-Metergraph-CSRF`` with
every request that changes something). The key itself is not kept by the
browser. What the server keeps, and when a session ends, is
``services.sessions``'s.
"""

from __future__ import annotations

import json

from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from domain.errors import NotFound
from services import sessions
from services.keys import KeyResolver

SESSION_COOKIE = "metergraph_session"
CSRF_COOKIE = "metergraph_csrf"
CSRF_HEADER = "x-metergraph-csrf"
# Methods a cookie may use without the CSRF header: they change nothing.
SAFE_METHODS = frozenset({"GET", "HEAD"})


def session_token(scope: Scope) -> str | None:
    """The session cookie's value, if the request carries one."""
    for name, value in scope["headers"]:
        if name == b"cookie":
            token = cookie_parser(value.decode("latin-1")).get(SESSION_COOKIE)
            if token:
                return token
    return None


def _error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    error = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return JSONResponse({"error": error}, status_code=status)


def _secure(scope: Scope) -> bool:
    return scope.get("scheme") in ("https", "wss")


def session_cookies(token: str, csrf: str, ttl: int, secure: bool) -> list[tuple[bytes, bytes]]:
    """The Set-Cookie headers of a new session."""
    tail = "; Secure" if secure else ""
    return [
        (
            b"set-cookie",
            f"{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={ttl}"
            f"{tail}".encode(),
        ),
        (
            b"set-cookie",
            f"{CSRF_COOKIE}={csrf}; SameSite=Strict; Path=/; Max-Age={ttl}{tail}".encode(),
        ),
    ]


def cleared_cookies(scope: Scope) -> list[tuple[bytes, bytes]]:
    """The Set-Cookie headers that make a browser forget both cookies."""
    tail = "; Secure" if _secure(scope) else ""
    gone = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    return [
        (
            b"set-cookie",
            f"{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; {gone}{tail}".encode(),
        ),
        (b"set-cookie", f"{CSRF_COOKIE}=; SameSite=Strict; Path=/; {gone}{tail}".encode()),
    ]


def _with_headers(response: Response, headers: list[tuple[bytes, bytes]]) -> Response:
    response.raw_headers.extend(headers)
    return response


def refusal(scope: Scope, status: int, code: str, message: str) -> Response:
    """An error answer that also clears the session's cookies."""
    return _with_headers(_error(status, code, message), cleared_cookies(scope))


def _key_of(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    key = data.get("key") if isinstance(data, dict) else None
    return key if isinstance(key, str) and key.strip() else None


async def sign_in(request: Request) -> Response:
    """``POST /v1/session``: exchange an API key for the session's cookies."""
    key = _key_of(await request.body())
    if key is None:
        return _error(
            400, "INVALID_REQUEST", 'send a JSON object {"key": "<api key>"}', field="key"
        )
    keys: KeyResolver = request.app.state.keys
    principal = await keys.resolve(f"Bearer {key.strip()}")
    if principal is None:
        return _error(401, "UNAUTHENTICATED", "this API key is unknown or revoked")
    runtime = request.app.state.runtime
    try:
        begun = await sessions.sign_in(runtime, principal)
    except NotFound:  # the key was deleted meanwhile
        return _error(401, "UNAUTHENTICATED", "this API key is unknown or revoked")
    body = {
        "role": principal.role.value,
        "companyId": str(principal.company_id) if principal.company_id else None,
        "expiresAt": begun.expires_at.isoformat(),
        "csrfToken": begun.csrf,
    }
    response = JSONResponse(body, headers={"Cache-Control": "no-store"})
    ttl = runtime.settings.session_ttl_seconds
    cookies = session_cookies(begun.token, begun.csrf, ttl, _secure(request.scope))
    return _with_headers(response, cookies)


async def sign_out(request: Request) -> Response:
    """``DELETE /v1/session``: end the cookie's session (if any) and clear the cookies.

    It needs no CSRF header: all it can do is end the session whose cookie the
    request carries, and the cookies are SameSite=Strict.
    """
    token = session_token(request.scope)
    if token is not None:
        await sessions.sign_out(request.app.state.runtime, token)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    return _with_headers(response, cleared_cookies(request.scope))
