"""What a read replica says of itself."""

from __future__ import annotations

import asyncpg

from storage.queries import q


async def replay_lag(conn: asyncpg.Connection) -> float:
    """Seconds this server's replay is behind its primary (0 for a primary)."""
    lag: float = await conn.fetchval(q("replay_lag"))
    return lag
