"""API keys: how they are made, hashed, listed, rotated, resolved to a principal
and revoked.

A key's secret is shown once, when it is made or rotated; the database keeps
its SHA-256 hash and its first characters (to recognise it in a list). A
rotated key keeps its id; its old secret still works for
``key_rotation_grace_seconds``. Who may manage which key is
``domain.keys``'s rule; the command line (the operator) may manage any.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain import keys as k
from domain.access import Principal, Role
from domain.errors import Invalid, NotFound, Rejected
from domain.field_errors import ErrorCode, FieldError
from domain.keys import ApiKey, IssuedKey
from services import audit
from services.audit import NOT_AUDITED, ChangeAudit
from services.runtime import Runtime
from storage import repos
from storage.alert_hub import AlertListener

__all__ = [
    "KEY_PREFIX",
    "ApiKey",
    "IssuedKey",
    "KeyResolver",
    "api_keys",
    "bearer_key",
    "create_api_key",
    "create_key",
    "hash_key",
    "issue_api_key",
    "operator_api_keys",
    "revoke_api_key",
    "revoke_key",
    "rotate_api_key",
    "rotate_key",
]

_log = logging.getLogger(__name__)

KEY_PREFIX = "mgk_"
# Keys remembered by one process (more: it starts again from none).
MAX_CACHED_KEYS = 10_000
# A longer bearer token is not a key this service made.
MAX_KEY_LENGTH = 200
# A key's last_used_at is written at most this often (seconds), in batches.
LAST_USED_EVERY = 60.0
MANAGERS = (Role.ADMIN, Role.COMPANY_ADMIN)


def hash_key(key: str) -> bytes:
    # Keys are 256-bit random strings, so a fast hash is enough: there is
    # nothing to brute-force that a slow hash would protect.
    return hashlib.sha256(key.encode()).digest()


def _new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def create_api_key(
    conn: asyncpg.Connection,
    role: Role,
    company_id: UUID | None,
    name: str,
    expires_at: datetime | None = None,
    key_id: UUID | None = None,
) -> tuple[UUID, str]:
    """Store a new key (hashed) in ``conn``'s transaction; its id and its only clear copy."""
    key = _new_secret()
    key_id = key_id or uuid7.uuid7()
    await repos.insert_api_key(
        conn, key_id, name, role.value, company_id, hash_key(key), key[:10], expires_at
    )
    return key_id, key


async def api_keys(rt: Runtime, principal: Principal, company_id: UUID | None) -> list[ApiKey]:
    """The keys ``principal`` may see (a COMPANY_ADMIN: its company's), never a secret."""
    principal.require(*MANAGERS)
    company = principal.company_filter(company_id)
    async with rt.pool.acquire() as conn:
        if company is not None and await repos.company_by_id(conn, company) is None:
            raise _unknown_company(company)
        return await repos.list_api_keys(conn, company)


@dataclass(frozen=True)
class KeyPage:
    """A page of keys in (created_at, id) order, whether more lie beyond it in the
    direction it was read, and how many the caller may see in all."""

    keys: list[ApiKey]
    has_more: bool
    total: int


async def api_key_page(
    rt: Runtime,
    principal: Principal,
    company_id: UUID | None,
    page: Callable[[], tuple[int, tuple[datetime, UUID] | None]],
    backward: bool = False,
) -> KeyPage:
    """The keys ``principal`` may see (a COMPANY_ADMIN: its company's), a page at a time:
    ``page()`` gives how many and from which (created_at, id) on; ``backward``: the
    ones before it. Never a secret."""
    principal.require(*MANAGERS)
    company = principal.company_filter(company_id)
    size, start = page()
    async with rt.pool.acquire() as conn:
        if company is not None and await repos.company_by_id(conn, company) is None:
            raise _unknown_company(company)
        found = await repos.api_keys_page(conn, company, start, size + 1, backward)
        total = await repos.count_api_keys(conn, company)
    keys = found[:size]
    if backward:
        keys.reverse()  # read nearest first: the page is in the list's order
    return KeyPage(keys, has_more=len(found) > size, total=total)


async def create_key(
    rt: Runtime,
    principal: Principal,
    role: Role,
    company_id: UUID | None,
    name: str | None,
    expires_at: datetime | None,
    audit_row: ChangeAudit = NOT_AUDITED,
) -> IssuedKey:
    """Make a key; its secret is in the answer and nowhere else."""
    principal.require(*MANAGERS)
    k.require_manager(principal, role, company_id)
    return await _create(rt, role, company_id, name, expires_at, audit_row)


