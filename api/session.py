"""Console sessions: an API key exchanged once for a cookie.

``POST /v1/session`` takes ``{"key": ...}`` and answers with two cookies: the
session's (HttpOnly, the browser never shows it to scripts) and the CSRF
token's (readable: the console sends it back as ``X-Metergraph-CSRF`` with
every request that changes something). The key itself is not kept by the
browser. The server keeps only SHA-256 hashes of both tokens.

A session is looked up on every request it authenticates (one indexed row,
joined to its key): sign-out and revocation take effect in every process as
soon as they commit, with nothing cached to forget. Expired rows are deleted
lazily: the request that finds one deletes it, and every sign-in deletes all
expired ones (index ``console_sessions_expires``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7
from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from api.keys import KeyResolver
from domain.access import Principal, Role
from storage import sessions
from storage.audit import AuditEntry, insert_entries

SESSION_COOKIE = "metergraph_session"
CSRF_COOKIE = "metergraph_csrf"
CSRF_HEADER = "x-metergraph-csrf"
# Methods a cookie may use without the CSRF header: they change nothing.
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Longer cookie values are not tokens this server made.
MAX_TOKEN_LENGTH = 200
EXPIRED_MESSAGE = "your session has expired; sign in again"


class SessionExpired(Exception):
    """The session's cookie names a session past its expiry."""


@dataclass(frozen=True)
class Session:
    id: UUID
    principal: Principal
    expires_at: datetime
    csrf_hash: bytes

    def csrf_matches(self, header: str | None) -> bool:
        if not header or len(header) > MAX_TOKEN_LENGTH:
            return False
        return hmac.compare_digest(_hash(header), self.csrf_hash)


def _hash(token: str) -> bytes:
    # 256-bit random tokens: a fast hash is enough (see api.keys.hash_key).
    return hashlib.sha256(token.encode()).digest()


def session_token(scope: Scope) -> str | None:
    """The session cookie's value, if the request carries one."""
    for name, value in scope["headers"]:
        if name == b"cookie":
            token = cookie_parser(value.decode("latin-1")).get(SESSION_COOKIE)
            if token:
                return token
    return None


async def resolve_session(pool: asyncpg.Pool, token: str) -> Session | None:
    """The live session ``token`` names (None: none, or its key is revoked).

    Raises SessionExpired for an expired one, which is deleted on the way.
    """
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = _hash(token)
    async with pool.acquire() as conn:
        stored = await sessions.session_by_hash(conn, digest)
        if stored is None:
            return None
        if stored.expires_at <= datetime.now(UTC):
            await sessions.delete_session(conn, digest)
            raise SessionExpired
    return Session(
        id=stored.id,
        principal=Principal(stored.api_key_id, Role(stored.role), stored.company_id),
        expires_at=stored.expires_at,
        csrf_hash=stored.csrf_hash,
    )


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
    settings = runtime.settings
    ttl = settings.session_ttl_seconds
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=ttl)
    session_id = uuid7.uuid7()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    audit = AuditEntry(
        at=now,
        api_key_id=principal.key_id,
        role=principal.role.value,
        company_id=principal.company_id,
        action="signIn",
        outcome="ok",
        details={"session": str(session_id), "expiresAt": expires_at.isoformat()},
    )
    try:
        async with runtime.pool.acquire() as conn, conn.transaction():
            await sessions.delete_expired_sessions(conn, now)
            await sessions.trim_sessions(conn, principal.key_id, settings.max_sessions_per_key - 1)
            await sessions.insert_session(
                conn, session_id, principal.key_id, _hash(token), _hash(csrf), now, expires_at
            )
            await insert_entries(conn, [audit])
    except asyncpg.ForeignKeyViolationError:  # the key was deleted meanwhile
        return _error(401, "UNAUTHENTICATED", "this API key is unknown or revoked")
    body = {
        "role": principal.role.value,
        "companyId": str(principal.company_id) if principal.company_id else None,
        "expiresAt": expires_at.isoformat(),
        "csrfToken": csrf,
    }
    response = JSONResponse(body, headers={"Cache-Control": "no-store"})
    return _with_headers(response, session_cookies(token, csrf, ttl, _secure(request.scope)))


async def sign_out(request: Request) -> Response:
    """``DELETE /v1/session``: end the cookie's session (if any) and clear the cookies.

    It needs no CSRF header: all it can do is end the session whose cookie the
    request carries, and the cookies are SameSite=Strict.
    """
    token = session_token(request.scope)
    if token is not None and len(token) <= MAX_TOKEN_LENGTH:
        pool = request.app.state.runtime.pool
        async with pool.acquire() as conn, conn.transaction():
            stored = await sessions.session_by_hash(conn, _hash(token))
            ended = await sessions.delete_session(conn, _hash(token))
            if ended is not None and stored is not None:
                entry = AuditEntry(
                    at=datetime.now(UTC),
                    api_key_id=stored.api_key_id,
                    role=stored.role,
                    company_id=stored.company_id,
                    action="signOut",
                    outcome="ok",
                    details={"session": str(ended)},
                )
                await insert_entries(conn, [entry])
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    return _with_headers(response, cleared_cookies(request.scope))
