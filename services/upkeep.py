"""What the upkeep jobs do: rollups, forecasts, invoices, retention, partitions.

Each function is one job's work (``services.jobs`` runs and records it) and
answers how many rows it touched.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from domain.errors import MetergraphError
from services.runtime import Runtime
from storage.alerts import sweep
from storage.billing import generate_invoices, mark_overdue
from storage.retention import clean_up
from storage.rollups import roll_up

_log = logging.getLogger(__name__)


class ThresholdsNotChecked(MetergraphError):
    """Some thresholds could not be checked; the others were (their alerts stand)."""


async def roll_up_usage(runtime: Runtime) -> int:
    """Deltas merged plus stale hours recomputed."""
    async with runtime.pool.acquire() as conn:
        run = await roll_up(conn)
    return run.rows


async def forecast_thresholds(runtime: Runtime) -> int:
    """FORECAST alerts raised; the job run fails, naming them, when some units could not
    be checked (after every other one was)."""
    result = await sweep(runtime.pool)
    if result.failures:
        shown = "; ".join(
            f"threshold {f.threshold_id} company {f.company_id}: {f.error}"
            for f in result.failures[:5]
        )
        raise ThresholdsNotChecked(
            f"{len(result.failures)} of the thresholds not checked ({len(result.raised)}"
            f" alerts raised): {shown}"
        )
    return len(result.raised)


async def generate_due_invoices(runtime: Runtime) -> int:
    """Invoices created or recomputed."""
    async with runtime.pool.acquire() as conn:
        run = await generate_invoices(
            conn, retry_max_hours=runtime.settings.invoice_retry_max_hours
        )
    return run.rows


async def mark_overdue_invoices(runtime: Runtime) -> int:
    """Finalized invoices past their due date and unpaid, marked OVERDUE."""
    async with runtime.pool.acquire() as conn:
        return await mark_overdue(conn)


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


async def create_partitions_ahead(runtime: Runtime) -> int:
    """Create the partitions for the recent past and the next three months."""
    runtime.partitions.forget()
    return await runtime.partitions.ensure_ahead(runtime.pool, datetime.now(UTC).date())
