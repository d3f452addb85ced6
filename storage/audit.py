"""The audit log's write path.

Every mutation writes one row. Under load, rows that arrive while a write is
in flight are gathered and written by the next one, so fifty concurrent
mutations cost a couple of commits, not fifty; each caller still returns
only once its own row is committed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

AUDIT_COLUMNS = ("at", "api_key_id", "role", "company_id", "action", "outcome", "details")


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    api_key_id: UUID | None
    role: str | None
    company_id: UUID | None
    action: str
    outcome: str
    details: dict[str, Any]

    def row(self) -> tuple[Any, ...]:
        return (
            self.at,
            self.api_key_id,
            self.role,
            self.company_id,
            self.action,
            self.outcome,
            self.details,
        )


class AuditWriter:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._waiting: list[tuple[AuditEntry, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, entry: AuditEntry) -> None:
        """Return once ``entry`` is committed; raise if it could not be."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((entry, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())
        await future

    async def close(self) -> None:
        """Finish the write in flight (and anything queued behind it)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

    async def _drain(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                async with self._pool.acquire() as conn:
                    # One COPY is one statement: the group commits together.
                    await conn.copy_records_to_table(
                        "audit_log", records=[e.row() for e, _ in group], columns=AUDIT_COLUMNS
                    )
            except Exception as exc:
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for _, future in group:
                    if not future.done():
                        future.set_result(None)
