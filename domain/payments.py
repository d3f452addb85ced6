"""Payments: what a payment may be, and which invoices may be paid.

Pure. A payment is a positive amount in the invoice's currency, to the
cent, at a moment with an offset; only a finalized invoice is paid (a draft
can still change).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain import limits as lim
from domain.invoicing import InvoiceStatus
from domain.usage import ErrorCode, FieldError

# Payments are in the invoice's currency, to the cent.
PAYMENT_DECIMALS = 2


def payment_errors(amount: Decimal, paid_at: datetime, limits: lim.Limits) -> list[FieldError]:
    """Every problem with a payment of ``amount`` at ``paid_at``."""
    if not amount.is_finite() or amount <= 0:
        return [FieldError("amount", ErrorCode.OUT_OF_RANGE, "a payment is a positive amount")]
    errors = lim.decimal_errors("amount", amount, limits.max_amount, PAYMENT_DECIMALS)
    if paid_at.tzinfo is None:
        errors.append(
            FieldError("paidAt", ErrorCode.TIMESTAMP_WITHOUT_OFFSET, "paidAt needs a UTC offset")
        )
    errors.extend(lim.date_errors("paidAt", paid_at, limits))
    return errors


def not_payable(status: InvoiceStatus) -> FieldError | None:
    """Why an invoice in ``status`` cannot be paid yet, if it cannot."""
    if status is InvoiceStatus.FINALIZED:
        return None
    return FieldError(
        "invoiceId",
        ErrorCode.NOT_PAYABLE,
        "a draft invoice can still change: pay it once it is finalized",
    )
