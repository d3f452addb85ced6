"""API keys: how they are made, hashed and resolved to a principal."""

from __future__ import annotations

import hashlib
import secrets
import time
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain.access import Principal, Role
from storage import repos

KEY_PREFIX = "mgk_"


def hash_key(key: str) -> bytes:
    # Keys are 256-bit random strings, so a fast hash is enough: there is
    # nothing to brute-force that a slow hash would protect.
    return hashlib.sha256(key.encode()).digest()


async def create_api_key(
    conn: asyncpg.Connection, role: Role, company_id: UUID | None, name: str
) -> tuple[UUID, str]:
    """Store a new key (hashed) and return its id and its only clear copy."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = uuid7.uuid7()
    await repos.insert_api_key(conn, key_id, name, role.value, company_id, hash_key(key), key[:10])
    return key_id, key


class KeyResolver:
    """Bearer key → principal, with a short cache so that the hot ingest path
    does not pay a query per request."""

    def __init__(self, pool: asyncpg.Pool, ttl_seconds: float = 10.0) -> None:
        self._pool = pool
        self._ttl = ttl_seconds
        self._cache: dict[bytes, tuple[float, Principal]] = {}

    async def resolve(self, authorization: str | None) -> Principal | None:
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX) or len(token) > 200:
            return None
        digest = hash_key(token)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        async with self._pool.acquire() as conn:
            stored = await repos.api_key_by_hash(conn, digest)
        if stored is None:
            return None
        principal = Principal(stored.id, Role(stored.role), stored.company_id)
        self._cache[digest] = (now, principal)
        return principal
