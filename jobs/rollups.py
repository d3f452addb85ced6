"""Job: move pending usage deltas into the hourly, daily and monthly rollups."""

from __future__ import annotations

from services import retention
from services.runtime import Runtime


async def roll_up_usage(runtime: Runtime) -> int:
    """Deltas merged plus stale hours recomputed."""
    return (await retention.roll_up_usage(runtime)).rows
