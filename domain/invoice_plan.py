"""What one invoice run does to one contract: a plan, decided from inputs read beforehand.

Pure. The caller reads the contract's invoices, the usage of the periods
``windows_to_rate`` names and (when the contract charges late fees) its
payments, then ``plan_invoices`` decides everything the run writes:

- each closed period that is not finalized gets its invoice (a draft while
  its grace period runs, finalized after it); a period whose usage no data
  answers exactly any more gets none and is reported (``unanswerable``);
- the earliest such period also settles finalized periods whose usage
  changed after they were billed (one adjustment line each);
- each period charges late fees on earlier finalized invoices still unpaid,
  for their overdue days that fall in it;
- an ended contract whose periods are all finalized settles late usage on an
  adjustment invoice of its own (the period after its last);
- each invoice it finalizes spends the company's credit balance (``credit``,
  in the contract's currency) on a ``CREDIT_APPLIED`` line, up to its total,
  until none is left; a draft can still change, so it spends none.

A void invoice is settled like a finalized one: never rewritten, never re-rated.

Later periods of the same run see earlier ones as the plan leaves them (a
period just finalized owes late fees in the next one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from domain.invoicing import (
    ContractTerms,
    InvoiceDraft,
    InvoiceStatus,
    Line,
    LineKind,
    StoredInvoice,
    adjustment,
    adjustment_invoice,
    apply_credit,
    build_invoice,
    closed_periods,
    in_force,
    late_fee,
    period_of,
)

# How far back finalized periods are re-rated for late usage, at most (and
# never before the data that answers a period exactly).
ADJUSTMENT_HORIZON = timedelta(days=400)

# Each product's usage in a period; None: no data answers the period exactly any more.
Quantities = Mapping[str, Decimal] | None


@dataclass(frozen=True)
class Payment:
    invoice_id: UUID
    amount: Decimal
    paid_at: datetime


@dataclass(frozen=True)
class PlanInputs:
    terms: ContractTerms
    now: datetime
    # the contract's invoices by period start, as stored
    invoices: Mapping[datetime, StoredInvoice]
    # usage by period start, for every window ``windows_to_rate`` names
    usage: Mapping[datetime, Quantities]
    # the contract's payments (only read when it charges late fees)
    payments: Sequence[Payment] = ()
    # just this period's invoice (any moment in it); None: every closed period
    only: datetime | None = None
    # the company's credit balance in the contract's currency
    credit: Decimal = Decimal(0)


@dataclass(frozen=True)
class InvoiceWrite:
    """One invoice to insert (``invoice_id`` None) or to recompute."""

    invoice_id: UUID | None
    status: InvoiceStatus
    draft: InvoiceDraft


@dataclass
class InvoicePlan:
    writes: list[InvoiceWrite] = field(default_factory=list)
    # periods no data answers exactly any more, left without an invoice
    unanswerable: list[datetime] = field(default_factory=list)
    # the credit balance the writes leave unspent
    credit_left: Decimal = Decimal(0)


# Invoices the run never writes again.
_SETTLED = (InvoiceStatus.FINALIZED, InvoiceStatus.VOID)


@dataclass(frozen=True)
class _Standing:
    """An invoice as it stands while planning (``id`` None: written by this plan)."""

    id: UUID | None
    status: InvoiceStatus
    draft: InvoiceDraft
    # the sum of its credit notes
    credited: Decimal = Decimal(0)


def after_end(terms: ContractTerms, start: datetime) -> bool:
    """Whether a period starts after the contract ended: an adjustment invoice's."""
    return terms.end_date is not None and start.date() > terms.end_date


def charges_late_fees(terms: ContractTerms) -> bool:
    """Whether any version of the contract charges late fees."""
    return terms.late_fee_percent_per_month > 0 or any(
        a.late_fee_percent_per_month > 0 for a in terms.amendments
    )


def _period_key(terms: ContractTerms, only: datetime | None) -> datetime | None:
    return None if only is None else period_of(only, terms.billing_day)[0]


def _rerated(terms: ContractTerms, invoice: StoredInvoice, now: datetime) -> bool:
    """Whether a finalized period is re-rated for late usage (its own usage, recent enough)."""
    start = invoice.draft.period_start
    return (
        invoice.finalized
        and not after_end(terms, start)
        and invoice.draft.period_end >= now - ADJUSTMENT_HORIZON
    )


def windows_to_rate(
    terms: ContractTerms,
    invoices: Mapping[datetime, StoredInvoice],
    now: datetime,
    only: datetime | None = None,
) -> list[tuple[datetime, datetime]]:
    """The periods ``[start, end)`` whose usage the plan needs: the open ones, and
    the finalized ones it may re-rate for late usage."""
    only = _period_key(terms, only)
    open_ = [
        (start, end)
        for start, end in closed_periods(terms, now)
        if (only is None or start == only)
        and not (start in invoices and invoices[start].status in _SETTLED)
    ]
    latest = max((start for start, _ in open_), default=None)
    settles = terms.end_date is not None and only is None
    rerated = [
        (start, invoice.draft.period_end)
        for start, invoice in sorted(invoices.items())
        if _rerated(terms, invoice, now) and (settles or (latest is not None and start < latest))
    ]
    return open_ + rerated


