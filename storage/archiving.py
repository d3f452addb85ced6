"""Archiving companies, metrics and products, and what depends on them.

Each function takes a connection: the caller owns the transaction (and locks
the row it archives first, so that a dependent added meanwhile is seen).
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from domain.archiving import NAMED_DEPENDENTS
from domain.contracts import Product
from domain.usage import Metric
from storage.billing import _product
from storage.queries import q

# One more than a refusal names, so that it can say there are more.
_FETCHED = NAMED_DEPENDENTS + 1


async def _names(conn: asyncpg.Connection, query: str, key: object) -> list[str]:
    return [r["name"] for r in await conn.fetch(q(query), key, _FETCHED)]


async def company_unpaid_invoices(conn: asyncpg.Connection, id: UUID) -> list[str]:
    """The company's finalized invoices still owed (numbers), a few."""
    return await _names(conn, "company_unpaid_invoices", id)


async def company_active_contracts(conn: asyncpg.Connection, id: UUID) -> list[str]:
    """The company's contracts in force (external ids, or ids), a few."""
    return await _names(conn, "company_active_contracts", id)


async def archive_company(conn: asyncpg.Connection, id: UUID) -> None:
    await conn.execute(q("archive_company"), id)


async def metric_active_products(conn: asyncpg.Connection, code: str) -> list[str]:
    """The products not archived that bill metric ``code``, a few."""
    return await _names(conn, "metric_active_products", code)


async def metric_thresholds(conn: asyncpg.Connection, code: str) -> list[str]:
    """The thresholds that watch metric ``code`` (company and period), a few."""
    return await _names(conn, "metric_thresholds", code)


async def archive_metric(conn: asyncpg.Connection, code: str) -> None:
    await conn.execute(q("archive_metric"), code)


async def update_metric(conn: asyncpg.Connection, metric: Metric) -> None:
    """Store ``metric``'s name, description and meaning (its code names it)."""
    await conn.execute(
        q("update_metric"),
        metric.code,
        metric.name,
        metric.description,
        metric.unit,
        metric.resource_type.value,
        metric.measurement_type.value,
        metric.aggregation.value,
    )


async def lock_product(conn: asyncpg.Connection, code: str) -> Product | None:
    row = await conn.fetchrow(q("lock_product"), code)
    return _product(row) if row else None


async def product_active_contracts(conn: asyncpg.Connection, code: str) -> list[str]:
    """The contracts in force that price product ``code``, a few."""
    return await _names(conn, "product_active_contracts", code)


async def archive_product(conn: asyncpg.Connection, code: str) -> Product:
    row = await conn.fetchrow(q("archive_product"), code)
    return _product(row)
