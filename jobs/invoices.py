"""Job: invoices for closed periods; drafts recomputed, then finalized after grace."""

from __future__ import annotations

from services import invoicing
from services.runtime import Runtime


async def generate_due_invoices(runtime: Runtime) -> int:
    """Invoices created or recomputed."""
    retry_max_hours = runtime.settings.invoice_retry_max_hours
    return (await invoicing.generate_invoices(runtime, retry_max_hours=retry_max_hours)).rows


async def mark_overdue_invoices(runtime: Runtime) -> int:
    """Finalized invoices past their due date and unpaid, marked OVERDUE."""
    return await invoicing.mark_overdue_invoices(runtime)
