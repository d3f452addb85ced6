"""What the upkeep jobs do: rollups, forecasts, invoices, retention, partitions.

Each function is one job's work (``services.jobs`` runs and records it) and
answers how many rows it touched.
"""

from __future__ import annotations

from services import alerting, invoicing, retention
from services.runtime import Runtime


async def roll_up_usage(runtime: Runtime) -> int:
    """Records folded plus deltas merged plus stale hours recomputed."""
    return (await retention.roll_up_usage(runtime)).rows


async def fold_usage(runtime: Runtime) -> int:
    """Records folded into the rollups (the continuous folder's step)."""
    return await retention.fold_usage(runtime)


async def forecast_thresholds(runtime: Runtime) -> int:
    """FORECAST alerts raised; the job run fails, naming them, when some units could not
    be checked (after every other one was)."""
    return await alerting.raise_forecasts(runtime)


async def generate_due_invoices(runtime: Runtime) -> int:
    """Invoices created or recomputed."""
    retry_max_hours = runtime.settings.invoice_retry_max_hours
    return (await invoicing.generate_invoices(runtime, retry_max_hours=retry_max_hours)).rows


async def mark_overdue_invoices(runtime: Runtime) -> int:
    """Finalized invoices past their due date and unpaid, marked OVERDUE."""
    return await invoicing.mark_overdue_invoices(runtime)


async def clean_up_usage(runtime: Runtime) -> int:
    """Rows deleted: raw records (those of dropped partitions too), rollup
    rows, old job runs and reports."""
    return (await retention.clean_up_usage(runtime)).rows


async def create_partitions_ahead(runtime: Runtime) -> int:
    """Create the partitions for the recent past and the next three months."""
    return await retention.create_partitions_ahead(runtime)
