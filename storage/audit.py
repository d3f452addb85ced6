"""The audit log's repository: the one function that writes its rows.

``insert_entries`` writes on the connection it is given, in that
connection's transaction when there is one: a change and its row commit
together or neither does. Every row reaches the table through it
(``services.audit`` decides when; ``domain.audit`` says what a row keeps).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from domain.audit import AuditEntry
from storage.db import encode_json
from storage.queries import q

__all__ = ["insert_entries", "list_audit"]


async def insert_entries(conn: asyncpg.Connection, entries: Sequence[AuditEntry]) -> None:
    """Write ``entries`` on ``conn`` in one statement: in its transaction when it is in one."""
    if not entries:
        return
    columns = list(zip(*(e.row() for e in entries), strict=True))
    columns[-1] = tuple(encode_json(d) for d in columns[-1])
    await conn.execute(q("insert_audit_rows"), *map(list, columns))


async def list_audit(
    conn: asyncpg.Connection, company_id: UUID | None, before_id: int | None, limit: int
) -> list[asyncpg.Record]:
    return list(await conn.fetch(q("list_audit"), company_id, before_id, limit))
