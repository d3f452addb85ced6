"""Console sessions: an API key exchanged once for a session token.

The server keeps only SHA-256 hashes of the session's token and of its CSRF
token. A session is looked up on every request it authenticates (one indexed
row, joined to its key): sign-out and revocation take effect in every
process as soon as they commit, with nothing cached to forget. Expired rows
are deleted lazily: the request that finds one deletes it, and every
sign-in deletes all expired ones (index ``console_sessions_expires``).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain.access import Principal, Role
from domain.errors import MetergraphError
from services import audit
from services.keys import hash_key
from services.runtime import Runtime
from storage import sessions

# Longer values are not tokens this server made.
MAX_TOKEN_LENGTH = 200
EXPIRED_MESSAGE = "your session has expired; sign in again"


class SessionExpired(MetergraphError):
    """The session's cookie names a session past its expiry."""

    default_code = "SESSION_EXPIRED"

    def __init__(self, message: str = EXPIRED_MESSAGE) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Session:
    id: UUID
    principal: Principal
    expires_at: datetime
    csrf_hash: bytes

    def csrf_matches(self, header: str | None) -> bool:
        if not header or len(header) > MAX_TOKEN_LENGTH:
            return False
        return hmac.compare_digest(hash_key(header), self.csrf_hash)


@dataclass(frozen=True)
class NewSession:
    """A session just begun: its two tokens are shown this once."""

    id: UUID
    principal: Principal
    token: str
    csrf: str
    expires_at: datetime


async def resolve_session(pool: asyncpg.Pool, token: str) -> Session | None:
    """The live session ``token`` names (None: none, or its key is revoked).

    Raises SessionExpired for an expired one, which is deleted on the way.
    """
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_key(token)
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


async def sign_in(rt: Runtime, principal: Principal) -> NewSession:
    """Begin a session for ``principal``'s key, ending its oldest beyond the
    configured number. Raises NotFound when the key was deleted meanwhile."""
    settings = rt.settings
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=settings.session_ttl_seconds)
    session_id = uuid7.uuid7()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    details = {"session": str(session_id), "expiresAt": expires_at.isoformat()}
    entry = audit.by_principal(principal, "signIn", details, at=now)
    async with rt.pool.acquire() as conn, conn.transaction():
        await sessions.delete_expired_sessions(conn, now)
        await sessions.trim_sessions(conn, principal.key_id, settings.max_sessions_per_key - 1)
        await sessions.insert_session(
            conn, session_id, principal.key_id, hash_key(token), hash_key(csrf), now, expires_at
        )
        await audit.write_in(conn, entry)
    return NewSession(session_id, principal, token, csrf, expires_at)


async def sign_out(rt: Runtime, token: str) -> None:
    """End the session ``token`` names, if there is one."""
    if len(token) > MAX_TOKEN_LENGTH:
        return
    async with rt.pool.acquire() as conn, conn.transaction():
        stored = await sessions.session_by_hash(conn, hash_key(token))
        ended = await sessions.delete_session(conn, hash_key(token))
        if ended is None or stored is None:
            return
        principal = Principal(stored.api_key_id, Role(stored.role), stored.company_id)
        await audit.write_in(
            conn, audit.by_principal(principal, "signOut", {"session": str(ended)})
        )
