"""Job: keep monthly usage partitions created ahead of need."""

from __future__ import annotations

from datetime import UTC, datetime

from services.runtime import Runtime


async def create_partitions_ahead(runtime: Runtime) -> int:
    """Create the partitions for the recent past and the next three months."""
    runtime.partitions.forget()
    return await runtime.partitions.ensure_ahead(runtime.pool, datetime.now(UTC).date())
