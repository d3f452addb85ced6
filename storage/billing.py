"""Products, contracts, invoices and payments in PostgreSQL: the billing repositories.

Each function takes a connection (the caller owns the transaction), runs
named SQL from ``sql/billing.sql`` and maps rows to domain values. What an
invoice run decides is ``domain.invoice_plan``'s; who runs it,
``services.invoicing``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain.charge_filters import ChargeFilter
from domain.contracts import Product, StoredContract
from domain.invoice_plan import Payment
from domain.invoicing import (
    Amendment,
    ContractProduct,
    ContractTerms,
    InvoiceDraft,
    InvoiceStatus,
    Line,
    LineKind,
    PaymentStatus,
    StoredInvoice,
)
from domain.pricing import Price, PriceModel, Rounding, Tier, TierBasis, TierCharge
from storage.queries import q

__all__ = ["StoredContract", "StoredInvoice"]


# ---------------------------------------------------------------- prices as JSON


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def price_to_json(price: Price) -> dict[str, Any]:
    return {
        "model": price.model.value,
        "unitPrice": _num(price.unit_price),
        "packageSize": _num(price.package_size),
        "packagePrice": _num(price.package_price),
        "rounding": price.rounding.value,
        "tiers": [
            {"upTo": _num(t.up_to), "unitPrice": _num(t.unit_price), "flatFee": _num(t.flat_fee)}
            for t in price.tiers
        ],
        "freeUnits": str(price.free_units),
        "tierBasis": price.tier_basis.value,
    }


def filters_to_json(filters: Sequence[ChargeFilter]) -> list[dict[str, Any]]:
    return [{"property": f.property, "values": list(f.values)} for f in filters]


def filters_from_json(data: Sequence[Mapping[str, Any]]) -> tuple[ChargeFilter, ...]:
    return tuple(ChargeFilter(f["property"], tuple(f["values"])) for f in data)


def price_from_json(data: Mapping[str, Any]) -> Price:
    return Price(
        model=PriceModel(data["model"]),
        unit_price=_dec(data.get("unitPrice")),
        package_size=_dec(data.get("packageSize")),
        package_price=_dec(data.get("packagePrice")),
        rounding=Rounding(data.get("rounding") or "NONE"),
        tiers=tuple(
            Tier(_dec(t.get("upTo")), _dec(t.get("unitPrice")), _dec(t.get("flatFee")))
            for t in data.get("tiers") or ()
        ),
        free_units=_dec(data.get("freeUnits")) or Decimal(0),
        tier_basis=TierBasis(data.get("tierBasis") or "TOTAL"),
    )


def line_to_json(line: Line) -> dict[str, Any]:
    return {
        "kind": line.kind.value,
        "amount": str(line.amount),
        "productCode": line.product_code,
        "metricCode": line.metric_code,
        "quantity": _num(line.quantity),
        "freeUnitsUsed": _num(line.free_units_used),
        "billableQuantity": _num(line.billable_quantity),
        "tiers": [
            {
                "tier": t.tier,
                "fromUnits": str(t.from_units),
                "upTo": _num(t.up_to),
                "units": str(t.units),
                "unitPrice": str(t.unit_price),
                "flatFee": str(t.flat_fee),
                "amount": str(t.amount),
            }
            for t in line.tiers
        ],
        "adjustsPeriodStart": (
            line.adjusts_period_start.isoformat() if line.adjusts_period_start else None
        ),
    }


def line_from_json(data: Mapping[str, Any]) -> Line:
    adjusts = data.get("adjustsPeriodStart")
    return Line(
        kind=LineKind(data["kind"]),
        amount=Decimal(data["amount"]),
        product_code=data.get("productCode"),
        metric_code=data.get("metricCode"),
        quantity=_dec(data.get("quantity")),
        free_units_used=_dec(data.get("freeUnitsUsed")),
        billable_quantity=_dec(data.get("billableQuantity")),
        tiers=tuple(
            TierCharge(
                tier=t["tier"],
                from_units=Decimal(t["fromUnits"]),
                up_to=_dec(t.get("upTo")),
                units=Decimal(t["units"]),
                unit_price=Decimal(t["unitPrice"]),
                flat_fee=Decimal(t["flatFee"]),
                amount=Decimal(t["amount"]),
            )
            for t in data.get("tiers") or ()
        ),
        adjusts_period_start=datetime.fromisoformat(adjusts) if adjusts else None,
    )


# ---------------------------------------------------------------- products


def _product(row: asyncpg.Record) -> Product:
    return Product(
        code=row["code"],
        name=row["name"],
        metric_code=row["metric_code"],
        archived_at=row["archived_at"],
    )


async def products(conn: asyncpg.Connection) -> list[Product]:
    return [_product(r) for r in await conn.fetch(q("products"))]


async def insert_product(
    conn: asyncpg.Connection, code: str, name: str, metric_code: str
) -> Product | None:
    """The product stored; None when one with ``code`` exists already."""
    row = await conn.fetchrow(q("insert_product"), code, name, metric_code)
    return _product(row) if row else None


# ---------------------------------------------------------------- contracts


def _terms(
    row: asyncpg.Record,
    products: list[asyncpg.Record],
    amendments: tuple[Amendment, ...] = (),
) -> ContractTerms:
    return ContractTerms(
        id=row["id"],
        company_id=row["company_id"],
        currency=row["currency"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        billing_day=row["billing_day"],
        payment_terms_days=row["payment_terms_days"],
        minimum_commitment=row["minimum_commitment"],
        grace=timedelta(hours=row["grace_hours"]),
        products=tuple(
            ContractProduct(
                p["product_code"],
                p["metric_code"],
                price_from_json(p["price"]),
                filters_from_json(p["filters"]),
            )
            for p in products
        ),
        late_fee_percent_per_month=row["late_fee_percent_per_month"],
        amendments=amendments,
    )


async def contracts(
    conn: asyncpg.Connection,
    company_id: UUID | None,
    contract_id: UUID | None = None,
    external_id: str | None = None,
) -> list[StoredContract]:
    rows = await conn.fetch(q("contracts"), company_id, contract_id, external_id)
    return await _stored_contracts(conn, rows)


async def contracts_page(
    conn: asyncpg.Connection,
    company_id: UUID | None,
    external_id: str | None,
    start: tuple[datetime, UUID] | None,
    limit: int,
    backward: bool = False,
) -> list[StoredContract]:
    """``limit`` contracts in (created_at, id) order after ``start`` (None: from the first);
    ``backward``: the ``limit`` before ``start`` (None: the last ones), nearest first."""
    at, at_id = start if start is not None else (None, None)
    query = q("contracts_before" if backward else "contracts_after")
    rows = await conn.fetch(query, company_id, external_id, at, at_id, limit)
    return await _stored_contracts(conn, rows)


async def count_contracts(
    conn: asyncpg.Connection, company_id: UUID | None, external_id: str | None
) -> int:
    count: int = await conn.fetchval(q("count_contracts"), company_id, external_id)
    return count


async def contracts_by_ids(
    conn: asyncpg.Connection, contract_ids: list[UUID]
) -> dict[UUID, StoredContract]:
    """The contracts of ``contract_ids`` that exist, by id, with their prices and
    later versions: the same few statements however many ids."""
    rows = await conn.fetch(q("contracts_by_ids"), contract_ids)
    return {c.terms.id: c for c in await _stored_contracts(conn, rows)}


async def _stored_contracts(
    conn: asyncpg.Connection, rows: list[asyncpg.Record]
) -> list[StoredContract]:
    """The contracts of ``rows`` with their prices and later versions."""
    if not rows:
        return []
    products = await conn.fetch(q("contract_products"), [r["id"] for r in rows])
    by_contract: dict[UUID, list[asyncpg.Record]] = {}
    for p in products:
        by_contract.setdefault(p["contract_id"], []).append(p)
    amended = await _amendments(conn, [r["id"] for r in rows])
    return [
        StoredContract(
            _terms(r, by_contract.get(r["id"], []), amended.get(r["id"], ())),
            r["late_fee_percent_per_month"],
            r["created_at"],
            r["external_id"],
        )
        for r in rows
    ]


async def _amendments(
    conn: asyncpg.Connection, contract_ids: list[UUID]
) -> dict[UUID, tuple[Amendment, ...]]:
    """Each contract's later versions, by number (``storage.contract_versions`` writes them)."""
    rows = await conn.fetch(q("contract_amendments"), contract_ids)
    if not rows:
        return {}
    metric_of = {p.code: p.metric_code for p in await products(conn)}
    found: dict[UUID, list[Amendment]] = {}
    for r in rows:
        found.setdefault(r["contract_id"], []).append(
            Amendment(
                number=r["number"],
                effective_from=r["effective_from"],
                products=tuple(
                    ContractProduct(
                        x["productCode"],
                        metric_of[x["productCode"]],
                        price_from_json(x["price"]),
                        filters_from_json(x.get("filters", ())),
                    )
                    for x in r["products"]
                ),
                minimum_commitment=r["minimum_commitment"],
                payment_terms_days=r["payment_terms_days"],
                late_fee_percent_per_month=r["late_fee_percent_per_month"],
                created_at=r["created_at"],
            )
        )
    return {k: tuple(v) for k, v in found.items()}


