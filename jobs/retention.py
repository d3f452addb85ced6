"""Job: retention cleanup of raw usage and rollups (see services.retention)."""

from __future__ import annotations

from services import retention
from services.runtime import Runtime


async def clean_up_usage(runtime: Runtime) -> int:
    """Rows deleted: raw records (those of dropped partitions too), rollup
    rows, old job runs and reports."""
    return (await retention.clean_up_usage(runtime)).rows
