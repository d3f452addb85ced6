"""Cost records in PostgreSQL, and the reads allocation and profitability are made of.

``allocation`` and ``profitability`` read what ``domain.allocation`` and
``domain.costs`` need and return what they make of it: each period's cost
split between the companies by their usage of the product's metric in that
period, and each company's invoiced revenue per billing period against the
cost allocated to it over the same period. The caller owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import uuid_utils.compat as uuid7

from domain import aggregation as a
from domain.allocation import (
    Allocation,
    AllocationGranularity,
    CostPeriod,
    allocated_shares,
    whole_periods,
)
from domain.costs import (
    CostEntry,
    CostImportSummary,
    CostRecord,
    ProfitRow,
    Revenue,
    costs_by_period,
    profit_row,
    usage_bucket,
)
from storage.aggregate import aggregate
from storage.queries import q

__all__ = ["CostImportSummary", "CostRecord", "allocation", "profitability"]


def _cost(row: asyncpg.Record) -> CostRecord:
    return CostRecord(
        id=row["id"],
        product_code=row["product_code"],
        granularity=AllocationGranularity(row["granularity"]),
        period_start=row["period_start"],
        period_end=row["period_end"],
        amount=row["amount"],
        currency=row["currency"],
        recorded_at=row["recorded_at"],
        replaced=row.get("replaced", False),
    )


async def product_metrics(conn: asyncpg.Connection) -> dict[str, str]:
    """Each product's code and the metric it is priced on."""
    return {r["code"]: r["metric_code"] for r in await conn.fetch(q("products"))}


async def upsert_cost(conn: asyncpg.Connection, cost: CostEntry) -> CostRecord:
    """Store a checked cost; a restated period replaces its amount (``replaced``)."""
    start, end = cost.granularity.period_of(cost.period_start)
    row = await conn.fetchrow(
        q("upsert_cost"),
        uuid7.uuid7(),
        cost.product_code,
        cost.granularity.value,
        start,
        end,
        cost.amount,
        cost.currency,
    )
    return _cost(row)


async def costs_in_window(
    conn: asyncpg.Connection, begin: datetime, end: datetime, product_codes: Sequence[str] | None
) -> list[CostRecord]:
    rows = await conn.fetch(
        q("costs_in_window"), begin, end, list(product_codes) if product_codes else None
    )
    return [_cost(r) for r in rows]


async def usage_by_period(
    conn: asyncpg.Connection, metric: str, bucket: a.Granularity, from_: datetime, to: datetime
) -> dict[datetime, dict[str, Decimal]]:
    """Each UTC period's usage of ``metric`` by company (its id as text)."""
    rows = await aggregate(
        conn,
        a.Criteria(
            from_=from_,
            to=to,
            granularity=bucket,
            functions=(a.Function.SUM,),
            time_zone=ZoneInfo("UTC"),
            metric_codes=(metric,),
            group_by=(a.Dimension.COMPANY,),
        ),
    )
    out: dict[datetime, dict[str, Decimal]] = defaultdict(dict)
    for r in rows:
        out[r.period_start][str(r.group["COMPANY"])] = r.partial.total
    return out


async def company_keys(conn: asyncpg.Connection, ids: set[UUID]) -> dict[UUID, str]:
    rows = await conn.fetch(q("company_keys"), list(ids))
    return {r["id"]: r["external_key"] for r in rows}


async def revenue(
    conn: asyncpg.Connection, from_: datetime, to: datetime, company_id: UUID | None
) -> list[Revenue]:
    """Invoiced revenue per company and billing period starting in ``[from_, to)``."""
    rows = await conn.fetch(q("invoice_revenue"), from_, to, company_id)
    return [
        Revenue(
            r["company_id"],
            r["period_start"],
            r["period_end"],
            r["currency"],
            r["revenue"],
            r["final"],
        )
        for r in rows
    ]


async def allocation(
    conn: asyncpg.Connection,
    product_codes: Sequence[str] | None,
    granularity: AllocationGranularity,
    from_: datetime,
    to: datetime,
    company_id: UUID | None = None,
) -> Allocation:
    """The window's costs (every product, or those named) split between companies by usage.

    The window is widened to whole UTC periods. HOURLY allocates hourly costs
    by each hour's usage and daily costs by their day's usage; DAILY adds a
    day's costs up and splits them by the day's usage. ``company_id`` keeps
    that company's shares only (the split still counts everyone's usage).
    """
    begin, end = whole_periods(AllocationGranularity.DAILY, from_, to)
    first, last = whole_periods(granularity, from_, to)
    metrics = await product_metrics(conn)
    costs = costs_by_period(
        await costs_in_window(conn, begin, end, product_codes), granularity, first, last
    )
    usage: dict[tuple[str, a.Granularity], dict[datetime, dict[str, Decimal]]] = {}
    periods: list[CostPeriod] = []
    for (product, start, finish, currency), cost in costs.items():
        bucket = usage_bucket(start, finish)
        key = (metrics[product], bucket)
        if key not in usage:
            # Whole UTC days for a daily cost, even in an hourly window that starts mid-day.
            lo, hi = (first, last) if bucket is a.Granularity.HOUR else (begin, end)
            usage[key] = await usage_by_period(conn, metrics[product], bucket, lo, hi)
        periods.append(
            CostPeriod(product, start, finish, cost, currency, usage[key].get(start, {}))
        )
    customers = {UUID(u) for p in periods for u, v in p.usage.items() if v > 0}
    keys = await company_keys(conn, customers)
    return Allocation(granularity, first, last, allocated_shares(periods, keys, company_id))


async def profitability(
    conn: asyncpg.Connection, company_id: UUID | None, from_: datetime, to: datetime
) -> list[ProfitRow]:
    """Per company and billing period starting in ``[from, to)``: revenue against allocated cost.

    Revenue is the invoices' totals (drafts included, marked not final); the
    cost is every product's cost allocated DAILY over the billing period, in
    the invoice's currency.
    """
    revenues = await revenue(conn, from_, to, company_id)
    if not revenues:
        return []
    keys = await company_keys(conn, {r.company_id for r in revenues})
    allocated: dict[tuple[datetime, datetime], dict[tuple[UUID, str], Decimal]] = {}
    out = []
    for r in revenues:
        window = (r.period_start, r.period_end)
        if window not in allocated:
            found = await allocation(conn, None, AllocationGranularity.DAILY, *window, company_id)
            allocated[window] = found.per_customer()
        cost = allocated[window].get((r.company_id, r.currency))
        out.append(profit_row(r, keys[r.company_id], cost))
    return out