async def revoke_key(
    rt: Runtime, principal: Principal, key_id: UUID, audit_row: ChangeAudit = NOT_AUDITED
) -> ApiKey:
    """Revoke a key: every server process hears it (trigger api_keys_revoked) and
    refuses the key at once."""
    principal.require(*MANAGERS)
    return await _revoke(rt, principal, key_id, audit_row)


async def rotate_key(
    rt: Runtime, principal: Principal, key_id: UUID, audit_row: ChangeAudit = NOT_AUDITED
) -> IssuedKey:
    """Give a key a new secret; the old one works for the grace period, then not."""
    principal.require(*MANAGERS)
    return await _rotate(rt, principal, key_id, audit_row)


async def operator_api_keys(rt: Runtime, company: str | None) -> list[ApiKey]:
    """Every key, or one company's (its id or external key), for the operator."""
    async with rt.pool.acquire() as conn:
        company_id = None
        if company:
            found = await repos.company_by_reference(conn, company)
            if found is None:
                raise NotFound(f"no company {company!r}", field="company")
            company_id = found.id
        return await repos.list_api_keys(conn, company_id)


async def issue_api_key(
    rt: Runtime,
    role: Role,
    company: str | None,
    name: str | None,
    expires_at: datetime | None = None,
) -> IssuedKey:
    """Make a key for the operator: a scoped role needs ``company`` (its id or
    external key), the others refuse one. Audited as the command line's."""
    if role.scoped and not company:
        raise Invalid(f"a {role.value} key needs a company", field="company")
    if not role.scoped and company:
        raise Invalid(f"a {role.value} key is not tied to a company", field="company")
    company_id = None
    if company:
        async with rt.pool.acquire() as conn:
            found = await repos.company_by_reference(conn, company)
        if found is None:
            raise NotFound(f"no company {company!r}", field="company")
        company_id = found.id
    key_id = uuid7.uuid7()
    return await _create(
        rt, role, company_id, name, expires_at, _by_operator("createApiKey", key_id), key_id
    )


async def revoke_api_key(rt: Runtime, key_id: UUID) -> ApiKey:
    """Revoke a key for the operator. Audited as the command line's."""
    return await _revoke(rt, None, key_id, _by_operator("revokeApiKey", key_id))


async def rotate_api_key(rt: Runtime, key_id: UUID) -> IssuedKey:
    """Rotate a key for the operator. Audited as the command line's."""
    return await _rotate(rt, None, key_id, _by_operator("rotateApiKey", key_id))


def _by_operator(action: str, key_id: UUID) -> ChangeAudit:
    """The command line's row for ``action`` on key ``key_id`` (never its secret)."""
    return ChangeAudit(
        lambda answer: audit.by_operator(action, {"id": str(key_id), "answer": answer}),
        lambda: None,
    )


def _unknown_company(company_id: UUID) -> Rejected:
    return Rejected(
        [FieldError("companyId", ErrorCode.UNKNOWN_COMPANY, f"no company {company_id}")]
    )


async def _create(
    rt: Runtime,
    role: Role,
    company_id: UUID | None,
    name: str | None,
    expires_at: datetime | None,
    audit_row: ChangeAudit,
    key_id: UUID | None = None,
) -> IssuedKey:
    errors = k.new_key_errors(role, company_id, expires_at, datetime.now(UTC))
    if errors:
        raise Rejected(errors)
    async with rt.pool.acquire() as conn:
        async with conn.transaction():
            if company_id is not None and await repos.company_by_id(conn, company_id) is None:
                raise _unknown_company(company_id)
            key_id, secret = await create_api_key(
                conn, role, company_id, name or role.value.lower(), expires_at, key_id
            )
            stored = await repos.api_key_for_update(conn, key_id)
            assert stored is not None  # made just now, in this transaction
            await audit_row.write(conn, "IssuedApiKey")
        audit_row.committed()
    return IssuedKey(stored, secret)


async def _managed_key(
    conn: asyncpg.Connection, principal: Principal | None, key_id: UUID
) -> ApiKey:
    """Key ``key_id``, locked, once ``principal`` (None: the operator) may manage it
    and it is not revoked."""
    found = await repos.api_key_for_update(conn, key_id)
    if found is None:
        raise Rejected([FieldError("id", ErrorCode.NOT_FOUND, f"no key has id {key_id}")])
    if principal is not None:
        k.require_manager(principal, found.role, found.company_id)
    k.require_unrevoked(found)
    return found