async def insert_contract(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    late_fee_percent_per_month: Decimal,
    external_id: str | None = None,
) -> None:
    """Store a contract and its products, together or not at all."""
    async with conn.transaction():
        await conn.execute(
            q("insert_contract"),
            terms.id,
            terms.company_id,
            terms.currency,
            terms.start_date,
            terms.end_date,
            terms.billing_day,
            terms.payment_terms_days,
            late_fee_percent_per_month,
            terms.minimum_commitment,
            int(terms.grace.total_seconds() // 3600),
            external_id,
        )
        for product in terms.products:
            await conn.execute(
                q("insert_contract_product"),
                terms.id,
                product.product_code,
                price_to_json(product.price),
                filters_to_json(product.filters),
            )


# ---------------------------------------------------------------- invoices


def _invoice(row: asyncpg.Record) -> StoredInvoice:
    return StoredInvoice(
        id=row["id"],
        contract_id=row["contract_id"],
        company_id=row["company_id"],
        status=InvoiceStatus(row["status"]),
        draft=InvoiceDraft(
            period_start=row["period_start"],
            period_end=row["period_end"],
            currency=row["currency"],
            lines=tuple(line_from_json(x) for x in row["lines"]),
            subtotal=row["subtotal"],
            minimum_true_up=row["minimum_true_up"],
            adjustments=row["adjustments"],
            total=row["total"],
            issue_date=row["issue_date"],
            due_date=row["due_date"],
            contract_version=row["contract_version"],
        ),
        finalized_at=row["finalized_at"],
        updated_at=row["updated_at"],
        payment_status=PaymentStatus(row["payment_status"]),
        paid_amount=row["paid_amount"],
        credited_amount=row["credited_amount"],
        voided_at=row["voided_at"],
        number=row["number"],
    )


def invoice_from_row(row: asyncpg.Record) -> StoredInvoice:
    """A row of ``invoices`` (all its columns) as the domain's invoice."""
    return _invoice(row)


async def invoices_of(conn: asyncpg.Connection, contract_id: UUID) -> dict[datetime, StoredInvoice]:
    rows = await conn.fetch(q("invoices_of_contract"), contract_id)
    return {r["period_start"]: _invoice(r) for r in rows}


async def upsert_invoice(
    conn: asyncpg.Connection,
    invoice_id: UUID | None,
    terms: ContractTerms,
    status: InvoiceStatus,
    draft: InvoiceDraft,
    number: str | None = None,
) -> InvoiceStatus | None:
    """Insert an invoice (a new id when ``invoice_id`` is None) or replace its draft;
    the status stored, or None when the stored one is finalized (and left alone).
    ``number``: a finalized invoice's number."""
    stored = await conn.fetchval(
        q("upsert_invoice"),
        invoice_id or uuid7.uuid7(),
        terms.id,
        terms.company_id,
        draft.period_start,
        draft.period_end,
        status.value,
        draft.currency,
        draft.subtotal,
        draft.minimum_true_up,
        draft.adjustments,
        draft.total,
        draft.issue_date,
        draft.due_date,
        [line_to_json(line) for line in draft.lines],
        draft.contract_version,
        number,
    )
    return None if stored is None else InvoiceStatus(stored)


async def take_invoice_number(conn: asyncpg.Connection, prefix: str, year: int) -> int:
    """The next sequence number of issuer ``prefix`` in ``year``, held (locked) by
    the caller's transaction until it ends: a rollback gives it back."""
    sequence: int = await conn.fetchval(q("take_invoice_number"), prefix, year)
    return sequence


async def list_invoices(
    conn: asyncpg.Connection,
    company_id: UUID | None,
    contract_id: UUID | None,
    status: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[StoredInvoice]:
    rows = await conn.fetch(
        q("list_invoices"),
        company_id,
        contract_id,
        status,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [_invoice(r) for r in rows]


async def invoice_by_id(conn: asyncpg.Connection, invoice_id: UUID) -> StoredInvoice | None:
    row = await conn.fetchrow(q("invoice_by_id"), invoice_id)
    return _invoice(row) if row else None


# ---------------------------------------------------------------- invoice runs


async def retries_waiting(conn: asyncpg.Connection, now: datetime) -> set[UUID]:
    """Contracts whose last failure's backoff has not passed by ``now``."""
    return {r["contract_id"] for r in await conn.fetch(q("invoice_retries_waiting"), now)}


async def record_run_error(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    code: str,
    message: str,
    now: datetime,
    *,
    backoff: bool,
    retry_max_hours: int,
) -> int:
    """Record a contract's failure (with a backoff before the next attempt, or
    none); the attempts so far."""
    attempts: int = await conn.fetchval(
        q("record_invoice_run_error"),
        terms.id,
        terms.company_id,
        code,
        message,
        now,
        backoff,
        retry_max_hours,
    )
    return attempts


async def clear_run_error(conn: asyncpg.Connection, contract_id: UUID) -> None:
    await conn.execute(q("clear_invoice_run_error"), contract_id)


# ---------------------------------------------------------------- payments


async def payments_of(conn: asyncpg.Connection, contract_id: UUID) -> list[Payment]:
    """Every payment on the contract's invoices."""
    rows = await conn.fetch(q("payments_of_contract"), contract_id)
    return [Payment(r["invoice_id"], r["amount"], r["paid_at"]) for r in rows]


async def record_payment(
    conn: asyncpg.Connection,
    invoice_id: UUID,
    amount: Decimal,
    paid_at: datetime,
    payment_id: UUID | None = None,
) -> tuple[PaymentStatus, Decimal] | None:
    """Store a payment; the invoice's payment state and amount paid after it."""
    row = await conn.fetchrow(
        q("insert_payment"), payment_id or uuid7.uuid7(), invoice_id, amount, paid_at
    )
    return (PaymentStatus(row["payment_status"]), row["paid_amount"]) if row else None


async def mark_overdue(conn: asyncpg.Connection, now: datetime) -> list[UUID]:
    """Mark finalized, unpaid invoices past their due date OVERDUE; their ids."""
    return [r["id"] for r in await conn.fetch(q("mark_overdue"), now)]
