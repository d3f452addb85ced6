"""Costs: recording and importing what products cost, their allocation to customers
by usage, and profitability (revenue against allocated cost)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain import aggregation as a
from domain.access import Principal, Role
from domain.allocation import Allocation, AllocationGranularity
from domain.costs import (
    CostEntry,
    CostImportSummary,
    CostRecord,
    ProfitRow,
    allocation_window_error,
    cost_errors,
    read_cost_file,
    window_error,
)
from domain.errors import Rejected
from domain.usage import ErrorCode, FieldError
from services import audit
from services.allocation import allocation_in, profitability_in
from services.audit import NOT_AUDITED, ChangeAudit
from services.runtime import Runtime
from storage import costs


async def record_cost(
    rt: Runtime, principal: Principal, cost: CostEntry, *, audit: ChangeAudit = NOT_AUDITED
) -> CostRecord:
    """Store what a product cost in one UTC hour or day (a restated period replaces it)."""
    principal.require(Role.ADMIN)
    async with rt.pool.acquire() as conn, conn.transaction():
        errors = cost_errors(cost, await costs.product_metrics(conn), rt.settings.limits)
        if errors:
            raise Rejected(errors)
        stored = await costs.upsert_cost(conn, cost)
        await audit.write(conn, "CostRecord")
    audit.committed()
    return stored


async def import_costs(rt: Runtime, principal: Principal | None, text: str) -> CostImportSummary:
    """Cost records from CSV; each bad line is reported, the rest stored.

    ``principal``: the API key that sent the file, audited with the costs it
    records (committed together, or neither is); None at the command line.
    """
    if principal is not None:
        principal.require(Role.ADMIN)
    summary = CostImportSummary()
    async with rt.pool.acquire() as conn, conn.transaction():
        read = read_cost_file(text, await costs.product_metrics(conn), rt.settings.limits)
        summary.errors = read.errors
        for _line, cost in read.costs:
            stored = await costs.upsert_cost(conn, cost)
            summary.accepted += 1
            summary.replaced += stored.replaced
        if principal is not None:
            details = {"accepted": summary.accepted, "rejected": len(summary.errors)}
            await audit.write_in(conn, audit.by_principal(principal, "importCosts", details))
    return summary


async def allocate_cost(
    rt: Runtime,
    principal: Principal,
    product: str | None,
    granularity: AllocationGranularity,
    from_: datetime,
    to: datetime,
) -> Allocation:
    """The window's costs (every product, or ``product``'s) split between companies by usage."""
    principal.require(Role.ADMIN)
    bad = allocation_window_error(granularity, from_, to, rt.settings.limits)
    if bad is not None:
        raise Rejected([bad])
    async with rt.pool.acquire() as conn:
        if product is not None and product not in await costs.product_metrics(conn):
            raise Rejected(
                [FieldError("product", ErrorCode.UNKNOWN_PRODUCT, f"no product {product!r}")]
            )
        try:
            return await allocation_in(conn, [product] if product else None, granularity, from_, to)
        except a.WindowNotAnswerable as gone:
            raise Rejected([gone.field_error()]) from None


async def profitability(
    rt: Runtime, principal: Principal, from_: datetime, to: datetime, company_id: UUID | None
) -> list[ProfitRow]:
    """Per company and billing period starting in ``[from_, to)``: revenue against cost."""
    principal.require(Role.ADMIN)
    bad = window_error(from_, to, rt.settings.limits)
    if bad is not None:
        raise Rejected([bad])
    async with rt.pool.acquire() as conn:
        return await profitability_in(conn, company_id, from_, to)