def plan_invoices(inputs: PlanInputs) -> InvoicePlan:
    """Every invoice the run writes for the contract, and the periods it cannot invoice."""
    terms, now = inputs.terms, inputs.now
    only = _period_key(terms, inputs.only)
    standing = {
        start: _Standing(i.id, i.status, i.draft, i.credited_amount)
        for start, i in inputs.invoices.items()
    }
    plan = InvoicePlan(credit_left=inputs.credit)
    earliest_open: datetime | None = None
    for start, end in closed_periods(terms, now):
        current = standing.get(start)
        if only is not None and start != only:
            if current is not None and current.status is InvoiceStatus.DRAFT:
                earliest_open = earliest_open or start
            continue
        if current is not None and current.status in _SETTLED:
            continue
        used = inputs.usage[start]
        if used is None:
            # never a wrong invoice: the period waits (reported on the contract)
            plan.unanswerable.append(start)
            continue
        lines: list[Line] = []
        if earliest_open is None:
            earliest_open = start
            lines = _adjustments(inputs, standing, start)
        lines += _late_fees(inputs, standing, start, end)
        draft = build_invoice(terms, start, end, used, adjustments=lines)
        _write(plan, standing, terms, current, draft, now)
    if terms.end_date is not None and earliest_open is None and only is None:
        _settle_after_end(inputs, standing, plan)
    return plan


def _write(
    plan: InvoicePlan,
    standing: dict[datetime, _Standing],
    terms: ContractTerms,
    current: _Standing | None,
    draft: InvoiceDraft,
    now: datetime,
) -> None:
    """Write ``draft``: finalized once its grace period is over, a draft until then."""
    final = now >= draft.period_end + terms.grace
    status = InvoiceStatus.FINALIZED if final else InvoiceStatus.DRAFT
    if final and plan.credit_left > 0:
        draft, used = apply_credit(draft, plan.credit_left)
        plan.credit_left -= used
    invoice_id = current.id if current is not None else None
    plan.writes.append(InvoiceWrite(invoice_id, status, draft))
    # later periods of this run see it as it now stands (adjustments, late fees)
    standing[draft.period_start] = _Standing(invoice_id, status, draft)


def _adjustments(
    inputs: PlanInputs, standing: Mapping[datetime, _Standing], before: datetime
) -> list[Line]:
    """Settle finalized periods before ``before`` whose usage changed after finalization."""
    terms = inputs.terms
    finalized = {s: i for s, i in standing.items() if i.status is InvoiceStatus.FINALIZED}
    settled: dict[datetime, Decimal] = {}
    for invoice in finalized.values():
        for line in invoice.draft.lines:
            if line.kind is LineKind.ADJUSTMENT and line.adjusts_period_start is not None:
                key = line.adjusts_period_start
                settled[key] = settled.get(key, Decimal(0)) + line.amount
    # what the draft being recomputed already settles: a period that can no
    # longer be re-rated keeps the line computed while it still could
    recomputed = standing.get(before)
    carried = {
        line.adjusts_period_start: line
        for line in (
            recomputed.draft.lines
            if recomputed and recomputed.status is InvoiceStatus.DRAFT
            else ()
        )
        if line.kind is LineKind.ADJUSTMENT
    }
    lines: list[Line] = []
    for start, invoice in sorted(finalized.items()):
        if start >= before or after_end(terms, start):  # an adjustment invoice: no usage
            continue
        used = _usage_of(inputs, start, invoice.draft.period_end)
        if used is None:
            # retention has taken the detail this period needs: what was
            # billed (and settled) stands; incomplete data never re-rates it
            if start in carried:
                lines.append(carried[start])
            continue
        again = build_invoice(terms, start, invoice.draft.period_end, used)
        settles = adjustment(
            start, again.charged, invoice.draft.charged, settled.get(start, Decimal(0))
        )
        if settles is not None:
            lines.append(settles)
    return lines


def _usage_of(inputs: PlanInputs, start: datetime, end: datetime) -> Quantities:
    """A finalized period's usage now; None when it is not re-rated (too old, or gone)."""
    if end < inputs.now - ADJUSTMENT_HORIZON:
        return None
    return inputs.usage[start]


def _late_fees(
    inputs: PlanInputs, standing: Mapping[datetime, _Standing], start: datetime, end: datetime
) -> list[Line]:
    """Late fees for earlier invoices still unpaid, for their overdue days in ``[start, end)``."""
    # the rate of the version in force in the period that charges the fee
    terms = in_force(inputs.terms, end)
    if terms.late_fee_percent_per_month <= 0:
        return []
    paid: dict[UUID, Decimal] = {}
    for payment in inputs.payments:
        if payment.paid_at < end:
            paid[payment.invoice_id] = paid.get(payment.invoice_id, Decimal(0)) + payment.amount
    lines = []
    for earlier_start, invoice in sorted(standing.items()):
        if invoice.status is not InvoiceStatus.FINALIZED or earlier_start >= start:
            continue
        already = paid.get(invoice.id, Decimal(0)) if invoice.id is not None else Decimal(0)
        line = late_fee(
            earlier_start,
            invoice.draft.total - already - invoice.credited,
            invoice.draft.due_date,
            terms.late_fee_percent_per_month,
            start,
            end,
        )
        if line is not None:
            lines.append(line)
    return lines


def _settle_after_end(
    inputs: PlanInputs, standing: dict[datetime, _Standing], plan: InvoicePlan
) -> None:
    """An ended contract whose periods are all finalized: usage that reached
    them late goes on an adjustment invoice (the billing period after the
    contract's last, or the one now running), a draft until its grace is over."""
    terms, now = inputs.terms, inputs.now
    open_drafts = [
        s for s, i in standing.items() if i.status is InvoiceStatus.DRAFT and after_end(terms, s)
    ]
    if open_drafts:
        start = min(open_drafts)
        end = standing[start].draft.period_end
    else:
        start, end = period_of(now, terms.billing_day)
        if not after_end(terms, start) or start in standing:
            return  # the contract's last period is still running, or was just settled
    lines = _adjustments(inputs, standing, start)
    current = standing.get(start)
    if current is None and not lines:
        return
    _write(plan, standing, terms, current, adjustment_invoice(terms, start, end, lines), now)
