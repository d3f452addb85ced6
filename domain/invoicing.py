"""Invoices: a contract's periods, and what a period's usage costs.

Pure functions. A contract bills monthly on its billing day; period ``n``
is the half-open UTC range from one billing day to the next, clipped to the
days the contract is active. Each product's quantity is priced by
``domain.pricing.rate`` (the free allowance pro-rated for a partial first
period), each line rounded to the cent; a minimum commitment adds a true-up
line; usage that arrived after an earlier period was finalized comes in as
one adjustment line per such period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum, StrEnum
from uuid import UUID

from domain.charge_filters import ChargeFilter
from domain.pricing import Charge, Price, TierCharge, apply_minimum, prorate_factor, rate
from domain.pricing.money import round_cents

ZERO = Decimal("0.00")


class InvoiceStatus(StrEnum):
    """Where an invoice stands: recomputed while DRAFT, never changed once FINALIZED.

    VOID: a finalized invoice cancelled by a full credit note (its amounts
    stay as they were billed; it owes nothing and counts as no revenue).
    PREVIEW is what a period would get, stored nowhere (previews, simulations).
    A StrEnum: the value is the text the database and the API carry.
    """

    DRAFT = "DRAFT"
    FINALIZED = "FINALIZED"
    PREVIEW = "PREVIEW"
    VOID = "VOID"


class PaymentStatus(StrEnum):
    """UNPAID, PAID (paid in full), or OVERDUE (past its due date, unpaid)."""

    UNPAID = "UNPAID"
    PAID = "PAID"
    OVERDUE = "OVERDUE"


class LineKind(Enum):
    USAGE = "USAGE"
    MINIMUM_TRUE_UP = "MINIMUM_TRUE_UP"
    ADJUSTMENT = "ADJUSTMENT"
    LATE_FEE = "LATE_FEE"
    # the company's credit balance spent on this invoice (a negative amount)
    CREDIT_APPLIED = "CREDIT_APPLIED"


@dataclass(frozen=True)
class ContractProduct:
    product_code: str
    metric_code: str
    price: Price
    # only records matching every filter count (domain.charge_filters); none: all
    filters: tuple[ChargeFilter, ...] = ()


@dataclass(frozen=True)
class ContractTerms:
    id: UUID
    company_id: UUID
    currency: str
    start_date: date
    end_date: date | None
    billing_day: int
    payment_terms_days: int
    minimum_commitment: Decimal | None
    grace: timedelta
    products: tuple[ContractProduct, ...]
    late_fee_percent_per_month: Decimal = Decimal(0)
    # which version of the contract these terms are (1: as signed)
    version: int = 1
    # the later versions, by number (``in_force`` picks the one pricing a period)
    amendments: tuple[Amendment, ...] = ()


@dataclass(frozen=True)
class Amendment:
    """A later version of a contract: every price and term it sets, from ``effective_from``."""

    number: int
    effective_from: datetime
    products: tuple[ContractProduct, ...]
    minimum_commitment: Decimal | None
    payment_terms_days: int
    late_fee_percent_per_month: Decimal
    created_at: datetime | None = None


def in_force(terms: ContractTerms, end: datetime) -> ContractTerms:
    """The terms pricing the period that ends at ``end``: the version in force at
    its end (the last one effective before ``end``) prices the whole period, so a
    mid-month change applies to that whole month."""
    chosen = None
    for amendment in terms.amendments:
        if amendment.effective_from < end:
            chosen = amendment
    if chosen is None:
        return terms
    return replace(
        terms,
        version=chosen.number,
        products=chosen.products,
        minimum_commitment=chosen.minimum_commitment,
        payment_terms_days=chosen.payment_terms_days,
        late_fee_percent_per_month=chosen.late_fee_percent_per_month,
    )


@dataclass(frozen=True)
class Line:
    kind: LineKind
    amount: Decimal
    product_code: str | None = None
    metric_code: str | None = None
    quantity: Decimal | None = None
    free_units_used: Decimal | None = None
    billable_quantity: Decimal | None = None
    tiers: tuple[TierCharge, ...] = ()
    adjusts_period_start: datetime | None = None


@dataclass(frozen=True)
class InvoiceDraft:
    period_start: datetime
    period_end: datetime
    currency: str
    lines: tuple[Line, ...]
    subtotal: Decimal
    minimum_true_up: Decimal
    adjustments: Decimal
    total: Decimal
    issue_date: date
    due_date: date
    # the contract version that priced it
    contract_version: int = 1

    @property
    def charged(self) -> Decimal:
        """What this period's own usage cost (subtotal plus true-up)."""
        return self.subtotal + self.minimum_true_up

    @property
    def credit_applied(self) -> Decimal:
        """The company credit this invoice spent (its total is already net of it)."""
        return ZERO - sum((x.amount for x in self.lines if x.kind is LineKind.CREDIT_APPLIED), ZERO)


