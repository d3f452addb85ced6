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
    # records the rollup folder has not folded yet, and the oldest one's age
    unfolded_records: int = 0
    unfolded_age_seconds: float = 0.0


async def backlog(conn: asyncpg.Connection) -> Backlog:
    outbox = {
        r["channel"]: (r["pending"], r["failed"]) for r in await conn.fetch(q("outbox_backlog"))
    }
    rollups = await conn.fetchrow(q("rollup_backlog"))
    return Backlog(
        outbox,
        rollups["deltas"],
        rollups["stale"],
        rollups["unfolded"],
        max(0.0, rollups["unfolded_age"]),
    )
