"""Job: move pending usage deltas into the hourly, daily and monthly rollups."""

from __future__ import annotations

from services.runtime import Runtime
from storage.rollups import roll_up


async def roll_up_usage(runtime: Runtime) -> int:
    """Deltas merged plus stale hours recomputed."""
    async with runtime.pool.acquire() as conn:
        run = await roll_up(conn)
    return run.rows
