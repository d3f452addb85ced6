"""Invoicing: the invoice run, invoices read and previewed, payments and overdue invoices.

``generate_invoices`` is safe to run at any time, as often as wanted: each
contract's closed periods get one invoice each (the unique (contract,
period) constraint makes a rerun or a crashed run harmless), a draft is
recomputed on every run until its grace period is over, then finalized once
and never touched again (``domain.invoice_plan`` decides all of it).

Re-rating reads only data that answers a period exactly (storage.aggregate
refuses a window retention has taken the detail of): a finalized period
that can no longer be re-rated exactly is left as it was billed.

Each contract is its own unit of work: its own transaction (one snapshot
for all of its periods), and a failure is recorded on it
(``invoice_run_errors``, with attempts) while the run goes on with the
other contracts.

An invoice the run finalizes spends the company's credit in its currency
(``domain.invoice_plan``); the ledger entry is tied to the invoice (at
most one each) and written in the contract's transaction, so a rerun or a
crashed run spends it once. The balance cannot go below zero: a run that
raced another for the same credit fails on that contract and is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain import invoice_plan as plan
from domain.access import Principal, Role
from domain.aggregation import WindowNotAnswerable
from domain.charge_filters import ChargeFilter
from domain.contracts import (
    filter_override_errors,
    period_start_errors,
    price_override_errors,
    with_filters,
)
from domain.credits import CreditSource, overpaid
from domain.errors import Rejected
from domain.invoice_documents import invoice_number
from domain.invoicing import (
    ContractTerms,
    InvoiceDraft,
    InvoiceStatus,
    StoredInvoice,
    in_force,
    period_of,
)
from domain.payments import not_payable, payment_errors
from domain.pricing import Price
from domain.usage import ErrorCode, FieldError
from domain.webhooks import EventType
from services import contract_versions, invoice_drafts, webhook_events
from services.audit import NOT_AUDITED, ChangeAudit
from services.runtime import Runtime
from storage import billing, credits, webhooks

_log = logging.getLogger(__name__)

READERS = (Role.ADMIN, Role.COMPANY_ADMIN, Role.VIEWER)
# Hours between a failed contract's attempts grow up to this, unless told otherwise.
RETRY_MAX_HOURS = 24

# A contract's invoices are planned again after a concurrent run finalized
# invoices since its snapshot, at most this many times in one run.
NUMBERING_ATTEMPTS = 50
_CONCURRENT_FINALIZATION = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)

# Failures that are the connection's, not the contract's: the run cannot go on.
_CONNECTION_LOST = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)


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


# ---------------------------------------------------------------- the invoice run


async def generate_invoices(
    rt: Runtime,
    *,
    now: datetime | None = None,
    period_start: datetime | None = None,
    company_id: UUID | None = None,
    retry_max_hours: int = RETRY_MAX_HOURS,
) -> GenerationRun:
    """Invoices for every contract's closed periods (or just ``period_start``'s).

    A contract that fails is rolled back and recorded (attempts, the next
    attempt after a backoff); the run goes on with the next contract.
    """
    now = now or datetime.now(UTC)
    run = GenerationRun()
    async with rt.pool.acquire() as conn:
        waiting = await billing.retries_waiting(conn, now)
        facts = await _run_facts(conn, rt.settings.invoice_number_prefix)
        for contract in await billing.contracts(conn, company_id):
            terms = contract.terms
            if terms.id in waiting:
                continue
            try:
                done = await _invoice_contract(conn, terms, now, period_start, facts)
            except _CONNECTION_LOST:
                raise
            except Exception as exc:  # noqa: BLE001 - a contract's failure is recorded on it
                await _record_failure(conn, terms, exc, now, retry_max_hours)
                run.failed.append(terms.id)
                continue
            await _record_outcome(conn, terms, done, now, retry_max_hours)
            run.created += done.created
            run.updated += done.updated
            run.finalized += done.finalized
            run.unanswerable += done.unanswerable
    return run


@dataclass(frozen=True)
class _RunFacts:
    """What an invoice run reads once, not once per contract. Credit gained or an
    endpoint added while the run goes on counts from the next run (the credit
    is then spent by the company's next invoice, the endpoint hears the next
    invoices)."""

    prefix: str
    # companies an enabled endpoint of which hears of finalized invoices
    listening: frozenset[UUID]
    # (company, currency) pairs holding credit when the run began
    credited: frozenset[tuple[UUID, str]]


async def _run_facts(conn: asyncpg.Connection, prefix: str) -> _RunFacts:
    listening = await webhooks.companies_listening(conn, EventType.INVOICE_FINALIZED)
    credited = await credits.companies_with_credit(conn)
    return _RunFacts(prefix, frozenset(listening), frozenset(credited))


async def _invoice_contract(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    now: datetime,
    only: datetime | None,
    facts: _RunFacts,
) -> GenerationRun:
    """``_invoice_contract_once``, again when its snapshot went stale: a concurrent
    run finalized invoices (both took the same counter row), or the contract was
    amended or ended as the run began. The next attempt reads the contract again
    and plans from what the other transaction wrote."""
    for attempt in range(1, NUMBERING_ATTEMPTS + 1):
        try:
            return await _invoice_contract_once(conn, terms, now, only, facts)
        except _CONCURRENT_FINALIZATION:
            if attempt == NUMBERING_ATTEMPTS:
                raise
        (current,) = await billing.contracts(conn, None, terms.id)
        terms = current.terms
    raise AssertionError("unreachable")


async def _invoice_contract_once(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    now: datetime,
    only: datetime | None,
    facts: _RunFacts,
) -> GenerationRun:
    """Read the contract's inputs, plan its invoices, write them: one snapshot, one commit."""
    async with conn.transaction(isolation="repeatable_read"):
        # amendments and ends wait for this transaction; one made since ``terms``
        # were read is seen (or, committed while this began, fails it: retried)
        terms = await contract_versions.current_terms(conn, terms)
        invoices = await billing.invoices_of(conn, terms.id)
        usage = {
            start: await _usage(conn, terms, start, end)
            for start, end in plan.windows_to_rate(terms, invoices, now, only)
        }
        payments = (
            await billing.payments_of(conn, terms.id) if plan.charges_late_fees(terms) else []
        )
        # nothing to rate, nothing to write: the credit need not be read
        credit = (
            await credits.credit_available(conn, terms.company_id, terms.currency)
            if usage and (terms.company_id, terms.currency) in facts.credited
            else Decimal(0)
        )
        decided = plan.plan_invoices(
            plan.PlanInputs(terms, now, invoices, usage, payments, only, credit)
        )
        done = GenerationRun(unanswerable=decided.unanswerable)
        for write in decided.writes:
            number = await _number_of(conn, write, facts.prefix)
            status = await billing.upsert_invoice(
                conn, write.invoice_id, terms, write.status, write.draft, number
            )
            if number is not None and status is not InvoiceStatus.FINALIZED:
                # the number would be lost: roll it back with the rest
                raise RuntimeError(f"invoice of {write.draft.period_start} was not finalized")
            if write.invoice_id is None:
                done.created += 1
            elif status is not None:
                done.updated += 1
            if write.status is InvoiceStatus.FINALIZED and status is InvoiceStatus.FINALIZED:
                done.finalized += 1
                await _spend_credit(conn, terms, write.draft)
                if terms.company_id in facts.listening:
                    await webhook_events.invoice_finalized(
                        conn, terms.company_id, terms.id, write.draft.period_start
                    )
    return done


