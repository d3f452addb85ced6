"""Products, contracts and invoices in PostgreSQL; invoice generation.

``generate_invoices`` is the job's work and is safe to run at any time, as
often as wanted: each contract's closed periods get one invoice each (the
unique (contract, period) constraint makes a rerun or a crashed run
harmless), a draft is recomputed on every run until its grace period is
over, then finalized once and never touched again. Usage that reaches a
finalized period later is settled by an adjustment line on the earliest
invoice that is still a draft; once a contract has ended, on an adjustment
invoice of its own (the period after its last, holding only such lines).

Re-rating reads only data that answers a period exactly (storage.aggregate
refuses a window retention has taken the detail of): a finalized period
that can no longer be re-rated exactly is left as it was billed.

Each contract is its own unit of work: its own transaction, and a failure
is recorded on it (``invoice_run_errors``, with attempts) while the run
goes on with the other contracts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain.aggregation import WindowNotAnswerable
from domain.invoicing import (
    ContractProduct,
    ContractTerms,
    InvoiceDraft,
    Line,
    LineKind,
    active_window,
    adjustment,
    adjustment_invoice,
    build_invoice,
    closed_periods,
    late_fee,
    period_of,
)
from domain.pricing import Price, PriceModel, Rounding, Tier, TierBasis, TierCharge
from storage.aggregate import totals
from storage.queries import q

_log = logging.getLogger(__name__)

# How far back finalized periods are re-rated for late usage, at most (and
# never before the data that answers a period exactly).
ADJUSTMENT_HORIZON = timedelta(days=400)


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


# ---------------------------------------------------------------- contracts


@dataclass(frozen=True)
class StoredInvoice:
    id: UUID
    contract_id: UUID
    company_id: UUID
    status: str
    draft: InvoiceDraft
    finalized_at: datetime | None
    updated_at: datetime
    payment_status: str = "UNPAID"
    paid_amount: Decimal = Decimal(0)


def _invoice(row: asyncpg.Record) -> StoredInvoice:
    return StoredInvoice(
        id=row["id"],
        contract_id=row["contract_id"],
        company_id=row["company_id"],
        status=row["status"],
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
        ),
        finalized_at=row["finalized_at"],
        updated_at=row["updated_at"],
        payment_status=row["payment_status"],
        paid_amount=row["paid_amount"],
    )


def _terms(row: asyncpg.Record, products: list[asyncpg.Record]) -> ContractTerms:
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
            ContractProduct(p["product_code"], p["metric_code"], price_from_json(p["price"]))
            for p in products
        ),
        late_fee_percent_per_month=row["late_fee_percent_per_month"],
    )


@dataclass(frozen=True)
class StoredContract:
    terms: ContractTerms
    late_fee_percent_per_month: Decimal
    created_at: datetime


async def contracts(
    conn: asyncpg.Connection, company_id: UUID | None, contract_id: UUID | None = None
) -> list[StoredContract]:
    rows = await conn.fetch(q("contracts"), company_id, contract_id)
    if not rows:
        return []
    products = await conn.fetch(q("contract_products"), [r["id"] for r in rows])
    by_contract: dict[UUID, list[asyncpg.Record]] = {}
    for p in products:
        by_contract.setdefault(p["contract_id"], []).append(p)
    return [
        StoredContract(
            _terms(r, by_contract.get(r["id"], [])),
            r["late_fee_percent_per_month"],
            r["created_at"],
        )
        for r in rows
    ]


async def insert_contract(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    late_fee_percent_per_month: Decimal,
) -> None:
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
        )
        for product in terms.products:
            await conn.execute(
                q("insert_contract_product"),
                terms.id,
                product.product_code,
                price_to_json(product.price),
            )


# ---------------------------------------------------------------- invoices


async def quantities(
    conn: asyncpg.Connection, terms: ContractTerms, start: datetime, end: datetime
) -> dict[str, Decimal]:
    """Each product's usage in the contract's active part of ``[start, end)``."""
    begin, finish = active_window(terms, start, end)
    metrics = sorted({p.metric_code for p in terms.products})
    used = await totals(conn, terms.company_id, metrics, begin, finish, billable=True)
    return {p.product_code: used.get(p.metric_code, Decimal(0)) for p in terms.products}


async def invoices_of(conn: asyncpg.Connection, contract_id: UUID) -> dict[datetime, StoredInvoice]:
    rows = await conn.fetch(q("invoices_of_contract"), contract_id)
    return {r["period_start"]: _invoice(r) for r in rows}


async def preview(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    start: datetime,
    end: datetime,
    prices: Mapping[str, Price] | None = None,
) -> InvoiceDraft:
    """The invoice ``[start, end)`` would get now, stored nowhere."""
    return build_invoice(
        terms, start, end, await quantities(conn, terms, start, end), prices=prices
    )


async def _adjustments(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    existing: Mapping[datetime, StoredInvoice],
    before: datetime,
    now: datetime,
) -> list[Line]:
    """Settle finalized periods before ``before`` whose usage changed after finalization."""
    settled: dict[datetime, Decimal] = {}
    for invoice in existing.values():
        if invoice.status != "FINALIZED":
            continue
        for line in invoice.draft.lines:
            if line.kind is LineKind.ADJUSTMENT and line.adjusts_period_start is not None:
                key = line.adjusts_period_start
                settled[key] = settled.get(key, Decimal(0)) + line.amount
    # what the draft being recomputed already settles: a period that can no
    # longer be re-rated keeps the line computed while it still could
    recomputed = existing.get(before)
    carried = {
        line.adjusts_period_start: line
        for line in (recomputed.draft.lines if recomputed and recomputed.status == "DRAFT" else ())
        if line.kind is LineKind.ADJUSTMENT
    }
    lines = []
    for start, invoice in sorted(existing.items()):
        if (
            invoice.status != "FINALIZED"
            or start >= before
            or _after_end(terms, start)  # an adjustment invoice: no usage of its own
        ):
            continue
        try:
            if invoice.draft.period_end < now - ADJUSTMENT_HORIZON:
                raise WindowNotAnswerable(start)
            again = await preview(conn, terms, start, invoice.draft.period_end)
        except WindowNotAnswerable:
            # retention has taken the detail this period needs: what was
            # billed (and settled) stands; incomplete data never re-rates it
            if start in carried:
                lines.append(carried[start])
            continue
        line = adjustment(
            start, again.charged, invoice.draft.charged, settled.get(start, Decimal(0))
        )
        if line is not None:
            lines.append(line)
    return lines


async def _late_fees(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    existing: Mapping[datetime, StoredInvoice],
    start: datetime,
    end: datetime,
) -> list[Line]:
    """Late fees for earlier invoices still unpaid, for their overdue days in ``[start, end)``."""
    if terms.late_fee_percent_per_month <= 0:
        return []
    paid = {
        r["invoice_id"]: r["paid"] for r in await conn.fetch(q("payments_before"), terms.id, end)
    }
    lines = []
    for earlier_start, invoice in sorted(existing.items()):
        if invoice.status != "FINALIZED" or earlier_start >= start:
            continue
        outstanding = invoice.draft.total - paid.get(invoice.id, Decimal(0))
        line = late_fee(
            earlier_start,
            outstanding,
            invoice.draft.due_date,
            terms.late_fee_percent_per_month,
            start,
            end,
        )
        if line is not None:
            lines.append(line)
    return lines


@dataclass
class GenerationRun:
    created: int = 0
    updated: int = 0
    finalized: int = 0
    # contracts whose invoices failed this run (recorded in invoice_run_errors)
    failed: list[UUID] = field(default_factory=list)
    # periods no data held answers exactly any more, left without an invoice
    unanswerable: list[datetime] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated


def _after_end(terms: ContractTerms, start: datetime) -> bool:
    """Whether a period starts after the contract ended: an adjustment invoice's."""
    return terms.end_date is not None and start.date() > terms.end_date


