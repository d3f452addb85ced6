"""API keys: how they are made, hashed and resolved to a principal."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
from collections.abc import Iterator
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.access import Principal, Role
from storage import repos
from storage.alert_hub import AlertHub

KEY_PREFIX = "mgk_"
# Keys remembered by one process (more: it starts again from none).
MAX_CACHED_KEYS = 10_000


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
    """Bearer key → principal, cached so that the hot ingest path does not pay a
    query per request.

    A cached key stays valid only while the process hears revocations (the
    hub's LISTEN connection, told by a trigger on api_keys): a revoked key is
    forgotten, and its open subscriptions closed, as soon as the revoking
    transaction commits, in every process. While nothing is heard, every
    request asks the database.
    """

    def __init__(self, pool: asyncpg.Pool, hub: AlertHub | None = None) -> None:
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
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX) or len(token) > 200:
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


# The close code a revoked key's socket gets (4xxx: the application's own).
REVOKED_CLOSE_CODE = 4403


async def serve_until_revoked(
    keys: KeyResolver,
    key_id: UUID | None,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
) -> None:
    """Run a websocket ``app`` for ``key_id``'s connection; when the key is revoked,
    close the socket at once: the app hears a disconnect and sends nothing more."""
    with keys.watch(key_id) as revoked:
        closed = False

        async def guarded_receive() -> Message:
            nonlocal closed
            if not revoked.is_set():
                message = asyncio.ensure_future(receive())
                waiting = asyncio.ensure_future(revoked.wait())
                try:
                    await asyncio.wait({message, waiting}, return_when=asyncio.FIRST_COMPLETED)
                finally:  # also when the app is cancelled while it waits
                    waiting.cancel()
                    if not message.done():
                        message.cancel()
                if message.done() and not message.cancelled():
                    return message.result()
            if not closed:
                closed = True
                await send(
                    {"type": "websocket.close", "code": REVOKED_CLOSE_CODE, "reason": "key revoked"}
                )
            return {"type": "websocket.disconnect", "code": REVOKED_CLOSE_CODE}

        async def guarded_send(message: Message) -> None:
            if revoked.is_set() or closed:
                return  # nothing more reaches a revoked key
            await send(message)

        await app(scope, guarded_receive, guarded_send)