@dataclass(frozen=True)
class StoredInvoice:
    """An invoice as the database holds it."""

    id: UUID
    contract_id: UUID
    company_id: UUID
    status: InvoiceStatus
    draft: InvoiceDraft
    finalized_at: datetime | None
    updated_at: datetime
    payment_status: PaymentStatus = PaymentStatus.UNPAID
    paid_amount: Decimal = Decimal(0)
    # the sum of its credit notes
    credited_amount: Decimal = Decimal(0)
    voided_at: datetime | None = None
    # given at finalization (domain.invoice_documents); a draft has none
    number: str | None = None

    @property
    def finalized(self) -> bool:
        return self.status is InvoiceStatus.FINALIZED

    @property
    def amount_due(self) -> Decimal:
        """What is still owed: total less payments and credit notes, never below zero
        (an overpayment is the company's credit, not a negative amount due)."""
        if self.status is InvoiceStatus.DRAFT:
            return self.draft.total
        return max(self.draft.total - self.paid_amount - self.credited_amount, ZERO)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _add_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, day.day)


def period_of(moment: datetime, billing_day: int) -> tuple[datetime, datetime]:
    """The billing period ``[start, end)`` that contains ``moment``."""
    day = moment.astimezone(UTC).date()
    start = day.replace(day=billing_day)
    if start > day:
        start = date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, billing_day)
    return _midnight(start), _midnight(_add_month(start))


def active_window(
    terms: ContractTerms, start: datetime, end: datetime
) -> tuple[datetime, datetime]:
    """The part of ``[start, end)`` the contract is active (may be empty)."""
    begin = max(start, _midnight(terms.start_date))
    finish = end if terms.end_date is None else min(end, _midnight(terms.end_date + timedelta(1)))
    return begin, max(begin, finish)


def closed_periods(terms: ContractTerms, now: datetime) -> list[tuple[datetime, datetime]]:
    """Every period of the contract that has ended by ``now``, oldest first."""
    out = []
    start, end = period_of(_midnight(terms.start_date), terms.billing_day)
    while end <= now:
        begin, finish = active_window(terms, start, end)
        if begin < finish:
            out.append((start, end))
        elif terms.end_date is not None and start.date() > terms.end_date:
            break
        start, end = end, _midnight(_add_month(end.date()))
    return out


def usage_lines(
    terms: ContractTerms,
    start: datetime,
    end: datetime,
    quantities: Mapping[str, Decimal],
    prices: Mapping[str, Price] | None = None,
) -> list[Line]:
    """One line per product: the period's quantity, priced (``prices`` overrides)."""
    factor = prorate_factor(start.date(), end.date(), terms.start_date)
    lines = []
    for product in terms.products:
        price = (prices or {}).get(product.product_code, product.price)
        quantity = quantities.get(product.product_code, Decimal(0))
        charge: Charge = rate(price, quantity, allowance_factor=factor)
        lines.append(
            Line(
                kind=LineKind.USAGE,
                amount=charge.amount,
                product_code=product.product_code,
                metric_code=product.metric_code,
                quantity=charge.quantity,
                free_units_used=charge.free_units_used,
                billable_quantity=charge.billable_quantity,
                tiers=charge.tiers,
            )
        )
    return lines