async def generate_for_contract(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    now: datetime,
    run: GenerationRun,
    only: datetime | None = None,
) -> None:
    existing = dict(await invoices_of(conn, terms.id))
    if only is not None:
        only = period_of(only, terms.billing_day)[0]
    earliest_open: datetime | None = None
    for start, end in closed_periods(terms, now):
        if only is not None and start != only:
            if start in existing and existing[start].status == "DRAFT" and earliest_open is None:
                earliest_open = start
            continue
        invoice = existing.get(start)
        if invoice is not None and invoice.status == "FINALIZED":
            continue
        try:
            used = await quantities(conn, terms, start, end)
        except WindowNotAnswerable:
            # never a wrong invoice: the period waits (recorded on the contract)
            run.unanswerable.append(start)
            continue
        adjustments: list[Line] = []
        if earliest_open is None:
            earliest_open = start
            adjustments = await _adjustments(conn, terms, existing, start, now)
        adjustments += await _late_fees(conn, terms, existing, start, end)
        draft = build_invoice(terms, start, end, used, adjustments=adjustments)
        await _store(conn, terms, invoice, draft, now, run, existing)
    if terms.end_date is not None and earliest_open is None and only is None:
        await _settle_after_end(conn, terms, existing, now, run)


async def _settle_after_end(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    existing: dict[datetime, StoredInvoice],
    now: datetime,
    run: GenerationRun,
) -> None:
    """An ended contract whose periods are all finalized: usage that reached
    them late goes on an adjustment invoice (the billing period after the
    contract's last, or the one now running), a draft until its grace is over."""
    open_drafts = [s for s, i in existing.items() if i.status == "DRAFT" and _after_end(terms, s)]
    if open_drafts:
        start = min(open_drafts)
        end = existing[start].draft.period_end
    else:
        start, end = period_of(now, terms.billing_day)
        if not _after_end(terms, start) or start in existing:
            return  # the contract's last period is still running, or was just settled
    lines = await _adjustments(conn, terms, existing, start, now)
    invoice = existing.get(start)
    if invoice is None and not lines:
        return
    await _store(
        conn, terms, invoice, adjustment_invoice(terms, start, end, lines), now, run, existing
    )