async def _spend_credit(
    conn: asyncpg.Connection, terms: ContractTerms, draft: InvoiceDraft
) -> None:
    """The ledger entry of the credit a just-finalized invoice applied, if any."""
    spent = draft.credit_applied
    if spent > 0 and not await credits.apply_credit(conn, terms.id, draft.period_start, spent):
        # the invoice was finalized by this very transaction: it cannot have spent before
        raise RuntimeError(f"the invoice of {draft.period_start} has spent credit already")


async def _number_of(conn: asyncpg.Connection, write: plan.InvoiceWrite, prefix: str) -> str | None:
    """The next number of the invoice's year of issue when ``write`` finalizes it."""
    if write.status is not InvoiceStatus.FINALIZED:
        return None
    year = write.draft.issue_date.year
    return invoice_number(prefix, year, await billing.take_invoice_number(conn, prefix, year))


async def _usage(
    conn: asyncpg.Connection, terms: ContractTerms, start: datetime, end: datetime
) -> plan.Quantities:
    try:
        return await invoice_drafts.quantities(conn, terms, start, end)
    except WindowNotAnswerable:
        return None


def _failure_code(exc: Exception) -> str:
    if isinstance(exc, WindowNotAnswerable):
        return "WINDOW_NOT_ANSWERABLE"
    if isinstance(exc, asyncpg.SerializationError):
        return "CONTRACT_CHANGED"  # amended or ended while the run began: tried again
    if isinstance(exc, ArithmeticError | asyncpg.DataError):
        return "OUT_OF_RANGE"
    if isinstance(exc, ValueError | OverflowError):
        return "INVALID_CONTRACT"
    return "INTERNAL"


async def _record_failure(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    exc: Exception,
    now: datetime,
    retry_max_hours: int,
) -> None:
    message = f"{type(exc).__name__}: {exc}"[:500]
    attempts = await billing.record_run_error(
        conn,
        terms,
        _failure_code(exc),
        message,
        now,
        backoff=True,
        retry_max_hours=retry_max_hours,
    )
    _log.warning("invoices of contract %s failed (attempt %d): %s", terms.id, attempts, exc)


async def _record_outcome(
    conn: asyncpg.Connection,
    terms: ContractTerms,
    done: GenerationRun,
    now: datetime,
    retry_max_hours: int,
) -> None:
    """Periods left unanswerable are reported (and asked again next run); else the
    contract's earlier failure, if any, is cleared."""
    if not done.unanswerable:
        await billing.clear_run_error(conn, terms.id)
        return
    await billing.record_run_error(
        conn,
        terms,
        "WINDOW_NOT_ANSWERABLE",
        "retention has removed the detail these periods need: "
        + ", ".join(s.isoformat() for s in done.unanswerable),
        now,
        backoff=False,
        retry_max_hours=retry_max_hours,
    )


