"""Job: retention cleanup of raw usage and rollups (see storage.retention)."""

from __future__ import annotations

import logging

from services.runtime import Runtime
from storage.retention import clean_up

_log = logging.getLogger(__name__)


async def clean_up_usage(runtime: Runtime) -> int:
    """Rows deleted: raw records (those of dropped partitions too), rollup
    rows, old job runs and reports."""
    async with runtime.pool.acquire() as conn:
        run = await clean_up(conn, late_arrival_days=runtime.settings.late_arrival_days)
    if run.partitions_dropped:
        runtime.partitions.forget()  # a back-fill into a dropped month recreates it
        _log.info("dropped partitions: %s", ", ".join(run.partitions_dropped))
    if run.skipped:
        _log.info("raw records kept for the next run (late data pending): %s", run.skipped)
    return run.rows
