"""Credits: credit notes, voided invoices and a company's credit balance.

Pure. A finalized invoice owes ``total - paid - credited`` (never below
zero). A company's credit balance, per currency, is the sum of its ledger:

    OVERPAYMENT  + a payment's part beyond what its invoice still owed
    CREDIT_NOTE  + a credit note's part beyond what its invoice still owed
                   (on a paid invoice the money was already received, so
                   the customer gets it back as credit)
    APPLIED      - the credit a later invoice of the same currency spent
                   (its ``CREDIT_APPLIED`` line), once per invoice

Voiding an invoice issues a credit note for all that credit notes have not
yet taken off it; by the rule above its payments become credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from domain import limits as lim
from domain.field_errors import ErrorCode, FieldError
from domain.invoicing import ZERO, InvoiceStatus, StoredInvoice

# Credit notes are in the invoice's currency, to the cent.
CREDIT_DECIMALS = 2
MAX_REASON_LENGTH = 500


class CreditSource(StrEnum):
    """What a credit ledger entry records (the text the database carries)."""

    OVERPAYMENT = "OVERPAYMENT"
    CREDIT_NOTE = "CREDIT_NOTE"
    APPLIED = "APPLIED"


@dataclass(frozen=True)
class CreditNote:
    id: UUID
    invoice_id: UUID
    company_id: UUID
    currency: str
    amount: Decimal
    reason: str
    # issued by voiding its invoice
    voids: bool
    created_at: datetime


@dataclass(frozen=True)
class CreditEntry:
    """One line of a company's credit ledger: gained (positive) or applied (negative)."""

    id: UUID
    currency: str
    amount: Decimal
    source: CreditSource
    invoice_id: UUID
    payment_id: UUID | None
    credit_note_id: UUID | None
    created_at: datetime


@dataclass(frozen=True)
class CreditBalance:
    """A company's credit in one currency: the sum of its ledger entries."""

    currency: str
    amount: Decimal


def unpaid(invoice: StoredInvoice) -> Decimal:
    """What the invoice still owes."""
    return max(invoice.draft.total - invoice.paid_amount - invoice.credited_amount, ZERO)


def creditable(invoice: StoredInvoice) -> Decimal:
    """What credit notes may still take off the invoice: its total less earlier ones."""
    return invoice.draft.total - invoice.credited_amount


def credit_beyond_unpaid(invoice: StoredInvoice, amount: Decimal) -> Decimal:
    """The part of a credit note of ``amount`` that becomes the company's credit."""
    return max(amount - unpaid(invoice), ZERO)


def overpaid(total: Decimal, paid: Decimal, credited: Decimal, amount: Decimal) -> Decimal:
    """The part of a payment of ``amount`` (``paid`` already counting it) its invoice
    did not owe: the company's credit."""
    return min(amount, max(paid + credited - total, ZERO))


def _not_finalized(invoice: StoredInvoice, field: str, code: ErrorCode, verb: str) -> FieldError:
    if invoice.status is InvoiceStatus.VOID:
        why = "the invoice is void already"
    else:
        why = "a draft invoice can still change: only a finalized one"
    return FieldError(field, code, f"{why} {verb}")


def credit_note_errors(
    invoice: StoredInvoice, amount: Decimal, reason: str, limits: lim.Limits
) -> list[FieldError]:
    """Every problem with a credit note of ``amount`` on ``invoice``."""
    if invoice.status is not InvoiceStatus.FINALIZED:
        return [_not_finalized(invoice, "invoiceId", ErrorCode.NOT_CREDITABLE, "gets credit notes")]
    errors = reason_errors(reason)
    if not amount.is_finite() or amount <= 0:
        return [
            *errors,
            FieldError("amount", ErrorCode.OUT_OF_RANGE, "a credit note is a positive amount"),
        ]
    errors += lim.decimal_errors("amount", amount, limits.max_amount, CREDIT_DECIMALS)
    left = creditable(invoice)
    if not errors and amount > left:
        errors.append(
            FieldError(
                "amount",
                ErrorCode.OUT_OF_RANGE,
                f"{amount} is more than the {left} {invoice.draft.currency} left on the invoice"
                " after its earlier credit notes",
            )
        )
    return errors


def void_errors(invoice: StoredInvoice, reason: str) -> list[FieldError]:
    """Why ``invoice`` cannot be voided with ``reason``, if it cannot."""
    if invoice.status is not InvoiceStatus.FINALIZED:
        return [_not_finalized(invoice, "id", ErrorCode.NOT_VOIDABLE, "is voided")]
    return reason_errors(reason)


def reason_errors(reason: str) -> list[FieldError]:
    if not reason.strip():
        return [FieldError("reason", ErrorCode.REQUIRED, "say why the invoice is credited")]
    return lim.text_errors("reason", reason, MAX_REASON_LENGTH)
