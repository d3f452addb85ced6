"""Job: keep monthly usage partitions created ahead of need."""

from __future__ import annotations

from services import retention
from services.runtime import Runtime


async def create_partitions_ahead(runtime: Runtime) -> int:
    """Create the partitions for the recent past and the next three months."""
    return await retention.create_partitions_ahead(runtime)
