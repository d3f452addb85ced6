"""The database's figures a metrics scrape reports: outbox backlog, rollup lag."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from storage.queries import q


@dataclass(frozen=True)
class Backlog:
    # channel -> (pending, failed)
    outbox: dict[str, tuple[int, int]]
    rollup_deltas: int
    stale_hours: int


async def backlog(conn: asyncpg.Connection) -> Backlog:
    outbox = {
        r["channel"]: (r["pending"], r["failed"]) for r in await conn.fetch(q("outbox_backlog"))
    }
    rollups = await conn.fetchrow(q("rollup_backlog"))
    return Backlog(outbox, rollups["deltas"], rollups["stale"])
