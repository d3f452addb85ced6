"""Job: invoices for closed periods; drafts recomputed, then finalized after grace."""

from __future__ import annotations

from metergraph.runtime import Runtime
from storage.billing import generate_invoices


async def generate_due_invoices(runtime: Runtime) -> int:
    """Invoices created or recomputed."""
    async with runtime.pool.acquire() as conn:
        run = await generate_invoices(conn)
    return run.rows
