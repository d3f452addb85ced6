"""Cost allocation and profitability, read in the caller's transaction.

The costs service and the cost reports both build on these: they read the
costs, the usage and the invoiced revenue through ``storage.costs`` and let
``domain.allocation`` and ``domain.costs`` split each period's cost between
the companies by their usage of the product's metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg

from domain import aggregation as a
from domain.allocation import (
    Allocation,
    AllocationGranularity,
    CostPeriod,
    allocated_shares,
    whole_periods,
)
from domain.costs import ProfitRow, costs_by_period, profit_rows, usage_bucket
from storage import costs


async def allocation_in(
    conn: asyncpg.Connection,
    product_codes: Sequence[str] | None,
    granularity: AllocationGranularity,
    from_: datetime,
    to: datetime,
    company_id: UUID | None = None,
) -> Allocation:
    """The window's costs (every product, or those named) split between companies by
    usage, read in the caller's transaction.

    The window is widened to whole UTC periods. HOURLY allocates hourly costs
    by each hour's usage and daily costs by their day's usage; DAILY adds a
    day's costs up and splits them by the day's usage. ``company_id`` keeps
    that company's shares only (the split still counts everyone's usage).
    """
    begin, end = whole_periods(AllocationGranularity.DAILY, from_, to)
    first, last = whole_periods(granularity, from_, to)
    metrics = await costs.product_metrics(conn)
    by_period = costs_by_period(
        await costs.costs_in_window(conn, begin, end, product_codes), granularity, first, last
    )
    usage: dict[tuple[str, a.Granularity], dict[datetime, dict[str, Decimal]]] = {}
    periods: list[CostPeriod] = []
    for (product, start, finish, currency), cost in by_period.items():
        bucket = usage_bucket(start, finish)
        key = (metrics[product], bucket)
        if key not in usage:
            # Whole UTC days for a daily cost, even in an hourly window that starts mid-day.
            lo, hi = (first, last) if bucket is a.Granularity.HOUR else (begin, end)
            usage[key] = await costs.usage_by_period(conn, metrics[product], bucket, lo, hi)
        periods.append(
            CostPeriod(product, start, finish, cost, currency, usage[key].get(start, {}))
        )
    customers = {UUID(u) for p in periods for u, v in p.usage.items() if v > 0}
    keys = await costs.company_keys(conn, customers)
    return Allocation(granularity, first, last, allocated_shares(periods, keys, company_id))


async def profitability_in(
    conn: asyncpg.Connection, company_id: UUID | None, from_: datetime, to: datetime
) -> list[ProfitRow]:
    """Per company and billing period starting in ``[from, to)``: revenue against
    allocated cost, read in the caller's transaction.

    Revenue is the invoices' totals (drafts included, marked not final); the
    cost is every product's cost allocated DAILY over the billing period, per
    currency (a cost in another currency than the invoice's is its own row).
    """
    revenues = await costs.revenue(conn, from_, to, company_id)
    if not revenues:
        return []
    keys = await costs.company_keys(conn, {r.company_id for r in revenues})
    allocated: dict[tuple[datetime, datetime], dict[tuple[UUID, str], Decimal]] = {}
    for r in revenues:
        window = (r.period_start, r.period_end)
        if window not in allocated:
            found = await allocation_in(
                conn, None, AllocationGranularity.DAILY, *window, company_id
            )
            allocated[window] = found.per_customer()
    return profit_rows(revenues, allocated, keys)
