"""Console sessions: an API key exchanged for a cookie (tokens kept as hashes).

Each function takes a connection: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.errors import NotFound
from storage.queries import q


@dataclass(frozen=True)
class StoredSession:
    id: UUID
    api_key_id: UUID
    role: str
    company_id: UUID | None
    csrf_hash: bytes
    expires_at: datetime


async def insert_session(
    conn: asyncpg.Connection,
    id: UUID,
    api_key_id: UUID,
    token_hash: bytes,
    csrf_hash: bytes,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    """Raises NotFound when the key is gone (deleted since it was resolved)."""
    try:
        await conn.execute(
            q("insert_console_session"),
            id,
            api_key_id,
            token_hash,
            csrf_hash,
            created_at,
            expires_at,
        )
    except asyncpg.ForeignKeyViolationError:
        raise NotFound("this API key is unknown or revoked") from None


async def session_by_hash(conn: asyncpg.Connection, token_hash: bytes) -> StoredSession | None:
    """The session with that token, expired or not, while its key is not revoked."""
    row = await conn.fetchrow(q("console_session_by_hash"), token_hash)
    if row is None:
        return None
    return StoredSession(
        id=row["id"],
        api_key_id=row["api_key_id"],
        role=row["role"],
        company_id=row["company_id"],
        csrf_hash=bytes(row["csrf_hash"]),
        expires_at=row["expires_at"],
    )


async def delete_session(conn: asyncpg.Connection, token_hash: bytes) -> UUID | None:
    """End the session with that token; its id, or None when there was none."""
    row = await conn.fetchrow(q("delete_console_session"), token_hash)
    return row["id"] if row else None


async def delete_expired_sessions(conn: asyncpg.Connection, now: datetime) -> int:
    status = await conn.execute(q("delete_expired_console_sessions"), now)
    return int(status.split()[-1])


async def trim_sessions(conn: asyncpg.Connection, api_key_id: UUID, keep: int) -> None:
    """End ``api_key_id``'s oldest sessions beyond its newest ``keep``."""
    await conn.execute(q("trim_console_sessions"), api_key_id, keep)
