"""API keys: how they are made, hashed, resolved to a principal and revoked.

A key is shown once, when it is made; the database keeps its SHA-256 hash
and its first characters (to recognise it in a list).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain.access import Principal, Role
from domain.errors import Invalid, NotFound
from services import audit
from services.runtime import Runtime
from storage import repos
from storage.alert_hub import AlertListener

KEY_PREFIX = "mgk_"
# Keys remembered by one process (more: it starts again from none).
MAX_CACHED_KEYS = 10_000
# A longer bearer token is not a key this service made.
MAX_KEY_LENGTH = 200


def hash_key(key: str) -> bytes:
    # Keys are 256-bit random strings, so a fast hash is enough: there is
    # nothing to brute-force that a slow hash would protect.
    return hashlib.sha256(key.encode()).digest()


async def create_api_key(
    conn: asyncpg.Connection, role: Role, company_id: UUID | None, name: str
) -> tuple[UUID, str]:
    """Store a new key (hashed) in ``conn``'s transaction; its id and its only clear copy."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = uuid7.uuid7()
    await repos.insert_api_key(conn, key_id, name, role.value, company_id, hash_key(key), key[:10])
    return key_id, key


@dataclass(frozen=True)
class IssuedKey:
    id: UUID
    role: Role
    company_id: UUID | None
    key: str  # the only clear copy


async def issue_api_key(
    rt: Runtime, role: Role, company: str | None, name: str | None
) -> IssuedKey:
    """Make a key for the operator: a scoped role needs ``company`` (its id or
    external key), the others refuse one. Audited as the command line's."""
    if role.scoped and not company:
        raise Invalid(f"a {role.value} key needs a company", field="company")
    if not role.scoped and company:
        raise Invalid(f"a {role.value} key is not tied to a company", field="company")
    async with rt.pool.acquire() as conn, conn.transaction():
        company_id = None
        if company:
            found = await repos.company_by_reference(conn, company)
            if found is None:
                raise NotFound(f"no company {company!r}")
            company_id = found.id
        key_id, key = await create_api_key(conn, role, company_id, name or role.value.lower())
        details = {"id": str(key_id), "role": role.value, "name": name}
        await audit.write_in(
            conn, audit.by_operator("createApiKey", details, company_id=company_id)
        )
    return IssuedKey(key_id, role, company_id, key)


async def revoke_api_key(rt: Runtime, key_id: UUID) -> None:
    """Revoke a key: every server process hears it (trigger api_keys_revoked) and
    refuses the key at once. Audited as the command line's."""
    async with rt.pool.acquire() as conn, conn.transaction():
        if not await repos.revoke_api_key(conn, key_id):
            raise NotFound(f"no unrevoked key has id {key_id}")
        await audit.write_in(conn, audit.by_operator("revokeApiKey", {"id": str(key_id)}))


def bearer_key(authorization: str | None) -> str | None:
    """The key an ``Authorization: Bearer`` header carries, if it can be one."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX):
        return None
    return token if len(token) <= MAX_KEY_LENGTH else None


class KeyResolver:
    """Bearer key → principal, cached so that the hot ingest path does not pay a
    query per request.

    A cached key stays valid only while the process hears revocations (the
    hub's LISTEN connection, told by a trigger on api_keys): a revoked key is
    forgotten, and its open subscriptions closed, as soon as the revoking
    transaction commits, in every process. While nothing is heard, every
    request asks the database.
    """

    def __init__(self, pool: asyncpg.Pool, hub: AlertListener | None = None) -> None:
        self._pool = pool
        self._hub = hub
        self._cache: dict[bytes, Principal] = {}
        self._revoked: dict[UUID, set[asyncio.Event]] = {}
        if hub is not None:
            hub.key_watchers.add(self)

    def revoked(self, key_id: UUID | None) -> None:
        """``key_id`` was revoked (None: revocations may have gone unheard)."""
        if key_id is None:
            self._cache.clear()
            return
        for digest in [d for d, p in self._cache.items() if p.key_id == key_id]:
            del self._cache[digest]
        for event in self._revoked.get(key_id, ()):
            event.set()

    @contextlib.contextmanager
    def watch(self, key_id: UUID | None) -> Iterator[asyncio.Event]:
        """An event set when ``key_id`` is revoked, while the caller holds it open."""
        event = asyncio.Event()
        if key_id is None:
            yield event
            return
        self._revoked.setdefault(key_id, set()).add(event)
        try:
            yield event
        finally:
            events = self._revoked.get(key_id)
            if events is not None:
                events.discard(event)
                if not events:
                    del self._revoked[key_id]

    async def resolve(self, authorization: str | None) -> Principal | None:
        token = bearer_key(authorization)
        if token is None:
            return None
        digest = hash_key(token)
        listening = self._hub is not None and self._hub.listening
        if listening:
            cached = self._cache.get(digest)
            if cached is not None:
                return cached
        async with self._pool.acquire() as conn:
            stored = await repos.api_key_by_hash(conn, digest)
        if stored is None:
            return None
        principal = Principal(stored.id, Role(stored.role), stored.company_id)
        if listening:
            if len(self._cache) > MAX_CACHED_KEYS:
                self._cache.clear()
            self._cache[digest] = principal
        return principal