async def mark_overdue_invoices(rt: Runtime, now: datetime | None = None) -> int:
    """Finalized invoices past their due date and unpaid, marked OVERDUE: how many."""
    async with rt.pool.acquire() as conn, conn.transaction():
        marked = await billing.mark_overdue(conn, now or datetime.now(UTC))
        await webhook_events.invoices_overdue(conn, marked)
    return len(marked)


# ---------------------------------------------------------------- reading invoices


async def list_invoices(
    rt: Runtime,
    principal: Principal,
    company_id: UUID | None,
    contract_id: UUID | None,
    status: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[StoredInvoice]:
    """Invoices in period order, after the ``after`` position; an unknown status has none."""
    principal.require(*READERS)
    company = principal.company_filter(company_id)
    if status is not None and status not in {s.value for s in InvoiceStatus}:
        return []
    return await rt.read(
        lambda conn: billing.list_invoices(conn, company, contract_id, status, after, limit)
    )


async def find_invoice(rt: Runtime, principal: Principal, invoice_id: UUID) -> StoredInvoice | None:
    """The invoice, if it exists and the caller may see it."""
    principal.require(*READERS)
    found = await rt.read(lambda conn: billing.invoice_by_id(conn, invoice_id))
    if found is None or not principal.may_see(found.company_id):
        return None  # another company's invoice does not exist for this key
    return found


@dataclass(frozen=True)
class Preview:
    """What an invoice would be, stored nowhere."""

    contract_id: UUID
    company_id: UUID
    draft: InvoiceDraft


async def preview_invoice(
    rt: Runtime,
    principal: Principal,
    contract_id: UUID,
    period_start: datetime,
    prices: Sequence[tuple[str, Price]] = (),
    filters: Mapping[str, tuple[ChargeFilter, ...]] | None = None,
) -> Preview:
    """The invoice of the period holding ``period_start`` from the usage recorded so
    far, the contract's prices or those given instead (and, for a product given
    ``filters``, only the records matching those)."""
    principal.require(*READERS)
    async with rt.pool.acquire() as conn:
        found = await billing.contracts(conn, None, contract_id)
    if not found or not principal.may_see(found[0].terms.company_id):
        raise Rejected(
            [FieldError("contractId", ErrorCode.NOT_FOUND, f"no contract {contract_id}")]
        )
    terms = found[0].terms
    limits = rt.settings.limits
    errors = period_start_errors(period_start, limits) or price_override_errors(
        # the products of the version that prices that period
        in_force(terms, period_of(period_start, terms.billing_day)[1]),
        prices,
        limits,
    )
    if filters:
        errors += filter_override_errors(prices, filters)
        terms = with_filters(terms, filters)
    if errors:
        raise Rejected(errors)
    return Preview(
        terms.id, terms.company_id, await preview_period(rt, terms, period_start, dict(prices))
    )


async def preview_period(
    rt: Runtime,
    terms: ContractTerms,
    period_start: datetime,
    prices: dict[str, Price] | None = None,
) -> InvoiceDraft:
    """The invoice ``terms`` give the period holding ``period_start``, stored nowhere."""
    start, end = period_of(period_start, terms.billing_day)
    try:
        async with rt.pool.acquire() as conn:
            return await invoice_drafts.preview_draft(conn, terms, start, end, prices)
    except WindowNotAnswerable as gone:
        raise Rejected([gone.field_error("periodStart")]) from None


# ---------------------------------------------------------------- payments


async def record_payment(
    rt: Runtime,
    principal: Principal,
    invoice_id: UUID,
    amount: Decimal,
    paid_at: datetime,
    *,
    audit: ChangeAudit = NOT_AUDITED,
) -> StoredInvoice:
    """Pay a finalized invoice (in part or in full); the invoice as it then stands."""
    principal.require(Role.ADMIN)
    errors = payment_errors(amount, paid_at, rt.settings.limits)
    if errors:
        raise Rejected(errors)
    async with rt.pool.acquire() as conn:
        found = await billing.invoice_by_id(conn, invoice_id)
        if found is None:
            raise Rejected(
                [FieldError("invoiceId", ErrorCode.NOT_FOUND, f"no invoice {invoice_id}")]
            )
        refusal = not_payable(found.status)
        if refusal is not None:
            raise Rejected([refusal])
        async with conn.transaction():
            payment_id = uuid7.uuid7()
            await billing.record_payment(conn, invoice_id, amount, paid_at, payment_id)
            paid = await billing.invoice_by_id(conn, invoice_id)  # held by the payment's update
            assert paid is not None
            # what the invoice did not owe is the company's credit, in its currency
            excess = overpaid(paid.draft.total, paid.paid_amount, paid.credited_amount, amount)
            if excess > 0:
                await credits.add_credit(
                    conn, paid, excess, CreditSource.OVERPAYMENT, payment_id=payment_id
                )
            await webhook_events.invoice_paid(conn, invoice_id)
            await audit.write(conn, "Invoice")
        audit.committed()
    return paid
