"""Invoice drafts read in the caller's transaction: a contract's usage in a
period and the invoice it would get now (``domain.invoicing`` prices it).

The invoice run, the invoice preview and the usage reports build on these.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import asyncpg

from domain.charge_filters import as_sql
from domain.invoicing import (
    ContractTerms,
    InvoiceDraft,
    active_window,
    build_invoice,
    in_force,
)
from domain.pricing import Price
from storage.aggregate import totals


async def quantities(
    conn: asyncpg.Connection, terms: ContractTerms, start: datetime, end: datetime
) -> dict[str, Decimal]:
    """Each product's usage in the contract's active part of ``[start, end)``.

    Products without charge filters share one read of each metric's total
    (rollups plus pending deltas plus the unfolded tail plus raw edges). A
    product with filters is counted from raw records, the only place record
    properties live: the rollups sum whole contexts and cannot tell a matching
    record from another, so reading them would bill records the filters
    exclude. Raises
    ``WindowNotAnswerable`` when retention has taken the detail it needs
    (for a filtered product: any raw record of the period). The products are
    those of the version in force at ``end`` (it prices the period).
    """
    terms = in_force(terms, end)
    begin, finish = active_window(terms, start, end)
    metrics = sorted({p.metric_code for p in terms.products if not p.filters})
    used = await totals(conn, terms.company_id, metrics, begin, finish, billable=True)
    counted = {p.product_code: used.get(p.metric_code, Decimal(0)) for p in terms.products}
    for product in (p for p in terms.products if p.filters):
        matching = await totals(
            conn,
            terms.company_id,
            [product.metric_code],
            begin,
            finish,
            billable=True,
            property_filters=as_sql(product.filters),
        )
        counted[product.product_code] = matching.get(product.metric_code, Decimal(0))
    return counted


async def preview_draft(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    start: datetime,
    end: datetime,
    prices: Mapping[str, Price] | None = None,
) -> InvoiceDraft:
    """The invoice ``[start, end)`` would get now, stored nowhere (in the caller's
    transaction)."""
    return build_invoice(
        terms, start, end, await quantities(conn, terms, start, end), prices=prices
    )