def build_invoice(
    terms: ContractTerms,
    start: datetime,
    end: datetime,
    quantities: Mapping[str, Decimal],
    *,
    adjustments: Sequence[Line] = (),
    prices: Mapping[str, Price] | None = None,
) -> InvoiceDraft:
    terms = in_force(terms, end)
    lines = usage_lines(terms, start, end, quantities, prices)
    subtotal = round_cents(sum((line.amount for line in lines), ZERO))
    true_up = apply_minimum(subtotal, terms.minimum_commitment)
    if true_up > 0:
        lines.append(Line(kind=LineKind.MINIMUM_TRUE_UP, amount=true_up))
    # adjustments and late fees: amounts owed for earlier periods
    return _draft(terms, start, end, lines, subtotal, true_up, adjustments)


def adjustment_invoice(
    terms: ContractTerms, start: datetime, end: datetime, adjustments: Sequence[Line]
) -> InvoiceDraft:
    """An ended contract's invoice for usage that reached its finalized periods
    late: the adjustment lines alone, for a period after the contract's last."""
    terms = in_force(terms, end)
    return _draft(terms, start, end, [], ZERO, ZERO, adjustments)


def _draft(
    terms: ContractTerms,
    start: datetime,
    end: datetime,
    lines: list[Line],
    subtotal: Decimal,
    true_up: Decimal,
    adjustments: Sequence[Line],
) -> InvoiceDraft:
    """The invoice of ``lines`` (usage and true-up) followed by ``adjustments``."""
    adjusted = round_cents(sum((a.amount for a in adjustments), ZERO))
    issue = end.date()
    return InvoiceDraft(
        period_start=start,
        period_end=end,
        currency=terms.currency,
        lines=(*lines, *adjustments),
        subtotal=subtotal,
        minimum_true_up=true_up,
        adjustments=adjusted,
        total=subtotal + true_up + adjusted,
        issue_date=issue,
        due_date=issue + timedelta(days=terms.payment_terms_days),
        contract_version=terms.version,
    )


def adjustment(
    earlier_start: datetime, recharged: Decimal, billed: Decimal, adjusted_already: Decimal
) -> Line | None:
    """The line that settles an earlier, finalized period, if its usage has changed since."""
    delta = round_cents(recharged - billed - adjusted_already)
    if delta == 0:
        return None
    return Line(kind=LineKind.ADJUSTMENT, amount=delta, adjusts_period_start=earlier_start)


# A month, for pro-rating a monthly late fee by days.
DAYS_PER_MONTH = Decimal(30)


def late_fee(
    overdue_period_start: datetime,
    outstanding: Decimal,
    due_date: date,
    percent_per_month: Decimal,
    start: datetime,
    end: datetime,
) -> Line | None:
    """The late fee an unpaid invoice accrues over the days of ``[start, end)``.

    Interest runs from the day after the due date: ``outstanding`` times the
    monthly rate times overdue days / 30, rounded to the cent. Each period
    charges the overdue days that fall in it, so no day is charged twice.
    """
    first = max(start.date(), due_date + timedelta(days=1))
    days = (end.date() - first).days
    if days <= 0 or outstanding <= 0 or percent_per_month <= 0:
        return None
    amount = round_cents(outstanding * percent_per_month / 100 * days / DAYS_PER_MONTH)
    if amount == 0:
        return None
    return Line(kind=LineKind.LATE_FEE, amount=amount, adjusts_period_start=overdue_period_start)


def apply_credit(draft: InvoiceDraft, credit: Decimal) -> tuple[InvoiceDraft, Decimal]:
    """``draft`` with up to ``credit`` of the company's credit applied, and how much.

    One ``CREDIT_APPLIED`` line, at most the invoice's total: the total never
    goes below zero, and what is not needed stays on the balance.
    """
    used = round_cents(min(credit, draft.total))
    if used <= 0:
        return draft, ZERO
    return (
        replace(
            draft,
            lines=(*draft.lines, Line(kind=LineKind.CREDIT_APPLIED, amount=-used)),
            total=draft.total - used,
        ),
        used,
    )