async def _store(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    invoice: StoredInvoice | None,
    draft: InvoiceDraft,
    now: datetime,
    run: GenerationRun,
    existing: dict[datetime, StoredInvoice],
) -> None:
    start, end = draft.period_start, draft.period_end
    final = now >= end + terms.grace
    invoice_id = invoice.id if invoice else uuid7.uuid7()
    status = await conn.fetchval(
        q("upsert_invoice"),
        invoice_id,
        terms.id,
        terms.company_id,
        start,
        end,
        "FINALIZED" if final else "DRAFT",
        draft.currency,
        draft.subtotal,
        draft.minimum_true_up,
        draft.adjustments,
        draft.total,
        draft.issue_date,
        draft.due_date,
        [line_to_json(line) for line in draft.lines],
    )
    if status is not None:
        # later periods of this run see it as it now stands (adjustments, late fees)
        existing[start] = StoredInvoice(
            invoice_id, terms.id, terms.company_id, status, draft, None, now
        )
    if invoice is None:
        run.created += 1
    elif status is not None:
        run.updated += 1
    if final and status == "FINALIZED":
        run.finalized += 1


# Failures that are the connection's, not the contract's: the run cannot go on.
_CONNECTION_LOST = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)


def _failure_code(exc: Exception) -> str:
    if isinstance(exc, WindowNotAnswerable):
        return "WINDOW_NOT_ANSWERABLE"
    if isinstance(exc, ArithmeticError | asyncpg.DataError):
        return "OUT_OF_RANGE"
    if isinstance(exc, ValueError | OverflowError):
        return "INVALID_CONTRACT"
    return "INTERNAL"


async def generate_invoices(
    conn: asyncpg.Connection,
    *,
    now: datetime | None = None,
    period_start: datetime | None = None,
    company_id: UUID | None = None,
    retry_max_hours: int = 24,
) -> GenerationRun:
    """Invoices for every contract's closed periods (or just ``period_start``'s).

    Each contract in a transaction of its own: one that fails is rolled back
    and recorded in ``invoice_run_errors`` (attempts, the next attempt after
    a backoff), and the run goes on with the next contract.
    """
    now = now or datetime.now(UTC)
    run = GenerationRun()
    waiting = {r["contract_id"] for r in await conn.fetch(q("invoice_retries_waiting"), now)}
    for contract in await contracts(conn, company_id):
        terms = contract.terms
        if terms.id in waiting:
            continue
        done = GenerationRun()
        try:
            # one snapshot for all of the contract's periods
            async with conn.transaction(isolation="repeatable_read"):
                await generate_for_contract(conn, terms, now, done, only=period_start)
        except _CONNECTION_LOST:
            raise
        except Exception as exc:  # noqa: BLE001 - a contract's failure is recorded on it
            attempts = await conn.fetchval(
                q("record_invoice_run_error"),
                terms.id,
                terms.company_id,
                _failure_code(exc),
                f"{type(exc).__name__}: {exc}"[:500],
                now,
                True,
                retry_max_hours,
            )
            _log.warning("invoices of contract %s failed (attempt %d): %s", terms.id, attempts, exc)
            run.failed.append(terms.id)
            continue
        if done.unanswerable:
            # the other periods are invoiced; these are reported, and asked again next run
            await conn.fetchval(
                q("record_invoice_run_error"),
                terms.id,
                terms.company_id,
                "WINDOW_NOT_ANSWERABLE",
                "retention has removed the detail these periods need: "
                + ", ".join(s.isoformat() for s in done.unanswerable),
                now,
                False,
                retry_max_hours,
            )
            run.unanswerable += done.unanswerable
        else:
            await conn.execute(q("clear_invoice_run_error"), terms.id)
        run.created += done.created
        run.updated += done.updated
        run.finalized += done.finalized
    return run


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


def first_day(moment: date) -> datetime:
    return datetime.combine(moment, datetime.min.time(), tzinfo=UTC)


async def record_payment(
    conn: asyncpg.Connection, invoice_id: UUID, amount: Decimal, paid_at: datetime
) -> tuple[str, Decimal] | None:
    """Store a payment; the invoice's payment state and amount paid after it."""
    row = await conn.fetchrow(q("insert_payment"), uuid7.uuid7(), invoice_id, amount, paid_at)
    return (row["payment_status"], row["paid_amount"]) if row else None


async def mark_overdue(conn: asyncpg.Connection, now: datetime | None = None) -> int:
    rows = await conn.fetch(q("mark_overdue"), now or datetime.now(UTC))
    return len(rows)
