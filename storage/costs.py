"""Cost records in PostgreSQL, and the reads allocation and profitability are made of.

Each function takes a connection (the caller owns the transaction) and
reads or writes one thing; ``services.costs`` composes them into an
allocation or a profitability table (``domain.allocation`` and
``domain.costs`` decide the split).
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
from domain.allocation import AllocationGranularity
from domain.costs import CostEntry, CostImportSummary, CostRecord, Revenue
from storage.aggregate import aggregate
from storage.queries import q

__all__ = ["CostImportSummary", "CostRecord"]


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


async def cost_record(conn: asyncpg.Connection, record_id: UUID) -> CostRecord | None:
    row = await conn.fetchrow(q("cost_record_by_id"), record_id)
    return _cost(row) if row is not None else None


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
