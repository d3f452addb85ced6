"""Job: invoices for closed periods; drafts recomputed, then finalized after grace."""

from __future__ import annotations

from services.runtime import Runtime
from storage.billing import generate_invoices, mark_overdue


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