async def _revoke(
    rt: Runtime, principal: Principal | None, key_id: UUID, audit_row: ChangeAudit
) -> ApiKey:
    async with rt.pool.acquire() as conn:
        async with conn.transaction():
            await _managed_key(conn, principal, key_id)
            await repos.revoke_api_key(conn, key_id)
            revoked = await repos.api_key_for_update(conn, key_id)
            assert revoked is not None  # locked above
            await audit_row.write(conn, "ApiKey")
        audit_row.committed()
    return revoked


async def _rotate(
    rt: Runtime, principal: Principal | None, key_id: UUID, audit_row: ChangeAudit
) -> IssuedKey:
    grace = timedelta(seconds=rt.settings.key_rotation_grace_seconds)
    secret = _new_secret()
    async with rt.pool.acquire() as conn:
        async with conn.transaction():
            await _managed_key(conn, principal, key_id)
            until = k.old_secret_valid_until(datetime.now(UTC), grace)
            rotated = await repos.rotate_api_key(conn, key_id, hash_key(secret), secret[:10], until)
            assert rotated is not None  # locked and unrevoked above
            await audit_row.write(conn, "IssuedApiKey")
        audit_row.committed()
    return IssuedKey(rotated, secret)


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
    transaction commits, in every process. A rotated key is forgotten the
    same way (trigger api_keys_rotated), so the next request learns until
    when its old secret works; a cached secret is not used past that moment
    nor past the key's expiry. While nothing is heard, every request asks the
    database.

    Each key's last use is written at most once per ``last_used_every``
    seconds, in one statement for every key used meanwhile.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        hub: AlertListener | None = None,
        *,
        last_used_every: float = LAST_USED_EVERY,
    ) -> None:
        self._pool = pool
        self._hub = hub
        self._cache: dict[bytes, tuple[Principal, datetime | None]] = {}
        self._revoked: dict[UUID, set[asyncio.Event]] = {}
        self._last_used_every = last_used_every
        self._stamped: dict[UUID, float] = {}  # key → when its use was last noted (monotonic)
        self._used: dict[UUID, datetime] = {}  # noted, not yet written
        self._writing: asyncio.Task[None] | None = None
        if hub is not None:
            hub.key_watchers.add(self)

    def revoked(self, key_id: UUID | None) -> None:
        """``key_id`` was revoked (None: revocations may have gone unheard)."""
        if key_id is None:
            self._cache.clear()
            return
        self._forget(key_id)
        for event in self._revoked.get(key_id, ()):
            event.set()

    def rotated(self, key_id: UUID) -> None:
        """``key_id`` has a new secret: what was cached of it is out of date."""
        self._forget(key_id)

    def _forget(self, key_id: UUID) -> None:
        for digest in [d for d, (p, _) in self._cache.items() if p.key_id == key_id]:
            del self._cache[digest]

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
        principal = await self._principal(hash_key(token))
        if principal is not None:
            self._note_use(principal.key_id)
        return principal

    async def _principal(self, digest: bytes) -> Principal | None:
        listening = self._hub is not None and self._hub.listening
        if listening:
            cached = self._cache.get(digest)
            if cached is not None:
                principal, until = cached
                if until is None or datetime.now(UTC) < until:
                    return principal
                del self._cache[digest]
        async with self._pool.acquire() as conn:
            stored = await repos.api_key_by_hash(conn, digest)
        if stored is None:
            return None
        principal = Principal(stored.id, Role(stored.role), stored.company_id)
        if listening:
            if len(self._cache) > MAX_CACHED_KEYS:
                self._cache.clear()
            self._cache[digest] = (principal, stored.valid_until)
        return principal

    def _note_use(self, key_id: UUID) -> None:
        now = time.monotonic()
        stamped = self._stamped.get(key_id)
        if stamped is not None and now - stamped < self._last_used_every:
            return
        if len(self._stamped) > MAX_CACHED_KEYS:
            self._stamped.clear()
        self._stamped[key_id] = now
        self._used[key_id] = datetime.now(UTC)
        if self._writing is None:
            self._writing = asyncio.get_running_loop().create_task(self._write_uses())

    async def _write_uses(self) -> None:
        # uses noted while a write is in flight go in the next one
        try:
            while self._used:
                used, self._used = self._used, {}
                try:
                    async with self._pool.acquire() as conn:
                        await repos.record_api_keys_used(conn, used)
                except Exception:
                    _log.warning("the last use of %d API keys was not recorded", len(used))
        finally:
            self._writing = None

    async def settled(self) -> None:
        """Return once every use noted so far is written (or given up)."""
        while self._writing is not None:
            await asyncio.shield(self._writing)
