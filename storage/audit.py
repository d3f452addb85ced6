"""The audit log's repository: the one function that writes its rows.

``insert_entries`` writes on the connection it is given, in that
connection's transaction when there is one: a change and its row commit
together or neither does. Every row reaches the table through it
(``services.audit`` decides when; ``domain.audit`` says what a row keeps).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from domain.audit import AuditEntry, AuditQuery, StoredAuditEntry
from storage.db import encode_json
from storage.queries import q

__all__ = ["audit_in_time_order", "audit_page", "count_audit_window", "insert_entries"]


async def insert_entries(conn: asyncpg.Connection, entries: Sequence[AuditEntry]) -> None:
    """Write ``entries`` on ``conn`` in one statement: in its transaction when it is in one."""
    if not entries:
        return
    columns = list(zip(*(e.row() for e in entries), strict=True))
    columns[-1] = tuple(encode_json(d) for d in columns[-1])
    await conn.execute(q("insert_audit_rows"), *map(list, columns))


def _stored(r: asyncpg.Record) -> StoredAuditEntry:
    entry = AuditEntry(
        at=r["at"],
        api_key_id=r["api_key_id"],
        role=r["role"],
        company_id=r["company_id"],
        action=r["action"],
        outcome=r["outcome"],
        details=r["details"],
    )
    return StoredAuditEntry(id=r["id"], entry=entry)


async def audit_page(
    conn: asyncpg.Connection,
    query: AuditQuery,
    before: tuple[datetime, int] | None,
    limit: int,
) -> list[StoredAuditEntry]:
    """Up to ``limit`` rows matching ``query``, newest first, older than ``before`` (at, id)."""
    at, row_id = before if before is not None else (None, None)
    rows = await conn.fetch(
        q("audit_page"),
        query.from_,
        query.to,
        query.action,
        query.key_id,
        query.company_id,
        query.outcome,
        at,
        row_id,
        limit,
    )
    return [_stored(r) for r in rows]


async def audit_in_time_order(
    conn: asyncpg.Connection,
    from_: datetime,
    to: datetime,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[StoredAuditEntry]:
    """Up to ``limit`` rows of ``[from_, to)``, oldest first, after ``after`` (at, id)."""
    at, row_id = after if after is not None else (None, None)
    rows = await conn.fetch(q("audit_in_time_order"), from_, to, at, row_id, limit)
    return [_stored(r) for r in rows]


async def count_audit_window(conn: asyncpg.Connection, from_: datetime, to: datetime) -> int:
    return int(await conn.fetchval(q("count_audit_window"), from_, to))
